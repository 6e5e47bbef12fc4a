// The `reefer` component (models/coldchain/reefer.h) against exact solutions: the cargo node
// with the compressor off and on, the thermostat's cycle, time above the limit and the Q10 shelf
// life on a constructed trace, the heat of door openings, the Kalman filter pulling a wrong
// start in, and the error texts of bad keys.
//
// Accuracy of the references. Between events the cargo obeys dT/dt = -(T - Tinf)/tau with
// inputs that are constant, so T(t) = Tinf + (T0 - Tinf) exp(-t / tau) exactly. One RK4 step of
// h multiplies the deviation by 1 - z + z^2/2 - z^3/6 + z^4/24 (z = h / tau) instead of exp(-z):
// a relative error of z^5 / 120 per step. The tests use z <= 5e-3, so that is at most 3e-14 per
// step and 1e-10 over the longest run here; temperatures are checked to a relative 1e-9.
// Crossings (thermostat, limit) are located by bisection to the event tolerance, 1e-6 s; a
// temperature error dT moves a crossing by dT / |dT/dt|, here below 1e-6 s as well, so crossing
// times are checked to 1e-5 s.

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "plantwin/runner.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

constexpr double kTimeTol = 1e-5;  // s, see the header

// A reefer named `box` with the given keys, in a scenario of `horizon`.
std::string box(const std::string& keys, const std::string& horizon = "10 h") {
  return fmt::format(R"Y(horizon: {}
physics: {{dt: 10 s}}
components:
  box:
    type: reefer
{})Y",
                     horizon, keys);
}

double exact(double t0_c, double tinf_c, double tau_s, double t_s) {
  return tinf_c + (t0_c - tinf_c) * std::exp(-t_s / tau_s);
}

std::vector<double> event_times(const Sim& sim, const std::string& kind) {
  std::vector<double> out;
  for (const auto& e : sim.state().trace.events)
    if (kind == e.kind) out.push_back(e.time);
  return out;
}

// Composite Simpson on [a, b] with n (even) intervals.
double simpson(const std::function<double(double)>& f, double a, double b, int n) {
  const double h = (b - a) / n;
  double s = f(a) + f(b);
  for (int i = 1; i < n; ++i) s += f(a + i * h) * (i % 2 ? 4 : 2);
  return s * h / 3;
}

}  // namespace

