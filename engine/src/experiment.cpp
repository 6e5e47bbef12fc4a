#include "plantwin/experiment.h"

#include <H5Cpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <omp.h>

#include "h5_tables.h"
#include "plantwin/params.h"
#include "plantwin/results.h"
#include "run_group.h"

namespace plantwin {
namespace {

std::string value_text(const Node& v) {
  return v.is_scalar() ? v.scalar : v.to_yaml();
}

std::string short_key(const std::string& path) {
  // components.bw_buffer.capacity -> bw_buffer.capacity
  const std::string prefix = "components.";
  return path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
}

void read_overrides(const Node& map, const std::string& path, Diagnostics& diag,
                    ExperimentCase& c) {
  if (!map.is_map()) {
    diag.error(map.location, path,
               fmt::format("expected a map of key.path: value, got {}", map.kind_phrase()));
    return;
  }
  for (const auto& [key, v] : map.entries) {
    c.overrides.push_back(key + "=" + value_text(v));
    c.parameters.emplace_back(key, value_text(v));
  }
}

}  // namespace

ExperimentSpec parse_experiment(const Scenario& scenario, int replications_override) {
  ExperimentSpec spec;
  spec.cases.push_back(ExperimentCase{"base", {}, {}});
  Diagnostics diag;
  const Node* e = scenario.root.find("experiments");
  if (e && !e->is_null()) {
    if (!e->is_map()) {
      diag.error(e->location, "experiments",
                 fmt::format("expected a map, got {}", e->kind_phrase()));
      diag.throw_if_any();
    }
    ParamReader r(*e, "experiments", diag, scenario.base_dir);
    spec.replications = static_cast<int>(r.integer("replications", 10, 1, 1'000'000));
    spec.confidence = r.real("confidence", 0.95, 0.5, 0.9999);
    spec.record_signals = static_cast<int>(r.integer("record_signals", 0, 0, 1'000'000));
    if (const Node* s = r.raw("sequential")) {
      ParamReader q(*s, "experiments.sequential", diag);
      SequentialRule rule;
      rule.kpi = q.text("kpi", std::nullopt);
      rule.relative_half_width =
          q.quantity("relative_half_width", Dimension::kDimensionless, std::nullopt, 0, 1, true);
      rule.max_replications = static_cast<int>(q.integer("max_replications", 200, 2, 1'000'000));
      q.finish();
      spec.sequential = rule;
    }
    if (const Node* v = r.raw("variants")) {
      if (!v->is_map()) {
        diag.error(v->location, "experiments.variants",
                   "expected a map of name: {key.path: value}");
      } else {
        for (const auto& [name, node] : v->entries) {
          ExperimentCase c{name, {}, {}};
          read_overrides(node, "experiments.variants." + name, diag, c);
          spec.cases.push_back(std::move(c));
        }
      }
    }
    if (const Node* s = r.raw("sweep")) {
      if (!s->is_map()) {
        diag.error(s->location, "experiments.sweep", "expected a map of key.path: [values]");
      } else {
        std::vector<std::pair<std::string, std::vector<std::string>>> axes;
        for (const auto& [key, vals] : s->entries) {
          if (!vals.is_seq() || vals.items.empty()) {
            diag.error(vals.location, "experiments.sweep." + key,
                       "expected a non-empty list of values");
            continue;
          }
          std::vector<std::string> texts;
          for (const auto& x : vals.items) texts.push_back(value_text(x));
          axes.emplace_back(key, std::move(texts));
          spec.swept_keys.push_back(key);
        }
        double grid = 1;
        for (const auto& [key, vals] : axes) grid *= static_cast<double>(vals.size());
        if (grid > kMaxExperimentCases) {
          diag.error(s->location, "experiments.sweep",
                     fmt::format("the grid has {:.3g} points, more than the limit of {} cases",
                                 grid, kMaxExperimentCases));
          axes.clear();
        }
        if (!axes.empty()) {
          spec.cases.clear();  // a sweep replaces the base case: every grid point is a case
          std::vector<std::size_t> idx(axes.size(), 0);
          for (;;) {
            ExperimentCase c;
            for (std::size_t a = 0; a < axes.size(); ++a) {
              const auto& [key, vals] = axes[a];
              c.overrides.push_back(key + "=" + vals[idx[a]]);
              c.parameters.emplace_back(key, vals[idx[a]]);
              if (!c.name.empty()) c.name += ',';
              c.name += short_key(key);
              c.name += '=';
              c.name += vals[idx[a]];
            }
            spec.cases.push_back(std::move(c));
            std::size_t a = axes.size();
            while (a > 0) {
              --a;
              if (++idx[a] < axes[a].second.size()) break;
              idx[a] = 0;
              if (a == 0) {
                a = axes.size() + 1;
                break;
              }
            }
            if (a == axes.size() + 1) break;
          }
        }
      }
    }
    if (const Node* list = r.raw("cases")) {
      if (!list->is_seq()) {
        diag.error(list->location, "experiments.cases", "expected a list of {name, set}");
      } else {
        for (std::size_t i = 0; i < list->items.size(); ++i) {
          const Node& item = list->items[i];
          const std::string path = fmt::format("experiments.cases[{}]", i);
          if (!item.is_map()) {
            diag.error(item.location, path, "expected {name: ..., set: {key.path: value}}");
            continue;
          }
          ParamReader q(item, path, diag);
          ExperimentCase c{q.text("name", std::nullopt), {}, {}};
          if (const Node* set = q.raw("set")) read_overrides(*set, path + ".set", diag, c);
          q.finish();
          spec.cases.push_back(std::move(c));
        }
      }
    }
    if (const Node* b = r.raw("buffer_allocation")) {
      ParamReader q(*b, "experiments.buffer_allocation", diag);
      BufferAllocationSpec ba;
      if (const Node* list = q.raw("buffers"); list && list->is_seq()) {
        // Each must name a buffer of the scenario: the search sets its capacity.
        const Node* comps = scenario.root.find("components");
        std::vector<std::string> buffers, names;
        if (comps && comps->is_map())
          for (const auto& [name, c] : comps->entries) {
            names.push_back(name);
            const Node* type = c.is_map() ? c.find("type") : nullptr;
            if (type && type->scalar == "buffer") buffers.push_back(name);
          }
        for (std::size_t i = 0; i < list->items.size(); ++i) {
          const Node& x = list->items[i];
          const std::string path = fmt::format("experiments.buffer_allocation.buffers[{}]", i);
          const Node* c =
              comps && comps->is_map() && x.is_scalar() ? comps->find(x.scalar) : nullptr;
          const Node* type = c && c->is_map() ? c->find("type") : nullptr;
          if (!x.is_scalar()) {
            diag.error(x.location, path,
                       fmt::format("expected a buffer name, got {}", x.kind_phrase()));
          } else if (!c) {
            const std::string hint = closest_match(x.scalar, buffers);
            diag.error(
                x.location, path,
                fmt::format("no component \"{}\"{}", x.scalar,
                            hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
          } else if (!type || type->scalar != "buffer") {
            diag.error(x.location, path,
                       fmt::format(
                           "\"{}\" is {}, not a buffer: buffer allocation sets the "
                           "capacity of buffers (here: {})",
                           x.scalar, type ? "a " + type->scalar : "no buffer",
                           buffers.empty() ? "none" : fmt::format("{}", fmt::join(buffers, ", "))));
          } else {
            ba.buffers.push_back(x.scalar);
          }
        }
      } else {
        q.error("buffers", "is required: a list of buffer names");
      }
      ba.target_throughput_per_h =
          q.quantity("target_throughput", Dimension::kRate, std::nullopt, 0, HUGE_VAL, true) * 3600;
      ba.max_capacity = static_cast<int>(q.integer("max_capacity", 20, 0, 100000));
      q.finish();
      spec.buffer_allocation = ba;
    }
    r.finish();
  }
  if (replications_override > 0) spec.replications = replications_override;
  std::map<std::string, int> seen;
  for (const auto& c : spec.cases)
    if (++seen[c.name] == 2)
      diag.error(e ? e->location : scenario.root.location, "experiments",
                 fmt::format("two cases are named \"{}\"", c.name));
  diag.throw_if_any();
  return spec;
}

Scenario load_experiment_file(const std::string& path) {
  Scenario file = load_scenario_file(path);
  const Node* target = file.root.find("scenario");
  if (!target) return file;
  if (!target->is_scalar()) {
    throw ScenarioError({Diagnostic{target->location, "scenario", "expected a file path"}});
  }
  for (const auto& [key, v] : file.root.entries) {
    if (key != "scenario" && key != "experiments") {
      std::vector<std::string> known{"scenario", "experiments"};
      const std::string hint = closest_match(key, known);
      throw ScenarioError(
          {Diagnostic{v.location, key,
                      hint.empty() ? "unknown key in an experiment file; it takes "
                                     "scenario and experiments"
                                   : fmt::format("unknown key (did you mean \"{}\"?)", hint)}});
    }
  }
  std::filesystem::path p(target->scalar);
  if (p.is_relative()) p = std::filesystem::path(file.base_dir) / p;
  Scenario scenario = load_scenario_file(p.string(), &target->location);
  if (const Node* e = file.root.find("experiments")) {
    if (Node* existing = scenario.root.find("experiments")) {
      *existing = *e;
    } else {
      scenario.root.entries.emplace_back("experiments", *e);
      scenario.root.key_locations.push_back(e->location);
    }
  }
  return scenario;
}

Bottleneck find_bottleneck(const Model& model, const std::vector<KpiRow>& kpis) {
  std::map<std::string, double> active;
  std::map<int, std::vector<std::string>> active_kpis;  // asked once per component
  for (const auto& k : kpis) {
    const int id = model.find_component(k.component);
    if (id < 0) continue;
    auto it = active_kpis.find(id);
    if (it == active_kpis.end())
      it = active_kpis.emplace(id, model.component(id).active_kpis()).first;
    if (std::find(it->second.begin(), it->second.end(), k.name) != it->second.end())
      active[k.component] += std::isnan(k.value) ? 0 : k.value;
  }
  Bottleneck b;
  for (const auto& [name, share] : active) {
    if (b.name.empty() || share > b.active_share) {
      b.runner_up = b.name;
      b.runner_up_share = b.active_share;
      b.name = name;
      b.active_share = share;
    } else if (b.runner_up.empty() || share > b.runner_up_share) {
      b.runner_up = name;
      b.runner_up_share = share;
    }
  }
  return b;
}

namespace {

// Whether two YAML trees say the same (values and structure; where they were written aside).
bool same_tree(const Node& a, const Node& b) {
  if (a.kind != b.kind || a.scalar != b.scalar || a.items.size() != b.items.size() ||
      a.entries.size() != b.entries.size())
    return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!same_tree(a.items[i], b.items[i])) return false;
  for (std::size_t i = 0; i < a.entries.size(); ++i)
    if (a.entries[i].first != b.entries[i].first ||
        !same_tree(a.entries[i].second, b.entries[i].second))
      return false;
  return true;
}

std::vector<KpiSummary> summarise(const std::vector<std::vector<KpiRow>>& reps, double confidence) {
  std::vector<KpiSummary> out;
  if (reps.empty()) return out;
  for (std::size_t k = 0; k < reps[0].size(); ++k) {
    std::vector<double> v;
    for (const auto& r : reps) v.push_back(r[k].value);
    const Estimate e = t_interval(v, confidence);
    out.push_back({reps[0][k].component, reps[0][k].name, reps[0][k].unit, e.mean,
                   std::isnan(e.half_width) ? 0.0 : e.half_width, e.samples});
  }
  return out;
}

std::vector<PairedDifference> paired(const std::vector<std::vector<KpiRow>>& base,
                                     const std::vector<std::vector<KpiRow>>& other,
                                     double confidence) {
  std::vector<PairedDifference> out;
  if (base.empty() || other.empty()) return out;
  std::map<std::pair<std::string, std::string>, std::size_t> base_index;
  for (std::size_t k = 0; k < base[0].size(); ++k)
    base_index[{base[0][k].component, base[0][k].name}] = k;
  const std::size_t n = std::min(base.size(), other.size());
  for (std::size_t k = 0; k < other[0].size(); ++k) {
    const auto it = base_index.find({other[0][k].component, other[0][k].name});
    if (it == base_index.end()) continue;
    std::vector<double> d, b;
    for (std::size_t r = 0; r < n; ++r) {
      d.push_back(other[r][k].value - base[r][it->second].value);
      b.push_back(base[r][it->second].value);
    }
    const Estimate e = t_interval(d, confidence);
    const Estimate eb = t_interval(b, confidence);
    out.push_back({other[0][k].component, other[0][k].name, other[0][k].unit, e.mean,
                   std::isnan(e.half_width) ? 0.0 : e.half_width, eb.mean, e.samples});
  }
  return out;
}

double kpi_half_width_ratio(const CaseResult& c, const std::string& kpi, double confidence) {
  const auto dot = kpi.find('.');
  const std::string comp = kpi.substr(0, dot),
                    name = dot == std::string::npos ? "" : kpi.substr(dot + 1);
  for (const auto& s : summarise(c.replications, confidence))
    if (s.component == comp && s.name == name)
      return s.n >= 2 && s.mean != 0 ? s.half_width / std::fabs(s.mean) : HUGE_VAL;
  return HUGE_VAL;
}

/// What a kept run holds in memory: its samples and events.
std::uint64_t recorded_bytes(const Sim& sim) {
  const auto& trace = sim.state().trace;
  return trace.times.size() * sizeof(double) * (1 + trace.values.size()) + trace.events.size() * 64;
}

/// Hands the kept runs of replications every case finished to their cases, in case order, within
/// `budget` bytes; past it a warning says what was left out.
void keep_recorded_runs(std::vector<std::vector<std::shared_ptr<const Sim>>>& kept, int have,
                        std::uint64_t budget, ExperimentResult& result) {
  std::uint64_t bytes = 0;
  int left_out = 0;
  std::string first_left_out;
  for (std::size_t c = 0; c < kept.size(); ++c)
    for (std::size_t r = 0; r < kept[c].size() && static_cast<int>(r) < have; ++r) {
      if (!kept[c][r]) continue;
      const std::uint64_t b = recorded_bytes(*kept[c][r]);
      if (left_out == 0 && bytes + b <= budget) {
        bytes += b;
        result.cases[c].recorded.push_back(std::move(kept[c][r]));
      } else if (left_out++ == 0) {
        first_left_out = fmt::format("case \"{}\" replication {}", result.cases[c].spec.name, r);
      }
    }
  if (left_out > 0)
    result.warnings.push_back(fmt::format(
        "record_signals: {} recorded run(s) left out of the file from {} on: the runs kept hold "
        "{:.3g} MiB, the budget is {:.3g} MiB (record fewer replications or signals)",
        left_out, first_left_out, static_cast<double>(bytes) / (1 << 20),
        static_cast<double>(budget) / (1 << 20)));
}

}  // namespace

ExperimentResult run_experiment(const Scenario& base, const ExperimentSpec& spec,
                                const Registry& registry, const std::atomic<bool>* stop,
                                const ProgressFn& progress) {
  const auto wall0 = std::chrono::steady_clock::now();
  ExperimentResult result;
  result.threads = omp_get_max_threads();
  const Node* exp_node = base.root.find("experiments");
  const SourceLocation exp_loc = exp_node ? exp_node->location : SourceLocation{base.file, 0, 0};

  // Compile every case first: a bad variant is bad input, found before anything runs.
  std::vector<std::shared_ptr<const Model>> models;
  std::vector<Diagnostic> errors;
  for (const auto& c : spec.cases) {
    Scenario s = base;
    try {
      for (const auto& o : c.overrides) apply_override(s, o, &exp_loc);
      if (&c != &spec.cases.front() && !c.overrides.empty() && same_tree(s.root, base.root))
        result.warnings.push_back(fmt::format(
            "case \"{}\" changes nothing: its overrides give the base scenario again, so its "
            "differences from the base are zero by construction",
            c.name));
      models.push_back(compile(s, registry));
    } catch (const ScenarioError& e) {
      for (auto d : e.diagnostics()) {
        d.message = fmt::format("in case \"{}\": {}", c.name, d.message);
        errors.push_back(std::move(d));
      }
      models.push_back(nullptr);
    }
  }
  if (!errors.empty()) throw ScenarioError(errors);

  if (spec.sequential) {
    const auto dot = spec.sequential->kpi.find('.');
    bool known = false;
    if (dot != std::string::npos) {
      Sim probe(models[0]);
      for (const auto& k : probe.kpis())
        known |= k.component + "." + k.name == spec.sequential->kpi;
      // Before a run the material flow's summary lists only its throughput: any of its KPIs
      // is known when the plant has one.
      known |=
          spec.sequential->kpi.substr(0, dot) == "line" && models[0]->find_component("line") >= 0;
    }
    if (!known)
      throw ScenarioError({Diagnostic{exp_loc, "experiments.sequential.kpi",
                                      fmt::format("unknown KPI \"{}\"; use component.name, e.g. "
                                                  "line.throughput",
                                                  spec.sequential->kpi)}});
  }

  const std::size_t ncases = spec.cases.size();
  std::vector<std::vector<std::optional<std::vector<KpiRow>>>> slots(ncases);
  std::vector<std::vector<std::string>> bottleneck(ncases);
  // The runs kept whole for the file: the first record_signals replications of each case.
  std::vector<std::vector<std::shared_ptr<const Sim>>> kept(
      ncases, std::vector<std::shared_ptr<const Sim>>(
                  static_cast<std::size_t>(std::max(spec.record_signals, 0))));
  int target = spec.replications;
  if (spec.sequential) target = std::min(target, spec.sequential->max_replications);
  int done_runs = 0;
  int planned = static_cast<int>(ncases) * target;
  std::mutex progress_mutex;
  std::vector<std::string> case_error(ncases);
  std::vector<std::set<std::string>> case_warnings(ncases);  // run warnings, once each
  int have = 0;
  bool stopped = false;
  for (;;) {
    for (auto& s : slots) s.resize(static_cast<std::size_t>(target));
    for (auto& b : bottleneck) b.resize(static_cast<std::size_t>(target));
    const int first = have;
    const long long tasks = static_cast<long long>(ncases) * (target - first);
#pragma omp parallel for schedule(dynamic, 1)
    for (long long i = 0; i < tasks; ++i) {
      const std::size_t c = static_cast<std::size_t>(i % static_cast<long long>(ncases));
      const int r = first + static_cast<int>(i / static_cast<long long>(ncases));
      if (stop && stop->load(std::memory_order_relaxed)) continue;
      try {
        const auto run = std::make_shared<Sim>(models[c], static_cast<std::uint64_t>(r));
        Sim& sim = *run;
        const bool finished = sim.run(stop);
        if (!sim.state().trace.warnings.empty()) {
          std::lock_guard<std::mutex> lock(progress_mutex);
          for (const auto& w : sim.state().trace.warnings)
            case_warnings[c].insert(fmt::format("{}: {}", w.source, w.message));
        }
        if (finished) {
          auto rows = sim.kpis();
          bottleneck[c][static_cast<std::size_t>(r)] = find_bottleneck(*models[c], rows).name;
          slots[c][static_cast<std::size_t>(r)] = std::move(rows);
          if (r < spec.record_signals) kept[c][static_cast<std::size_t>(r)] = run;
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        if (case_error[c].empty()) case_error[c] = fmt::format("replication {}: {}", r, e.what());
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress(++done_runs, planned);
      }
    }
    if (stop && stop->load()) stopped = true;
    // Replications finished by every case, in order: only those pair up.
    have = 0;
    while (have < target) {
      bool all = true;
      for (std::size_t c = 0; c < ncases; ++c)
        all &= slots[c][static_cast<std::size_t>(have)].has_value();
      if (!all) break;
      ++have;
    }
    if (stopped || !spec.sequential || have < target) break;
    bool precise = true;
    for (std::size_t c = 0; c < ncases; ++c) {
      CaseResult tmp;
      for (int r = 0; r < have; ++r)
        tmp.replications.push_back(*slots[c][static_cast<std::size_t>(r)]);
      precise &= kpi_half_width_ratio(tmp, spec.sequential->kpi, spec.confidence) <=
                 spec.sequential->relative_half_width;
    }
    if (precise || target >= spec.sequential->max_replications) break;
    // Grow in fixed steps so the count never depends on the thread count.
    target = std::min(spec.sequential->max_replications, target + std::max(2, spec.replications));
    planned = static_cast<int>(ncases) * target;
  }

  result.replications_run = have;
  result.complete = !stopped && have == target;
  for (std::size_t c = 0; c < ncases; ++c) {
    CaseResult cr;
    cr.spec = spec.cases[c];
    cr.error = case_error[c];
    for (const auto& w : case_warnings[c])
      result.warnings.push_back(fmt::format("case \"{}\": {}", spec.cases[c].name, w));
    for (int r = 0; r < have; ++r) {
      cr.replications.push_back(*slots[c][static_cast<std::size_t>(r)]);
      cr.bottlenecks.push_back(bottleneck[c][static_cast<std::size_t>(r)]);
    }
    cr.summary = summarise(cr.replications, spec.confidence);
    result.cases.push_back(std::move(cr));
  }
  keep_recorded_runs(kept, have, spec.record_budget_bytes, result);
  if (!result.cases.empty() && spec.cases[0].overrides.empty())
    for (std::size_t c = 1; c < ncases; ++c)
      result.cases[c].versus_base =
          paired(result.cases[0].replications, result.cases[c].replications, spec.confidence);
  result.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return result;
}

BufferAllocationResult allocate_buffers(const Scenario& base, const BufferAllocationSpec& spec,
                                        int replications, const Registry& registry,
                                        const std::atomic<bool>* stop) {
  BufferAllocationResult best;
  const int k = static_cast<int>(spec.buffers.size());
  if (k == 0) return best;
  std::vector<int> alloc(static_cast<std::size_t>(k), 0);
  const Node* exp_node = base.root.find("experiments");
  const SourceLocation loc = exp_node ? exp_node->location : SourceLocation{base.file, 0, 0};
  auto evaluate = [&](const std::vector<int>& caps) {
    Scenario s = base;
    for (int i = 0; i < k; ++i)
      apply_override(
          s,
          fmt::format("components.{}.capacity={}", spec.buffers[static_cast<std::size_t>(i)],
                      caps[static_cast<std::size_t>(i)]),
          &loc);
    auto model = compile(s, registry);
    std::vector<double> th(static_cast<std::size_t>(replications));
#pragma omp parallel for schedule(dynamic, 1)
    for (int r = 0; r < replications; ++r) {
      Sim sim(model, static_cast<std::uint64_t>(r));
      sim.run(stop);
      for (const auto& row : sim.kpis())
        if (row.component == "line" && row.name == "throughput")
          th[static_cast<std::size_t>(r)] = row.value;
    }
    double m = 0;
    for (double v : th) m += v;
    return m / replications;
  };
  // All allocations of `total` over k buffers, each at most max_capacity, in a fixed order.
  std::function<void(int, int, std::vector<int>&, std::vector<std::vector<int>>&)> enumerate =
      [&](int i, int left, std::vector<int>& cur, std::vector<std::vector<int>>& out) {
        if (i == k - 1) {
          if (left <= spec.max_capacity) {
            cur[static_cast<std::size_t>(i)] = left;
            out.push_back(cur);
          }
          return;
        }
        for (int c = std::min(left, spec.max_capacity); c >= 0; --c) {
          cur[static_cast<std::size_t>(i)] = c;
          enumerate(i + 1, left - c, cur, out);
        }
      };
  for (int total = 0; total <= k * spec.max_capacity; ++total) {
    std::vector<std::vector<int>> candidates;
    std::vector<int> cur(static_cast<std::size_t>(k), 0);
    enumerate(0, total, cur, candidates);
    for (const auto& caps : candidates) {
      if (stop && stop->load()) return best;
      const double th = evaluate(caps);
      ++best.evaluations;
      if (th >= spec.target_throughput_per_h && (!best.found || th > best.throughput_per_h)) {
        best.found = true;
        best.capacities = caps;
        best.throughput_per_h = th;
      }
    }
    if (best.found) return best;
  }
  return best;
}

namespace {

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

}  // namespace

void write_experiment_file(const std::string& path, const Scenario& base,
                           const ExperimentSpec& spec, const ExperimentResult& result) {
  using namespace h5;
  write_atomically(path, [&](H5::H5File& f) {
    H5::Group meta = f.createGroup("/meta");
    attr_string(meta, "plantwin_version", version());
    attr_string(meta, "scenario_file", base.file);
    attr_string(meta, "scenario_text", base.text);
    attr_string(meta, "status", result.complete ? "complete" : "partial");
    const std::string started_at = iso_time_now();
    attr_string(meta, "started_at", started_at);
    attr_number(meta, "replications", result.replications_run, H5::PredType::NATIVE_INT);
    attr_number(meta, "confidence", spec.confidence, H5::PredType::NATIVE_DOUBLE);
    H5::Group cases = f.createGroup("/cases");
    for (const auto& c : result.cases) {
      // An HDF5 name cannot hold '/' (a swept rate: "rate=20 /h"): it becomes "%2F" ('%' "%25")
      // there, and the attribute `name` keeps the case's name as it is.
      std::string group;
      for (const char ch : c.spec.name)
        group += ch == '/' ? "%2F" : ch == '%' ? "%25" : std::string(1, ch);
      H5::Group g = cases.createGroup(group);
      attr_string(g, "name", c.spec.name);
      std::string overrides;
      for (const auto& o : c.spec.overrides) overrides += (overrides.empty() ? "" : "\n") + o;
      attr_string(g, "overrides", overrides);
      std::vector<SummaryRow> sum;
      for (const auto& k : c.summary)
        sum.push_back(
            {k.component.c_str(), k.name.c_str(), k.mean, k.half_width, k.n, k.unit.c_str()});
      write_table(g, "summary", summary_type(), sum);
      std::vector<ReplicationRow> reps;
      for (std::size_t r = 0; r < c.replications.size(); ++r)
        for (const auto& k : c.replications[r])
          reps.push_back({static_cast<int>(r), k.component.c_str(), k.name.c_str(), k.value});
      write_table(g, "replications", replication_type(), reps);
      std::vector<SummaryRow> diff;
      for (const auto& d : c.versus_base)
        diff.push_back(
            {d.component.c_str(), d.name.c_str(), d.mean, d.half_width, d.n, d.unit.c_str()});
      if (!diff.empty()) write_table(g, "versus_base", summary_type(), diff);
      if (!c.recorded.empty()) {
        // Recorded replications in a single run's layout, so what reads a run reads these.
        H5::Group runs = g.createGroup("runs");
        for (std::size_t r = 0; r < c.recorded.size(); ++r) {
          H5::Group run = runs.createGroup(fmt::format("{}", r));
          write_run(run, *c.recorded[r], RunInfo{"complete", started_at, 0, 0});
        }
      }
    }
  });
}

void write_experiment_csv(const std::string& path, const ExperimentSpec& spec,
                          const ExperimentResult& result) {
  // Cells are appended one by one: GCC 12 misreads `"," + std::string` under -O2 (-Wrestrict).
  std::string out = "case";
  auto cell = [&out](const std::string& v) {
    out += ',';
    out += csv_escape(v);
  };
  for (const auto& k : spec.swept_keys) cell(k);
  cell("replications");
  if (!result.cases.empty())
    for (const auto& s : result.cases[0].summary) {
      cell(s.component + "." + s.name);
      cell(s.component + "." + s.name + "_hw");
    }
  out += '\n';
  for (const auto& c : result.cases) {
    out += csv_escape(c.spec.name);
    for (const auto& k : spec.swept_keys) {
      std::string v;
      for (const auto& [key, val] : c.spec.parameters)
        if (key == k) v = val;
      cell(v);
    }
    out += fmt::format(",{}", c.replications.size());
    for (const auto& s : c.summary) out += fmt::format(",{:.10g},{:.10g}", s.mean, s.half_width);
    out += '\n';
  }
  write_file_atomically(path, out, "the CSV file");
}

}  // namespace plantwin
