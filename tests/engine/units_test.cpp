#include <doctest/doctest.h>

#include <cmath>

#include "plantwin/units.h"

using namespace plantwin;

TEST_CASE("durations, rates, lengths and speeds convert to SI") {
  CHECK(*parse_quantity("45 s", Dimension::kTime) == 45);
  CHECK(*parse_quantity("2.5 min", Dimension::kTime) == 150);
  CHECK(*parse_quantity("4 h", Dimension::kTime) == 14400);
  CHECK(*parse_quantity("2 d", Dimension::kTime) == 172800);
  CHECK(*parse_quantity("250ms", Dimension::kTime) == doctest::Approx(0.25));
  CHECK(*parse_quantity("12 /h", Dimension::kRate) == doctest::Approx(12.0 / 3600));
  CHECK(*parse_quantity("3 per min", Dimension::kRate) == doctest::Approx(0.05));
  CHECK(*parse_quantity("12 m", Dimension::kLength) == 12);
  CHECK(*parse_quantity("1.5 m/min", Dimension::kSpeed) == doctest::Approx(0.025));
  CHECK(*parse_quantity("2.5", Dimension::kDimensionless) == 2.5);
  CHECK(std::isinf(*parse_quantity("unlimited", Dimension::kTime)));
}

TEST_CASE(
    "a quantity without its unit, with a wrong unit, or not a number is refused with a reason") {
  std::string why;
  CHECK_FALSE(parse_quantity("45", Dimension::kTime, &why));
  CHECK(why == "expected a duration with a unit (e.g. \"45 s\"), got \"45\"");
  CHECK_FALSE(parse_quantity("45 kg", Dimension::kTime, &why));
  CHECK(why == "unknown unit \"kg\" for a duration (e.g. \"45 s\")");
  CHECK_FALSE(parse_quantity("fast", Dimension::kTime, &why));
  CHECK(why == "expected a duration (e.g. \"45 s\"), got \"fast\"");
  CHECK_FALSE(parse_quantity("3 s", Dimension::kDimensionless, &why));
  CHECK(why == "expected a plain number, got \"3 s\"");
  CHECK_FALSE(parse_quantity("12 h", Dimension::kRate, &why));
  CHECK(why == "unknown unit \"h\" for a rate (e.g. \"12 /h\")");
}

TEST_CASE("durations print with a readable unit") {
  CHECK(format_duration(90) == "90 s");
  CHECK(format_duration(150) == "2.5 min");
  CHECK(format_duration(8 * 3600) == "8 h");
  CHECK(format_duration(5 * 86400) == "5 d");
}

TEST_CASE("a compound duration adds its terms, and every term needs a unit") {
  CHECK(*parse_quantity("1d11h", Dimension::kTime) == 86400 + 11 * 3600);
  CHECK(*parse_quantity("2 h 30 min", Dimension::kTime) == 9000);
  CHECK(*parse_quantity("1h30min15s", Dimension::kTime) == 5415);
  CHECK(*parse_quantity("-1h30min", Dimension::kTime) == -5400);
  std::string why;
  CHECK_FALSE(parse_quantity("1d11", Dimension::kTime, &why));
  CHECK(why == "unknown unit \"d11\" for a duration (e.g. \"45 s\")");
  CHECK_FALSE(parse_quantity("1 h 30 parsecs", Dimension::kTime, &why));
  CHECK_FALSE(parse_quantity("1h30min", Dimension::kRate, &why));
}
