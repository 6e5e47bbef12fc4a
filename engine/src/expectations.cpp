#include "plantwin/expectations.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plantwin/params.h"
#include "plantwin/result_file.h"
#include "plantwin/stats.h"
#include "plantwin/units.h"

namespace plantwin {

const char* kind_name(Expectation::Kind kind) {
  switch (kind) {
    case Expectation::Kind::kAlways:
      return "always";
    case Expectation::Kind::kNever:
      return "never";
    case Expectation::Kind::kEventually:
      return "eventually";
    case Expectation::Kind::kAtEnd:
      return "at_end";
    case Expectation::Kind::kGolden:
      return "golden";
  }
  return "?";
}

bool is_aggregate(const Expectation& e) {
  if (!e.expr) return false;
  for (const auto& r : e.expr->refs())
    if (r.function == "mean" || r.function == "lower" || r.function == "upper") return true;
  return false;
}

namespace {

constexpr std::size_t kMaxExpectations = 10000;
constexpr std::size_t kRecent = 8;

std::string fmt_num(double v) {
  return fmt::format("{:.6g}", v);
}

void read_golden(Expectation& e, const Node& node, const Model& model, Diagnostics& diag) {
  ParamReader g(node, e.path + ".golden", diag, model.scenario().base_dir);
  const std::string file = g.text("file", std::nullopt);
  const Node* signals = g.raw("signals");
  g.finish();
  if (file.empty()) return;
  std::filesystem::path path(file);
  if (path.is_relative()) path = std::filesystem::path(model.scenario().base_dir) / path;
  e.golden_file = path.string();
  ResultContents ref;
  const Node* file_node = node.find("file");
  try {
    ref = read_result_file(e.golden_file, /*with_samples=*/true);
  } catch (const std::exception& ex) {
    diag.error(file_node ? file_node->location : node.location, e.path + ".golden.file", ex.what());
    return;
  }
  if (!signals || !signals->is_map() || signals->entries.empty()) {
    diag.error(signals ? signals->location : node.location, e.path + ".golden.signals",
               "expected a map of signal name to its tolerances, e.g. {room.temperature: {abs: "
               "0.1}}");
    return;
  }
  const auto& recorded = model.record().signals;
  for (std::size_t i = 0; i < signals->entries.size(); ++i) {
    // Plain references, not a structured binding: clang 14 (the fuzz preset) cannot capture those.
    const std::string& name = signals->entries[i].first;
    const Node& tol = signals->entries[i].second;
    const std::string path_i = e.path + ".golden.signals." + name;
    const SourceLocation& at = signals->key_locations[i];
    const int idx = model.find_signal(name);
    if (idx < 0) {
      std::vector<std::string> names;
      for (const auto& s : model.signals()) names.push_back(s.name);
      const std::string hint = closest_match(name, names);
      diag.error(at, path_i,
                 fmt::format("no signal \"{}\"{}", name,
                             hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
      continue;
    }
    if (std::find(recorded.begin(), recorded.end(), idx) == recorded.end()) {
      diag.error(at, path_i,
                 "is not recorded by this scenario: add it to record.signals (with a period)");
      continue;
    }
    const auto it = std::find_if(ref.signals.begin(), ref.signals.end(),
                                 [&](const ResultContents::Signal& s) { return s.name == name; });
    if (it == ref.signals.end() || it->time.empty()) {
      diag.error(at, path_i, fmt::format("{} holds no samples of it", e.golden_file));
      continue;
    }
    Expectation::GoldenSignal gs;
    gs.signal = name;
    if (!tol.is_map()) {
      diag.error(tol.location, path_i, "expected a map such as {abs: 0.1, rel: 0.01, shift: 5 s}");
      continue;
    }
    ParamReader t(tol, path_i, diag);
    gs.abs = t.real("abs", 0.0, 0);
    gs.rel = t.real("rel", 0.0, 0);
    gs.shift = t.duration("shift", 0.0);
    t.finish();
    gs.time = it->time;
    gs.value = it->value;
    e.golden.push_back(std::move(gs));
  }
}

}  // namespace

std::vector<Expectation> parse_expectations(const Scenario& scenario, const Model& model) {
  std::vector<Expectation> out;
  const Node* root = scenario.root.find("expectations");
  if (!root) return out;
  Diagnostics diag;
  if (!root->is_seq()) {
    diag.error(root->location, "expectations",
               fmt::format("expected a list such as [{{always: tank.level < 0.95}}], got {}",
                           root->kind_phrase()));
    diag.throw_if_any();
  }
  if (root->items.size() > kMaxExpectations) {
    diag.error(root->location, "expectations",
               fmt::format("has {} items, more than the limit of {}", root->items.size(),
                           kMaxExpectations));
    diag.throw_if_any();
  }
  static const std::vector<std::string> kinds = {"always", "never", "eventually", "at_end",
                                                 "golden"};
  for (std::size_t i = 0; i < root->items.size(); ++i) {
    const Node& item = root->items[i];
    Expectation e;
    e.path = fmt::format("expectations[{}]", i);
    e.location = item.location;
    if (!item.is_map()) {
      diag.error(item.location, e.path,
                 fmt::format("expected a map with one of {}, got {}", fmt::join(kinds, ", "),
                             item.kind_phrase()));
      continue;
    }
    std::vector<std::string> given;
    for (const auto& [k, v] : item.entries)
      if (std::find(kinds.begin(), kinds.end(), k) != kinds.end()) given.push_back(k);
    if (given.size() != 1) {
      diag.error(item.location, e.path,
                 given.empty() ? fmt::format("needs one of {}", fmt::join(kinds, ", "))
                               : fmt::format("gives {}: one expectation per item",
                                             fmt::join(given, " and ")));
      continue;
    }
    ParamReader r(item, e.path, diag, scenario.base_dir);
    e.name = r.text("name", "");
    const std::string kind = given[0];
    e.kind = kind == "always"       ? Expectation::Kind::kAlways
             : kind == "never"      ? Expectation::Kind::kNever
             : kind == "eventually" ? Expectation::Kind::kEventually
             : kind == "at_end"     ? Expectation::Kind::kAtEnd
                                    : Expectation::Kind::kGolden;
    const Node* body = r.raw(kind);
    r.finish();
    if (e.kind == Expectation::Kind::kGolden) {
      if (!body->is_map()) {
        diag.error(body->location, e.path + ".golden",
                   "expected a map: {file: reference.h5, signals: {NAME: {abs: ..., rel: ..., "
                   "shift: ...}}}");
        continue;
      }
      read_golden(e, *body, model, diag);
      if (e.name.empty()) e.name = "golden: " + e.golden_file;
      out.push_back(std::move(e));
      continue;
    }
    const Node* cond = body;
    std::string cond_path = e.path + "." + kind;
    if (e.kind == Expectation::Kind::kEventually && body->is_map()) {
      ParamReader ev(*body, cond_path, diag);
      e.within = ev.duration("within", HUGE_VAL);
      cond = ev.raw("that");
      ev.finish();
      cond_path += ".that";
      if (!cond) {
        diag.error(body->location, cond_path, "is required: the condition to reach");
        continue;
      }
    }
    if (!cond->is_scalar() || cond->scalar.empty()) {
      diag.error(cond->location, cond_path,
                 fmt::format("expected a condition such as \"tank.level < 0.95\", got {}",
                             cond->kind_phrase()));
      continue;
    }
    e.expr = Expr::parse(cond->scalar, cond->location, cond->quoted, cond_path, diag);
    if (!e.expr) continue;
    if (e.name.empty()) e.name = kind + ": " + e.expr->text();
    const bool at_end = e.kind == Expectation::Kind::kAtEnd;
    std::vector<std::string> signal_names;
    for (const auto& s : model.signals()) signal_names.push_back(s.name);
    const auto& refs = e.expr->refs();
    for (std::size_t k = 0; k < refs.size(); ++k) {
      const auto& ref = refs[k];
      const SourceLocation at = e.expr->location_of(k);
      if (ref.function == "count") {
        const auto dot = ref.name.find('.');
        if (dot != std::string::npos && model.find_component(ref.name.substr(0, dot)) < 0)
          diag.error(
              at, cond_path,
              fmt::format("count({}): no component \"{}\"", ref.name, ref.name.substr(0, dot)));
        if (!model.record().events)
          diag.error(at, cond_path,
                     fmt::format("count({}) counts logged events: the scenario's record.events "
                                 "is false",
                                 ref.name));
      } else if (!ref.function.empty()) {
        if (!at_end)
          diag.error(
              at, cond_path,
              fmt::format("{}({}) is over replications: only in at_end", ref.function, ref.name));
      } else if (!at_end && model.find_signal(ref.name) < 0) {
        const std::string hint = closest_match(ref.name, signal_names);
        diag.error(at, cond_path,
                   fmt::format("no signal \"{}\"{}{}", ref.name,
                               hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint),
                               " (KPIs such as line.throughput are read by at_end)"));
      }
    }
    out.push_back(std::move(e));
  }
  diag.throw_if_any();
  return out;
}

// ---- Watching a run ---------------------------------------------------------------------

struct ExpectationMonitor::Impl {
  struct Watch {
    const Expectation* e = nullptr;
    std::vector<int> signal;         // per ref: signal index, or -1
    std::vector<std::string> count;  // per ref: the count key, or ""
    bool done = false;               // failed (always/never) or met (eventually)
    ExpectationOutcome outcome;
    std::vector<std::pair<double, std::vector<double>>> ring;  // recent checks
    std::vector<double> now;                                   // the values at the check under way
  };
  const Model& model;
  int replication;
  std::vector<Watch> watches;
  std::vector<const Expectation*> all;
  std::map<std::string, double> counts;  // "kind" and "component.kind"
  std::size_t events_seen = 0;
  bool watch_counts = false;  // a check during the run reads count(): keep counting events

