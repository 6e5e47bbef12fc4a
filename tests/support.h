#pragma once
// Helpers shared by the test suites: compile inline scenarios, run replications, and
// compare estimates with theory using confidence intervals.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "plantwin/expectations.h"
#include "plantwin/models/register.h"
#include "plantwin/sim.h"
#include "plantwin/stats.h"

namespace plantwin::test {

inline const Registry& registry() {
  static const Registry r = builtin_registry();
  return r;
}

inline std::shared_ptr<const Model> compile_text(const std::string& yaml,
                                                 const std::vector<std::string>& sets = {}) {
  Scenario s = load_scenario_text(yaml, "test.yaml", PLANTWIN_SOURCE_DIR);
  for (const auto& o : sets) apply_override(s, o);
  return compile(s, registry());
}

/// The error text compile() gives for a scenario, or "" if it compiles.
inline std::string compile_error(const std::string& yaml,
                                 const std::vector<std::string>& sets = {}) {
  try {
    compile_text(yaml, sets);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

inline std::map<std::string, double> kpi_map(const Sim& sim) {
  std::map<std::string, double> m;
  for (const auto& r : sim.kpis()) m[r.component + "." + r.name] = r.value;
  return m;
}

/// Compiles and runs a scenario text (with `--set` overrides); its KPIs as "component.name".
inline std::map<std::string, double> run_kpis(const std::string& yaml,
                                              const std::vector<std::string>& sets = {}) {
  Sim sim(compile_text(yaml, sets));
  sim.run();
  return kpi_map(sim);
}

/// A scenario's expectations judged on one run (watched as it goes, or only at the end), and
/// its KPIs.
struct Judged {
  std::vector<ExpectationOutcome> outcomes;
  std::vector<KpiRow> kpis;
};
inline Judged judge(const std::string& yaml, std::uint64_t replication = 0, bool watch = true) {
  Scenario s = load_scenario_text(yaml, "test.yaml", PLANTWIN_SOURCE_DIR);
  auto model = compile(s, registry());
  const auto es = parse_expectations(s, *model);
  Sim sim(model, replication);
  ExpectationMonitor m(es, *model, static_cast<int>(replication));
  if (watch) m.attach(sim);
  sim.run();
  return {m.finish(sim), sim.kpis()};
}

/// One machine `m` fed a two-product campaign (A x10, B x10, A x5 at 2 s and 3 s, 30 s per
/// changeover: 20 s, setup, 30 s, setup, 10 s), with extra keys for the machine (after a
/// comma), extra components and extra top-level keys.
inline std::string campaign(const std::string& machine_keys = "",
                            const std::string& components = "", const std::string& top = "") {
  return R"Y(horizon: 1 h
components:
  formats: {type: products, types: {A: {}, B: {}}}
  orders:
    type: order_source
    orders:
      - {product: A, quantity: 10, release: 0 s, due: 1 h}
      - {product: B, quantity: 10, release: 0 s, due: 1 h}
      - {product: A, quantity: 5, release: 0 s, due: 1 h}
  m: {type: machine, process_time: {A: 2 s, B: 3 s}, setup_time: 30 s)Y" +
         machine_keys + "}\n  out: {type: sink}\n" + components +
         "flow: [\"orders -> m -> out\"]\n" + top;
}

/// Runs `n` replications and returns one value of `f` per replication.
inline std::vector<double> replicate(const std::shared_ptr<const Model>& model, int n,
                                     const std::function<double(const Sim&)>& f) {
  std::vector<double> out;
  for (int r = 0; r < n; ++r) {
    Sim sim(model, static_cast<std::uint64_t>(r));
    sim.run();
    out.push_back(f(sim));
  }
  return out;
}

/// Writes small data files (name -> text) into a fresh folder `name` under the system's
/// temporary folder and returns its path, for scenarios that read traces or tables.
inline std::string write_data_files(const std::string& name,
                                    const std::map<std::string, std::string>& files) {
  const auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::create_directories(dir);
  for (const auto& [file, text] : files) std::ofstream(dir / file) << text;
  return dir.string();
}

/// A press whose condition-based maintenance watches a sensor that drops every reading (or, with
/// dropout 0, a healthy one): the case of the "sensor never reads" warning.
inline std::string silent_sensor_line(double dropout = 1.0) {
  return R"Y(horizon: 3 d
components:
  src: {type: source, interarrival: 1 min}
  press: {type: machine, process_time: 50 s, wear: {rate: 0.02 /h, ttr: 1 h},
          maintenance: {policy: condition, sensor: vib, threshold: 5 mm/s, duration: 1 h}}
  vib: {type: sensor, signal: press.vibration, period: 10 min, dropout: )Y" +
         std::to_string(dropout) + R"Y(}
  out: {type: sink}
flow: ["src -> press -> out"]
)Y";
}

/// Confidence level of the statistical checks: a correct model fails one check in a thousand.
inline constexpr double kCheckConfidence = 0.999;

/// Checks that `truth` lies in the kCheckConfidence t-interval of the replication values.
inline void check_covers(const std::vector<double>& values, double truth, const char* what) {
  const Estimate e = t_interval(values, kCheckConfidence);
  INFO(what << ": estimate " << e.mean << " ± " << e.half_width << " (99.9% CI, " << e.samples
            << " replications), theory " << truth);
  CHECK(std::fabs(e.mean - truth) <= e.half_width);
  // The interval must also be tight enough to mean something: within 5% of the truth.
  CHECK(e.half_width <= 0.05 * std::fabs(truth));
}

}  // namespace plantwin::test
