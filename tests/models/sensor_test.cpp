// Sensor statistics against their parameters, with limits from the sampling distributions.

#include <doctest/doctest.h>

#include <cmath>

#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {
constexpr double kZ = 4.42;  // two-sided, one false alarm in 100,000
}

TEST_CASE("sensor noise variance, bias, drift rate and dropout share match their parameters") {
  // The observed signal is a machine that is always busy: exactly 1.
  auto m = compile_text(R"Y(horizon: 20000 s
components:
  supply: {type: source}
  m: {type: machine, process_time: 10 s}
  out: {type: sink}
  probe: {type: sensor, signal: m.busy, period: 1 s, noise_sd: 0.5, bias: 0.2, drift: 0.36 /h, dropout: 0.05}
flow: ["supply -> m -> out"]
record: {period: 1 s, signals: [probe.value]}
)Y");
  Sim sim(m);
  sim.run();
  const auto& t = sim.state().trace.times;
  const auto& v = sim.state().trace.values[0];
  const double drift = 0.36 / 3600;
  double n = 0, missing = 0, sum = 0, sum2 = 0;
  double st = 0, sv = 0, stt = 0, stv = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) {
      ++missing;
      continue;
    }
    const double r = v[i] - 1.0 - 0.2 - drift * t[i];
    ++n;
    sum += r;
    sum2 += r * r;
    st += t[i];
    sv += v[i];
    stt += t[i] * t[i];
    stv += t[i] * v[i];
  }
  const double total = n + missing;
  // Dropouts: binomial.
  CHECK(std::fabs(missing / total - 0.05) <= kZ * std::sqrt(0.05 * 0.95 / total));
  // Residual mean 0 (bias removed) and variance sd^2: (n-1) s^2 / sd^2 ~ chi-square(n-1),
  // close to normal with variance 2 (n-1) at this size.
  const double mean = sum / n;
  const double var = (sum2 - n * mean * mean) / (n - 1);
  CHECK(std::fabs(mean) <= kZ * 0.5 / std::sqrt(n));
  CHECK(std::fabs(var / 0.25 - 1.0) <= kZ * std::sqrt(2.0 / (n - 1)));
  // Drift: least-squares slope with its standard error sd / sqrt(Sxx).
  const double sxx = stt - st * st / n;
  const double slope = (stv - st * sv / n) / sxx;
  CHECK(std::fabs(slope - drift) <= kZ * 0.5 / std::sqrt(sxx));
}

TEST_CASE("a quantising sensor reports multiples of its resolution") {
  auto m = compile_text(R"Y(horizon: 100 s
components:
  supply: {type: source}
  m: {type: machine, process_time: 10 s}
  out: {type: sink}
  probe: {type: sensor, signal: m.busy, period: 1 s, noise_sd: 0.3, resolution: 0.25}
flow: ["supply -> m -> out"]
record: {period: 1 s, signals: [probe.value, probe.true]}
)Y");
  Sim sim(m);
  sim.run();
  for (double v : sim.state().trace.values[0])
    CHECK(std::fabs(v / 0.25 - std::round(v / 0.25)) < 1e-9);
  for (double v : sim.state().trace.values[1]) CHECK(v == 1.0);
  auto k = kpi_map(sim);
  CHECK(k["probe.readings"] == 101);
}

TEST_CASE("a sensor must name a signal of a component in the scenario") {
  CHECK(compile_error(R"Y(horizon: 1 h
components:
  s: {type: source}
  press: {type: machine, process_time: 1 s}
  o: {type: sink}
  v: {type: sensor, signal: pres.busy, period: 1 s}
flow: ["s -> press -> o"]
)Y")
            .find("components.v.signal: expected component.signal naming a component of the "
                  "scenario, got "
                  "\"pres.busy\" (did you mean \"press\"?)") != std::string::npos);
  CHECK(compile_error(R"Y(horizon: 1 h
components:
  s: {type: source}
  press: {type: machine, process_time: 1 s}
  o: {type: sink}
  v: {type: sensor, signal: press.busy, period: 1 s, dropout: 1.5}
flow: ["s -> press -> o"]
)Y")
            .find("components.v.dropout: must be between 0 and 1") != std::string::npos);
}