  Impl(const std::vector<Expectation>& es, const Model& m, int rep) : model(m), replication(rep) {
    for (const auto& e : es) {
      all.push_back(&e);
      if (e.kind == Expectation::Kind::kAtEnd || e.kind == Expectation::Kind::kGolden) continue;
      Watch w;
      w.e = &e;
      for (const auto& r : e.expr->refs()) {
        w.signal.push_back(r.function.empty() ? m.find_signal(r.name) : -1);
        w.count.push_back(r.function == "count" ? r.name : "");
        watch_counts |= r.function == "count";
        w.outcome.columns.push_back(r.text());
      }
      watches.push_back(std::move(w));
    }
  }

  void count_new_events(const Sim& sim) {
    const auto& ev = sim.state().trace.events;
    for (; events_seen < ev.size(); ++events_seen) {
      const auto& x = ev[events_seen];
      counts[x.kind] += 1;
      if (x.component >= 0) counts[sim.model().component(x.component).name() + "." + x.kind] += 1;
    }
  }

  // The values of what `w` reads, into w.now: checks run after every event, so after the first
  // few they allocate nothing.
  const std::vector<double>& values(Watch& w, const Sim& sim) {
    std::vector<double>& v = w.now;
    v.resize(w.signal.size());
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (w.signal[k] >= 0) {
        v[k] = sim.signal(w.signal[k]);
      } else {
        const auto it = counts.find(w.count[k]);
        v[k] = it == counts.end() ? 0 : it->second;
      }
    }
    return v;
  }