TEST_CASE("with the compressor off the cargo relaxes to the ambient as the exact exponential") {
  // UA = 50 W/K, C = 2 MJ/K: tau = 40000 s. From -10 C towards 20 C it never reaches the
  // switch-on level of 25.5 C, so the compressor stays off.
  auto model = compile_text(box(R"Y(    capacitance: 2 MJ/K
    r_ambient: 0.02 K/W
    ambient: 20 C
    initial: -10 C
    setpoint: 25 C
    cooling: 3 kW
    limit: 30 C
)Y"));
  Sim sim(model);
  for (int h = 1; h <= 10; ++h) {
    sim.run_until(h * 3600.0);
    CAPTURE(h);
    CHECK(sim.value("box.temperature") ==
          doctest::Approx(exact(-10, 20, 40000, h * 3600.0)).epsilon(1e-9));
    CHECK(sim.value("box.compressor") == 0);
  }
  auto k = kpi_map(sim);
  CHECK(k["box.energy"] == 0);
  CHECK(k["box.compressor_starts"] == 0);
  CHECK(k["box.time_above_limit"] == 0);
}

TEST_CASE("with the compressor on the cargo approaches ambient minus cooling over UA") {
  // 3 kW of cooling against UA = 50 W/K: Tinf = 20 - 3000 / 50 = -40 C, above the switch-off
  // level of -60.5 C, so the compressor (on from the start: 10 C is above -59.5 C) never stops.
  // The limit of -50 C is below Tinf: the cargo is above it all the time.
  auto model = compile_text(box(R"Y(    capacitance: 2 MJ/K
    r_ambient: 0.02 K/W
    ambient: 20 C
    initial: 10 C
    setpoint: -60 C
    cooling: 3 kW
    cop: 2.5
    limit: -50 C
)Y"));
  Sim sim(model);
  for (int h = 1; h <= 10; ++h) {
    sim.run_until(h * 3600.0);
    CAPTURE(h);
    CHECK(sim.value("box.temperature") ==
          doctest::Approx(exact(10, -40, 40000, h * 3600.0)).epsilon(1e-9));
    CHECK(sim.value("box.compressor") == 1);
    CHECK(sim.value("box.cooling") == 3000);
    CHECK(sim.value("box.power") == doctest::Approx(3.0 / 2.5).epsilon(1e-15));
  }
  auto k = kpi_map(sim);
  CHECK(k["box.energy"] == doctest::Approx(3.0 / 2.5 * 10).epsilon(1e-12));  // kWh
  CHECK(k["box.compressor_on_share"] == 1);
  CHECK(k["box.compressor_starts"] == 1);  // started at time 0
  CHECK(k["box.time_above_limit"] == 36000);
  CHECK(k["box.excursions"] == 1);
}

TEST_CASE("the thermostat cycles with the period of a first-order node with hysteresis") {
  // Off: Tinf_off = Ta + Q / UA = 20 + 100 / 50 = 22 C; on: Tinf_on = 22 - 3000 / 50 = -38 C.
  // Between the levels lo = 2.5 C and hi = 3.5 C the node takes
  //   t_on  = tau ln((hi - Tinf_on) / (lo - Tinf_on))  to cool from hi to lo,
  //   t_off = tau ln((Tinf_off - lo) / (Tinf_off - hi)) to warm from lo to hi.
  auto model = compile_text(box(R"Y(    capacitance: 2 MJ/K
    r_ambient: 0.02 K/W
    ambient: 20 C
    heat: 100 W
    setpoint: 3 C
    band: 1
    cooling: 3 kW
    cop: 2
    limit: 8 C
)Y",
                                "2 d"));
  Sim sim(model);
  sim.run();
  const double tau = 40000, hi = 3.5, lo = 2.5, inf_off = 22, inf_on = -38;
  const double t_on = tau * std::log((hi - inf_on) / (lo - inf_on));
  const double t_off = tau * std::log((inf_off - lo) / (inf_off - hi));
  const auto on = event_times(sim, "compressor_on");
  const auto off = event_times(sim, "compressor_off");
  // It starts at the setpoint with the compressor off: the first start is at hi.
  REQUIRE(on.size() >= 40);
  REQUIRE(off.size() >= on.size() - 1);
  CHECK(on[0] == doctest::Approx(tau * std::log((inf_off - 3) / (inf_off - hi))));
  double on_time = 0;
  for (std::size_t i = 0; i < on.size(); ++i) {
    CAPTURE(i);
    if (i < off.size()) {
      CHECK(std::abs(off[i] - on[i] - t_on) < kTimeTol);
      on_time += off[i] - on[i];
    }
    if (i + 1 < on.size()) CHECK(std::abs(on[i + 1] - on[i] - (t_on + t_off)) < kTimeTol);
  }
  if (on.size() > off.size()) on_time += sim.now() - on.back();
  auto k = kpi_map(sim);
  CHECK(k["box.compressor_starts"] == static_cast<double>(on.size()));
  CHECK(k["box.compressor_on_share"] == doctest::Approx(on_time / sim.now()).epsilon(1e-12));
  CHECK(k["box.energy"] == doctest::Approx(on_time * 1.5 / 3600).epsilon(1e-12));
  CHECK(k["box.time_above_limit"] == 0);
}

TEST_CASE(
    "time above the limit, the longest excursion and the Q10 shelf life on a constructed "
    "trace") {
  // No cooling; a route of legs at 30 C and -10 C drives the cargo (tau = 2000 s) over the
  // 8 C limit and back twice. Each leg is an exact exponential, so the crossings are known.
  auto model = compile_text(box(R"Y(    capacitance: 2 MJ/K
    r_ambient: 0.001 K/W
    ambient: 0 C
    initial: 4 C
    setpoint: -50 C
    cooling: 0 kW
    limit: 8 C
    shelf_life: {life: 10 d, at: 4 C, q10: 3}
    route:
      - {leg: 2 h, ambient: 30 C}
      - {leg: 3 h, ambient: -10 C}
      - {leg: 1 h, ambient: 30 C}
      - {leg: 4 h, ambient: -10 C}
)Y",
                                "12 h"));
  Sim sim(model);
  sim.run();
  const double tau = 2000, limit = 8;
  struct Piece {
    double start, end, ambient;
  };
  const std::vector<Piece> pieces = {{0, 7200, 30},
                                     {7200, 18000, -10},
                                     {18000, 21600, 30},
                                     {21600, 36000, -10},
                                     {36000, 43200, 0}};
  // Walk the pieces: the temperature at each start, and where it crosses the limit.
  std::vector<double> ups, downs, starts;
  double T = 4;
  for (const auto& p : pieces) {
    starts.push_back(T);
    const double len = p.end - p.start;
    const double T_end = exact(T, p.ambient, tau, len);
    if (T < limit && T_end > limit)
      ups.push_back(p.start + tau * std::log((p.ambient - T) / (p.ambient - limit)));
    if (T > limit && T_end < limit)
      downs.push_back(p.start + tau * std::log((T - p.ambient) / (limit - p.ambient)));
    T = T_end;
  }
  REQUIRE(ups.size() == 2);
  REQUIRE(downs.size() == 2);
  const auto up = event_times(sim, "above_limit");
  const auto down = event_times(sim, "below_limit");
  REQUIRE(up.size() == 2);
  REQUIRE(down.size() == 2);
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(std::abs(up[i] - ups[i]) < kTimeTol);
    CHECK(std::abs(down[i] - downs[i]) < kTimeTol);
  }
  const double first = downs[0] - ups[0], second = downs[1] - ups[1];
  auto k = kpi_map(sim);
  CHECK(k["box.excursions"] == 2);
  CHECK(std::abs(k["box.time_above_limit"] - (first + second)) < 2 * kTimeTol);
  CHECK(std::abs(k["box.longest_excursion"] - std::max(first, second)) < kTimeTol);
  CHECK(sim.value("box.temperature") == doctest::Approx(T).epsilon(1e-9));
  CHECK(sim.value("box.route_item") == 4);  // after the route: its number of items

  // Shelf life used: the integral of 3^((T(t) - 4) / 10) / 10 d along the same trace, by
  // Simpson's rule on each piece (smooth there) with 1 s steps: its error, (b - a) h^4
  // max|f''''| / 180, is below 1e-12 here.
  double used = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const auto& p = pieces[i];
    const double T0 = starts[i];
    used += simpson(
        [&](double t) {
          return std::pow(3.0, (exact(T0, p.ambient, tau, t - p.start) - 4) / 10) / 864000;
        },
        p.start, p.end, static_cast<int>(p.end - p.start));
  }
  CHECK(k["box.shelf_life_used"] == doctest::Approx(used).epsilon(1e-8));
  CHECK(k["box.shelf_life_left"] == doctest::Approx((1 - used) * 864000).epsilon(1e-8));
}

