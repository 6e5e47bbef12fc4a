// The wind components (models/wind/): the turbine's power curve at its corners, its gearbox node
// against the exact first-order solution, the export limit's sharing rules and its guarantees
// (the export never above the limit; a higher limit never lowers the export), and the error texts
// of bad keys.

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "support.h"
#include "wind/export_limit.h"
#include "wind/power_curve.h"

using namespace plantwin;
using namespace plantwin::test;
using plantwin::wind::PowerCurve;
using plantwin::wind::share_export_limit;
using plantwin::wind::Sharing;

namespace {

// The cubic curve's value between cut-in and rated speed, written out.
double cubic(double v) {
  return 2000.0 * (v * v * v - 27.0) / (1728.0 - 27.0);
}

std::string one_turbine(const std::string& extra) {
  return "horizon: 4 h\ncomponents:\n  t1: {type: turbine, rated_power: 2 MW" + extra + "}\n";
}

}  // namespace

TEST_CASE("the cubic power curve is zero below cut-in, cubic up to rated, flat to cut-out") {
  const PowerCurve c = PowerCurve::cubic(3, 12, 2000, 25);
  CHECK(c.power_kw(0) == 0);
  CHECK(c.power_kw(2.999) == 0);
  CHECK(c.power_kw(3) == 0);  // continuous at cut-in
  CHECK(c.power_kw(3.5) == doctest::Approx(cubic(3.5)).epsilon(1e-14));
  CHECK(c.power_kw(8) == doctest::Approx(570.253).epsilon(1e-6));
  CHECK(c.power_kw(11.999) == doctest::Approx(cubic(11.999)).epsilon(1e-14));
  CHECK(c.power_kw(11.999) < 2000);
  CHECK(c.power_kw(12) == 2000);
  CHECK(c.power_kw(24.999) == 2000);
  CHECK(c.power_kw(25) == 0);  // cut-out: the turbine stops
  CHECK(c.power_kw(40) == 0);
  CHECK(c.rated_kw() == 2000);
}

TEST_CASE("a tabled power curve interpolates linearly and holds its last point up to cut-out") {
  const PowerCurve c = PowerCurve::table({3, 5, 10, 13}, {0, 200, 1500, 2000}, 25);
  CHECK(c.power_kw(2.9) == 0);
  CHECK(c.power_kw(3) == 0);
  CHECK(c.power_kw(4) == doctest::Approx(100).epsilon(1e-14));
  CHECK(c.power_kw(5) == 200);
  CHECK(c.power_kw(7.5) == doctest::Approx(850).epsilon(1e-14));
  CHECK(c.power_kw(13) == 2000);
  CHECK(c.power_kw(20) == 2000);
  CHECK(c.power_kw(25) == 0);
  CHECK(c.rated_kw() == 2000);
}

TEST_CASE("a turbine's power follows its wind and its limit, and its energy is exact") {
  SUBCASE("the cubic curve from the scenario's keys") {
    auto model = compile_text(one_turbine(", cut_in: 3 m/s, rated_speed: 12 m/s, cut_out: 25 m/s"));
    Sim sim(model);
    for (double v : {0.0, 3.0, 3.5, 8.0, 12.0, 20.0, 25.0, 30.0}) {
      sim.set("t1.wind_speed", v);
      CAPTURE(v);
      CHECK(sim.value("t1.available_power") == PowerCurve::cubic(3, 12, 2000, 25).power_kw(v));
      CHECK(sim.value("t1.power") == sim.value("t1.available_power"));
    }
  }
  SUBCASE("a curve table from the scenario") {
    auto model = compile_text(
        "horizon: 1 h\ncomponents:\n  t1: {type: turbine, curve: [[3 m/s, 0 kW], [5 m/s, 200 kW], "
        "[10 m/s, 1.5 MW], [13 m/s, 2 MW]], cut_out: 22 m/s}\n");
    Sim sim(model);
    sim.set("t1.wind_speed", 7.5);
    CHECK(sim.value("t1.power") == doctest::Approx(850).epsilon(1e-14));
    sim.set("t1.wind_speed", 22);
    CHECK(sim.value("t1.power") == 0);
  }
  SUBCASE("energy and curtailed energy integrate the piecewise-constant power") {
    auto model = compile_text(one_turbine(", wind: 8 m/s"));
    Sim sim(model);
    sim.run_until(1800);              // 0.5 h at 570.25 kW
    sim.set("t1.wind_speed", 14);     // 2000 kW available
    sim.set("t1.power_limit", 1200);  // 800 kW curtailed
    sim.run_until(7200);              // 1.5 h
    const double e = 0.5 * cubic(8) + 1.5 * 1200;
    CHECK(sim.value("t1.energy") == doctest::Approx(e).epsilon(1e-12));
    CHECK(sim.value("t1.curtailed_energy") == doctest::Approx(1.5 * 800).epsilon(1e-12));
    CHECK(sim.value("t1.curtailed_power") == 800);
    auto k = kpi_map(sim);
    CHECK(k["t1.energy"] == doctest::Approx(e).epsilon(1e-12));
    CHECK(k["t1.capacity_factor"] == doctest::Approx(e / (2000 * 2)).epsilon(1e-12));
  }
}

