#include "plantwin/stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace plantwin {
namespace {

// Continued fraction for the incomplete beta function (modified Lentz's method).
double beta_continued_fraction(double a, double b, double x) {
  constexpr int kMaxIter = 300;
  constexpr double kEps = 1e-15;
  constexpr double kTiny = 1e-300;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIter; ++m) {
    const int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return h;
}

}  // namespace

double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double ln_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(ln_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double incomplete_gamma_p(double a, double x) {
  if (x <= 0) return 0;
  const double ln_front = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1.0) {
    // Series.
    double ap = a, sum = 1.0 / a, del = sum;
    for (int n = 0; n < 1000; ++n) {
      ap += 1.0;
      del *= x / ap;
      sum += del;
      if (std::fabs(del) < std::fabs(sum) * 1e-16) break;
    }
    return sum * std::exp(ln_front);
  }
  // Continued fraction for Q, Lentz.
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < 1e-16) break;
  }
  return 1.0 - std::exp(ln_front) * h;
}

double chi_square_cdf(double x, double df) {
  return incomplete_gamma_p(0.5 * df, 0.5 * x);
}

double student_t_cdf(double x, double df) {
  const double tail = 0.5 * incomplete_beta(0.5 * df, 0.5, df / (df + x * x));
  return x >= 0 ? 1.0 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) throw std::invalid_argument("student_t_quantile: bad input");
  if (p == 0.5) return 0;
  // Bracket then bisect; the cdf is monotone and cheap enough for the few calls a report needs.
  double lo = -1, hi = 1;
  while (student_t_cdf(lo, df) > p) lo *= 2;
  while (student_t_cdf(hi, df) < p) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-13 * std::max(1.0, std::fabs(hi)); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (student_t_cdf(mid, df) < p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

Estimate t_interval(std::span<const double> values, double confidence) {
  Tally t;
  for (double v : values)
    if (!std::isnan(v)) t.add(v);
  Estimate e;
  e.samples = static_cast<int>(t.count());
  if (t.count() == 0) return e;
  e.mean = t.mean();
  if (t.count() < 2) return e;
  const double q = student_t_quantile(0.5 + 0.5 * confidence, static_cast<double>(t.count() - 1));
  e.half_width = q * std::sqrt(t.variance() / static_cast<double>(t.count()));
  return e;
}

Estimate batch_means_interval(std::span<const double> batch_means, double confidence) {
  std::vector<double> m;
  for (double v : batch_means)
    if (!std::isnan(v)) m.push_back(v);
  Estimate e;
  e.samples = static_cast<int>(m.size());
  if (m.empty()) return e;
  const double k = static_cast<double>(m.size());
  double mean = 0;
  for (double v : m) mean += v;
  mean /= k;
  e.mean = mean;
  if (m.size() < 3) return e;
  double s2 = 0, s3 = 0, lag = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const double d = m[i] - mean;
    s2 += d * d;
    s3 += d * d * d;
    if (i > 0) lag += d * (m[i - 1] - mean);
  }
  if (s2 <= 0) {
    e.half_width = 0;
    return e;
  }
  const double phi = std::clamp(lag / s2, 0.0, 0.9);
  const double var = s2 / (k - 1);
  const double se = std::sqrt((1 + phi) / (1 - phi) * var / k);
  const double skew = k / ((k - 1) * (k - 2)) * s3 / std::pow(var, 1.5);
  const double beta = skew / (6 * std::sqrt(k));
  // Willink's G(z) = ((1 + 6 beta (z - beta))^(1/3) - 1) / (2 beta); G(z) -> z as beta -> 0.
  const auto g = [beta](double z) {
    if (std::abs(beta) < 1e-9) return z;
    return (std::cbrt(1 + 6 * beta * (z - beta)) - 1) / (2 * beta);
  };
  const double t = student_t_quantile(0.5 + 0.5 * confidence, k - 1);
  const double lower = mean - g(t) * se, upper = mean - g(-t) * se;
  e.half_width = std::max(upper - mean, mean - lower);
  return e;
}

}  // namespace plantwin
