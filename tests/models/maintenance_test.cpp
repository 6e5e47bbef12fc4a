// Wear, vibration, maintenance policies and crews, on cases whose results are known exactly,
// then the predictive-maintenance scenario's policy comparison on common random numbers.

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <cmath>

#include "plantwin/experiment.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

// Always busy (endless supply), wear 0.5 per operating hour: the wear limit (1) comes after 2 h
// of operation; a repair takes 30 min.
std::string worn_press(const std::string& maintenance, const std::string& extra = "") {
  return fmt::format(R"Y(horizon: 10 h
components:
  supply: {{type: source}}
  press:
    type: machine
    process_time: 1 min
    wear: {{rate: 0.5 /h, limit: 1, vibration: {{base: 1 mm/s, at_limit: 7.1 mm/s, exponent: 2}}}}
    ttr: 30 min
    repair_cost: 5000
{}
  out: {{type: sink}}
{}
flow: ["supply -> press -> out"]
)Y",
                     maintenance, extra);
}

std::vector<double> times_of(const Sim& sim, const std::string& kind) {
  std::vector<double> out;
  for (const auto& e : sim.state().trace.events)
    if (kind == e.kind) out.push_back(e.time / 3600.0);
  return out;
}

void check_times(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-6));
}

}  // namespace

TEST_CASE("wear grows with load and fails the machine at its limit; a repair renews it") {
  Sim sim(compile_text(worn_press("")));
  sim.run_until(3600);
  CHECK(sim.value("press.wear") == doctest::Approx(0.5).epsilon(1e-9));
  CHECK(sim.value("press.vibration") == doctest::Approx(1 + 6.1 * 0.25).epsilon(1e-9));
  sim.run();
  // Failures at 2, 4.5, 7, 9.5 h; each repair takes 0.5 h.
  check_times(times_of(sim, "failure"), {2, 4.5, 7, 9.5});
  auto k = kpi_map(sim);
  CHECK(k["press.failures"] == 4);
  CHECK(k["press.unplanned_downtime"] == doctest::Approx(4 * 1800).epsilon(1e-6));
  CHECK(k["press.maintenance_cost"] == 4 * 5000);  // the fourth repair ends at the horizon
  CHECK(k["line.unplanned_downtime"] == k["press.unplanned_downtime"]);
}

TEST_CASE("preventive maintenance every 1.5 operating hours prevents every failure") {
  Sim sim(compile_text(worn_press(
      "    maintenance: {policy: preventive, every: 1.5 h, duration: 15 min, cost: 800}")));
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["press.failures"] == 0);
  // Services start after 1.5 h of work and take 0.25 h: at 1.5, 3.25, 5, 6.75, 8.5 h.
  check_times(times_of(sim, "service_started"), {1.5, 3.25, 5, 6.75, 8.5});
  CHECK(k["press.maintenance_actions"] == 5);
  CHECK(k["press.planned_downtime"] == doctest::Approx(5 * 900 + 0).epsilon(1e-6));
  CHECK(k["press.maintenance_cost"] == 5 * 800);
  CHECK(k["press.down"] == doctest::Approx(5 * 0.25 / 10).epsilon(1e-6));
}

TEST_CASE("preventive maintenance by part count") {
  Sim sim(compile_text(
      worn_press("    maintenance: {policy: preventive, every_parts: 60, duration: 10 min}")));
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["press.failures"] == 0);
  // 60 parts take 1 h, then 10 min of service: a service every 70 min.
  check_times(times_of(sim, "service_started"),
              {1, 1 + 70 / 60.0, 1 + 140 / 60.0, 1 + 210 / 60.0, 1 + 280 / 60.0, 1 + 350 / 60.0,
               1 + 420 / 60.0, 1 + 490 / 60.0});
}

TEST_CASE("condition-based maintenance serves when the vibration sensor crosses its threshold") {
  // 4.5 mm/s means wear sqrt(3.5 / 6.1) = 0.7575, reached after 1.515 h of work; checks run
  // every minute on a noise-free sensor read every minute.
  Sim sim(compile_text(worn_press(
      "    maintenance: {policy: condition, sensor: vib, threshold: 4.5 mm/s, check_every: 1 min, "
      "duration: 20 min}",
      "  vib: {type: sensor, signal: press.vibration, period: 1 min}")));
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["press.failures"] == 0);
  const auto starts = times_of(sim, "service_started");
  REQUIRE(!starts.empty());
  const double crossing = 2 * std::sqrt(3.5 / 6.1);
  CHECK(starts[0] >= crossing);
  // At most one sensor period, one check period and the job under way (1 min each) later.
  CHECK(starts[0] <= crossing + 3 / 60.0);
}

