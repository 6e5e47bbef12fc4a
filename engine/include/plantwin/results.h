#pragma once
/// Result files (HDF5). The layout is documented in docs/results.md and kept stable:
///
///     /meta                  attributes: plantwin_version, scenario_name, scenario_file,
///                            scenario_text, resolved_scenario, overrides, seed, replication,
///                            horizon_s, warmup_s, end_time_s, status ("complete"/"partial"),
///                            started_at, wall_time_s, events_executed
///     /meta/components       table (name, type)
///     /signals/<name>/time   sample times in s (chunked, deflate-compressed)
///     /signals/<name>/value  sample values; attribute "unit"
///     /events                table (time, component, kind, detail)
///     /kpi                   table (component, name, value, half_width, unit)
///
/// Files are written to a temporary name and renamed into place, so a crash while writing never
/// leaves a half-written file where a complete one was expected.

#include <string>
#include <vector>

#include "plantwin/sim.h"

namespace plantwin {

/// Run facts that the kernel does not know.
struct RunInfo {
  std::string status = "complete";  ///< "complete", or "partial" for an interrupted run.
  std::string started_at;           ///< ISO 8601 wall-clock time.
  double wall_time_s = 0;
};

/// plantwin's version string.
const char* version();

/// Writes one run to `path`. Throws std::runtime_error with the path on I/O failure.
void write_result_file(const std::string& path, const Sim& sim, const RunInfo& info);

/// Summary of a result file, for `plantwin info`.
struct ResultSummary {
  std::vector<std::pair<std::string, std::string>> meta;  ///< Attribute name, value as text.
  struct Signal {
    std::string name, unit;
    std::size_t samples = 0;
    double t0 = 0, t1 = 0;
  };
  std::vector<Signal> signals;
  std::vector<std::pair<std::string, std::string>> components;  ///< Name, type.
  std::vector<std::string> cases;  ///< Experiment files: the cases under /cases.
  std::size_t events = 0;
  std::vector<KpiRow> kpis;
};

/// Reads what a result file holds. Throws std::runtime_error if it is not a plantwin file.
ResultSummary read_result_summary(const std::string& path);

/// Writes KPI rows as JSON (an array of objects) to `path`.
void write_kpi_json(const std::string& path, const Sim& sim, const RunInfo& info);

/// The ISO 8601 UTC time now.
std::string iso_time_now();

}  // namespace plantwin