TEST_CASE("at a constant temperature 10 K above the reference, shelf life goes q10 times faster") {
  // An insulated box (UA = 1e-12 W/K) holds 14 C: a day uses 3 days of a 10-day life.
  auto model = compile_text(box(R"Y(    capacitance: 1 MJ/K
    r_ambient: 1e12 K/W
    initial: 14 C
    setpoint: -50 C
    cooling: 0 kW
    limit: 20 C
    shelf_life: {life: 10 d, at: 4 C, q10: 3}
)Y",
                                "1 d"));
  Sim sim(model);
  sim.run();
  CHECK(sim.value("box.shelf_life_used") == doctest::Approx(0.3).epsilon(1e-12));
  CHECK(kpi_map(sim)["box.shelf_life_left"] == doctest::Approx(7 * 86400.0).epsilon(1e-12));
}

TEST_CASE("door openings add the stated heat and conductance while open") {
  SUBCASE("an insulated box warms by Q t / C while its door is open") {
    // 2 kW for two openings of 10 min into 1 MJ/K: 1.2 K each.
    auto model = compile_text(box(R"Y(    capacitance: 1 MJ/K
    r_ambient: 1e12 K/W
    initial: 0 C
    setpoint: -50 C
    cooling: 0 kW
    limit: 20 C
    door: {heat: 2 kW}
    route:
      - {depot: dock, stay: 1 h, door_open: 20 min, openings: 2}
      - {leg: 1 h}
)Y",
                                  "3 h"));
    Sim sim(model);
    sim.run_until(600);
    CHECK(sim.value("box.temperature") == doctest::Approx(1.2).epsilon(1e-9));
    sim.run_until(1200);
    CHECK(sim.value("box.door") == 0);
    CHECK(sim.value("box.temperature") == doctest::Approx(1.2).epsilon(1e-9));
    sim.run();
    CHECK(sim.value("box.temperature") == doctest::Approx(2.4).epsilon(1e-9));
    CHECK(event_times(sim, "door_open") == std::vector<double>{0, 1800});
    CHECK(event_times(sim, "door_close") == std::vector<double>{600, 2400});
    CHECK(event_times(sim, "depart") == std::vector<double>{3600});
    CHECK(event_times(sim, "route_end") == std::vector<double>{7200});
    CHECK(kpi_map(sim)["box.door_open_time"] == 1200);
  }
  SUBCASE("an open door adds its conductance to the walls'") {
    // Walls UA = 50 W/K, door 100 W/K and 3 kW, from the ambient 20 C: while open
    // T = 20 + 3000 / 150 (1 - exp(-t / tau_open)), tau_open = 2 MJ/K / 150 W/K; then closed
    // it relaxes with tau = 2 MJ/K / 50 W/K.
    auto model = compile_text(box(R"Y(    capacitance: 2 MJ/K
    r_ambient: 0.02 K/W
    ambient: 20 C
    initial: 20 C
    setpoint: -50 C
    cooling: 0 kW
    limit: 60 C
    door: {heat: 3 kW, r_ambient: 0.01 K/W}
    depart: 1 h
    route:
      - {delivery: shop, stay: 30 min, door_open: 30 min}
)Y",
                                  "5 h"));
    Sim sim(model);
    const double tau_open = 2e6 / 150, tau = 2e6 / 50;
    const double T_closed = exact(20, 40, tau_open, 1800);
    sim.run_until(3600 + 900);
    CHECK(sim.value("box.door") == 1);
    CHECK(sim.value("box.temperature") ==
          doctest::Approx(exact(20, 40, tau_open, 900)).epsilon(1e-9));
    sim.run_until(5 * 3600);
    CHECK(sim.value("box.door") == 0);
    CHECK(sim.value("box.temperature") ==
          doctest::Approx(exact(T_closed, 20, tau, 5 * 3600 - 5400)).epsilon(1e-9));
  }
}

