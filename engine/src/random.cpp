#include "plantwin/random.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

namespace plantwin {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void require(bool ok, const std::string& why) {
  if (!ok) throw std::invalid_argument(why);
}

double normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}
double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}

}  // namespace

Rng::Rng(std::uint64_t seed) {
  std::uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
}

Rng Rng::stream(std::uint64_t seed, std::uint64_t replication, std::string_view component,
                std::string_view purpose) {
  std::uint64_t x = seed;
  std::uint64_t h = splitmix64(x);
  h ^= replication * 0xd1b54a32d192ed03ULL;
  std::uint64_t y = h;
  h = splitmix64(y) ^ stable_hash(component);
  y = h;
  h = splitmix64(y) ^ (stable_hash(purpose) * 0x9e3779b97f4a7c15ULL);
  return Rng(h);
}

double Rng::normal() {
  const double u1 = uniform_pos();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Distribution Distribution::constant(double value) {
  require(std::isfinite(value), "a constant must be finite");
  Distribution d;
  d.kind_ = Kind::kConstant;
  d.a_ = value;
  return d;
}

Distribution Distribution::uniform(double low, double high) {
  require(std::isfinite(low) && std::isfinite(high) && low <= high,
          fmt::format("uniform needs low <= high, got low={} high={}", low, high));
  Distribution d;
  d.kind_ = Kind::kUniform;
  d.a_ = low;
  d.b_ = high;
  return d;
}

Distribution Distribution::triangular(double low, double mode, double high) {
  require(low <= mode && mode <= high && low < high,
          fmt::format("triangular needs min <= mode <= max and min < max, got {}, {}, {}", low,
                      mode, high));
  Distribution d;
  d.kind_ = Kind::kTriangular;
  d.a_ = low;
  d.b_ = mode;
  d.c_ = high;
  return d;
}

Distribution Distribution::exponential(double mean) {
  require(mean > 0 && std::isfinite(mean),
          fmt::format("exponential needs a positive mean, got {}", mean));
  Distribution d;
  d.kind_ = Kind::kExponential;
  d.a_ = mean;
  return d;
}

Distribution Distribution::normal(double mean, double sd, bool truncate_at_zero) {
  require(sd >= 0 && std::isfinite(sd), fmt::format("normal needs sd >= 0, got sd={}", sd));
  require(std::isfinite(mean), "normal needs a finite mean");
  if (truncate_at_zero)
    require(mean > 0, fmt::format("a normal duration needs a positive mean, got {}", mean));
  Distribution d;
  d.kind_ = Kind::kNormal;
  d.a_ = mean;
  d.b_ = sd;
  d.truncate_ = truncate_at_zero;
  return d;
}

Distribution Distribution::lognormal(double mean, double sd) {
  require(mean > 0 && std::isfinite(mean),
          fmt::format("lognormal needs a positive mean, got {}", mean));
  require(sd >= 0 && std::isfinite(sd), fmt::format("lognormal needs sd >= 0, got sd={}", sd));
  Distribution d;
  d.kind_ = Kind::kLognormal;
  const double sigma2 = std::log1p((sd * sd) / (mean * mean));
  d.a_ = std::log(mean) - 0.5 * sigma2;  // mu
  d.b_ = std::sqrt(sigma2);              // sigma
  d.c_ = mean;
  d.d_ = sd;
  return d;
}

Distribution Distribution::weibull(double shape, double scale) {
  require(
      shape > 0 && scale > 0,
      fmt::format("weibull needs shape > 0 and scale > 0, got shape={} scale={}", shape, scale));
  Distribution d;
  d.kind_ = Kind::kWeibull;
  d.a_ = shape;
  d.b_ = scale;
  return d;
}

Distribution Distribution::gamma(double shape, double scale) {
  require(shape > 0 && scale > 0,
          fmt::format("gamma needs shape > 0 and scale > 0, got shape={} scale={}", shape, scale));
  Distribution d;
  d.kind_ = Kind::kGamma;
  d.a_ = shape;
  d.b_ = scale;
  return d;
}

Distribution Distribution::erlang(int k, double mean) {
  require(k >= 1, fmt::format("erlang needs k >= 1, got {}", k));
  require(mean > 0, fmt::format("erlang needs a positive mean, got {}", mean));
  Distribution d;
  d.kind_ = Kind::kErlang;
  d.k_ = k;
  d.a_ = mean;
  return d;
}

Distribution Distribution::empirical(std::vector<double> values, std::vector<double> weights) {
  require(!values.empty(), "empirical needs at least one value");
  if (weights.empty()) weights.assign(values.size(), 1.0);
  require(weights.size() == values.size(),
          fmt::format("empirical needs as many weights as values, got {} values and {} weights",
                      values.size(), weights.size()));
  double total = 0;
  for (double w : weights) {
    require(w >= 0 && std::isfinite(w), fmt::format("empirical weights must be >= 0, got {}", w));
    total += w;
  }
  require(total > 0, "empirical weights must not all be zero");
  Distribution d;
  d.kind_ = Kind::kEmpirical;
  d.values_ = std::move(values);
  d.cumulative_.resize(weights.size());
  double run = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    run += weights[i] / total;
    d.cumulative_[i] = run;
  }
  d.cumulative_.back() = 1.0;
  return d;
}

