#include <doctest/doctest.h>

#include <vector>

#include "plantwin/stats.h"

using namespace plantwin;

TEST_CASE("a time-weighted accumulator averages a level over time") {
  TimeWeighted tw;
  tw.reset(0, 0);
  tw.update(2, 4);  // 0 for 2 s
  tw.update(3, 1);  // 4 for 1 s
  // 1 from t=3 to t=5
  CHECK(tw.integral(5) == doctest::Approx(6));
  CHECK(tw.mean(5) == doctest::Approx(6.0 / 5));
  CHECK(tw.max() == 4);
  tw.reset(5, 1);
  CHECK(tw.mean(7) == doctest::Approx(1));
}

TEST_CASE("a tally gives mean, sample variance, min and max") {
  Tally t;
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) t.add(x);
  CHECK(t.count() == 8);
  CHECK(t.mean() == doctest::Approx(5));
  CHECK(t.variance() == doctest::Approx(32.0 / 7));
  CHECK(t.min() == 2);
  CHECK(t.max() == 9);
}

TEST_CASE("Student t quantiles match published tables") {
  CHECK(student_t_quantile(0.975, 1) == doctest::Approx(12.7062).epsilon(1e-4));
  CHECK(student_t_quantile(0.975, 19) == doctest::Approx(2.0930).epsilon(1e-4));
  CHECK(student_t_quantile(0.995, 9) == doctest::Approx(3.2498).epsilon(1e-4));
  CHECK(student_t_quantile(0.9995, 29) == doctest::Approx(3.6594).epsilon(1e-4));
  CHECK(student_t_quantile(0.025, 19) == doctest::Approx(-2.0930).epsilon(1e-4));
}

TEST_CASE("chi-square and gamma distribution functions match published values") {
  CHECK(chi_square_cdf(3.841459, 1) == doctest::Approx(0.95).epsilon(1e-6));
  CHECK(chi_square_cdf(18.307038, 10) == doctest::Approx(0.95).epsilon(1e-6));
  CHECK(chi_square_cdf(85.9, 49) == doctest::Approx(0.999).epsilon(2e-3));
}

TEST_CASE("a t interval of constant values has zero width; of one value, none") {
  std::vector<double> same(5, 3.0);
  Estimate e = t_interval(same);
  CHECK(e.mean == 3.0);
  CHECK(e.half_width == 0.0);
  std::vector<double> one{1.0};
  e = t_interval(one);
  CHECK(std::isnan(e.half_width));
}
