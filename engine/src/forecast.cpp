#include "plantwin/forecast.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "plantwin/params.h"
#include "plantwin/stats.h"
#include "plantwin/units.h"

namespace plantwin {
namespace {

// Fork streams live far from the replication numbers of ordinary runs (0, 1, 2 ...).
constexpr std::uint64_t kForkStreams = 1ULL << 40;
constexpr std::uint64_t kStreamsPerFork = 1'000'000;

std::vector<std::pair<std::string, double>> read_settings(const Node& node, const std::string& path,
                                                          const Model& model, Diagnostics& diag) {
  std::vector<std::pair<std::string, double>> out;
  if (!node.is_map()) {
    diag.error(node.location, path,
               fmt::format("expected a map of actuator to value ({{press2.enabled: 0}}), got {}",
                           node.kind_phrase()));
    return out;
  }
  std::vector<std::string> names;
  for (const auto& a : model.actuators()) names.push_back(a.name);
  for (std::size_t i = 0; i < node.entries.size(); ++i) {
    const auto& [name, value] = node.entries[i];
    const std::string key = path + "." + name;
    if (model.find_actuator(name) < 0) {
      const std::string hint = closest_match(name, names);
      diag.error(node.key_locations[i], key,
                 fmt::format("no actuator \"{}\"{}", name,
                             hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
      continue;
    }
    std::string why;
    const auto v = value.is_scalar() ? parse_quantity(value.scalar, Dimension::kDimensionless, &why)
                                     : std::nullopt;
    if (!v || !std::isfinite(*v)) {
      diag.error(value.location, key,
                 fmt::format("expected a number, got {}",
                             value.is_scalar() ? "\"" + value.scalar + "\"" : value.kind_phrase()));
      continue;
    }
    out.emplace_back(name, *v);
  }
  return out;
}

}  // namespace

ForecastSpec parse_forecast(const Scenario& scenario, const Model& model) {
  ForecastSpec spec;
  const Node* node = scenario.root.find("forecast");
  if (!node) return spec;
  Diagnostics diag;
  if (!node->is_map()) {
    diag.error(node->location, "forecast",
               fmt::format("expected a map (ahead: 2 h, replications: 20, variants: ...), got {}",
                           node->kind_phrase()));
    diag.throw_if_any();
  }
  ParamReader p(*node, "forecast", diag, scenario.base_dir);
  spec.ahead = p.duration("ahead", std::nullopt);
  if (!(spec.ahead > 0) && p.has("ahead")) p.error("ahead", "must be positive");
  spec.replications = static_cast<int>(p.integer("replications", 10, 1, 100000));
  spec.every = p.duration("every", 0.0);
  if (const Node* kpis = p.raw("kpis")) {
    if (!kpis->is_seq()) {
      p.error("kpis", "expected a list of KPI names such as [line.throughput]");
    } else {
      for (const auto& k : kpis->items) {
        if (!k.is_scalar() || k.scalar.find('.') == std::string::npos)
          diag.error(k.location, "forecast.kpis",
                     "expected a KPI name such as line.throughput (component.kpi)");
        else
          spec.kpis.push_back(k.scalar);
      }
    }
  }
  if (const Node* variants = p.raw("variants")) {
    if (!variants->is_map() || variants->entries.empty()) {
      p.error("variants", "expected a map of variant name to {set: ..., after: ..., then: ...}");
    } else {
      for (std::size_t i = 0; i < variants->entries.size(); ++i) {
        const auto& [name, v] = variants->entries[i];
        const std::string path = "forecast.variants." + name;
        ForecastVariant fv;
        fv.name = name;
        if (v.is_null()) {  // `name:` alone: change nothing
          spec.variants.push_back(std::move(fv));
          continue;
        }
        if (!v.is_map()) {
          diag.error(v.location, path,
                     fmt::format("expected a map {{set: ..., after: ..., then: ...}}, got {}",
                                 v.kind_phrase()));
          continue;
        }
        ParamReader vr(v, path, diag, scenario.base_dir);
        if (const Node* set = vr.raw("set"))
          fv.set = read_settings(*set, path + ".set", model, diag);
        fv.after = vr.duration("after", 0.0);
        if (const Node* then = vr.raw("then"))
          fv.then = read_settings(*then, path + ".then", model, diag);
        if (vr.has("then") != vr.has("after"))
          vr.error(vr.has("then") ? "then" : "after", "goes with after and then: both or neither");
        vr.finish();
        spec.variants.push_back(std::move(fv));
      }
    }
  }
  if (spec.variants.empty()) spec.variants.push_back(ForecastVariant{"as_is", {}, 0, {}});
  p.finish();
  diag.throw_if_any();
  return spec;
}

ForecastResult run_forecast(const Sim& live, const ForecastSpec& spec, std::uint64_t fork) {
  const auto wall0 = std::chrono::steady_clock::now();
  const auto& model_ptr = live.model_ptr();
  const Model& model = *model_ptr;
  ForecastResult result;
  result.from = live.now();
  result.to = std::min(model.horizon(), live.now() + spec.ahead);
  result.replications = spec.replications;
  result.threads = omp_get_max_threads();
  for (const auto& k : spec.kpis) {
    const auto dot = k.find('.');
    if (model.find_component(k.substr(0, dot)) < 0)
      throw std::invalid_argument(
          fmt::format("forecast.kpis: no component \"{}\" (in \"{}\")", k.substr(0, dot), k));
  }
  const State base = live.state();
  const ControlPlan control = live.control_plan();
  const int variants = static_cast<int>(spec.variants.size());
  const int reps = spec.replications;
  std::vector<std::vector<KpiRow>> rows(static_cast<std::size_t>(variants * reps));
  std::vector<std::string> errors(rows.size());
#pragma omp parallel for schedule(dynamic)
  for (int task = 0; task < variants * reps; ++task) {
    const auto& variant = spec.variants[static_cast<std::size_t>(task / reps)];
    const auto r = static_cast<std::uint64_t>(task % reps);
    try {
      Sim sim(model_ptr, base, control);
      sim.reseed(kForkStreams + fork * kStreamsPerFork + r);
      sim.restart_statistics();
      for (const auto& [name, value] : variant.set) sim.set(name, value);
      if (!variant.then.empty() && result.from + variant.after < result.to) {
        sim.run_until(result.from + variant.after);
        for (const auto& [name, value] : variant.then) sim.set(name, value);
      }
      sim.run_until(result.to);
      rows[static_cast<std::size_t>(task)] = sim.kpis();
    } catch (const std::exception& e) {
      errors[static_cast<std::size_t>(task)] =
          fmt::format("variant {}: {}", variant.name, e.what());
    }
  }
  for (const auto& e : errors)
    if (!e.empty()) throw std::invalid_argument(e);
  for (int v = 0; v < variants; ++v) {
    ForecastCase c;
    c.variant = spec.variants[static_cast<std::size_t>(v)].name;
    const auto& first = rows[static_cast<std::size_t>(v * reps)];
    for (std::size_t k = 0; k < first.size(); ++k) {
      const std::string full = first[k].component + "." + first[k].name;
      if (!spec.kpis.empty() &&
          std::find(spec.kpis.begin(), spec.kpis.end(), full) == spec.kpis.end())
        continue;
      std::vector<double> values;
      for (int r = 0; r < reps; ++r)
        values.push_back(rows[static_cast<std::size_t>(v * reps + r)][k].value);
      const Estimate e = t_interval(values, 0.95);
      c.kpis.push_back({first[k].component, first[k].name, first[k].unit, e.mean,
                        std::isnan(e.half_width) ? 0.0 : e.half_width, e.samples});
    }
    result.cases.push_back(std::move(c));
  }
  for (const auto& k : spec.kpis) {
    bool found = false;
    for (const auto& s : result.cases.front().kpis) found |= s.component + "." + s.name == k;
    if (!found) throw std::invalid_argument(fmt::format("forecast.kpis: no KPI \"{}\"", k));
  }
  result.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return result;
}

}  // namespace plantwin