Distribution Distribution::trace(std::vector<double> values) {
  require(!values.empty(), "trace needs at least one value");
  Distribution d;
  d.kind_ = Kind::kTrace;
  d.values_ = std::move(values);
  return d;
}

double Distribution::sample_gamma(Rng& rng, double shape) const {
  // Marsaglia and Tsang (2000); shape < 1 boosted by U^(1/shape).
  if (shape < 1.0) return sample_gamma(rng, shape + 1.0) * std::pow(rng.uniform_pos(), 1.0 / shape);
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.uniform_pos();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double Distribution::sample_other(Rng& rng) const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return a_ + (b_ - a_) * rng.uniform();
    case Kind::kTriangular: {
      const double u = rng.uniform();
      const double f = (b_ - a_) / (c_ - a_);
      if (u < f) return a_ + std::sqrt(u * (c_ - a_) * (b_ - a_));
      return c_ - std::sqrt((1 - u) * (c_ - a_) * (c_ - b_));
    }
    case Kind::kExponential:
      return -a_ * std::log(rng.uniform_pos());
    case Kind::kNormal: {
      if (!truncate_) return a_ + b_ * rng.normal();
      for (;;) {
        const double x = a_ + b_ * rng.normal();
        if (x >= 0) return x;
      }
    }
    case Kind::kLognormal:
      return std::exp(a_ + b_ * rng.normal());
    case Kind::kWeibull:
      return b_ * std::pow(-std::log(rng.uniform_pos()), 1.0 / a_);
    case Kind::kGamma:
      return b_ * sample_gamma(rng, a_);
    case Kind::kErlang: {
      double prod = 1.0;
      for (int i = 0; i < k_; ++i) prod *= rng.uniform_pos();
      return -(a_ / k_) * std::log(prod);
    }
    case Kind::kEmpirical: {
      const double u = rng.uniform();
      const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
      const auto i = std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_.begin()),
                                           values_.size() - 1);
      return values_[i];
    }
    case Kind::kTrace:
      return values_[static_cast<std::size_t>(rng.next_trace_index() % values_.size())];
  }
  return 0;
}

