#pragma once
/// Expectations: what `plantwin test` checks about a run (the scenario's `expectations:`).
///
///     expectations:
///       - always: tank.level < 0.95                      at every check of the run
///       - never: press1.state == down and press2.state == down
///         name: the presses are never down together      (a name for reports; default the text)
///       - eventually: {within: 10 min, that: line.wip > 0}
///       - at_end: line.throughput >= 20                  KPIs (and signals) at the end
///       - at_end: count(over_temperature) == 0           events of a kind in the run
///       - at_end: lower(line.throughput) > 19            over replications (plantwin test -r N)
///       - golden: {file: reference.h5, signals: {room.temperature: {abs: 0.2, rel: 0.01,
///                                                                   shift: 30 s}}}
///
/// Checks happen after every event and at every time point of the kernel (recorded samples,
/// controller scans, batch boundaries); a watched run is the same run, bit for bit. Continuous
/// signals are thus checked as often as `record.period` samples them.

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plantwin/expr.h"
#include "plantwin/model.h"
#include "plantwin/sim.h"

namespace plantwin {

struct Expectation {
  enum class Kind { kAlways, kNever, kEventually, kAtEnd, kGolden };
  Kind kind = Kind::kAlways;
  std::string name;  ///< for reports: the `name:` key, else "always: <text>" ...
  std::optional<Expr> expr;
  double within = std::numeric_limits<double>::infinity();  ///< eventually: deadline (s)
  SourceLocation location;
  std::string path;  ///< "expectations[2]"
  // golden: the reference file and, per signal, its tolerances.
  std::string golden_file;
  struct GoldenSignal {
    std::string signal;
    double abs = 0, rel = 0, shift = 0;
    std::vector<double> time, value;  ///< the reference samples, read from golden_file
  };
  std::vector<GoldenSignal> golden;
};

const char* kind_name(Expectation::Kind kind);

/// The scenario's `expectations:` checked against `model` (signals exist and are what a check
/// during the run can read; golden files exist, hold the signals, and the run records them).
/// Throws ScenarioError with file:line:column and key for every problem. Empty when the
/// scenario has none.
std::vector<Expectation> parse_expectations(const Scenario& scenario, const Model& model);

/// How one expectation fared.
struct ExpectationOutcome {
  std::string name, kind;
  bool passed = true;
  /// First violation (or, for eventually, the deadline); NaN when none or at the end.
  double time = std::numeric_limits<double>::quiet_NaN();
  int replication = 0;
  std::string message;  ///< what went wrong: the values involved
  /// The last samples of what the expectation reads before it failed (a small table).
  std::vector<std::string> columns;
  std::vector<std::pair<double, std::vector<double>>> recent;
};

/// Watches one run (Sim::set_monitor) and judges it at the end.
class ExpectationMonitor {
 public:
  ExpectationMonitor(const std::vector<Expectation>& expectations, const Model& model,
                     int replication);
  ExpectationMonitor(const ExpectationMonitor&) = delete;
  ExpectationMonitor& operator=(const ExpectationMonitor&) = delete;
  ~ExpectationMonitor();
  /// Starts watching `sim` (which must outlive the monitor's use).
  void attach(Sim& sim);
  /// The outcome of every expectation but the replication aggregates (mean, lower, upper),
  /// in the order of the file.
  std::vector<ExpectationOutcome> finish(const Sim& sim);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Outcomes of at_end expectations that read mean(), lower() or upper() of KPIs over the
/// replications (95 % t intervals); `kpis[r]` is replication r's KPI table.
std::vector<ExpectationOutcome> judge_aggregates(const std::vector<Expectation>& expectations,
                                                 const std::vector<std::vector<KpiRow>>& kpis);

/// Whether an expectation reads mean(), lower() or upper() (judged over replications).
bool is_aggregate(const Expectation& e);

}  // namespace plantwin
