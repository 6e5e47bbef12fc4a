#pragma once
/// Forecasts from a live state: fork the twin now, run it ahead under named variants ("press 2
/// stopped for 2 h of maintenance" against "keep running"), replicated for intervals, faster
/// than real time (docs/forecast.md). The scenario's `forecast:` section says how:
///
///     forecast:
///       ahead: 2 h                  # how far each fork runs (required)
///       replications: 20            # per variant (default 10)
///       every: 15 min               # a live run forecasts every 15 min of simulated time
///       kpis: [line.throughput]     # what to report (default: every KPI)
///       variants:                   # default: one variant, as_is, that changes nothing
///         keep_running: {}
///         press2_maintenance:
///           set: {press2.enabled: 0}      # at the fork
///           after: 2 h                    # then, 2 h later ...
///           then: {press2.enabled: 1}     # ... these
///
/// Each replication r of every variant draws from the same new streams (Sim::reseed), so
/// variants are compared on common random numbers; what the live state had already drawn (a
/// scheduled arrival, a failure's remaining life) is the same in all of them. Statistics restart
/// at the fork: the KPIs describe the forecast window alone.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "plantwin/experiment.h"
#include "plantwin/scenario.h"
#include "plantwin/sim.h"

namespace plantwin {

struct ForecastVariant {
  std::string name;
  std::vector<std::pair<std::string, double>> set;   ///< actuators set at the fork
  double after = 0;                                  ///< when `then` applies, after the fork
  std::vector<std::pair<std::string, double>> then;  ///< actuators set `after` the fork
};

struct ForecastSpec {
  double ahead = 0;  ///< 0: the scenario has no forecast section
  int replications = 10;
  double every = 0;               ///< live runs: simulated time between forecasts (0: never)
  std::vector<std::string> kpis;  ///< "component.kpi"; empty: all
  std::vector<ForecastVariant> variants;
};

/// The scenario's `forecast:` section checked against `model` (actuators, KPI names are checked
/// when the forecast runs). Returns a spec with ahead == 0 when there is none. Throws
/// ScenarioError with file:line:column and key.
ForecastSpec parse_forecast(const Scenario& scenario, const Model& model);

struct ForecastCase {
  std::string variant;
  std::vector<KpiSummary> kpis;  ///< mean and t interval (95 %) over the replications
};

struct ForecastResult {
  double from = 0, to = 0;  ///< simulated time of the fork and of the forecast's end
  int replications = 0, threads = 0;
  double wall_time_s = 0;
  std::vector<ForecastCase> cases;
};

/// Runs `spec` from a copy of `live`'s state (its controllers kept); `fork` numbers the
/// forecasts of one run so that each draws from its own streams. The forecast ends at the
/// model's horizon if that comes first. Throws std::invalid_argument for a variant the plant
/// refuses (an unknown actuator, a bad value) and for an unknown KPI in `spec.kpis`.
ForecastResult run_forecast(const Sim& live, const ForecastSpec& spec, std::uint64_t fork = 0);

}  // namespace plantwin
