#pragma once
/// Result files (HDF5): writing them from a run. Reading them back needs no kernel:
/// plantwin/result_file.h (which this header includes). The layout is documented in docs/results.md
/// and kept stable:
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
/// Files are built in memory and written through write_file_atomically (plantwin/output_file.h):
/// a crash, a kill or a full disk while writing never leaves a half-written file where a complete
/// one was expected, nor a temporary file.

#include <string>
#include <vector>

#include "plantwin/result_file.h"
#include "plantwin/sim.h"

namespace plantwin {

/// Run facts that the kernel does not know.
struct RunInfo {
  std::string status = "complete";  ///< "complete", or "partial" for an interrupted run.
  std::string started_at;           ///< ISO 8601 wall-clock time.
  double wall_time_s = 0;
  /// The Runner's grid (Runner::Options::chunks) the run was made on: a replay of its /inputs
  /// uses the same grid to reproduce it bit for bit. 0 when unknown.
  int runner_chunks = 0;
};

/// Writes one run to `path`. Throws std::runtime_error with the path on I/O failure.
void write_result_file(const std::string& path, const Sim& sim, const RunInfo& info);

/// Writes KPI rows as JSON (an array of objects) to `path`.
void write_kpi_json(const std::string& path, const Sim& sim, const RunInfo& info);

/// The ISO 8601 UTC time now.
std::string iso_time_now();

}  // namespace plantwin
