// plantwin validate and plantwin info: the commands that read files and run nothing.

#include <cstdio>

#include <fmt/format.h>

#include "command_support.h"
#include "commands.h"
#include "plantwin/experiment.h"
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
      std::size_t links = 0;
      for (std::size_t i = 0; i < m->size(); ++i)
        links += static_cast<std::size_t>(m->component(static_cast<int>(i)).num_outputs());
      fmt::print("{}: ok ({} components, {} links, {} signals)\n", f, m->size(), links,
                 m->signals().size());
    } catch (const ScenarioError& e) {
      fmt::print(stderr, "{}\n", e.what());
      fmt::print(stderr, "{}: {} error{}\n", f, e.diagnostics().size(),
                 e.diagnostics().size() == 1 ? "" : "s");
      rc = kExitBadInput;
    }
  }
  return rc;
}

int info_command(const std::string& result_file) {
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