TEST_CASE("the gearbox node follows its exact first-order solution") {
  // At a constant 14 m/s the turbine delivers 2 MW; 2.5 % of it heats the gearbox (50 kW)
  // against 15 C through 0.8 K/kW with 6 MJ/K: T(t) = Ta + s P R + (T0 - Ta - s P R)
  // exp(-t / RC), RC = 4800 s. RK4 at 1 s leaves a truncation error of order (1 s / 4800 s)^4 /
  // 120 of the change, far below rounding, so the check is to rounding (1e-9 relative).
  auto model = compile_text(
      one_turbine(", wind: 14 m/s, gearbox: {capacitance: 6 MJ/K, r_ambient: 0.8 K/kW, "
                  "loss_share: 0.025, ambient: 15 C, initial: 25 C}"));
  Sim sim(model);
  const double ta = 15, rise = 0.025 * 2000e3 * 0.8e-3, tau = 6e6 * 0.8e-3;
  for (double t : {60.0, 600.0, 3600.0, 7200.0}) {
    sim.run_until(t);
    CAPTURE(t);
    const double exact = ta + rise + (25 - ta - rise) * std::exp(-t / tau);
    CHECK(sim.value("t1.gearbox_temperature") == doctest::Approx(exact).epsilon(1e-9));
    CHECK(sim.value("t1.gearbox_heat") == doctest::Approx(50));
  }
  SUBCASE("curtailed, the gearbox heats by the power delivered, not the power available") {
    sim.set("t1.power_limit", 1000);
    const double t0 = sim.now(), x0 = sim.value("t1.gearbox_temperature");
    const double rise2 = 0.025 * 1000e3 * 0.8e-3;
    sim.run_until(t0 + 3600);
    CHECK(sim.value("t1.gearbox_temperature") ==
          doctest::Approx(ta + rise2 + (x0 - ta - rise2) * std::exp(-3600 / tau)).epsilon(1e-9));
  }
}

TEST_CASE("water-filling gives equal shares and passes unused shares on") {
  std::vector<double> caps(4);
  SUBCASE("binding: the level is where the limit is used up") {
    // Shares of 1000 each: t1 needs only 500, its 500 goes to the other three (1166.7 each);
    // t2 needs only 1000, its 166.7 goes to t3 and t4: 1250 each.
    share_export_limit(std::vector<double>{500, 1000, 2000, 2000}, 4000, Sharing::kEqual, caps);
    CHECK(caps == std::vector<double>{500, 1000, 1250, 1250});
  }
  SUBCASE("not binding: each gets its available power and an equal share of the headroom") {
    share_export_limit(std::vector<double>{500, 1000, 0, 1500}, 4000, Sharing::kEqual, caps);
    CHECK(caps == std::vector<double>{750, 1250, 250, 1750});
  }
  SUBCASE("proportional: in proportion to the available power") {
    share_export_limit(std::vector<double>{500, 1000, 2000, 2500}, 3000, Sharing::kProportional,
                       caps);
    CHECK(caps[0] == doctest::Approx(250));
    CHECK(caps[1] == doctest::Approx(500));
    CHECK(caps[2] == doctest::Approx(1000));
    CHECK(caps[3] == doctest::Approx(1250));
  }
}

