// Numbers as the viewer shows them: shares as percentages, durations in their unit, counts with
// separators, intervals with the digits they justify.

#include "format.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace plantwin::viewer;

namespace {
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("the examples of issue 15 read as promised") {
  CHECK(format_value(0.8211, "share") == "82.1 %");
  CHECK(format_value(32.7 * 3600, "s") == "32.7 h");
  CHECK(format_value(5506, "parts") == "5,506 parts");
  CHECK(format_kpi(2.1 * 3600, 9.3 * 60, "s") == "2.10 h ± 9.3 min");
  // What the viewer used to show for these: 0.7637 and 1.176e+05 s.
  CHECK(format_value(0.7637, "share") == "76.4 %");
  CHECK(format_value(1.176e5, "s") == "32.7 h");
}

TEST_CASE("durations take the unit that suits them, from twice that unit on") {
  CHECK(format_duration_s(0) == "0 s");
  CHECK(format_duration_s(45) == "45.0 s");
  CHECK(format_duration_s(90) == "90.0 s");
  CHECK(format_duration_s(120) == "2.00 min");
  CHECK(format_duration_s(7199) == "120 min");
  CHECK(format_duration_s(7200) == "2.00 h");
  CHECK(format_duration_s(3 * 86400) == "3.00 d");
  CHECK(format_duration_s(5 * 365.25 * 86400) == "5.00 y");
  CHECK(format_duration_s(-600) == "-10.0 min");
  CHECK(format_duration_s(0.25) == "0.250 s");
  CHECK(format_duration_s(kNan) == "-");
  CHECK(format_duration_s(HUGE_VAL) == "-");
  CHECK(format_value(90, "min") == "90.0 min");
  CHECK(format_value(1.5, "h") == "90.0 min");
}

TEST_CASE("counts and plain values: separators, significant digits, rounding up a digit") {
  CHECK(format_count(0) == "0");
  CHECK(format_count(999) == "999");
  CHECK(format_count(1000) == "1,000");
  CHECK(format_count(1234567) == "1,234,567");
  CHECK(format_count(-1234567) == "-1,234,567");
  CHECK(format_count(12.5) == "12.50");
  CHECK(format_value(3, "count") == "3");
  CHECK(format_value(12.345, "kW") == "12.35 kW");
  CHECK(format_value(1234.6, "kWh") == "1,235 kWh");
  CHECK(format_value(9.9996, "K") == "10.00 K");  // 9.9996 rounds to 10.00, not 10.000
  CHECK(format_value(41.5, "") == "41.50");
  CHECK(format_value(1e-7, "m") == "1e-07 m");
  CHECK(format_value(2e17, "kWh") == "2e+17 kWh");
  CHECK(format_value(kNan, "share") == "-");
  CHECK(shown_unit("share") == "%");
  CHECK(shown_unit("kW") == "kW");
}

TEST_CASE("an interval sets the value's digits; the half-width keeps two") {
  CHECK(format_kpi(0.8211, 0.0043, "share") == "82.11 % ± 0.43 %");
  CHECK(format_kpi(0.8211, 0.043, "share") == "82.1 % ± 4.3 %");
  CHECK(format_kpi(55.06, 3.04, "parts/h") == "55.1 parts/h ± 3.0 parts/h");
  CHECK(format_kpi(130.9, 12.1, "parts") == "131 parts ± 12 parts");
  CHECK(format_kpi(7575, 675, "s") == "2.10 h ± 11 min");
  CHECK(format_kpi(12345.6, 1500, "kWh") == "12,346 kWh ± 1,500 kWh");
  CHECK(format_kpi(0.5, kNan, "share") == "50.0 %");  // no interval: the value alone
  CHECK(format_kpi(0.5, 0, "share") == "50.0 %");
  CHECK(format_kpi(kNan, 1, "share") == "-");
}

TEST_CASE("the KPI table copies as CSV in the order shown, full precision, quoted where needed") {
  const std::vector<KpiItem> kpis = {{"press", "working", "share", 0.1 + 0.2, 0.004},
                                     {"line, north", "throughput", "parts/h", 41.5, kNan},
                                     {"say \"hi\"", "n", "", kNan, kNan}};
  CHECK(kpis_csv(kpis, {1, 0, 2}) ==
        "component,kpi,value,half_width,unit\n"
        "\"line, north\",throughput,41.5,,parts/h\n"
        "press,working,0.30000000000000004,0.0040000000000000001,share\n"
        "\"say \"\"hi\"\"\",n,nan,,\n");
  CHECK(kpis_csv(kpis, {}) == "component,kpi,value,half_width,unit\n");
}

TEST_CASE("a difference carries its sign and its unit once") {
  CHECK(format_difference(4.0, 3.9, "parts") == "+4.0 ± 3.9 parts");
  CHECK(format_difference(-0.0121, 0.004, "share") == "-1.21 ± 0.40 %");
  CHECK(format_difference(-570, 558, "s") == "-9.5 min ± 9.3 min");
  CHECK(format_difference(2, kNan, "") == "+2.000");
  CHECK(format_difference(kNan, 1, "") == "-");
}

TEST_CASE("a half-width of at least one of the value's units is written in that unit") {
  CHECK(format_kpi(5.8 * 3600, 7140, "s") == "5.8 h ± 2.0 h");
  CHECK(format_kpi(5.8 * 3600, 1800, "s") == "5.80 h ± 30 min");
}
