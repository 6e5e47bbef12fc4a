// plantwin test FILE: runs a scenario with its `expectations:` and turns the run into a pass
// or a fail for CI (exit 0 / 1; 2 for a bad suite), with a report and JUnit XML.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "command_support.h"
#include "commands.h"
#include "plantwin/expectations.h"
#include "plantwin/output_file.h"
#include "plantwin/runner.h"
#include "plantwin/units.h"

namespace plantwin::cli {
namespace {

std::string xml_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          o += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else
          o += c;
    }
  }
  return o;
}

std::string recent_table(const ExpectationOutcome& o) {
  if (o.recent.empty()) return "";
  std::string t = fmt::format("    {:>14}", "time");
  for (const auto& c : o.columns) t += fmt::format("  {:>16}", c);
  t += "\n";
  for (const auto& [time, values] : o.recent) {
    t += fmt::format("    {:>14}", format_duration(time));
    for (double v : values) t += fmt::format("  {:>16.6g}", v);
    t += "\n";
  }
  return t;
}

}  // namespace

int report_verdict(std::string_view command, const std::string& file, const Model& model,
                   int replications, const std::vector<ExpectationOutcome>& verdict, double wall,
                   bool quiet, const std::string& junit) {
  const int reps = replications;
  std::size_t failed = 0;
  for (const auto& o : verdict) failed += o.passed ? 0 : 1;

  if (!quiet || failed > 0) {
    fmt::print("{} {}: {} ({} replication{}, until {})\n", command, escape_control(file),
               escape_control(model.name()), reps, reps == 1 ? "" : "s",
               format_duration(model.horizon()));
    for (const auto& o : verdict) {
      if (o.passed && quiet) continue;
      fmt::print("  {}  {}\n", o.passed ? "pass" : "FAIL", escape_control(o.name));
      if (!o.passed) {
        fmt::print(
            "        {}{}\n", escape_control(o.message),
            reps > 1 && o.kind != "at_end" ? fmt::format(" (replication {})", o.replication) : "");
        if (!o.recent.empty()) {
          fmt::print("        the last checks before it:\n{}", recent_table(o));
        }
      }
    }
    fmt::print("{} expectation{}: {} passed, {} failed ({:.2f} s wall)\n", verdict.size(),
               verdict.size() == 1 ? "" : "s", verdict.size() - failed, failed, wall);
  }

  if (!junit.empty()) {
    const std::string suite = std::filesystem::path(file).stem().string();
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += fmt::format("<testsuites tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", verdict.size(),
                     failed, wall);
    x += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
        "time=\"{:.3f}\">\n",
        xml_escape(suite), verdict.size(), failed, wall);
    for (const auto& o : verdict) {
      x += fmt::format("    <testcase classname=\"plantwin.{}\" name=\"{}\"", xml_escape(suite),
                       xml_escape(o.name));
      if (o.passed) {
        x += "/>\n";
        continue;
      }
      x += fmt::format(
          ">\n      <failure message=\"{}\" type=\"{}\">{}{}</failure>\n    "
          "</testcase>\n",
          xml_escape(o.message), xml_escape(o.kind), xml_escape(o.message),
          o.recent.empty() ? "" : xml_escape(fmt::format("\n{}", recent_table(o))));
    }
    x += "  </testsuite>\n</testsuites>\n";
    try {
      write_file_atomically(junit, x, "JUnit report");
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}\n", escape_control(e.what()));
      return kExitRunFailure;
    }
  }
  return failed > 0 ? kExitRunFailure : kExitOk;
}

int test_command(const TestOptions& opts) {
  std::shared_ptr<const Model> model;
  std::vector<Expectation> expectations;
  std::vector<io::RecordedFeed> feeds;
  Scenario scenario;
  try {
    scenario = load_scenario(opts.file, opts.sets, opts.seed);
    model = compile(scenario, registry());
    expectations = parse_expectations(scenario, *model);
    feeds = load_recorded_feeds(*model, /*quiet=*/true);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "{}\n", escape_control(e.what()));
    return kExitBadInput;
  }
  if (expectations.empty()) {
    fmt::print(stderr,
               "{}: has no expectations: nothing to test (see scenarios/README.md, "
               "Expectations)\n",
               escape_control(opts.file));
    return kExitBadInput;
  }
  if (!opts.junit.empty()) {
    try {
      check_output_path(opts.junit, "JUnit report");
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}\n", escape_control(e.what()));
      return kExitBadInput;
    }
  }
  stop_on_signals();
  const auto started = std::chrono::steady_clock::now();
  const int reps = std::max(1, opts.replications);
  // Per expectation: the first failing outcome over the replications, else the first one.
  std::vector<ExpectationOutcome> verdict;
  std::vector<std::vector<KpiRow>> kpis;
  try {
    for (int r = 0; r < reps; ++r) {
      Sim sim(model, static_cast<std::uint64_t>(r));
      ExpectationMonitor monitor(expectations, *model, r);
      monitor.attach(sim);
      Runner runner(sim);
      runner.watch_stop_flag(stop_flag());
      for (const auto& f : feeds)
        for (const auto& in : f.inputs) runner.push(in);
      if (!runner.run()) {
        fmt::print(stderr, "{}: interrupted at {}: no verdict\n", escape_control(opts.file),
                   format_duration(sim.now()));
        return kExitRunFailure;
      }
      auto outcomes = monitor.finish(sim);
      kpis.push_back(sim.kpis());
      if (verdict.empty()) {
        verdict = std::move(outcomes);
      } else {
        for (std::size_t i = 0; i < outcomes.size(); ++i)
          if (verdict[i].passed && !outcomes[i].passed) verdict[i] = std::move(outcomes[i]);
      }
    }
    for (auto& o : judge_aggregates(expectations, kpis)) verdict.push_back(std::move(o));
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: the run failed: {}\n", escape_control(opts.file),
               escape_control(e.what()));
    return kExitRunFailure;
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report_verdict("plantwin test", opts.file, *model, reps, verdict, wall, opts.quiet,
                        opts.junit);
}

}  // namespace plantwin::cli