  std::string describe(const Watch& w, const std::vector<double>& v) const {
    std::string s;
    for (std::size_t k = 0; k < v.size(); ++k)
      s += fmt::format("{}{} = {}", k ? ", " : "", w.outcome.columns[k], fmt_num(v[k]));
    return s;
  }

  void check(const Sim& sim) {
    if (watch_counts) count_new_events(sim);
    const double t = sim.now();
    for (auto& w : watches) {
      if (w.done) continue;
      const auto& v = values(w, sim);
      // The last kRecent checks, oldest first; a check at the same time replaces the last.
      if (w.ring.empty() || w.ring.back().first != t) {
        if (w.ring.size() < kRecent) {
          w.ring.emplace_back();
        } else {
          std::rotate(w.ring.begin(), w.ring.begin() + 1, w.ring.end());
        }
      }
      w.ring.back().first = t;
      w.ring.back().second.assign(v.begin(), v.end());
      const bool truth = w.e->expr->eval([&](std::size_t k) { return v[k]; }) != 0;
      switch (w.e->kind) {
        case Expectation::Kind::kAlways:
        case Expectation::Kind::kNever:
          if (truth == (w.e->kind == Expectation::Kind::kNever)) {
            w.done = true;
            w.outcome.passed = false;
            w.outcome.time = t;
            w.outcome.message = fmt::format(
                "{} at {} ({})", w.e->kind == Expectation::Kind::kAlways ? "false" : "true",
                format_duration(t), describe(w, v));
            w.outcome.recent = w.ring;
          }
          break;
        case Expectation::Kind::kEventually:
          if (truth && t <= w.e->within) {
            w.done = true;
            w.outcome.time = t;
            w.outcome.message = fmt::format("true at {} ({})", format_duration(t), describe(w, v));
          } else if (t > w.e->within) {  // the first check after the deadline
            w.done = true;
            w.outcome.passed = false;
            w.outcome.time = w.e->within;
            w.outcome.message =
                fmt::format("not true within {} ({} at {})", format_duration(w.e->within),
                            describe(w, v), format_duration(t));
            w.outcome.recent = w.ring;
          }
          break;
        default:
          break;
      }
    }
  }
};

ExpectationMonitor::ExpectationMonitor(const std::vector<Expectation>& expectations,
                                       const Model& model, int replication)
    : impl_(std::make_unique<Impl>(expectations, model, replication)) {}

ExpectationMonitor::~ExpectationMonitor() = default;

void ExpectationMonitor::attach(Sim& sim) {
  Impl* impl = impl_.get();
  sim.set_monitor([impl](const Sim& s) { impl->check(s); });
}

namespace {

// Whether the run's samples of one signal stay within the golden trace's tolerances: for each
// sample at t, the reference (linearly interpolated, held flat outside its samples) comes
// within abs + rel * |reference| of it somewhere in [t - shift, t + shift]. The interpolation
// is continuous, so that holds when the sample lies in the band [min - tol, max + tol] of the
// reference over the window.
std::optional<std::string> golden_mismatch(const Expectation::GoldenSignal& g,
                                           const std::vector<double>& times,
                                           const std::vector<double>& values, double* when) {
  const auto& rt = g.time;
  const auto& rv = g.value;
  auto interp = [&](double t) {
    if (t <= rt.front()) return rv.front();
    if (t >= rt.back()) return rv.back();
    const auto it = std::upper_bound(rt.begin(), rt.end(), t);
    const std::size_t j = static_cast<std::size_t>(it - rt.begin());
    const double a = (t - rt[j - 1]) / (rt[j] - rt[j - 1]);
    return rv[j - 1] + a * (rv[j] - rv[j - 1]);
  };
  for (std::size_t i = 0; i < times.size(); ++i) {
    const double t = times[i], v = values[i];
    double lo = interp(t - g.shift), hi = lo;
    auto widen = [&](double r) {
      lo = std::min(lo, r);
      hi = std::max(hi, r);
    };
    widen(interp(t + g.shift));
    const auto first = std::upper_bound(rt.begin(), rt.end(), t - g.shift);
    for (auto it = first; it != rt.end() && *it < t + g.shift; ++it)
      widen(rv[static_cast<std::size_t>(it - rt.begin())]);
    const double tol = g.abs + g.rel * std::max(std::abs(lo), std::abs(hi));
    const bool nan_ok = std::isnan(v) && std::isnan(lo) && std::isnan(hi);
    if (!nan_ok && !(v >= lo - tol && v <= hi + tol)) {
      *when = t;
      return fmt::format("{} = {} at {}, the reference has {} (abs {}, rel {}, shift {})", g.signal,
                         fmt_num(v), format_duration(t), fmt_num(interp(t)), fmt_num(g.abs),
                         fmt_num(g.rel), format_duration(g.shift));
    }
  }
  if (!times.empty() &&
      (times.back() > rt.back() + g.shift + 1e-9 || times.front() + g.shift + 1e-9 < rt.front())) {
    *when = times.back();
    return fmt::format("{}: the run covers {} .. {}, the reference only {} .. {}", g.signal,
                       format_duration(times.front()), format_duration(times.back()),
                       format_duration(rt.front()), format_duration(rt.back()));
  }
  return std::nullopt;
}

}  // namespace

std::vector<ExpectationOutcome> ExpectationMonitor::finish(const Sim& sim) {
  Impl& m = *impl_;
  m.check(sim);  // the state at the end counts as a check
  std::vector<ExpectationOutcome> out;
  std::size_t w = 0;
  const auto kpis = sim.kpis();
  for (const Expectation* e : m.all) {
    ExpectationOutcome o;
    if (e->kind == Expectation::Kind::kAlways || e->kind == Expectation::Kind::kNever ||
        e->kind == Expectation::Kind::kEventually) {
      auto& watch = m.watches[w++];
      o = watch.outcome;
      if (e->kind == Expectation::Kind::kEventually && !watch.done) {
        o.passed = false;
        o.time = std::min(e->within, sim.now());
        o.message = std::isfinite(e->within)
                        ? fmt::format("not true within {}", format_duration(e->within))
                        : fmt::format("never true in {}", format_duration(sim.now()));
        o.recent = watch.ring;
      }
    } else if (e->kind == Expectation::Kind::kAtEnd) {
      if (is_aggregate(*e)) continue;  // judged over replications
      const auto& refs = e->expr->refs();
      std::vector<double> v(refs.size());
      for (std::size_t k = 0; k < refs.size(); ++k) {
        o.columns.push_back(refs[k].text());
        if (refs[k].function == "count") {
          m.count_new_events(sim);
          const auto it = m.counts.find(refs[k].name);
          v[k] = it == m.counts.end() ? 0 : it->second;
          continue;
        }
        const auto row = std::find_if(kpis.begin(), kpis.end(), [&](const KpiRow& r) {
          return r.component + "." + r.name == refs[k].name;
        });
        if (row != kpis.end()) {
          v[k] = row->value;
        } else if (const int s = sim.model().find_signal(refs[k].name); s >= 0) {
          v[k] = sim.signal(s);
        } else {
          std::vector<std::string> names;
          for (const auto& r : kpis) names.push_back(r.component + "." + r.name);
          for (const auto& s2 : sim.model().signals()) names.push_back(s2.name);
          const std::string hint = closest_match(refs[k].name, names);
          throw ScenarioError({Diagnostic{
              e->expr->location_of(k), e->path + ".at_end",
              fmt::format("no KPI or signal \"{}\"{}", refs[k].name,
                          hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint))}});
        }
      }
      const bool truth = e->expr->eval([&](std::size_t k) { return v[k]; }) != 0;
      o.passed = truth;
      std::string values;
      for (std::size_t k = 0; k < v.size(); ++k)
        values += fmt::format("{}{} = {}", k ? ", " : "", o.columns[k], fmt_num(v[k]));
      o.message = fmt::format("{} at the end ({})", truth ? "true" : "false", values);
      if (!truth) o.time = sim.now();
    } else {  // golden
      const auto& rec = sim.model().record().signals;
      for (const auto& g : e->golden) {
        const int idx = sim.model().find_signal(g.signal);
        const auto pos = std::find(rec.begin(), rec.end(), idx);
        const auto& values = sim.state().trace.values[static_cast<std::size_t>(pos - rec.begin())];
        double when = 0;
        if (auto why = golden_mismatch(g, sim.state().trace.times, values, &when)) {
          if (o.passed || when < o.time) {
            o.passed = false;
            o.time = when;
            o.message = *why;
          }
        }
      }
      if (o.passed)
        o.message = fmt::format("{} signal{} within tolerance", e->golden.size(),
                                e->golden.size() == 1 ? "" : "s");
    }
    o.name = e->name;
    o.kind = kind_name(e->kind);
    o.replication = m.replication;
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<ExpectationOutcome> judge_aggregates(const std::vector<Expectation>& expectations,
                                                 const std::vector<std::vector<KpiRow>>& kpis) {
  std::vector<ExpectationOutcome> out;
  for (const auto& e : expectations) {
    if (!is_aggregate(e)) continue;
    ExpectationOutcome o;
    o.name = e.name;
    o.kind = kind_name(e.kind);
    const auto& refs = e.expr->refs();
    std::vector<double> v(refs.size(), std::nan(""));
    std::string values;
    for (std::size_t k = 0; k < refs.size(); ++k) {
      o.columns.push_back(refs[k].text());
      std::vector<double> per_rep;
      for (const auto& table : kpis)
        for (const auto& r : table)
          if (r.component + "." + r.name == refs[k].name) per_rep.push_back(r.value);
      if (per_rep.size() != kpis.size()) {
        std::vector<std::string> names;
        if (!kpis.empty())
          for (const auto& r : kpis.front()) names.push_back(r.component + "." + r.name);
        const std::string hint = closest_match(refs[k].name, names);
        throw ScenarioError({Diagnostic{
            e.expr->location_of(k), e.path + ".at_end",
            fmt::format("no KPI \"{}\"{}", refs[k].name,
                        hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint))}});
      }
      const Estimate est = t_interval(per_rep, 0.95);
      if (refs[k].function == "mean")
        v[k] = est.mean;
      else if (refs[k].function == "lower")
        v[k] = est.mean - est.half_width;
      else if (refs[k].function == "upper")
        v[k] = est.mean + est.half_width;
      else
        v[k] = est.mean;  // a plain KPI next to an aggregate: its mean
      values += fmt::format("{}{} = {}", k ? ", " : "", o.columns[k], fmt_num(v[k]));
    }
    const bool truth = !std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); }) &&
                       e.expr->eval([&](std::size_t k) { return v[k]; }) != 0;
    o.passed = truth;
    o.message =
        fmt::format("{} over {} replication{} ({}){}", truth ? "true" : "false", kpis.size(),
                    kpis.size() == 1 ? "" : "s", values,
                    kpis.size() < 2 ? "; an interval needs 2 or more: plantwin test -r N" : "");
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace plantwin
