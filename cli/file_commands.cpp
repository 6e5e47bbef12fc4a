// plantwin validate and plantwin info: the commands that read files and run nothing.

#include <cstdio>

#include <fmt/format.h>

#include "command_support.h"
#include "commands.h"
#include "live_feeds.h"
#include "plantwin/expectations.h"
#include "plantwin/experiment.h"
#include "plantwin/forecast.h"
#include "plantwin/io/recorded_feed.h"
#include "plantwin/results.h"
#include "report.h"

namespace plantwin::cli {

int validate_command(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  int rc = kExitOk;
  for (const auto& f : files) {
    try {
      Scenario sc = load_scenario(f, sets, std::nullopt);
      const auto m = compile(sc, registry());
      // The experiments too: every case must compile.
      const ExperimentSpec spec = parse_experiment(sc);
      const Node* exp_node = sc.root.find("experiments");
      const SourceLocation at = exp_node ? exp_node->location : SourceLocation{f, 0, 0};
      std::vector<Diagnostic> errors;
      for (const auto& c : spec.cases) {
        try {
          Scenario v = sc;
          for (const auto& o : c.overrides) apply_override(v, o, &at);
          compile(v, registry());
        } catch (const ScenarioError& e) {
          for (auto d : e.diagnostics()) {
            d.message = fmt::format("in case \"{}\": {}", c.name, d.message);
            errors.push_back(std::move(d));
          }
        }
      }
      if (!errors.empty()) throw ScenarioError(errors);
      // The sections other commands read: feeds (recorded and live), publish, forecast,
      // expectations.
      (void)io::parse_recorded_feeds(sc, *m);
      LiveFeeds live(m);
      (void)parse_forecast(sc, *m);
      (void)parse_expectations(sc, *m);
      std::size_t links = 0, controllers = 0, alarms = 0;
      for (std::size_t i = 0; i < m->size(); ++i) {
        const Component& c = m->component(static_cast<int>(i));
        links += static_cast<std::size_t>(c.num_outputs());
        if (c.scan_period() > 0) ++(c.type() == "alarm" ? alarms : controllers);
      }
      const std::size_t components = m->scenario_size() - controllers - alarms;
      const auto count = [](std::size_t n, const char* what) {
        return n ? fmt::format("{} {}{}, ", n, what, n == 1 ? "" : "s") : std::string();
      };
      fmt::print("{}: ok ({} component{}, {}{}{} links, {} signals)\n", f, components,
                 components == 1 ? "" : "s", count(controllers, "controller"),
                 count(alarms, "alarm"), links, m->signals().size());
    } catch (const ScenarioError& e) {
      fmt::print(stderr, "{}\n", e.what());
      fmt::print(stderr, "{}: {} error{}\n", f, e.diagnostics().size(),
                 e.diagnostics().size() == 1 ? "" : "s");
      rc = kExitBadInput;
    }
  }
  return rc;
}

namespace {

bool is_scenario_file(const std::string& path) {
  for (const char* ext : {".yaml", ".yml"}) {
    const std::string e(ext);
    if (path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

// What a scenario offers: its components, controllers, signals and actuators, with units.
int scenario_info(const std::string& file) {
  std::shared_ptr<const Model> m;
  try {
    m = compile(load_scenario(file, {}, std::nullopt), registry());
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  print_scenario_info(file, *m);
  return kExitOk;
}

}  // namespace

int info_command(const std::string& result_file) {
  if (is_scenario_file(result_file)) return scenario_info(result_file);
  ResultContents contents;
  try {
    contents = read_result_file(result_file, /*with_samples=*/false);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", escape_control(e.what()));
    return kExitBadInput;
  }
  print_result_file(result_file, contents);
  return kExitOk;
}

}  // namespace plantwin::cli