TEST_CASE("predictive maintenance serves a lead time before the predicted failure") {
  Sim sim(compile_text(worn_press(
      "    maintenance: {policy: predictive, sensor: vib, lead_time: 15 min, window: 1 h, "
      "check_every: 1 min, duration: 20 min}",
      "  vib: {type: sensor, signal: press.vibration, period: 1 min}")));
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["press.failures"] == 0);
  const auto starts = times_of(sim, "service_started");
  REQUIRE(!starts.empty());
  // The noise-free trend is exact: the failure is predicted at 2 h, so the service starts at
  // 1.75 h (within one check).
  CHECK(starts[0] == doctest::Approx(1.75).epsilon(0.012));
}

TEST_CASE("a crew of one makes the second failed machine wait") {
  auto m = compile_text(R"Y(horizon: 3 h
components:
  mechanics: {type: crew, size: 1}
  s1: {type: source}
  a: {type: machine, process_time: 1 min, wear: {rate: 0.5 /h}, ttr: 30 min, crew: mechanics}
  o1: {type: sink}
  s2: {type: source}
  b: {type: machine, process_time: 1 min, wear: {rate: 0.5 /h}, ttr: 30 min, crew: mechanics}
  o2: {type: sink}
flow: ["s1 -> a -> o1", "s2 -> b -> o2"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  // Both fail at 2 h; a is repaired from 2 to 2.5 h, b waits and is repaired from 2.5 to 3 h.
  CHECK(k["a.unplanned_downtime"] == doctest::Approx(1800));
  CHECK(k["b.unplanned_downtime"] == doctest::Approx(3600));
  CHECK(k["mechanics.mean_wait"] == doctest::Approx(900));  // 0 and 1800 s
  CHECK(k["mechanics.utilisation"] == doctest::Approx(1.0 / 3).epsilon(1e-6));
}

TEST_CASE("maintenance settings are checked with readable errors") {
  CHECK(
      compile_error(worn_press("    maintenance: {policy: condition, duration: 10 min}"))
          .find("components.press.maintenance.sensor: condition maintenance needs the sensor that "
                "watches this machine") != std::string::npos);
  CHECK(
      compile_error(worn_press("    maintenance: {policy: preventive, duration: 10 min}"))
          .find("components.press.maintenance.every: preventive maintenance needs every (operating "
                "time) or every_parts") != std::string::npos);
  CHECK(compile_error(worn_press("    maintenance: {policy: preventiv}"))
            .find("(did you mean \"preventive\"?)") != std::string::npos);
  CHECK(compile_error(worn_press("    crew: mechanic"))
            .find("components.press.crew: no component \"mechanic\"") != std::string::npos);
  CHECK(compile_error(R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s, wear: {rate: 1 /h}}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y")
            .find("components.m.wear: needs a time to repair (wear.ttr, or the machine's ttr)") !=
        std::string::npos);
}

TEST_CASE(
    "on the automotive line, condition-based maintenance cuts unplanned downtime against "
    "run-to-failure") {
  Scenario s = load_experiment_file(PLANTWIN_SOURCE_DIR "/scenarios/automotive_pdm.yaml");
  ExperimentSpec spec = parse_experiment(s, 6);
  // Keep the base (corrective) and the condition-based variant.
  std::vector<ExperimentCase> keep;
  for (const auto& c : spec.cases)
    if (c.name == "base" || c.name == "condition") keep.push_back(c);
  REQUIRE(keep.size() == 2);
  spec.cases = keep;
  const auto res = run_experiment(s, spec, registry());
  bool found = false;
  for (const auto& d : res.cases[1].versus_base)
    if (d.component == "line" && d.name == "unplanned_downtime") {
      found = true;
      INFO("condition - corrective: " << d.mean << " ± " << d.half_width << " s");
      CHECK(d.mean + d.half_width < 0);  // the whole 95% interval below zero
    }
  CHECK(found);
}
