// The Runner: one driver for every front end. Inputs pushed from other threads take effect
// at time points, are recorded, and replay bit for bit.

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "plantwin/runner.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

// A machine that heats a motor (a continuous state), feeding a belt whose speed is set from
// outside: inputs change both the event schedule and the physics.
const char* kLine = R"Y(horizon: 4 h
components:
  src: {type: source, interarrival: exponential(40 s)}
  press: {type: machine, process_time: "lognormal(mean=30 s, sd=10 s)"}
  belt: {type: conveyor, length: 20 m, speed: 0.5 m/s, spacing: 1 m}
  motor: {type: thermal, capacitance: 200 kJ/K, r_ambient: 0.02 K/W, ambient: 20 C,
          heat_from: {machine: press, working: 3 kW, idle: 300 W}}
  out: {type: sink}
flow: ["src -> press -> belt -> out"]
record: {period: 1 min, signals: all}
)Y";

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

TEST_CASE("inputs pushed from another thread at random wall times replay bit for bit") {
  auto model = compile_text(kLine);
  Sim live(model);
  // Paced so that the run lasts about 0.4 s of wall time while a second thread pushes.
  Runner runner(live, Runner::Options{200, 4 * 3600 / 0.4});
  std::thread feed([&] {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 40; ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 15000));
      const double v = 0.3 + 0.01 * static_cast<double>(rng() % 100);
      runner.push(Input{std::nan(""), i % 2 ? "belt.speed" : "press.speed", v, "test feed"});
    }
  });
  CHECK(runner.run());
  feed.join();
  runner.run_until(model->horizon());  // inputs that came after the end stay queued
  const auto& applied = live.state().trace.inputs;
  REQUIRE(applied.size() >= 20);
  CHECK(applied.front().origin == "test feed");
  CHECK(applied.front().time < applied.back().time);

  Sim replay(model);
  Runner again(replay, Runner::Options{200, 0});
  for (const auto& in : applied) again.push(Input{in.time, in.target, in.value, "replay"});
  CHECK(again.run());
  const auto &a = live.state().trace, &b = replay.state().trace;
  REQUIRE(a.inputs.size() == b.inputs.size());
  for (std::size_t i = 0; i < a.inputs.size(); ++i)
    CHECK(same_bits(a.inputs[i].time, b.inputs[i].time));
  REQUIRE(a.times.size() == b.times.size());
  bool identical = true;
  for (std::size_t k = 0; k < a.values.size(); ++k)
    for (std::size_t i = 0; i < a.values[k].size(); ++i)
      identical = identical && same_bits(a.values[k][i], b.values[k][i]);
  CHECK(identical);
  const auto ka = live.kpis(), kb = replay.kpis();
  REQUIRE(ka.size() == kb.size());
  for (std::size_t i = 0; i < ka.size(); ++i) {
    CAPTURE(ka[i].component + "." + ka[i].name);
    CHECK((same_bits(ka[i].value, kb[i].value) ||
           (std::isnan(ka[i].value) && std::isnan(kb[i].value))));
  }
  CHECK(live.state().events_executed == replay.state().events_executed);
}

TEST_CASE("a timed input takes effect at its time, between grid points") {
  auto model = compile_text(kLine);
  Sim sim(model);
  Runner runner(sim, Runner::Options{4, 0});  // grid: every hour
  runner.push(Input{1234.5, "belt.speed", 1.0, "plan"});
  runner.push(Input{1234.5, "belt.speed", 0.25, "plan"});  // same time: push order
  std::vector<double> seen;
  runner.add_observer([&](const Sim& s, bool) { seen.push_back(s.now()); });
  CHECK(runner.run_until(7200));
  REQUIRE(sim.state().trace.inputs.size() == 2);
  CHECK(sim.state().trace.inputs[0].time == 1234.5);
  CHECK(sim.state().trace.inputs[1].value == 0.25);
  CHECK(kpi_map(sim)["belt.transit_time"] == 80);  // 20 m at 0.25 m/s
  // Observers see grid points only.
  CHECK(seen == std::vector<double>{3600, 7200});
}

TEST_CASE("the grid is horizon * k / chunks, whatever time the run is at") {
  auto model = compile_text(kLine);
  Sim sim(model);
  Runner runner(sim, Runner::Options{3, 0});
  const double h = model->horizon();
  CHECK(runner.next_grid_point(0) == h * 1 / 3);
  CHECK(runner.next_grid_point(h * 1 / 3) == h * 2 / 3);
  CHECK(runner.next_grid_point(h * 2 / 3 - 1e-9) == h * 2 / 3);
  CHECK(runner.next_grid_point(h) == h);
  // A horizon for which horizon * 200 / 200 rounds below it: the last point is the horizon.
  auto odd = compile_text(kLine, {"horizon=770.88918699064459 s"});
  Sim sim2(odd);
  Runner r2(sim2, Runner::Options{200, 0});
  CHECK(odd->horizon() * 200 / 200 < odd->horizon());
  CHECK(r2.next_grid_point(odd->horizon() * 200 / 200) == odd->horizon());
  CHECK(r2.run());
  CHECK(sim2.now() == odd->horizon());
}

TEST_CASE("a refused input stops the run with its origin and time") {
  auto model = compile_text(kLine);
  Sim sim(model);
  Runner runner(sim);
  runner.push(Input{600, "belt.sped", 1.0, "operator panel"});
  try {
    runner.run();
    FAIL("the run should stop");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) ==
          "input from operator panel at 10 min: \"belt.sped\" cannot be set during a run (did "
          "you mean \"belt.speed\"?)");
  }
  CHECK_THROWS_WITH(Runner(sim, Runner::Options{0, 0}),
                    "the runner needs at least one chunk, got 0");
  CHECK_THROWS_WITH(Runner(sim, Runner::Options{10, std::nan("")}),
                    "pace must be a positive number of simulated seconds per wall second (0: as "
                    "fast as possible), got nan");
}

TEST_CASE("a paced run follows the wall clock and stops promptly when asked") {
  auto model = compile_text(kLine);
  Sim sim(model);
  // 4 h at 14400 simulated seconds per wall second: one wall second in all.
  Runner runner(sim, Runner::Options{200, 14400});
  const auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    runner.request_stop();
  });
  CHECK_FALSE(runner.run());
  stopper.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Pacing never runs ahead of the clock: at most 0.3 s of wall time covers 0.3 * 14400 s of
  // simulated time (plus one grid step); stopping takes at most one 50 ms sleep slice and a
  // chunk.
  CHECK(sim.now() <= (wall + 0.05) * 14400 + 72);
  CHECK(wall < 0.3 + 0.25);
}