double Distribution::mean() const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return 0.5 * (a_ + b_);
    case Kind::kTriangular:
      return (a_ + b_ + c_) / 3.0;
    case Kind::kExponential:
      return a_;
    case Kind::kNormal: {
      if (!truncate_ || b_ == 0) return a_;
      const double alpha = -a_ / b_;
      return a_ + b_ * normal_pdf(alpha) / (1.0 - normal_cdf(alpha));
    }
    case Kind::kLognormal:
      return c_;
    case Kind::kWeibull:
      return b_ * std::tgamma(1.0 + 1.0 / a_);
    case Kind::kGamma:
      return a_ * b_;
    case Kind::kErlang:
      return a_;
    case Kind::kEmpirical: {
      double m = 0, prev = 0;
      for (std::size_t i = 0; i < values_.size(); ++i) {
        m += values_[i] * (cumulative_[i] - prev);
        prev = cumulative_[i];
      }
      return m;
    }
    case Kind::kTrace: {
      double m = 0;
      for (double v : values_) m += v;
      return m / static_cast<double>(values_.size());
    }
  }
  return 0;
}

double Distribution::variance() const {
  switch (kind_) {
    case Kind::kConstant:
      return 0;
    case Kind::kUniform:
      return (b_ - a_) * (b_ - a_) / 12.0;
    case Kind::kTriangular:
      return (a_ * a_ + b_ * b_ + c_ * c_ - a_ * b_ - a_ * c_ - b_ * c_) / 18.0;
    case Kind::kExponential:
      return a_ * a_;
    case Kind::kNormal: {
      if (!truncate_ || b_ == 0) return b_ * b_;
      const double alpha = -a_ / b_;
      const double lambda = normal_pdf(alpha) / (1.0 - normal_cdf(alpha));
      return b_ * b_ * (1.0 + alpha * lambda - lambda * lambda);
    }
    case Kind::kLognormal:
      return d_ * d_;
    case Kind::kWeibull: {
      const double g1 = std::tgamma(1.0 + 1.0 / a_);
      const double g2 = std::tgamma(1.0 + 2.0 / a_);
      return b_ * b_ * (g2 - g1 * g1);
    }
    case Kind::kGamma:
      return a_ * b_ * b_;
    case Kind::kErlang:
      return a_ * a_ / k_;
    case Kind::kEmpirical: {
      const double m = mean();
      double v = 0, prev = 0;
      for (std::size_t i = 0; i < values_.size(); ++i) {
        v += (values_[i] - m) * (values_[i] - m) * (cumulative_[i] - prev);
        prev = cumulative_[i];
      }
      return v;
    }
    case Kind::kTrace: {
      const double m = mean();
      double v = 0;
      for (double x : values_) v += (x - m) * (x - m);
      return v / static_cast<double>(values_.size());
    }
  }
  return 0;
}

double Distribution::lower_bound() const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return a_;
    case Kind::kTriangular:
      return a_;
    case Kind::kNormal:
      return truncate_ ? 0.0 : -HUGE_VAL;
    case Kind::kEmpirical:
    case Kind::kTrace:
      return *std::min_element(values_.begin(), values_.end());
    default:
      return 0.0;
  }
}

std::string Distribution::describe() const {
  switch (kind_) {
    case Kind::kConstant:
      return fmt::format("constant({:g})", a_);
    case Kind::kUniform:
      return fmt::format("uniform({:g}, {:g})", a_, b_);
    case Kind::kTriangular:
      return fmt::format("triangular({:g}, {:g}, {:g})", a_, b_, c_);
    case Kind::kExponential:
      return fmt::format("exponential(mean={:g})", a_);
    case Kind::kNormal:
      return fmt::format("normal(mean={:g}, sd={:g})", a_, b_);
    case Kind::kLognormal:
      return fmt::format("lognormal(mean={:g}, sd={:g})", c_, d_);
    case Kind::kWeibull:
      return fmt::format("weibull(shape={:g}, scale={:g})", a_, b_);
    case Kind::kGamma:
      return fmt::format("gamma(shape={:g}, scale={:g})", a_, b_);
    case Kind::kErlang:
      return fmt::format("erlang(k={}, mean={:g})", k_, a_);
    case Kind::kEmpirical:
      return fmt::format("empirical({} values)", values_.size());
    case Kind::kTrace:
      return fmt::format("trace({} values)", values_.size());
  }
  return "";
}

}  // namespace plantwin