TEST_CASE("the shared limits never add up above the limit and a higher limit never lowers them") {
  // Random farms of 1 to 8 turbines, available powers from 0 to 2 MW, limits from 0 to 16 MW.
  // The caps sum to the limit (to rounding: 1e-12 relative); the power delivered,
  // sum(min(a_i, cap_i)), is min(limit, sum(a)) with water-filling and proportional sharing
  // alike; and raising the limit raises no cap less than zero (each cap is non-decreasing).
  std::mt19937_64 rng(20261128);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 2000; ++trial) {
    const auto n = static_cast<std::size_t>(1 + trial % 8);
    std::vector<double> a(n), lo(n), hi(n);
    for (auto& x : a) x = u(rng) < 0.2 ? 0.0 : 2000 * u(rng);
    const double l1 = 16000 * u(rng), l2 = l1 + 4000 * u(rng);
    for (Sharing rule : {Sharing::kEqual, Sharing::kProportional}) {
      share_export_limit(a, l1, rule, lo);
      share_export_limit(a, l2, rule, hi);
      double sum = 0, delivered = 0, delivered_hi = 0;
      for (std::size_t i = 0; i < n; ++i) {
        sum += lo[i];
        delivered += std::min(a[i], lo[i]);
        delivered_hi += std::min(a[i], hi[i]);
        CHECK(hi[i] >= lo[i] - 1e-9);
      }
      const double total = std::accumulate(a.begin(), a.end(), 0.0);
      CAPTURE(trial);
      CHECK(sum <= l1 * (1 + 1e-12) + 1e-9);
      CHECK(delivered == doctest::Approx(std::min(l1, total)).epsilon(1e-12));
      CHECK(delivered_hi >= delivered - 1e-9);
    }
  }
}

TEST_CASE("a farm under export_limit never exports above it, and raising it never lowers export") {
  // Five turbines, their wind changed at random every minute (through the same actuator a feed
  // sets), the controller scanning every 10 s. The export is read at every second and right
  // after each change of wind: a stale limit can only cost energy, never break the limit. The
  // same winds under a 6 MW and a 7 MW limit: the second exports at least as much at every
  // second.
  auto farm = [](double limit_mw) {
    std::string y = "horizon: 2 h\ncomponents:\n";
    for (int i = 1; i <= 5; ++i)
      y += fmt::format("  t{}: {{type: turbine, rated_power: 2 MW}}\n", i);
    y += fmt::format(
        "controllers:\n  farm: {{type: export_limit, turbines: [t1, t2, t3, t4, t5], limit: {} "
        "MW, scan: 10 s}}\n",
        limit_mw);
    return compile_text(y);
  };
  Sim low(farm(6)), high(farm(7));
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> wind(0, 20);
  int at_limit = 0;
  for (int minute = 0; minute < 120; ++minute) {
    for (int i = 1; i <= 5; ++i) {
      const double v = wind(rng);
      low.set(fmt::format("t{}.wind_speed", i), v);
      high.set(fmt::format("t{}.wind_speed", i), v);
    }
    CHECK(low.value("farm.export") <= 6000 * (1 + 1e-12));
    for (int s = 1; s <= 60; ++s) {
      const double t = minute * 60.0 + s;
      low.run_until(t);
      high.run_until(t);
      CAPTURE(t);
      REQUIRE(low.value("farm.export") <= 6000 * (1 + 1e-12));
      REQUIRE(high.value("farm.export") <= 7000 * (1 + 1e-12));
      REQUIRE(high.value("farm.export") >= low.value("farm.export") - 1e-9);
      if (low.value("farm.export") > 6000 * (1 - 1e-12)) ++at_limit;
    }
  }
  CHECK(at_limit > 1000);  // the limit did bind (about half the seconds at this wind)
  CHECK(kpi_map(low)["farm.curtailed_energy"] > kpi_map(high)["farm.curtailed_energy"]);
}

