#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "plantwin/params.h"
#include "plantwin/random.h"
#include "plantwin/stats.h"

using namespace plantwin;

namespace {

constexpr int kDraws = 200000;
// Two-sided z for a 1-in-100,000 false alarm per check.
constexpr double kZ = 4.42;

void check_moments(const Distribution& d, Rng rng) {
  std::vector<double> x(kDraws);
  for (auto& v : x) v = d.sample(rng);
  double m = 0;
  for (double v : x) m += v;
  m /= kDraws;
  double m2 = 0, m4 = 0;
  for (double v : x) {
    const double e = v - m;
    m2 += e * e;
    m4 += e * e * e * e;
  }
  m2 /= kDraws - 1;
  m4 /= kDraws;
  INFO(d.describe() << ": sample mean " << m << " vs " << d.mean() << ", sample variance " << m2
                    << " vs " << d.variance());
  // The mean's standard error from the true variance; the variance's from the fourth moment.
  CHECK(std::fabs(m - d.mean()) <= kZ * std::sqrt(d.variance() / kDraws) + 1e-12);
  CHECK(std::fabs(m2 - d.variance()) <=
        kZ * std::sqrt(std::max(0.0, m4 - m2 * m2) / kDraws) + 1e-12);
}

// Pearson chi-square test on `bins` equiprobable bins of the exact CDF.
void check_fit(const Distribution& d, const std::function<double(double)>& cdf, Rng rng) {
  const int bins = 50;
  const int n = 100000;
  std::vector<int> count(bins, 0);
  for (int i = 0; i < n; ++i) {
    const double u = cdf(d.sample(rng));
    count[static_cast<std::size_t>(std::min(bins - 1, static_cast<int>(u * bins)))]++;
  }
  const double expected = static_cast<double>(n) / bins;
  double chi2 = 0;
  for (int c : count) chi2 += (c - expected) * (c - expected) / expected;
  const double p_value = 1.0 - chi_square_cdf(chi2, bins - 1);
  INFO(d.describe() << ": chi-square " << chi2 << " on " << bins - 1 << " df, p = " << p_value);
  CHECK(p_value > 0.001);
}

}  // namespace

TEST_CASE("every distribution matches its mean and variance within confidence limits") {
  Rng rng(2024);
  SUBCASE("constant") {
    check_moments(Distribution::constant(3.0), rng);
  }
  SUBCASE("uniform") {
    check_moments(Distribution::uniform(2, 5), rng);
  }
  SUBCASE("triangular") {
    check_moments(Distribution::triangular(1, 2, 6), rng);
  }
  SUBCASE("exponential") {
    check_moments(Distribution::exponential(3), rng);
  }
  SUBCASE("normal") {
    check_moments(Distribution::normal(10, 2, false), rng);
  }
  SUBCASE("normal truncated at zero") {
    check_moments(Distribution::normal(1, 1, true), rng);
  }
  SUBCASE("lognormal") {
    check_moments(Distribution::lognormal(5, 2), rng);
  }
  SUBCASE("weibull") {
    check_moments(Distribution::weibull(1.5, 8), rng);
  }
  SUBCASE("gamma, shape above one") {
    check_moments(Distribution::gamma(2.5, 3), rng);
  }
  SUBCASE("gamma, shape below one") {
    check_moments(Distribution::gamma(0.5, 2), rng);
  }
  SUBCASE("erlang") {
    check_moments(Distribution::erlang(3, 6), rng);
  }
  SUBCASE("empirical") {
    check_moments(Distribution::empirical({1, 2, 5}, {0.2, 0.5, 0.3}), rng);
  }
}

TEST_CASE("exponential, normal, weibull and gamma draws pass a chi-square goodness-of-fit test") {
  Rng rng(99);
  check_fit(
      Distribution::exponential(2.0), [](double x) { return 1 - std::exp(-x / 2.0); }, rng);
  check_fit(
      Distribution::normal(5, 2, false),
      [](double x) { return 0.5 * std::erfc(-(x - 5) / (2 * std::numbers::sqrt2)); }, rng);
  check_fit(
      Distribution::weibull(1.5, 8), [](double x) { return 1 - std::exp(-std::pow(x / 8, 1.5)); },
      rng);
  check_fit(
      Distribution::gamma(2.0, 3.0), [](double x) { return incomplete_gamma_p(2.0, x / 3.0); },
      rng);
}

TEST_CASE("streams are reproducible and distinct per seed, replication, component and purpose") {
  auto first = [](Rng r) { return r.next(); };
  CHECK(first(Rng::stream(1, 0, "m1", "process")) == first(Rng::stream(1, 0, "m1", "process")));
  CHECK(first(Rng::stream(1, 0, "m1", "process")) != first(Rng::stream(2, 0, "m1", "process")));
  CHECK(first(Rng::stream(1, 0, "m1", "process")) != first(Rng::stream(1, 1, "m1", "process")));
  CHECK(first(Rng::stream(1, 0, "m1", "process")) != first(Rng::stream(1, 0, "m2", "process")));
  CHECK(first(Rng::stream(1, 0, "m1", "process")) != first(Rng::stream(1, 0, "m1", "failure")));
}