TEST_CASE(
    "the Kalman filter brings a wrong initial temperature within the measurement noise in "
    "the number of samples its recursion gives") {
  // The truck's box starts at 0 C, the twin's at 10 C; both run the compressor all the time
  // (Tinf = -40 C), so the twin's error obeys e(t + h) = a e(t), a = exp(-h / tau), between
  // readings, and the readings (exact here; the filter believes sd 0.2 K) update it as
  //   P- = a^2 P+ + q tau / 2 (1 - a^2),  K = P- / (P- + R),  e+ = (1 - K) e-,  P+ = (1 - K) P-.
  // The filter is told initial_sd 0.5 K, far too sure of its 10 K error, so it takes several
  // readings; the recursion says how many.
  const double q = 1e-5, sd = 0.2, sd0 = 0.5, h = 60, tau = 40000;
  auto model = compile_text(box(fmt::format(R"Y(    capacitance: 2 MJ/K
    r_ambient: 0.02 K/W
    ambient: 20 C
    initial: 10 C
    setpoint: -60 C
    cooling: 3 kW
    limit: 30 C
    sync: {{process_noise: {}, measurement_sd: {}, initial_sd: {}}}
)Y",
                                            q, sd, sd0)));
  Sim sim(model);
  const double a = std::exp(-h / tau), R = sd * sd;
  double e = 10, P = sd0 * sd0;
  int within = -1, predicted = -1;
  for (int k = 1; k <= 60; ++k) {
    sim.run_until(k * h);
    sim.apply_measurement("box.temperature", exact(0, -40, tau, k * h), "test");
    e *= a;
    P = a * a * P + q * tau / 2 * (1 - a * a);
    const double K = P / (P + R);
    e *= 1 - K;
    P *= 1 - K;
    CAPTURE(k);
    CHECK(sim.value("box.temperature") - exact(0, -40, tau, k * h) ==
          doctest::Approx(e).epsilon(1e-8).scale(1e-9));
    CHECK(sim.value("box.estimate_sd") == doctest::Approx(std::sqrt(P)).epsilon(1e-12));
    if (predicted < 0 && std::abs(e) < sd) predicted = k;
    if (within < 0 && std::abs(sim.value("box.temperature") - exact(0, -40, tau, k * h)) < sd)
      within = k;
  }
  // Within 0.2 K after the 7th reading: (1 - K) keeps 14 %, 53 %, 68 %, 75 %, 79 %, 82 % and
  // 84 % of the error (1.38, 0.73, 0.50, 0.37, 0.29, 0.24, then 0.198 K).
  CHECK(predicted == 7);
  CHECK(within == predicted);
  CHECK(kpi_map(sim)["box.measurements"] == 60);

  SUBCASE("a door opening between readings changes the time constant of the prediction") {
    // Readings at 0 and 1200 s; the door is open from 300 s to 900 s (UA 150 W/K instead of 50):
    // P(1200) = a3^2 (a2^2 (a1^2 P0 + v1) + v2) + v3 with each stretch's own a and
    // v = q tau / 2 (1 - a^2).
    auto doored = compile_text(box(R"Y(    capacitance: 2 MJ/K
    r_ambient: 0.02 K/W
    ambient: 20 C
    initial: -40 C
    setpoint: -60 C
    cooling: 3 kW
    limit: 30 C
    door: {r_ambient: 0.01 K/W}
    depart: 300 s
    route:
      - {delivery: shop, stay: 600 s, door_open: 600 s}
    sync: {process_noise: 1e-4, measurement_sd: 0.2, initial_sd: 0.5}
)Y",
                                   "1 h"));
    Sim s2(doored);
    s2.run_until(0);
    s2.apply_measurement("box.temperature", -40, "test");
    const double p0 = std::pow(s2.value("box.estimate_sd"), 2);
    s2.run_until(1200);
    double p = p0;
    const double taus[3] = {40000, 2e6 / 150, 40000}, lens[3] = {300, 600, 300};
    for (int i = 0; i < 3; ++i) {
      const double a2 = std::exp(-2 * lens[i] / taus[i]);
      p = a2 * p + 1e-4 * taus[i] / 2 * (1 - a2);
    }
    CHECK(std::pow(s2.value("box.estimate_sd"), 2) == doctest::Approx(p).epsilon(1e-12));
  }
}

