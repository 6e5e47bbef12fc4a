// The result-file implementation of DataSource, over the engine's reader (docs/results.md).

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "data_source.h"
#include "plantwin/result_file.h"

namespace plantwin::viewer {

double Series::at(double time) const {
  if (t.empty() || time < t.front()) return std::nan("");
  const auto it = std::upper_bound(t.begin(), t.end(), time);
  return v[static_cast<std::size_t>(it - t.begin()) - 1];
}

const Series* DataSource::find(const std::string& name) const {
  for (const auto& s : series)
    if (s.name == name) return &s;
  return nullptr;
}

int DataSource::component_index(const std::string& name) const {
  for (std::size_t i = 0; i < components.size(); ++i)
    if (components[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

KpiItem kpi_item(const KpiRow& k) {
  return {k.component, k.name, k.unit, k.value, k.half_width};
}

/// A result or experiment file, read once through the engine's reader (plantwin/results.h).
class FileSource final : public DataSource {
 public:
  explicit FileSource(const std::string& path) : path_(path) {
    ResultContents r = read_result_file(path);
    take_run(r);
    for (const auto& k : r.kpis) kpis.push_back(kpi_item(k));
    for (auto& c : r.cases) {
      cases.push_back(c.name);
      case_overrides.push_back(c.overrides);
      case_runs.push_back(c.runs);
      std::vector<KpiItem> summary;
      for (const auto& k : c.summary) summary.push_back(kpi_item(k));
      case_summaries.push_back(std::move(summary));
      std::vector<std::vector<KpiItem>> reps;
      for (const auto& rep : c.replications) {
        reps.emplace_back();
        for (const auto& k : rep) reps.back().push_back(kpi_item(k));
      }
      case_replications.push_back(std::move(reps));
    }
    if (!cases.empty()) select_case(0);
    experiment_title_ = title;
  }
  std::string status() const override { return "file"; }
  void select_case(int i) override {
    if (i < 0 || i >= static_cast<int>(cases.size())) return;
    selected_case = i;
    replications = static_cast<int>(case_replications[static_cast<std::size_t>(i)].size());
    select_replication(-1);
  }
  void select_replication(int r) override {
    const auto& reps = case_replications[static_cast<std::size_t>(selected_case)];
    selected_replication = r >= 0 && r < static_cast<int>(reps.size()) ? r : -1;
    kpis = selected_replication < 0 ? case_summaries[static_cast<std::size_t>(selected_case)]
                                    : reps[static_cast<std::size_t>(selected_replication)];
  }
  void open_run(int c, int r) override {
    if (c < 0 || c >= static_cast<int>(cases.size())) return;
    ResultContents run = read_result_run(path_, cases[static_cast<std::size_t>(c)], r);
    close_run();
    take_run(run);
    title = fmt::format("{}: case {}, replication {}", experiment_title_,
                        cases[static_cast<std::size_t>(c)], r);
    run_case = c;
    run_replication = r;
    select_case(c);
    select_replication(r);
    if (!run.kpis.empty()) {  // the run's own table, with its units
      kpis.clear();
      for (const auto& k : run.kpis) kpis.push_back(kpi_item(k));
    }
  }
  void close_run() override {
    components.clear();
    links.clear();
    relations.clear();
    series.clear();
    events.clear();
    t0 = t1 = 0;
    title = experiment_title_;
    run_case = run_replication = -1;
    ++generation;
  }

 private:
  /// A run's plant, signals and events (a result file's, or an experiment's recorded run).
  void take_run(ResultContents& r) {
    for (const auto& [k, v] : r.meta) {
      if (k == "scenario_name") title = v;
      if (k == "end_time_s" && std::isfinite(std::strtod(v.c_str(), nullptr)))
        t1 = std::max(t1, std::strtod(v.c_str(), nullptr));
    }
    if (title.empty())
      for (const auto& [k, v] : r.meta)
        // The file's name: the folder it was run from says nothing to whoever reads the title.
        if (k == "scenario_file") title = std::filesystem::path(v).filename().string();
    for (const auto& c : r.components) components.push_back({c.name, c.type, c.x, c.y, c.capacity});
    for (const auto& [from, to] : r.links) {
      const int a = component_index(from), b = component_index(to);
      if (a >= 0 && b >= 0) links.emplace_back(a, b);
    }
    for (const auto& rel : r.relations) {
      const int a = component_index(rel.component), b = component_index(rel.target);
      if (a >= 0 && b >= 0) relations.push_back({a, rel.relation, b});
    }
    for (auto& sig : r.signals) {
      if (sig.samples) {
        t0 = series.empty() ? sig.t0 : std::min(t0, sig.t0);
        t1 = std::max(t1, sig.t1);
      }
      series.push_back(Series{sig.name, sig.unit, std::move(sig.time), std::move(sig.value)});
    }
    std::sort(series.begin(), series.end(),
              [](const Series& a, const Series& b) { return a.name < b.name; });
    for (auto& e : r.events)
      events.push_back({e.time, std::move(e.component), std::move(e.kind), std::move(e.detail)});
    ++generation;
  }

  std::string path_, experiment_title_;
};

}  // namespace

std::unique_ptr<DataSource> open_file(const std::string& path) {
  return std::make_unique<FileSource>(path);
}

}  // namespace plantwin::viewer
