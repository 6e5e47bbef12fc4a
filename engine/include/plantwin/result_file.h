#pragma once
/// Result and experiment files (HDF5) read back, for `plantwin info`, replay and the viewer.
/// This header needs no kernel (it does not include sim.h): the viewer reads files with it and
/// the library plantwin::results alone. The layout is in docs/results.md; writing is in
/// plantwin/results.h.

#include <string>
#include <utility>
#include <vector>

#include "plantwin/component.h"
#include "plantwin/run_records.h"

namespace plantwin {

/// plantwin's version string.
const char* version();

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
  /// /meta/relations: what components outside the flow observe or serve.
  struct Relation {
    std::string component, relation, target;  ///< "s1", "observes", "press1"; "crew", "serves", "m"
  };
  std::vector<Relation> relations;
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
  std::vector<AppliedInput> inputs;        ///< /inputs: what was applied from outside, in order.
  std::vector<AppliedInput> measurements;  ///< /measurements: measurements the twin synced on.
  std::vector<RunWarning> warnings;        ///< /meta/warnings.
  std::vector<KpiRow> kpis;
  struct Case {
    std::string name;
    std::string overrides;  ///< The group's attribute `overrides`: one `key.path=value` a line.
    std::vector<KpiRow> summary;  ///< Mean (value) and half-width over replications.
    std::vector<std::vector<KpiRow>> replications;
    /// The replications whose runs were recorded whole (/cases/<name>/runs/<r>), in order; read
    /// one with read_result_run.
    std::vector<int> runs;
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

/// The samples of the named signals alone (in `signals`, in the order asked; nothing else is
/// read), with read_result_file's checks, child process and errors; a name the file lacks is
/// "<path>: not a plantwin result file: /signals/<name>: missing". With `with_samples = false`,
/// read_result_file reads two values of each signal's time array, so listing a large file and
/// then reading the signals needed stays fast (Python's plantwin.open).
ResultContents read_result_signals(const std::string& path, const std::vector<std::string>& names,
                                   double time_limit_s = 0);

/// A recorded run of an experiment file (`plantwin sweep --record-signals`): replication
/// `replication` of the case named `case_name`, read as a result file of its own (meta, layout,
/// signals with their samples, events, KPIs), with read_result_file's checks, child process and
/// errors. A case or run the file lacks is "<path>: not a plantwin result file: /cases: no case
/// "<name>"" or ".../runs/<r>: missing (that replication's run was not recorded)".
ResultContents read_result_run(const std::string& path, const std::string& case_name,
                               int replication, double time_limit_s = 0);

/// read_result_file in this process, for the fuzz harness (tests/fuzz/fuzz_results.cpp): the same
/// checks and errors, but a file that crashes libhdf5 crashes the caller.
ResultContents read_result_file_in_process(const std::string& path, bool with_samples = true);
/// read_result_run in this process, for the fuzz harness.
ResultContents read_result_run_in_process(const std::string& path, const std::string& case_name,
                                          int replication);

}  // namespace plantwin
