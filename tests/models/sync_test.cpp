// State sync: a thermal node's Kalman filter (scenario key `sync:`) against the filter's own
// recursion written out here, and its innovations on a correct model checked for whiteness.
//
// The node: C dT/dt = -(T - Ta) / R with RC = 1000 s, Ta = 20 C. Between measurements h apart
// the error of the estimate shrinks by a = exp(-h / RC) and its variance grows to
// a^2 P + q RC / 2 (1 - a^2); a measurement z with variance R gives K = P / (P + R).

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "plantwin/runner.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

constexpr double kTau = 1000, kTa = 20;

std::string synced_room(double initial, double q, double sd, double initial_sd) {
  return fmt::format(R"Y(horizon: 20000 s
physics: {{dt: 1 s}}
components:
  room: {{type: thermal, capacitance: 1e5 J/K, r_ambient: 0.01 K/W, ambient: {} degC,
         initial: {} degC, sync: {{process_noise: {}, measurement_sd: {}, initial_sd: {}}}}}
)Y",
                     kTa, initial, q, sd, initial_sd);
}

}  // namespace

TEST_CASE("the filter pulls a wrong initial temperature in as its recursion says") {
  // The plant sits at 20 C; the model starts at 30 C. Measurements every 10 s are exact (the
  // filter believes they have sd 0.5 K), so the estimate's error follows
  //   e- = a e+,  P- = a^2 P+ + q tau/2 (1 - a^2),  K = P- / (P- + R),  e+ = (1 - K) e-.
  const double q = 1e-4, sd = 0.5, sd0 = 2, h = 10;
  auto model = compile_text(synced_room(30, q, sd, sd0));
  Sim sim(model);
  const double a = std::exp(-h / kTau), R = sd * sd;
  double e = 10, P = sd0 * sd0;
  int within = -1, predicted_within = -1;
  for (int k = 1; k <= 100; ++k) {
    sim.run_until(k * h);
    sim.apply_measurement("room.temperature", kTa, "test");
    e *= a;
    P = a * a * P + q * kTau / 2 * (1 - a * a);
    const double K = P / (P + R);
    e *= 1 - K;
    P *= 1 - K;
    CAPTURE(k);
    CHECK(sim.value("room.temperature") - kTa == doctest::Approx(e).epsilon(1e-9));
    CHECK(sim.value("room.estimate_sd") == doctest::Approx(std::sqrt(P)).epsilon(1e-12));
    if (predicted_within < 0 && std::abs(e) < sd) predicted_within = k;
    if (within < 0 && std::abs(sim.value("room.temperature") - kTa) < sd) within = k;
  }
  // Within the measurement noise after the number of samples the recursion predicts (here 2:
  // the first update keeps (1 - K1) = 0.059 of the 9.9 K error).
  CHECK(predicted_within == 2);
  CHECK(within == predicted_within);
  CHECK(sim.state().trace.measurements.size() == 100);
}

TEST_CASE("on a correct model the innovations are white with the variance the filter expects") {
  // The plant at 20 C measured every 10 s with noise of sd 0.3 K; the filter knows that noise
  // and assumes almost no process noise. After the start-up, innovations should be
  // uncorrelated (lag-1 autocorrelation within 3 / sqrt(N)), centred (mean within
  // 3 sd / sqrt(N)), and their normalized squares average 1 (within 3 sqrt(2 / N)).
  const double sd = 0.3, h = 10;
  auto model = compile_text(synced_room(kTa, 1e-7, sd, 1));
  Sim sim(model);
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> noise(0, sd);
  std::vector<double> nu, nis;
  const int n = 1900, burn_in = 50;
  for (int k = 1; k <= n; ++k) {
    sim.run_until(k * h);
    const double pred_sd = sim.value("room.estimate_sd");
    sim.apply_measurement("room.temperature", kTa + noise(rng), "test");
    if (k <= burn_in) continue;
    const double v = sim.value("room.innovation");
    nu.push_back(v);
    nis.push_back(v * v / (pred_sd * pred_sd + sd * sd));
  }
  const double N = static_cast<double>(nu.size());
  double mean = 0, nis_mean = 0;
  for (std::size_t i = 0; i < nu.size(); ++i) {
    mean += nu[i] / N;
    nis_mean += nis[i] / N;
  }
  double c0 = 0, c1 = 0;
  for (std::size_t i = 0; i < nu.size(); ++i) {
    c0 += (nu[i] - mean) * (nu[i] - mean);
    if (i > 0) c1 += (nu[i] - mean) * (nu[i - 1] - mean);
  }
  CHECK(std::abs(c1 / c0) < 3 / std::sqrt(N));
  CHECK(std::abs(mean) < 3 * sd / std::sqrt(N));
  CHECK(std::abs(nis_mean - 1) < 3 * std::sqrt(2 / N));
  auto k = kpi_map(sim);
  CHECK(k["room.measurements"] == n);
}

TEST_CASE("measurements go through the Runner, are recorded and replay bit for bit") {
  auto model = compile_text(synced_room(30, 1e-4, 0.5, 2));
  auto run = [&](bool lenient_bad_input) {
    Sim sim(model);
    Runner runner(sim);
    for (int k = 1; k <= 50; ++k)
      runner.push(
          Input{k * 37.0, "room.temperature", 20 + 0.1 * (k % 7), "probe", Input::Kind::kMeasure});
    if (lenient_bad_input)
      runner.push(Input{500, "room.ambient", 3, "probe", Input::Kind::kMeasure, false});
    runner.run();
    return std::make_pair(sim.value("room.temperature"), sim.state().trace);
  };
  const auto [t1, trace1] = run(true);
  CHECK(trace1.measurements.size() == 50);
  CHECK(trace1.measurements[3].time == 4 * 37.0);
  CHECK(trace1.measurements[3].origin == "probe");
  // The refused one became a warning from its origin; the run went on.
  REQUIRE(trace1.warnings.size() == 1);
  CHECK(trace1.warnings[0].source == "probe");
  CHECK(trace1.warnings[0].message ==
        "refused: \"room.ambient\" takes no measurements; signals synced here: "
        "room.temperature");
  // Pushing the recorded measurements into a fresh run reproduces it exactly.
  Sim again(model);
  Runner runner(again);
  for (const auto& m : trace1.measurements)
    runner.push(Input{m.time, m.target, m.value, "replay", Input::Kind::kMeasure});
  runner.run();
  CHECK(again.value("room.temperature") == t1);
  SUBCASE("a refused measurement stops a run that asked for it") {
    Sim sim(model);
    Runner r(sim);
    r.push(Input{10, "room.temperature", std::nan(""), "python", Input::Kind::kMeasure});
    CHECK_THROWS_WITH_AS(r.run(),
                         "input from python at 10 s: room.temperature: a measurement must be a "
                         "finite number, got nan",
                         std::invalid_argument);
  }
}

TEST_CASE("sync is checked before the run") {
  CHECK(compile_error("horizon: 1 h\ncomponents:\n  room: {type: thermal, nodes: 2, capacitance: "
                      "1 MJ/K, capacitance2: 1 MJ/K, r12: 0.01 K/W, r_ambient: 0.01 K/W, sync: "
                      "{process_noise: 0, measurement_sd: 1}}\n") ==
        "test.yaml:3:120: components.room.sync: needs a one-node model (nodes: 1)");
  CHECK(compile_error("horizon: 1 h\ncomponents:\n  room: {type: thermal, capacitance: 1 MJ/K, "
                      "r_ambient: 0.01 K/W, sync: {measurement_sd: 1}}\n") ==
        "test.yaml:3:73: components.room.sync.process_noise: is required (a number)");
}