TEST_CASE("a failed compressor and a new setpoint act at once") {
  auto model = compile_text(box(R"Y(    capacitance: 2 MJ/K
    r_ambient: 0.02 K/W
    ambient: 20 C
    setpoint: 3 C
    cooling: 3 kW
    limit: 8 C
)Y"));
  Sim sim(model);
  // From the setpoint (3 C) the cargo warms towards 20 C: 3.26 C after 10 min, below the
  // switch-on level of 3.5 C. A setpoint of 2 C moves that level to 2.5 C, under the cargo: the
  // compressor starts now, not at the next crossing.
  sim.run_until(600);
  CHECK(sim.value("box.compressor") == 0);
  sim.set("box.setpoint", 2);
  CHECK(sim.value("box.compressor") == 1);
  REQUIRE(event_times(sim, "compressor_on") == std::vector<double>{600});
  // With no cooling available it runs and removes nothing: the cargo warms as if it were off.
  sim.set("box.cooling_available", 0);
  const double T0 = sim.value("box.temperature");
  sim.run_until(2400);
  CHECK(sim.value("box.compressor") == 1);
  CHECK(sim.value("box.power") == 0);
  CHECK(sim.value("box.temperature") == doctest::Approx(exact(T0, 20, 40000, 1800)).epsilon(1e-9));
  CHECK_THROWS_WITH_AS(sim.set("box.cooling_available", 2),
                       "box.cooling_available: cooling_available must be a share from 0 to 1, "
                       "got 2",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(sim.set("box.setpoint", std::nan("")),
                       "box.setpoint: the setpoint must be a temperature from -100 to 100 C, got "
                       "nan",
                       std::invalid_argument);
}

TEST_CASE("a reefer's bad keys are refused with their place and a reason") {
  const std::string head = "horizon: 1 h\ncomponents:\n  box:\n    type: reefer\n";
  const std::string good =
      "    capacitance: 2 MJ/K\n    r_ambient: 0.02 K/W\n    setpoint: 3 C\n    cooling: 3 kW\n";
  CHECK(compile_error(head + "    capacitance: 2 MJ/K\n    r_ambient: 0.02 K/W\n    cooling: 3 "
                             "kW\n    limit: 8 C\n") ==
        "test.yaml:4:5: components.box.setpoint: is required (a temperature)");
  CHECK(compile_error(head + good + "    limit: 3.2 C\n") ==
        "test.yaml:9:12: components.box.limit: must be above the compressor's switch-on level "
        "(setpoint + band/2 = 3.5 C), or the cargo would sit above it by design");
  CHECK(compile_error(head + good + "    limit: 8 C\n    band: 0\n") ==
        "test.yaml:10:11: components.box.band: must be between 0 and 50, got \"0\"");
  CHECK(compile_error(head + good +
                      "    limit: 8 C\n    shelf_life: {life: 7 d, at: 2 C, q10: "
                      "0.5}\n") ==
        "test.yaml:10:43: components.box.shelf_life.q10: must be between 1 and 20, got \"0.5\"");
  CHECK(compile_error(head + good +
                      "    limit: 8 C\n    door: {heat: 2 kW, r_ambeint: 0.01 "
                      "K/W}\n") ==
        "test.yaml:10:24: components.box.door.r_ambeint: unknown key (did you mean "
        "\"r_ambient\"?)");
  CHECK(compile_error(head + good + "    limit: 8 C\n    sync: {measurement_sd: 0.2}\n") ==
        "test.yaml:10:11: components.box.sync.process_noise: is required (a number)");
  SUBCASE("route items") {
    const std::string r = head + good + "    limit: 8 C\n    route:\n";
    CHECK(compile_error(r + "      - {leg: 2 h, depot: DC}\n") ==
          "test.yaml:11:9: components.box.route[0]: is both leg and depot; give one of leg, "
          "depot or delivery per item");
    CHECK(compile_error(r + "      - {ambient: 20 C}\n") ==
          "test.yaml:11:9: components.box.route[0]: needs one of leg (a duration), depot or "
          "delivery (a place's name)");
    CHECK(compile_error(r + "      - {leg: 2 h}\n      - {delivery: shop, stay: 10 min, "
                            "door_open: 20 min}\n") ==
          "test.yaml:12:51: components.box.route[1].door_open: is longer than the stay (10 min)");
    CHECK(compile_error(r + "      - {leg: 2 h, door_open: 5 min}\n") ==
          "test.yaml:11:31: components.box.route[0].door_open: applies to a stop (depot or "
          "delivery), not to a leg");
    CHECK(compile_error(r + "      - {depot: DC}\n") ==
          "test.yaml:11:17: components.box.route[0].depot: a stop needs a positive stay (give "
          "stay, or a door_open time)");
    CHECK(compile_error(r + "      - {delivery: shop, stay: 10 min, openigns: 2}\n") ==
          "test.yaml:11:40: components.box.route[0].openigns: unknown key (did you mean "
          "\"openings\"?)");
    CHECK(compile_error(r + "      - {leg: fast}\n") ==
          "test.yaml:11:15: components.box.route[0].leg: expected a duration (e.g. \"45 s\"), got "
          "\"fast\"");
    CHECK(compile_error(r + "      - 3 h\n") ==
          "test.yaml:11:9: components.box.route[0]: expected a map with one of leg, depot or "
          "delivery, got a value");
    CHECK(
        compile_error(head + good + "    limit: 8 C\n    route: []\n") ==
        "test.yaml:10:12: components.box.route: is empty; give at least one leg or stop, or leave "
        "the route out");
  }
}
