// Alarms (`alarms:`): thresholds with hysteresis and on-delay, and CUSUM, against the exact
// response of one thermal node.
//
// The node cools from T0 = 8 C towards Ta + R Q = 20 - 0.01 * 1600 = 4 C with tau = RC =
// 2e4 s: T(t) = 4 + 4 exp(-t / tau). plantwin integrates it with RK4 at dt = 1 s (local error
// ~ (dt / tau)^5, far below anything these checks can see), and alarms check it on their
// period, from t = 0.

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "plantwin/expectations.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

constexpr double kTau = 2e4;
double exact(double t) {
  return 4 + 4 * std::exp(-t / kTau);
}

std::string room(const std::string& alarms, const std::string& extra = "") {
  return R"Y(horizon: 24 h
physics: {dt: 1 s}
record: {events: true}
components:
  room: {type: thermal, capacitance: 2 MJ/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         heat: -1.6 kW, initial: 8 degC}
alarms:
)Y" + alarms +
         extra;
}

struct Logged {
  double time;
  std::string component, kind, detail;
};
std::vector<Logged> events(const Sim& sim) {
  std::vector<Logged> out;
  for (const auto& e : sim.state().trace.events)
    out.push_back({e.time, sim.model().component(e.component).name(), e.kind, e.detail});
  return out;
}

}  // namespace

TEST_CASE("a threshold alarm is raised and cleared at the checks after the exact crossings") {
  // hot: above 7, cleared below 6, checked every minute. 8 > 7 at t = 0: raised at once.
  // T = 6 at tau ln 2 = 13862.9 s: cleared at the next check, 13920 s.
  // cold: below 4.5 for 10 min, checked every second. T = 4.5 at tau ln 8 = 41588.8 s; the first
  // check beyond it is at 41589 s, and the alarm is raised 600 s later.
  auto model = compile_text(
      room("  hot: {signal: room.temperature, above: 7, clear_below: 6, check: 1 min}\n"
           "  cold: {signal: room.temperature, below: 4.5, delay: 10 min}\n"));
  Sim sim(model);
  sim.run();
  const auto ev = events(sim);
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].time == 0);
  CHECK(ev[0].component == "hot");
  CHECK(ev[0].kind == "alarm");
  CHECK(ev[0].detail == "room.temperature = 8 (> 7)");
  CHECK(ev[1].time == doctest::Approx(std::ceil(kTau * std::log(2.0) / 60) * 60).epsilon(1e-12));
  CHECK(ev[1].kind == "cleared");
  CHECK(ev[1].detail.rfind("room.temperature = 5.99", 0) == 0);
  CHECK(ev[2].component == "cold");
  CHECK(ev[2].time == doctest::Approx(std::ceil(kTau * std::log(8.0)) + 600).epsilon(1e-12));
  CHECK(ev[2].detail.find("(< 4.5 for 10 min)") != std::string::npos);
  // Signals and KPIs.
  CHECK(sim.value("hot.active") == 0);
  CHECK(sim.value("hot.raised") == 1);
  CHECK(sim.value("cold.active") == 1);
  CHECK(sim.value("cold.statistic") == doctest::Approx(exact(86400)).epsilon(1e-9));
  const auto k = kpi_map(sim);
  CHECK(k.at("hot.first_raised") == 0);
  CHECK(k.at("hot.active_share") == doctest::Approx(ev[1].time / 86400).epsilon(1e-12));
  CHECK(k.at("cold.raised") == 1);
  CHECK(k.at("cold.active_share") == doctest::Approx((86400 - ev[2].time) / 86400).epsilon(1e-12));
}

TEST_CASE("a CUSUM alarm follows Page's sum of the exact trajectory, raised and cleared") {
  // Upper CUSUM on T - 5 with slack 0.2, threshold 30, checked every 10 min: computed here
  // from the exact solution, the same sums must raise and clear the alarm at the same checks.
  auto model =
      compile_text(room("  drift: {signal: room.temperature, check: 10 min,\n"
                        "          cusum: {target: 5, slack: 0.2, threshold: 30}}\n"));
  Sim sim(model);
  sim.run();
  double s = 0, raised = NAN, cleared = NAN;
  for (int k = 0; k * 600 <= 86400; ++k) {
    const double t = k * 600.0;
    s = std::max(0.0, s + exact(t) - 5 - 0.2);
    if (std::isnan(raised) && s > 30) raised = t;
    if (!std::isnan(raised) && std::isnan(cleared) && s == 0) cleared = t;
  }
  REQUIRE(!std::isnan(raised));
  REQUIRE(!std::isnan(cleared));
  const auto ev = events(sim);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == "alarm");
  CHECK(ev[0].time == raised);
  CHECK(ev[0].detail.rfind("CUSUM of room.temperature = ", 0) == 0);
  CHECK(ev[1].kind == "cleared");
  CHECK(ev[1].time == cleared);
  CHECK(sim.value("drift.statistic") == 0);
}

