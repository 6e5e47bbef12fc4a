// The comparison of an experiment's cases: paired differences with Student's t intervals,
// KPIs matched by component and name across cases.

#include "compare.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace plantwin::viewer;

TEST_CASE("a paired difference has Student's t interval over the pairs both cases have") {
  // d = 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.7764451.
  const Interval d = paired_difference({10, 10, 10, 10, 10, std::nan("")}, {11, 12, 13, 14, 15, 3});
  CHECK(d.n == 5);
  CHECK(d.mean == doctest::Approx(3));
  CHECK(d.half_width == doctest::Approx(2.7764451 * std::sqrt(2.5) / std::sqrt(5.0)).epsilon(1e-6));
  CHECK(d.excludes_zero());
  const Interval flat = paired_difference({1, 2, 3}, {2, 1, 3});  // mean 0: no difference
  CHECK(flat.mean == 0);
  CHECK_FALSE(flat.excludes_zero());
  const Interval one = paired_difference({1}, {2});  // one pair: no interval
  CHECK(one.mean == 1);
  CHECK(std::isnan(one.half_width));
  CHECK_FALSE(one.excludes_zero());
  CHECK(paired_difference({}, {}).n == 0);
}

TEST_CASE("cases are compared KPI by KPI against the case named base, whatever its place") {
  auto kpi = [](std::string c, std::string n, double v, double hw = std::nan("")) {
    return KpiItem{std::move(c), std::move(n), "parts", v, hw};
  };
  const std::vector<std::string> cases = {"more", "base"};
  const std::vector<std::vector<KpiItem>> summaries = {
      {kpi("line", "exits", 110, 2)},                             // "more" lacks line.wip
      {kpi("line", "wip", 5, 1), kpi("line", "exits", 100, 3)}};  // the base: its order is kept
  const std::vector<std::vector<std::vector<KpiItem>>> reps = {
      {{kpi("line", "exits", 109)}, {kpi("line", "exits", 111)}, {kpi("line", "exits", 110)}},
      {{kpi("line", "wip", 5), kpi("line", "exits", 99)},
       {kpi("line", "wip", 6), kpi("line", "exits", 101)},
       {kpi("line", "wip", 4), kpi("line", "exits", 100)}}};
  const Comparison c = compare_cases(cases, summaries, reps);
  CHECK(c.base == 1);
  REQUIRE(c.kpis.size() == 2);
  CHECK(c.kpis[0].name == "wip");
  CHECK(std::isnan(c.kpis[0].per_case[0].mean));
  CHECK(c.kpis[0].per_case[1].mean == 5);
  CHECK(c.kpis[1].per_case[0].mean == 110);
  CHECK(c.kpis[1].per_case[0].half_width == 2);
  // exits: more - base = 10, 10, 10: a difference with no spread excludes zero.
  CHECK(c.kpis[1].vs_base[0].mean == doctest::Approx(10));
  CHECK(c.kpis[1].vs_base[0].half_width == doctest::Approx(0));
  CHECK(c.kpis[1].vs_base[0].excludes_zero());
  CHECK(std::isnan(c.kpis[1].vs_base[1].mean));  // the base against itself: nothing
  CHECK(c.kpis[0].vs_base[0].n == 0);            // wip: no pair
}
