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
/// Files are built in memory and written through write_file_atomically (plantwin/output_file.h):
/// a crash, a kill or a full disk while writing never leaves a half-written file where a complete
/// one was expected, nor a temporary file.

#include <string>
#include <vector>

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

/// plantwin's version string.
const char* version();

/// Writes one run to `path`. Throws std::runtime_error with the path on I/O failure.
void write_result_file(const std::string& path, const Sim& sim, const RunInfo& info);

/// What a result or experiment file holds, read back for `plantwin info` and the viewer.
struct ResultContents {
  std::vector<std::pair<std::string, std::string>> meta;  ///< Attribute name, value as text.
  struct Component {
    std::string name, type;
    double x = 0, y = 0;  ///< Scenario position; NaN when none was given.
    double capacity = 0;  ///< Buffers and conveyors; NaN otherwise.
  };
  std::vector<Component> components;
  std::vector<std::pair<std::string, std::string>> links;  ///< From, to.
  struct Signal {
    std::string name, unit;
    std::size_t samples = 0;
    double t0 = 0, t1 = 0;
    std::vector<double> time, value;  ///< Empty unless read with samples.
  };
  std::vector<Signal> signals;
  struct EventEntry {
    double time = 0;
    std::string component, kind, detail;
  };
  std::vector<EventEntry> events;
  std::vector<AppliedInput> inputs;  ///< /inputs: what was applied from outside, in order.
  std::vector<RunWarning> warnings;  ///< /meta/warnings.
  std::vector<KpiRow> kpis;
  struct Case {
    std::string name;
    std::vector<KpiRow> summary;  ///< Mean (value) and half-width over replications.
    std::vector<std::vector<KpiRow>> replications;
  };
  std::vector<Case> cases;  ///< Experiment files.
};

/// Reads a result or experiment file; `with_samples` also loads every signal's samples. Trusts
/// nothing in the file: kinds, types, ranks and sizes are checked before anything is read, and
/// the reading runs in a child process, so that a file that crashes libhdf5 itself ends in an
/// error too. Throws std::runtime_error "<path>: not a plantwin result file: <why>", or
/// "<path>: no such file" / "<path>: cannot read: <why>".
/// `time_limit_s` bounds the child's reading (libhdf5 loops for ever on some corrupt files);
/// 0 means 10 s plus 1 s per 2 MB of file, which a healthy read meets many times over.
ResultContents read_result_file(const std::string& path, bool with_samples = true,
                                double time_limit_s = 0);

/// read_result_file in this process, for the fuzz harness (tests/fuzz/fuzz_results.cpp): the same
/// checks and errors, but a file that crashes libhdf5 crashes the caller.
ResultContents read_result_file_in_process(const std::string& path, bool with_samples = true);

/// Writes KPI rows as JSON (an array of objects) to `path`.
void write_kpi_json(const std::string& path, const Sim& sim, const RunInfo& info);

/// The ISO 8601 UTC time now.
std::string iso_time_now();

}  // namespace plantwin
