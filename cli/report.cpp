#include "report.h"

#include "plantwin/models/feed.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "plantwin/models/flow.h"
#include "plantwin/units.h"

namespace plantwin::cli {

namespace {

// Decimals that show a value to the precision of its interval: the half-width's first two
// significant digits, the value to the same decimal place.
int decimals_for(double half_width) {
  if (!(half_width > 0) || !std::isfinite(half_width)) return -1;
  return std::clamp(1 - static_cast<int>(std::floor(std::log10(half_width))), 0, 6);
}

std::string fmt_value(double v, const std::string& unit, double half_width = std::nan("")) {
  if (std::isnan(v)) return "-";
  if (unit == "share") return fmt::format("{:.1f}%", 100 * v);
  if (unit == "s") return format_duration(v);
  if (const int d = decimals_for(half_width); d >= 0) return fmt::format("{:.{}f}", v, d);
  // Counts print whole; means of counts (WIP, a mean level) keep their decimals.
  if ((unit == "parts" || unit == "count") && v == std::floor(v)) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

std::string fmt_hw(double hw, const std::string& unit) {
  if (std::isnan(hw)) return "";
  if (unit == "s") return "± " + format_duration(hw);
  const int d = decimals_for(hw);
  return d < 0 ? fmt::format("± {:.3g}", hw) : fmt::format("± {:.{}f}", hw, d);
}

std::string most_common(const std::vector<std::string>& v, int* count) {
  std::map<std::string, int> n;
  for (const auto& x : v) ++n[x];
  std::string best;
  *count = 0;
  for (const auto& [k, c] : n)
    if (c > *count) {
      best = k;
      *count = c;
    }
  return best;
}

std::vector<KpiRow> summary_rows(const CaseResult& c) {
  std::vector<KpiRow> rows;
  for (const auto& s : c.summary)
    rows.push_back({s.component, s.name, s.mean, s.n >= 2 ? s.half_width : std::nan(""), s.unit});
  return rows;
}

// One row per case: the line's KPIs with their intervals and the most frequent bottleneck.
void print_case_table(const ExperimentResult& res, std::size_t w) {
  auto has_line = [&](const char* kpi) {
    return std::any_of(res.cases[0].summary.begin(), res.cases[0].summary.end(),
                       [&](const KpiSummary& k) { return k.component == "line" && k.name == kpi; });
  };
  const bool metered = has_line("energy_per_good_part");
  const bool maintained = has_line("maintenance_cost");
  fmt::print("\n{:<{}}  {:>22}  {:>18}  {:>22}  {}{}{}\n", "case", w, "throughput [parts/h]",
             "wip [parts]", "lead time", metered ? "  energy [kWh/good part]  " : "",
             maintained ? "unplanned down [h]   maintenance cost     " : "", "bottleneck");
  for (const auto& c : res.cases) {
    std::map<std::string, KpiSummary> line;
    for (const auto& s : c.summary)
      if (s.component == "line") line[s.name] = s;
    int count = 0;
    const std::string b = most_common(c.bottlenecks, &count);
    const std::string energy =
        metered ? fmt::format("{:>12.4f} ± {:<9.4f}  ", line["energy_per_good_part"].mean,
                              line["energy_per_good_part"].half_width)
                : "";
    const std::string maint =
        maintained ? fmt::format("{:>8.1f} ± {:<7.1f}  {:>9.0f} ± {:<8.0f}  ",
                                 line["unplanned_downtime"].mean / 3600,
                                 line["unplanned_downtime"].half_width / 3600,
                                 line["maintenance_cost"].mean, line["maintenance_cost"].half_width)
                   : "";
    fmt::print(
        "{:<{}}  {:>12.2f} ± {:<7.2f}  {:>8.2f} ± {:<7.2f}  {:>10} ± {:<9}  {}{}{} ({}/{})\n",
        c.spec.name, w, line["throughput"].mean, line["throughput"].half_width, line["wip"].mean,
        line["wip"].half_width, format_duration(line["lead_time"].mean),
        format_duration(line["lead_time"].half_width), energy, maint, b, count,
        c.bottlenecks.size());
  }
}

// Each case minus the base on common random numbers, for the line KPIs a variant is about.
// A paired difference (or its half-width) within rounding of the base's magnitude is 0: the same
// downtime summed in another order differs by 1e-16 h, which "-2.021e-16 h" made look like news.
double without_rounding(double v, double base) {
  return std::fabs(v) <= 1e-12 * std::fabs(base) ? 0.0 : v;
}

void print_paired_differences(const ExperimentResult& res, std::size_t w) {
  bool header = false;
  for (const auto& c : res.cases) {
    for (const auto& d : c.versus_base) {
      // An order source's makespan, tardiness and late orders (order_source.h) are what a
      // variant of a schedule is about.
      const bool orders =
          d.name == "makespan" || d.name == "mean_tardiness" || d.name == "orders_late";
      if (!orders && (d.component != "line" ||
                      (d.name != "throughput" && d.name != "energy_per_good_part" &&
                       d.name != "unplanned_downtime" && d.name != "maintenance_cost")))
        continue;
      if (d.name != "throughput" && d.base_mean == 0 && d.mean == 0 && d.half_width == 0)
        continue;  // e.g. no maintenance cost in either case: nothing to compare
      if (!header) {
        fmt::print("\nPaired differences against the base (common random numbers, 95% CI)\n");
        header = true;
      }
      const double rel = d.base_mean != 0 ? 100 * d.mean / d.base_mean : std::nan("");
      const double rel_hw = d.base_mean != 0 ? 100 * d.half_width / d.base_mean : std::nan("");
      const std::string label = orders                             ? d.component + " " + d.name
                                : d.name == "throughput"           ? "throughput"
                                : d.name == "energy_per_good_part" ? "energy / good part"
                                : d.name == "unplanned_downtime"   ? "unplanned downtime"
                                                                   : "maintenance cost";
      const double scale = d.unit == "s" ? 1.0 / 3600 : 1.0;
      const std::string unit = d.unit == "s" ? "h" : d.unit == "kWh/part" ? "kWh" : d.unit;
      fmt::print("  {:<{}}  {:<20} {:+9.4g} {:<7} ± {:<8.3g} ({:+.1f}% ± {:.1f}%)\n", c.spec.name,
                 w, label, without_rounding(d.mean, d.base_mean) * scale, unit,
                 without_rounding(d.half_width, d.base_mean) * scale, rel, rel_hw);
    }
  }
}

// The paired differences a line's table does not show: every KPI of a plant without material
// flow (a hospital's equipment, a cold chain), and the costs of a line with a cost model.
void print_other_differences(const ExperimentResult& res, std::size_t w, bool line_plant) {
  bool header = false;
  for (const auto& c : res.cases) {
    for (const auto& d : c.versus_base) {
      if (d.component == "line") continue;
      if (line_plant && d.name != "cost_per_good_part" && d.name != "margin_per_hour" &&
          d.name != "total_cost")
        continue;
      if (d.mean == 0 && d.half_width == 0) continue;  // the same in every replication
      if (std::isnan(d.mean)) continue;
      if (!header) {
        fmt::print("\nPaired differences against the base{} (common random numbers, 95% CI)\n",
                   line_plant ? ": costs" : "");
        fmt::print("  {:<{}}  {:<34} {:>11} {:>11}   {:<10}\n", "case", w, "kpi", "base",
                   "difference", "± (95%)");
        header = true;
      }
      fmt::print("  {:<{}}  {:<34} {:>11.4g} {:>+11.4g}   ± {:<10.3g} {}\n", c.spec.name, w,
                 d.component + "." + d.name, d.base_mean, without_rounding(d.mean, d.base_mean),
                 without_rounding(d.half_width, d.base_mean), d.unit);
    }
  }
}

}  // namespace

std::map<std::string, std::string> component_types(const Model& model) {
  std::map<std::string, std::string> types;
  for (std::size_t i = 0; i < model.size(); ++i)
    types[model.component(static_cast<int>(i)).name()] =
        model.component(static_cast<int>(i)).type();
  return types;
}

void print_kpis(const std::vector<KpiRow>& rows, const std::map<std::string, std::string>& types,
                std::FILE* out, const char* ci_note) {
  std::map<std::string, std::map<std::string, KpiRow>> by;
  std::vector<std::string> order;
  for (const auto& r : rows) {
    if (!by.count(r.component)) order.push_back(r.component);
    by[r.component][r.name] = r;
  }
  auto type_of = [&](const std::string& c) {
    auto it = types.find(c);
    return it == types.end() ? std::string() : it->second;
  };
  // The material flow's summary (models/line/flow.cpp); a plant without material has none.
  const bool flow = type_of(line::kSummaryName) == line::kSummaryType;
  if (flow) {
    fmt::print(out, "\nLine ({})\n", ci_note);
    for (const char* k : {"throughput", "wip", "lead_time", "exits", "scrapped"}) {
      if (!by["line"].count(k)) continue;
      const auto& r = by["line"][k];
      fmt::print(out, "  {:<12} {:>12} {:<14} {}\n", k, fmt_value(r.value, r.unit, r.half_width),
                 fmt_hw(r.half_width, r.unit), r.unit == "s" ? "" : r.unit);
    }
  }
  std::size_t w = 10;
  for (const auto& c : order) w = std::max(w, c.size());
  // Per part type (a plant with two or more): the line's rows named kpi.type.
  std::vector<std::string> part_types;
  if (flow)
    for (const auto& r : rows)
      if (r.component == line::kSummaryName && r.name.rfind("exits.", 0) == 0)
        part_types.push_back(r.name.substr(6));
  if (!part_types.empty()) {
    std::size_t tw = 10;
    for (const auto& t : part_types) tw = std::max(tw, t.size());
    fmt::print(out, "\n{:<{}} parts/h      wip    lead time    exits  scrapped\n", "Part types",
               tw + 4);
    auto& l = by[line::kSummaryName];
    for (const auto& t : part_types)
      fmt::print(out, "  {:<{}} {:>9.2f} {:>8.3f} {:>12} {:>8.0f} {:>9.0f}\n", t, tw,
                 l["throughput." + t].value, l["wip." + t].value,
                 format_duration(l["lead_time." + t].value), l["exits." + t].value,
                 l["scrapped." + t].value);
  }
  bool header = false;
  for (const auto& c : order) {
    if (type_of(c) != "machine") continue;
    if (!header) {
      fmt::print(out,
                 "\n{:<{}}working starved blocked    down     off  avail   perf   qual    OEE  "
                 "parts/h  failures\n",
                 "Machines", w + 4);
      header = true;
    }
    auto& m = by[c];
    auto pct = [&](const char* k) { return fmt_value(m[k].value, "share"); };
    fmt::print(out,
               "  {:<{}} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>8.2f} {:>9.0f}\n",
               c, w, pct("working"), pct("starved"), pct("blocked"), pct("down"), pct("off"),
               pct("availability"), pct("performance"), pct("quality"), pct("oee"),
               m["throughput"].value, m["failures"].value);
  }
  // Changeovers and the parts of each type, for machines that have them.
  header = false;
  for (const auto& c : order) {
    if (type_of(c) != "machine") continue;
    auto& m = by[c];
    const bool setups = m.count("setup") > 0;
    if (!setups && part_types.empty()) continue;
    if (!header) {
      fmt::print(out, "\n{:<{}}  setup  setups   setup time  parts/h by type\n", "Setups, types",
                 w + 4);
      header = true;
    }
    std::string per_type;
    for (const auto& t : part_types)
      if (m.count("throughput." + t))
        per_type += fmt::format("  {}={:.2f}", t, m["throughput." + t].value);
    fmt::print(out, "  {:<{}} {:>6} {:>7} {:>12}{}\n", c, w,
               setups ? fmt_value(m["setup"].value, "share") : "-",
               setups ? fmt::format("{:.0f}", m["setups"].value) : "-",
               setups ? format_duration(m["setup_time"].value) : "-", per_type);
  }
  header = false;
  for (const auto& c : order) {
    if (type_of(c) != "buffer") continue;
    if (!header) {
      fmt::print(out, "\n{:<{}}mean level  max level   full\n", "Buffers", w + 4);
      header = true;
    }
    auto& b = by[c];
    fmt::print(out, "  {:<{}} {:>11.2f} {:>10.0f} {:>6}\n", c, w, b["mean_level"].value,
               b["max_level"].value, fmt_value(b["full_share"].value, "share"));
  }
  header = false;
  for (const auto& c : order) {
    const std::string t = type_of(c);
    if ((flow && c == line::kSummaryName) || t == "machine" || t == "buffer") continue;
    if (!header) {
      fmt::print(out, "\nOther components\n");
      header = true;
    }
    std::string line;
    for (const auto& r : rows)
      if (r.component == c)
        line += fmt::format("  {}={}", r.name,
                            fmt_value(r.value, r.unit) + (r.unit == "parts/h" ? "/h" : ""));
    fmt::print(out, "  {:<{}} {:<9}{}\n", c, w, t.empty() ? "" : "(" + t + ")", line);
  }
}

void print_warning(std::FILE* out, const RunWarning& w) {
  fmt::print(out, "warning: {}: {} (first at {}{})\n", escape_control(w.source),
             escape_control(w.message), format_duration(w.time),
             w.count > 1 ? fmt::format(", {} times", w.count) : "");
}

void print_run_report(const Model& model, const Sim& sim, double wall_time_s, bool complete,
                      const std::string& status) {
  fmt::print("plantwin {}: {} (seed {}, until {}, warm-up {})\n", version(), model.name(),
             model.seed(), format_duration(sim.now()), format_duration(model.warmup()));
  fmt::print("{} events in {:.2f} s wall{}\n", sim.state().events_executed, wall_time_s,
             complete ? "" : fmt::format("  [{}]", status));
  const auto rows = sim.kpis();
  print_kpis(rows, component_types(model), stdout);
  const Bottleneck b = find_bottleneck(model, rows);
  if (!b.name.empty())
    fmt::print("\nBottleneck: {} (active {:.1f}% of the time{})\n", b.name, 100 * b.active_share,
               b.runner_up.empty()
                   ? ""
                   : fmt::format("; next: {} {:.1f}%", b.runner_up, 100 * b.runner_up_share));
}

bool check_replay(const Model& model, std::vector<KpiRow> rows, std::vector<KpiRow> expect,
                  std::size_t inputs_applied, bool quiet) {
  const auto same = [](double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
  };
  // A feed's counters describe its connection, not the plant: a replay has no connection.
  const auto of_a_feed = [&](const KpiRow& r) {
    const int c = model.find_component(r.component);
    return c >= 0 && model.component(c).type() == kFeedComponentType;
  };
  rows.erase(std::remove_if(rows.begin(), rows.end(), of_a_feed), rows.end());
  expect.erase(std::remove_if(expect.begin(), expect.end(), of_a_feed), expect.end());
  std::size_t differ = rows.size() == expect.size() ? 0 : 1;
  for (std::size_t i = 0; i < std::min(rows.size(), expect.size()); ++i)
    if (rows[i].component != expect[i].component || rows[i].name != expect[i].name ||
        !same(rows[i].value, expect[i].value) || !same(rows[i].half_width, expect[i].half_width)) {
      if (differ++ == 0)
        fmt::print(stderr,
                   "replay differs from the recorded run: {}.{} = {:.17g}, recorded {:.17g}\n",
                   rows[i].component, rows[i].name, rows[i].value, expect[i].value);
    }
  if (differ) return false;
  if (!quiet)
    fmt::print(
        "\nreplay matches the recorded run: {} KPIs identical to the bit ({} inputs "
        "re-applied)\n",
        rows.size(), inputs_applied);
  return true;
}

void print_experiment_report(const Model& base, const ExperimentResult& res) {
  fmt::print("plantwin {}: {} ({} case{}, {} replication{} each, {} thread{}, {:.2f} s wall){}\n",
             version(), base.name(), res.cases.size(), res.cases.size() == 1 ? "" : "s",
             res.replications_run, res.replications_run == 1 ? "" : "s", res.threads,
             res.threads == 1 ? "" : "s", res.wall_time_s, res.complete ? "" : "  [partial]");
  if (res.cases.size() == 1) {
    print_kpis(summary_rows(res.cases[0]), component_types(base), stdout,
               "mean over replications, 95% t confidence intervals");
  } else {
    std::size_t w = 8;
    for (const auto& c : res.cases) w = std::max(w, c.spec.name.size());
    const bool line_plant = std::any_of(res.cases[0].summary.begin(), res.cases[0].summary.end(),
                                        [](const KpiSummary& k) { return k.component == "line"; });
    if (line_plant) {
      print_case_table(res, w);
      print_paired_differences(res, w);
    }
    print_other_differences(res, w, line_plant);
  }
  // A replication of a plant without machines names no bottleneck ("").
  std::vector<std::string> named;
  if (res.cases.size() == 1)
    for (const auto& b : res.cases[0].bottlenecks)
      if (!b.empty()) named.push_back(b);
  if (!named.empty()) {
    int count = 0;
    const std::string b = most_common(named, &count);
    fmt::print("\nBottleneck: {} in {} of {} replications (active-period method)\n", b, count,
               res.cases[0].bottlenecks.size());
  }
}

void print_buffer_allocation(const BufferAllocationSpec& ba, const BufferAllocationResult& best,
                             int replications) {
  if (best.found) {
    std::string alloc;
    int total = 0;
    for (std::size_t i = 0; i < ba.buffers.size(); ++i) {
      alloc += fmt::format("{}{}={}", i ? ", " : "", ba.buffers[i], best.capacities[i]);
      total += best.capacities[i];
    }
    fmt::print(
        "\nBuffer allocation: total {} places ({}) reach {:.2f} parts/h >= target {:.2f} "
        "({} allocations evaluated, {} replications each)\n",
        total, alloc, best.throughput_per_h, ba.target_throughput_per_h, best.evaluations,
        replications);
  } else {
    fmt::print(
        "\nBuffer allocation: no allocation up to {} places per buffer reaches {:.2f} parts/h "
        "({} evaluated)\n",
        ba.max_capacity, ba.target_throughput_per_h, best.evaluations);
  }
}

void print_scenario_info(const std::string& file, const Model& m) {
  fmt::print("{}: {}\n", escape_control(file), escape_control(m.name()));
  std::size_t w = 10;
  for (std::size_t i = 0; i < m.size(); ++i)
    w = std::max(w, m.component(static_cast<int>(i)).name().size());
  fmt::print("\ncomponents (and controllers)\n");
  for (std::size_t i = 0; i < m.size(); ++i) {
    const Component& c = m.component(static_cast<int>(i));
    fmt::print("  {:<{}}  {}{}{}\n", escape_control(c.name()), w, c.type(),
               c.scan_period() > 0
                   ? fmt::format(", scans every {}", format_duration(c.scan_period()))
                   : "",
               i >= m.scenario_size() ? " (added by plantwin)" : "");
  }
  auto table = [&](const char* title, const std::vector<SignalRef>& refs, bool actuators) {
    std::size_t nw = 10;
    for (const auto& r : refs) nw = std::max(nw, r.name.size());
    fmt::print("\n{} ({})\n", title, refs.size());
    for (const auto& r : refs) {
      const Component& c = m.component(r.component);
      const auto specs = actuators ? c.actuators() : c.signals();
      const std::string& doc = specs[static_cast<std::size_t>(r.index)].doc;
      fmt::print("  {:<{}}  {:<8}  {}\n", escape_control(r.name), nw, r.unit.empty() ? "-" : r.unit,
                 doc);
    }
  };
  table("signals", m.signals(), false);
  table("actuators: set by controllers, Python, replays and feeds", m.actuators(), true);
}

void print_result_file(const std::string& file, const ResultContents& s) {
  fmt::print("{}\n", file);
  for (const auto& [k, v] : s.meta) {
    if (k == "scenario_text" || k == "resolved_scenario") {
      fmt::print("  {:<18} {} lines\n", k, std::count(v.begin(), v.end(), '\n') + 1);
    } else {
      fmt::print("  {:<18} {}\n", k, v);
    }
  }
  if (!s.cases.empty()) {
    fmt::print("\n/cases: {} (an experiment file; plantwin-viewer shows each case's KPIs)\n",
               s.cases.size());
    for (const auto& c : s.cases)
      fmt::print("  {}{}\n", c.name,
                 c.runs.empty() ? ""
                                : fmt::format("  (recorded runs: {}; the viewer shows their plant)",
                                              fmt::join(c.runs, ", ")));
    return;
  }
  fmt::print("\n/signals: {} recorded\n", s.signals.size());
  for (const auto& sig : s.signals)
    fmt::print("  {:<30} {:>8} samples  {} .. {}  {}\n", sig.name, sig.samples,
               format_duration(sig.t0), format_duration(sig.t1), sig.unit);
  fmt::print("\n/events: {} entries\n/inputs: {} applied\n/kpi: {} rows\n", s.events.size(),
             s.inputs.size(), s.kpis.size());
  for (const auto& w : s.warnings) print_warning(stdout, w);
  std::map<std::string, std::string> types;
  for (const auto& c : s.components) types[c.name] = c.type;
  print_kpis(s.kpis, types, stdout);
}

}  // namespace plantwin::cli
