// plantwin: the command-line interface. This file declares the commands and their options and
// hands each to its body in commands.h.
//
//   plantwin run FILE [--set key=value]... [--seed N] [--until T] [--output run.h5]
//                     [--json kpis.json] [--quiet]
//   plantwin validate FILE...
//   plantwin info run.h5
//   plantwin serve-modbus FILE --map io.yaml [--port N] [--lockstep --scan T | --pace F]
//                         [--test [--junit report.xml]]
//
// Exit codes: 0 success, 1 run failure (or interrupted), 2 bad input.

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.h"
#include "plantwin/results.h"
#include "plantwin/scenario.h"

namespace {

using namespace plantwin;
using namespace plantwin::cli;

// Argument checks beyond CLI11's: its number checks let "nan" through, and an unsigned option
// takes "-1" as 18446744073709551615.
const CLI::Validator kFinitePositive(
    [](std::string& s) -> std::string {
      double v = 0;
      const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v <= 0)
        return fmt::format("expected a positive number, got \"{}\"", escape_control(s));
      return "";
    },
    "POSITIVE");
const CLI::Validator kSeedNumber(
    [](std::string& s) -> std::string {
      long long v = 0;
      const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || v < 0)
        return fmt::format("expected a whole number from 0 to {}, got \"{}\"",
                           std::numeric_limits<long long>::max(), escape_control(s));
      return "";
    },
    "SEED");

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"plantwin: digital twin simulation of industrial plants"};
  app.require_subcommand(1);
  app.set_version_flag("--version", plantwin::version());

  RunOptions r;
  auto* run = app.add_subcommand("run", "run a scenario, print its KPIs, write results");
  run->add_option("FILE", r.file, "scenario file (YAML)")->required();
  run->add_option("--set", r.sets, "override a value: key.path=value (repeatable)");
  run->add_option("--seed", r.seed, "random seed (overrides the scenario's)")->check(kSeedNumber);
  run->add_option("--until", r.until, "stop at this simulated time (e.g. \"8 h\")");
  run->add_option("--output,-o", r.output, "write results to this HDF5 file");
  run->add_option("--json", r.json, "write the KPI table to this JSON file");
  run->add_flag("--quiet,-q", r.quiet, "print nothing but errors and warnings");
  run->add_flag("--strict", r.strict, "treat warnings as errors (exit 1)");
  run->add_option("--serve", r.serve_port, "let plantwin-viewer watch the run on 127.0.0.1:PORT")
      ->check(CLI::Range(1, 65535));
  auto* pace_opt = run->add_option("--pace", r.pace,
                                   "run at most FACTOR simulated seconds per wall-clock second")
                       ->check(kFinitePositive);
  run->add_flag("--live", r.live,
                "run beside the plant: connect the scenario's MQTT and Modbus feeds, simulated "
                "time following the wall clock (docs/feeds.md)");
  run->add_flag("--forecast", r.forecast,
                "at the end of the run (--until, or Ctrl-C), fork its state and run the "
                "scenario's forecast: variants run ahead, replicated");
  run->add_option("--realtime", r.pace,
                  "with --live: FACTOR simulated seconds per wall-clock second (default 1)")
      ->check(kFinitePositive)
      ->excludes(pace_opt);
  run->add_option("--replications,-r", r.replications,
                  "run N independent replications in parallel and report 95% confidence "
                  "intervals (results go to an experiment file)")
      ->check(CLI::Range(1, 1000000));

  SweepOptions s;
  auto* sweep =
      app.add_subcommand("sweep",
                         "run the experiments of a scenario or experiment file: variants, sweeps, "
                         "replications, buffer allocation");
  sweep->add_option("FILE", s.file, "scenario or experiment file (YAML)")->required();
  sweep->add_option("--set", s.sets, "override a value in the base scenario (repeatable)");
  sweep->add_option("--seed", s.seed, "random seed (overrides the scenario's)")->check(kSeedNumber);
  sweep->add_option("--replications,-r", s.replications, "replications per case")
      ->check(CLI::Range(1, 1000000));
  sweep->add_option("--output,-o", s.output, "write all cases to this HDF5 file (/cases/...)");
  sweep->add_option("--csv", s.csv, "write one row per case to this CSV file");
  sweep->add_flag("--quiet,-q", s.quiet, "print nothing but errors and warnings");
  sweep->add_flag("--strict", s.strict, "treat warnings as errors (exit 1)");
  sweep->add_flag("--record-signals", s.record_signals,
                  "with --output: keep each case's first replication whole (signals, events, "
                  "KPIs) for the viewer, within 256 MiB");

  // Declared after sweep's options, as it always was: --help lists it last.
  run->add_option("--inputs", r.inputs_file,
                  "re-apply the /inputs of this result file at their times (see replay)");

  ReplayOptions p;
  auto* replay = app.add_subcommand(
      "replay", "run a result file's scenario again, re-applying its inputs (bit for bit)");
  replay->add_option("FILE", p.file, "result file (HDF5) of a run")->required();
  replay->add_option("--output,-o", p.output, "write the replayed run to this HDF5 file");
  replay->add_option("--json", p.json, "write its KPI table to this JSON file");
  replay->add_flag("--quiet,-q", p.quiet, "print nothing but errors and warnings");
  replay->add_flag("--check", p.check,
                   "exit 1 unless every KPI equals the recorded one to the bit");

  TestOptions t;
  auto* test = app.add_subcommand(
      "test", "run a scenario with its expectations: exit 0 when all hold, 1 when one fails");
  test->add_option("FILE", t.file, "scenario file with expectations: (YAML)")->required();
  test->add_option("--set", t.sets, "override a value: key.path=value (repeatable)");
  test->add_option("--seed", t.seed, "random seed (overrides the scenario's)")->check(kSeedNumber);
  test->add_option("--replications,-r", t.replications,
                   "run N replications: every expectation must hold in each; mean(), lower() and "
                   "upper() read the KPIs' 95% intervals")
      ->check(CLI::Range(1, 100000));
  test->add_option("--junit", t.junit, "write a JUnit XML report (one test case per expectation)");
  test->add_flag("--quiet,-q", t.quiet, "print only failures");

  ServeModbusOptions m;
  auto* serve_modbus = app.add_subcommand(
      "serve-modbus", "serve the plant's I/O over Modbus TCP (virtual commissioning)");
  serve_modbus->add_option("FILE", m.file, "scenario file (YAML)")->required();
  serve_modbus->add_option("--map", m.map, "register map (YAML, see docs/modbus.md)")->required();
  serve_modbus->add_option("--port", m.port, "TCP port on 127.0.0.1 (0: any free one)")
      ->check(CLI::Range(0, 65535));
  serve_modbus->add_option("--set", m.sets, "override a value: key.path=value (repeatable)");
  serve_modbus->add_flag("--lockstep", m.lockstep, "advance one scan per handshake write");
  serve_modbus->add_option("--scan", m.scan, "lock-step: simulated time per handshake");
  serve_modbus->add_option("--pace", m.pace, "simulated seconds per wall-clock second")
      ->check(kFinitePositive);
  serve_modbus->add_option("--output,-o", m.output, "write results to this HDF5 file");
  serve_modbus->add_flag("--test", m.test,
                         "judge the scenario's expectations on the served run (exit 1 on a fail)");
  serve_modbus->add_option("--junit", m.junit, "with --test: write a JUnit XML report");

  auto* validate = app.add_subcommand("validate", "check scenario files without running them");
  std::vector<std::string> files, validate_sets;
  validate->add_option("FILE", files, "scenario files")->required();
  validate->add_option("--set", validate_sets, "override a value: key.path=value (repeatable)");

  auto* info =
      app.add_subcommand("info", "say what a result file holds, or what a scenario offers");
  std::string result;
  info->add_option("FILE", result, "result file (HDF5), or a scenario (.yaml): what it offers")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // CLI11 quotes the arguments it refuses; print them with control characters escaped.
    fmt::print(stderr, "{}\nRun with --help for more information.\n", escape_control(e.what()));
    return kExitBadInput;
  }
  if (*run && r.live && r.replications > 0) {
    fmt::print(stderr,
               "--live runs one twin beside the plant; --replications is for offline runs\n");
    return kExitBadInput;
  }
  if (*run && !r.live && app.get_subcommand("run")->count("--realtime") > 0) {
    fmt::print(stderr, "--realtime goes with --live (for an offline run, use --pace)\n");
    return kExitBadInput;
  }
  if (*run && r.replications > 0) {
    if (!r.until.empty() || !r.json.empty()) {
      fmt::print(stderr,
                 "--replications runs to the horizon and writes an experiment file; "
                 "--until and --json apply to single runs\n");
      return kExitBadInput;
    }
    return sweep_command(SweepOptions{r.file, r.sets, r.seed, r.replications, /*base_only=*/true,
                                      r.output, /*csv=*/"", r.quiet, r.strict,
                                      /*record_signals=*/false});
  }
  if (*run) return run_command(r);
  if (*replay) return replay_command(p);
  if (*sweep) return sweep_command(s);
  if (*test) return test_command(t);
  if (*serve_modbus) return serve_modbus_command(m);
  if (*validate) return validate_command(files, validate_sets);
  if (*info) return info_command(result);
  return kExitBadInput;
}
