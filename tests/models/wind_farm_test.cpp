// scenarios/wind_farm.yaml replaying data/wind_farm.csv (data/generate_wind_farm.py): the run
// applies every row, the farm stays within its export limit, and the gearbox innovations of the
// healthy turbines stay centred while those of t4, whose readings carry a bearing fault from
// 60 h on, leave zero, and its CUSUM alarm (scenario `alarms:`) is the only one raised.

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "plantwin/io/recorded_feed.h"
#include "plantwin/runner.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

constexpr double kOnset = 60 * 3600.0;  // the generator's FAULT_ONSET_S

struct Moments {
  double mean = 0, sd = 0;
  int n = 0;
};

Moments moments(const std::vector<double>& v) {
  Moments m;
  m.n = static_cast<int>(v.size());
  for (double x : v) m.mean += x;
  m.mean /= m.n;
  for (double x : v) m.sd += (x - m.mean) * (x - m.mean);
  m.sd = std::sqrt(m.sd / (m.n - 1));
  return m;
}

}  // namespace

TEST_CASE("the wind farm twin flags t4's gearbox after the fault's onset and no other") {
  Scenario sc = load_scenario_file(std::string(PLANTWIN_SOURCE_DIR) + "/scenarios/wind_farm.yaml");
  auto model = compile(sc, registry());
  Sim sim(model);
  Runner runner(sim);
  std::uint64_t values = 0;
  for (const auto& cfg : io::parse_recorded_feeds(model->scenario(), *model)) {
    const io::RecordedFeed feed = io::load_recorded_feed(cfg);
    CHECK(feed.malformed + feed.out_of_range + feed.late == 0);
    values += feed.values;
    for (const auto& in : feed.inputs) runner.push(in);
  }
  CHECK(values == 5760 * 12);  // four days of minutes, wind and gearbox of six turbines
  REQUIRE(runner.run_until(model->horizon()));
  CHECK(sim.state().trace.measurements.size() == 5760 * 6);
  CHECK(sim.state().trace.warnings.empty());

  // The recorded innovations, per minute. A sample at t holds the innovation of the reading at
  // t - 60 s (the feed's rows at t apply after the sample at t), so "after onset" starts with
  // the sample at the onset plus a minute.
  const auto& rec = model->record();
  auto series = [&](const std::string& name) {
    for (std::size_t k = 0; k < rec.signals.size(); ++k)
      if (model->signals()[static_cast<std::size_t>(rec.signals[k])].name == name)
        return sim.state().trace.values[k];
    FAIL("not recorded: " << name);
    return std::vector<double>{};
  };
  const auto& times = sim.state().trace.times;
  REQUIRE(times.size() == 5761);
  auto split = [&](const std::vector<double>& v, bool after) {
    std::vector<double> out;
    for (std::size_t k = 1; k < v.size(); ++k)  // the sample at 0 precedes every reading
      if ((times[k] > kOnset) == after) out.push_back(v[k]);
    return out;
  };

  // Healthy: innovations are white with sd near the measurement noise (0.3 K, plus the
  // estimate's own uncertainty), so the mean over n samples lies within 4 sd / sqrt(n) of 0
  // (one chance in 15000 of a false failure per check); the faulty turbine's mean after onset
  // is over 10 of those widths away.
  for (int i = 1; i <= 6; ++i) {
    const auto v = series(fmt::format("t{}.gearbox_innovation", i));
    const Moments before = moments(split(v, false));
    const Moments after = moments(split(v, true));
    CAPTURE(i);
    CHECK(before.n == 3600);
    CHECK(after.n == 2160);
    CHECK(std::abs(before.mean) < 4 * before.sd / std::sqrt(before.n));
    CHECK(before.sd == doctest::Approx(0.32).epsilon(0.1));
    MESSAGE(
        fmt::format("t{} innovation before onset: mean {:+.4f} K, sd {:.4f} K; after: mean "
                    "{:+.4f} K, sd {:.4f} K",
                    i, before.mean, before.sd, after.mean, after.sd));
    if (i == 4) {
      CHECK(after.mean > 10 * 4 * after.sd / std::sqrt(after.n));
    } else {
      CHECK(std::abs(after.mean) < 4 * after.sd / std::sqrt(after.n));
      CHECK(after.sd == doctest::Approx(0.32).epsilon(0.1));
    }
  }
  for (double e : series("farm.export")) CHECK(e <= 9000 * (1 + 1e-12));
  auto k = kpi_map(sim);
  CHECK(k["farm.curtailed_energy"] > 0);
  CHECK(k["farm.time_at_limit"] > 3600);
  // The scenario's CUSUM alarms (slack 0.25 K, threshold 3 K): t4's within 6 h of the onset (the
  // innovation's mean is still below 0.5 K then), none on the healthy turbines.
  CHECK(k["t4_gearbox.first_raised"] > kOnset);
  CHECK(k["t4_gearbox.first_raised"] < kOnset + 6 * 3600);
  MESSAGE(fmt::format("t4's alarm raised {:.0f} min after the onset",
                      (k["t4_gearbox.first_raised"] - kOnset) / 60));
  for (int i : {1, 2, 3, 5, 6}) CHECK(k[fmt::format("t{}_gearbox.raised", i)] == 0);
}
