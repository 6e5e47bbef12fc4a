// State sync of discrete states: a machine reported down by the plant is down until it is
// reported up, whatever the model was doing; a counter reported by the PLC corrects the model's.

#include <doctest/doctest.h>

#include <string>

#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

// A part every 60 s into a machine of 30 s: it works half the time, nothing queues.
const std::string kLine = R"Y(horizon: 10000 s
record: {events: true}
components:
  src: {type: source, interarrival: 60 s}
  q: {type: buffer}
  m: {type: machine, process_time: 30 s}
  out: {type: sink}
flow:
  - src -> q -> m -> out
)Y";

std::vector<std::string> logged(const Sim& sim, const std::string& component) {
  std::vector<std::string> out;
  for (const auto& e : sim.state().trace.events)
    if (sim.model().component(e.component).name() == component)
      out.push_back(std::string(e.kind) + ": " + e.detail);
  return out;
}

}  // namespace

TEST_CASE("a machine reported down is down until it is reported up") {
  Sim sim(compile_text(kLine));
  sim.run_until(1000);
  const double done = sim.value("m.completed");
  sim.apply_measurement("m.state", 3, "plc");
  CHECK(sim.value("m.state") == 3);
  sim.run_until(2000);
  CHECK(sim.value("m.state") == 3);
  // Stopped: the job under way (if any) waits, and the arrivals queue up.
  CHECK(sim.value("m.completed") == done);
  CHECK(sim.value("q.level") >= 15);
  sim.apply_measurement("m.state", 3, "plc");  // agrees: nothing changes
  sim.apply_measurement("m.state", 0, "plc");
  CHECK(sim.value("m.state") == 0);
  sim.run_until(10000);
  // The queue drains (30 s per part against one arrival a minute) and the line keeps up again.
  CHECK(sim.value("q.level") <= 1);
  CHECK(sim.value("out.count") >= 165 - 2);
  const auto k = kpi_map(sim);
  CHECK(k.at("m.down") == doctest::Approx(1000.0 / 10000).epsilon(1e-12));
  const auto ev = logged(sim, "m");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0] == "failure: reported down by the plant");
  CHECK(ev[1] == "repaired: reported up by the plant");
}

TEST_CASE(
    "a repair of the model's own ends early when the plant reports the machine up, and "
    "the plant's report holds it down past the model's repair") {
  // Failures every 1000 s of work on average, repairs of exactly 500 s.
  const std::string line = kLine.substr(0, kLine.find("  m: ")) +
                           "  m: {type: machine, process_time: 30 s, ttf: exponential(1000 s), "
                           "ttr: 500 s}\n" +
                           kLine.substr(kLine.find("  out: "));
  Sim sim(compile_text(line));
  while (sim.value("m.state") != 3 && sim.now() < 10000) sim.run_until(sim.now() + 1);
  REQUIRE(sim.value("m.state") == 3);
  const double failed_at = sim.now();
  sim.run_until(failed_at + 100);
  sim.apply_measurement("m.state", 0, "plc");  // the plant says it is back after 100 s
  CHECK(sim.value("m.state") != 3);
  sim.run_until(failed_at + 600);  // past the model's 500 s repair: no second "repaired"
  CHECK(sim.value("m.state") != 3);
  // Reported down, then the model's own repair would end: it stays down.
  Sim held(compile_text(line));
  while (held.value("m.state") != 3 && held.now() < 10000) held.run_until(held.now() + 1);
  const double t0 = held.now();
  held.apply_measurement("m.state", 3, "plc");
  held.run_until(t0 + 600);
  CHECK(held.value("m.state") == 3);
  const auto ev = logged(held, "m");
  CHECK(ev.back() == "repaired: still reported down by the plant");
  held.apply_measurement("m.state", 1, "plc");
  CHECK(held.value("m.state") != 3);
}

TEST_CASE("a crew sent for a repair goes back when the plant reports the machine up first") {
  const std::string line = R"Y(horizon: 100000 s
record: {events: true}
components:
  src: {type: source, interarrival: 60 s}
  q: {type: buffer}
  m: {type: machine, process_time: 30 s, ttf: exponential(1000 s), ttr: 500 s, crew: techs,
     failure_clock: calendar}
  m2: {type: machine, process_time: 1 s, ttf: exponential(100 s), ttr: 20000 s, crew: techs}
  out: {type: sink}
  techs: {type: crew, size: 1}
flow:
  - src -> q -> m -> m2 -> out
)Y";
  Sim sim(compile_text(line));
  // Wait until m is down and waiting for the one technician, who is busy with m2.
  bool waiting = false;
  for (int i = 0; i < 100000 && !waiting; ++i) {
    sim.run_until(sim.now() + 1);
    waiting =
        sim.value("m.state") == 3 && sim.value("techs.busy") == 1 && sim.value("m2.state") == 3;
  }
  REQUIRE(waiting);
  const double reported_up = sim.now();
  sim.apply_measurement("m.state", 0, "plc");
  CHECK(sim.value("m.state") != 3);
  sim.run_until(100000);  // the technician comes, is sent back, and the crew stays usable
  // When the technician arrives it starts no repair on m: m's next repair follows a new failure.
  std::string first_after;
  for (const auto& e : sim.state().trace.events)
    if (e.time >= reported_up && sim.model().component(e.component).name() == "m" &&
        (std::string(e.kind) == "failure" || std::string(e.kind) == "repair_started")) {
      first_after = e.kind;
      break;
    }
  CHECK(first_after != "repair_started");
  CHECK(sim.value("out.count") > 0);
}

TEST_CASE("a counter reported by the PLC corrects the model's count") {
  Sim sim(compile_text(kLine));
  sim.run_until(1000);
  sim.apply_measurement("m.completed", 500, "plc");
  CHECK(sim.value("m.completed") == 500);
  const double before = sim.value("m.completed");
  sim.run_until(2000);
  CHECK(sim.value("m.completed") - before == doctest::Approx(1000.0 / 60).epsilon(0.1));
}

TEST_CASE("reported states and counts are checked") {
  Sim sim(compile_text(kLine));
  sim.run_until(10);
  CHECK_THROWS_WITH(sim.apply_measurement("m.state", 4, "plc"),
                    doctest::Contains("a reported state is 0 working, 1 starved, 2 blocked or 3 "
                                      "down, got 4 (off shift follows the shift calendar)"));
  CHECK_THROWS_WITH(sim.apply_measurement("m.state", 2.5, "plc"),
                    doctest::Contains("expected a whole number, got 2.5"));
  CHECK_THROWS_WITH(sim.apply_measurement("m.completed", -1, "plc"),
                    doctest::Contains("a part count cannot be negative, got -1"));
  CHECK_THROWS_WITH(sim.apply_measurement("m.busy", 1, "plc"), doctest::Contains("m.busy"));
}
