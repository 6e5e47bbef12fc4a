// plantwin sweep, and plantwin run --replications: a scenario's experiments run in parallel,
// with the progress bar, Ctrl-C, the report and the output files.

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "command_support.h"
#include "commands.h"
#include "plantwin/experiment.h"
#include "plantwin/output_file.h"
#include "progress.h"
#include "report.h"

namespace plantwin::cli {

int sweep_command(const SweepOptions& opts) {
  const std::string &output = opts.output, &csv = opts.csv;
  const bool quiet = opts.quiet;
  Scenario sc;
  ExperimentSpec spec;
  try {
    sc = load_scenario(opts.file, opts.sets, opts.seed);
    spec = parse_experiment(sc, opts.replications);
    if (opts.record_signals) spec.record_signals = std::max(spec.record_signals, 1);
    if (output.empty()) spec.record_signals = 0;  // nowhere to keep them: run as lean as ever
    if (opts.base_only) {
      spec.cases.resize(1);
      spec.cases[0] = ExperimentCase{"base", {}, {}};
      spec.swept_keys.clear();
      spec.buffer_allocation.reset();
    }
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  try {
    if (!output.empty()) check_output_path(output, "the result file");
    if (!csv.empty()) check_output_path(csv, "the CSV file");
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  stop_on_signals();
  std::atomic<bool>& stop = stop_flag();
  ExperimentResult res;
  {
    ProgressBar bar(isatty(STDERR_FILENO) && !quiet);
    try {
      res = run_experiment(sc, spec, registry(), &stop, [&](int d, int t) { bar.update(d, t); });
    } catch (const ScenarioError& e) {
      fmt::print(stderr, "{}\n", e.what());
      return kExitBadInput;
    }
  }
  int rc = res.complete ? kExitOk : kExitRunFailure;
  for (const auto& c : res.cases)
    if (!c.error.empty()) {
      fmt::print(stderr, "case {} failed: {}\n", escape_control(c.spec.name),
                 escape_control(c.error));
      rc = kExitRunFailure;
    }
  for (const auto& w : res.warnings) fmt::print(stderr, "warning: {}\n", w);
  if (opts.strict && !res.warnings.empty() && rc == kExitOk) {
    fmt::print(stderr, "--strict: {} warning(s) make this sweep a failure\n", res.warnings.size());
    rc = kExitRunFailure;
  }
  if (!quiet) print_experiment_report(*compile(sc, registry()), res);
  if (spec.buffer_allocation && !stop.load()) {
    const auto& ba = *spec.buffer_allocation;
    try {
      print_buffer_allocation(ba, allocate_buffers(sc, ba, spec.replications, registry(), &stop),
                              spec.replications);
    } catch (const ScenarioError& e) {
      fmt::print(stderr, "{}\n", e.what());
      return kExitBadInput;
    }
  }
  try {
    if (!output.empty()) {
      write_experiment_file(output, sc, spec, res);
      if (!quiet) fmt::print("\nresults written to {}\n", output);
    }
    if (!csv.empty()) {
      write_experiment_csv(csv, spec, res);
      if (!quiet) fmt::print("table written to {}\n", csv);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", escape_control(e.what()));
    rc = kExitRunFailure;
  }
  return rc;
}

}  // namespace plantwin::cli
