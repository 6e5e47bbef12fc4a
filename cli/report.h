#pragma once

/// What the CLI prints about runs, experiments and result files: KPI tables, experiment tables,
/// warnings, the replay check and `info`. Errors and the exit codes are the commands' business.

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "plantwin/experiment.h"
#include "plantwin/results.h"
#include "plantwin/sim.h"

namespace plantwin::cli {

/// Component name → type, for the KPI table's sections.
std::map<std::string, std::string> component_types(const Model& model);

/// The KPI table: the line, then machines, buffers and other components in the rows' order.
void print_kpis(const std::vector<KpiRow>& rows, const std::map<std::string, std::string>& types,
                std::FILE* out, const char* ci_note = "95% confidence intervals from batch means");

/// One run-time warning: "warning: SOURCE: MESSAGE (first at T[, N times])".
void print_warning(std::FILE* out, const RunWarning& w);

/// A finished (or stopped) run on stdout: its heading, events and wall time, KPI table and
/// bottleneck. `status` is shown when the run is not `complete`.
void print_run_report(const Model& model, const Sim& sim, double wall_time_s, bool complete,
                      const std::string& status);

/// `replay --check`: whether `rows` equal the recorded `expect` to the bit (NaN where they were
/// NaN), leaving out the counters of feed components (a replay has no connection). Prints the
/// first difference to stderr, or the match on stdout unless `quiet`.
bool check_replay(const Model& model, std::vector<KpiRow> rows, std::vector<KpiRow> expect,
                  std::size_t inputs_applied, bool quiet);

/// An experiment on stdout: its heading, then the KPI table of a single case, or one row per
/// case and the paired differences against the base.
void print_experiment_report(const Model& base, const ExperimentResult& res);

/// The outcome of a buffer allocation search on stdout.
void print_buffer_allocation(const BufferAllocationSpec& spec, const BufferAllocationResult& best,
                             int replications);

/// `info`: what the result or experiment file `file` holds, on stdout.
void print_result_file(const std::string& file, const ResultContents& contents);
/// `plantwin info SCENARIO.yaml`: components, controllers, signals and actuators with units.
void print_scenario_info(const std::string& file, const Model& model);

}  // namespace plantwin::cli