TEST_CASE("the first outputs of a stream are uncorrelated with a neighbouring stream's") {
  Rng a = Rng::stream(1, 0, "m1", "process");
  Rng b = Rng::stream(1, 0, "m2", "process");
  const int n = 100000;
  double sab = 0, sa = 0, sb = 0, saa = 0, sbb = 0;
  for (int i = 0; i < n; ++i) {
    const double x = a.uniform(), y = b.uniform();
    sab += x * y;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
  }
  const double cov = sab / n - (sa / n) * (sb / n);
  const double corr = cov / std::sqrt((saa / n - sa * sa / n / n) * (sbb / n - sb * sb / n / n));
  // Under independence corr ~ N(0, 1/n).
  CHECK(std::fabs(corr) < kZ / std::sqrt(n));
}

TEST_CASE("distribution texts parse as engineers write them") {
  std::string why;
  auto d = parse_distribution("exponential(2 min)", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->mean() == 120);
  d = parse_distribution("exp(mean=30 s)", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->mean() == 30);
  d = parse_distribution("normal(mean=30 s, sd=5 s)", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->kind() == Distribution::Kind::kNormal);
  d = parse_distribution("lognormal(mean=10 min, sd=3 min)", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->mean() == doctest::Approx(600));
  d = parse_distribution("weibull(shape=1.5, scale=8 h)", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->mean() == doctest::Approx(8 * 3600 * std::tgamma(1 + 1 / 1.5)));
  d = parse_distribution("erlang(k=3, mean=1 min)", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->variance() == doctest::Approx(3600.0 / 3));
  d = parse_distribution("empirical([30 s, 45 s, 1 min], [1, 2, 1])", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->mean() == doctest::Approx(45));
  d = parse_distribution("45 s", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->kind() == Distribution::Kind::kConstant);
  d = parse_distribution("triangular(1 min, 2 min, 4 min)", Dimension::kTime, ".", &why);
  REQUIRE(d);
  CHECK(d->mean() == doctest::Approx(140));
}

TEST_CASE("an empirical distribution reads its values from a data file") {
  std::string why;
  auto d = parse_distribution("empirical(file=\"data/weld_cycle_times.csv\", column=1)",
                              Dimension::kTime, PLANTWIN_SOURCE_DIR, &why);
  INFO(why);
  REQUIRE(d);
  CHECK(d->kind() == Distribution::Kind::kEmpirical);
  CHECK(d->mean() > 40);
  CHECK(d->mean() < 80);
  CHECK_FALSE(parse_distribution("empirical(file=\"data/missing.csv\")", Dimension::kTime,
                                 PLANTWIN_SOURCE_DIR, &why));
  CHECK(why.find("cannot read data file") != std::string::npos);
}

TEST_CASE("impossible distributions are refused with a reason") {
  std::string why;
  auto refused = [&](const char* text) {
    return !parse_distribution(text, Dimension::kTime, ".", &why).has_value();
  };
  CHECK(refused("exponential(-2 s)"));
  CHECK(why == "exponential needs a positive mean, got -2");
  CHECK(refused("normal(30 s, -1 s)"));
  CHECK(why == "normal needs sd >= 0, got sd=-1");
  CHECK(refused("uniform(5 s, 2 s)"));
  CHECK(why == "uniform needs low <= high, got low=5 high=2");
  CHECK(refused("uniform(-5 s, 2 s)"));
  CHECK(why == "uniform(-5, 2) can draw negative values, which a duration cannot take");
  CHECK(refused("exponentail(2 s)"));
  CHECK(why.find("unknown distribution \"exponentail\" (did you mean \"exponential\"?)") == 0);
  CHECK(refused("weibull(shape=0, scale=1 h)"));
  CHECK(why == "weibull needs shape > 0 and scale > 0, got shape=0 scale=3600");
  CHECK(refused("exponential(2)"));
  CHECK(why == "exponential mean: expected a duration with a unit (e.g. \"45 s\"), got \"2\"");
  CHECK(refused("empirical([1 s, 2 s], [1])"));
  CHECK(why == "empirical needs as many weights as values, got 2 values and 1 weights");
  CHECK(refused("erlang(k=2.5, mean=1 min)"));
  CHECK(why == "erlang k must be a whole number from 1 to 1000, got 2.5");
  CHECK(refused("normal(mean=30 s)"));
  CHECK(why == "normal needs sd (it takes mean, sd)");
}