TEST_CASE("bad turbine and export_limit keys are refused with their place and key") {
  CHECK(compile_error(one_turbine(", cut_inn: 3 m/s")) ==
        "test.yaml:3:42: components.t1.cut_inn: unknown key (did you mean \"cut_in\"?)");
  CHECK(compile_error(one_turbine(", cut_in: 13 m/s")) ==
        "test.yaml:3:50: components.t1.cut_in: must be below rated_speed (12 m/s)");
  CHECK(compile_error(one_turbine(", rated_speed: 30 m/s")) ==
        "test.yaml:3:55: components.t1.rated_speed: must be at most cut_out (25 m/s)");
  CHECK(compile_error(one_turbine(", curve: [[3 m/s, 0 kW], [12 m/s, 2 MW]]")) ==
        "test.yaml:3:36: components.t1.rated_power: comes from the curve: give either curve or "
        "rated_power, cut_in and rated_speed (the cubic curve)");
  CHECK(compile_error("horizon: 1 h\ncomponents:\n  t1: {type: turbine, curve: [[3 m/s, 0 kW], "
                      "[3 m/s, 2 MW]]}\n") ==
        "test.yaml:3:47: components.t1.curve[1]: speeds must increase from point to point: 3 "
        "m/s follows 3 m/s");
  CHECK(compile_error("horizon: 1 h\ncomponents:\n  t1: {type: turbine, curve: [[3 m/s, 0 kW], "
                      "[5 kW]]}\n") ==
        "test.yaml:3:46: components.t1.curve[1]: expected a point [speed, power] such as [7 m/s, "
        "550 kW], got [5 kW]");
  CHECK(
      compile_error("horizon: 1 h\ncomponents:\n  t1: {type: turbine, curve: [[fast, 0 kW]]}\n") ==
      "test.yaml:3:32: components.t1.curve[0]: expected a speed (e.g. \"0.5 m/s\"), got \"fast\"");
  CHECK(compile_error(one_turbine(", gearbox: {capacitance: 6 MJ/K, r_ambient: 0.8 K/kW, "
                                  "loss_share: 2}")) ==
        "test.yaml:3:106: components.t1.gearbox.loss_share: must be between 0 and 1, got \"2\"");
  CHECK(compile_error(one_turbine(", gearbox: {capacitance: 6 MJ/K, r_ambient: 0.8 K/kW}")) ==
        "test.yaml:3:51: components.t1.gearbox.loss_share: is required (a number)");
  CHECK(compile_error(one_turbine(", gearbox: {capacitance: 6 MJ/K, r_ambient: 0.8 K/kW, "
                                  "loss_share: 0.02, sync: {process_noise: 1e-5}}")) ==
        "test.yaml:3:118: components.t1.gearbox.sync.measurement_sd: is required (a number)");

  const std::string two = one_turbine("") +
                          "  m: {type: thermal, capacitance: 1 MJ/K, "
                          "r_ambient: 0.01 K/W}\n";
  CHECK(compile_error(two + "controllers:\n  farm: {type: export_limit, turbines: [t1, m], "
                            "limit: 1 MW}\n") ==
        "test.yaml:6:45: controllers.farm.turbines[1]: \"m\" is a thermal; expected a turbine "
        "(turbines here: t1)");
  CHECK(compile_error(two + "controllers:\n  farm: {type: export_limit, turbines: [t1, t1], "
                            "limit: 1 MW}\n") ==
        "test.yaml:6:45: controllers.farm.turbines[1]: \"t1\" is listed twice");
  CHECK(compile_error(two + "controllers:\n  farm: {type: export_limit, turbines: [t1], limit: "
                            "1 MW, sharing: fair}\n") ==
        "test.yaml:6:68: controllers.farm.sharing: expected one of equal, proportional, got "
        "\"fair\"");
  CHECK(compile_error(two +
                      "controllers:\n  farm: {type: export_limit, turbines: [t1], limit: "
                      "1 MW}\n  farm2: {type: export_limit, turbines: [t1], limit: 2 MW}\n") ==
        "test.yaml:7:42: controllers.farm2.turbines[0]: \"t1\" is already shared by export_limit "
        "farm");
  CHECK(compile_error(two + "controllers:\n  farm: {type: export_limit, limit: 1 MW}\n") ==
        "test.yaml:6:9: controllers.farm.turbines: is required: the turbines behind the grid "
        "connection, e.g. [t1, t2]");
  CHECK(compile_error(two + "  farm: {type: export_limit, turbines: [t1], limit: 1 MW}\n") ==
        "test.yaml:5:16: components.farm.type: a export_limit is a controller, not a component: "
        "put it under controllers");
}

TEST_CASE("an unlimited export limit curtails nothing") {
  auto model = compile_text(one_turbine(", wind: 14 m/s") +
                            "controllers:\n  farm: {type: export_limit, turbines: [t1], limit: "
                            "unlimited}\n");
  Sim sim(model);
  sim.run_until(60);
  CHECK(sim.value("t1.power") == 2000);
  sim.set("farm.limit", 500);
  sim.run_until(120);
  CHECK(sim.value("t1.power") == 500);
  sim.set("farm.limit", HUGE_VAL);
  sim.run_until(180);
  CHECK(sim.value("t1.power") == 2000);
  CHECK(sim.value("t1.curtailed_energy") == doctest::Approx(1500.0 / 60).epsilon(1e-12));
}

TEST_CASE("a turbine refuses a wind or a power limit it cannot take") {
  auto model = compile_text(one_turbine(""));
  Sim sim(model);
  CHECK_THROWS_WITH_AS(sim.set("t1.wind_speed", -1),
                       "t1.wind_speed: wind_speed must be a speed in m/s from 0 to 100, got -1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(sim.set("t1.wind_speed", std::nan("")),
                       "t1.wind_speed: wind_speed must be a speed in m/s from 0 to 100, got nan",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      sim.set("t1.power_limit", -5),
      "t1.power_limit: power_limit must be a power in kW of at least 0 (or inf), got -5",
      std::invalid_argument);
}