TEST_CASE("a lower CUSUM stays silent on a signal above its target, a two-sided one does not") {
  auto model = compile_text(room(
      "  low: {signal: room.temperature, cusum: {target: 3, slack: 0, threshold: 1, side: lower}}\n"
      "  both: {signal: room.temperature, cusum: {target: 3, slack: 0, threshold: 1, side: "
      "both}}\n"));
  Sim sim(model);
  sim.run();
  CHECK(sim.value("low.raised") == 0);
  CHECK(sim.value("both.raised") == 1);
  CHECK(sim.value("both.active") == 1);
}

TEST_CASE("expectations count alarms: count(alarm) and count(NAME.alarm)") {
  const auto scenario = load_scenario_text(
      room("  hot: {signal: room.temperature, above: 7, clear_below: 6, check: 1 min}\n",
           "expectations:\n  - at_end: count(alarm) == 1\n  - at_end: count(hot.cleared) == 1\n"
           "  - never: hot.active == 1 and room.temperature < 5.9\n"),
      "test.yaml", ".");
  const auto model = compile(scenario, registry());
  const auto expectations = parse_expectations(scenario, *model);
  Sim sim(model);
  ExpectationMonitor monitor(expectations, *model, 0);
  monitor.attach(sim);
  sim.run();
  for (const auto& o : monitor.finish(sim)) CHECK_MESSAGE(o.passed, o.name << ": " << o.message);
}

TEST_CASE("alarms are checked before the run, with the place and the key") {
  const std::string plant =
      "horizon: 1 h\ncomponents:\n  room: {type: thermal, capacitance: 1 MJ/K, r_ambient: 0.01 "
      "K/W}\nalarms:\n";
  CHECK(compile_error(plant + "  a: {signal: room.temprature, above: 5}\n") ==
        "test.yaml:5:15: alarms.a.signal: no signal \"room.temprature\" (did you mean "
        "\"room.temperature\"?)");
  CHECK(compile_error(plant + "  a: {signal: room.temperature}\n") ==
        "test.yaml:5:3: alarms.a: give one of above (raised when the signal is above it), below "
        "(raised when below) or cusum: {target, slack, threshold} (a drift of the signal's mean)");
  CHECK(compile_error(plant + "  a: {signal: room.temperature, above: 5, below: 1}\n")
            .find("alarms.a: give one of above") != std::string::npos);
  CHECK(compile_error(plant + "  a: {signal: room.temperature, above: 5, clear_below: 6}\n") ==
        "test.yaml:5:56: alarms.a.clear_below: must be at most above (5), or the alarm would clear "
        "while it is still beyond it");
  CHECK(compile_error(plant + "  a: {signal: room.temperature, below: 5, clear_below: 6}\n") ==
        "test.yaml:5:56: alarms.a.clear_below: goes with above; with below the alarm clears with "
        "clear_above");
  CHECK(compile_error(plant + "  a: {signal: room.temperature, cusum: 5}\n") ==
        "test.yaml:5:40: alarms.a.cusum: expected a map such as {target: 0, slack: 0.5, "
        "threshold: 5}, got a value");
  CHECK(compile_error(plant + "  a: {signal: room.temperature, cusum: {slack: -1, threshold: 0}}\n")
            .find("alarms.a.cusum.slack:") != std::string::npos);
  CHECK(
      compile_error(plant + "  a: {signal: room.temperature, cusum: {slack: 1, threshold: 0}}\n") ==
      "test.yaml:5:62: alarms.a.cusum.threshold: must be positive");
  CHECK(compile_error(plant + "  a: {signal: room.temperature, cusum: {slack: 1, threshold: 2, "
                              "side: up}}\n")
            .find("alarms.a.cusum.side: ") != std::string::npos);
  CHECK(compile_error(plant + "  a: {signal: room.temperature, cusum: {slack: 1, threshold: 2}, "
                              "delay: 1 min}\n") ==
        "test.yaml:5:73: alarms.a.delay: goes with above or below, not with cusum");
  CHECK(compile_error(plant + "  a: {type: alarm, signal: room.temperature, above: 5}\n") ==
        "test.yaml:5:7: alarms.a.type: an alarm has no type: its kind follows from above, below "
        "or cusum");
  CHECK(compile_error(plant + "  room: {signal: room.temperature, above: 5}\n")
            .find("alarms.room: \"room\" is already the name of a component") != std::string::npos);
  CHECK(compile_error(plant + "  a: {signal: room.temperature, above: 5, chek: 1 s}\n")
            .find("alarms.a.chek: unknown key (did you mean \"check\"?)") != std::string::npos);
  CHECK(compile_error(plant + "  - a\n") ==
        "test.yaml:5:3: alarms: expected a map of alarm name to its keys, got a list");
}
