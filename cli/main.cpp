// plantwin: the command-line interface.
//
//   plantwin run FILE [--set key=value]... [--seed N] [--until T] [--output run.h5]
//                     [--json kpis.json] [--quiet]
//   plantwin validate FILE...
//   plantwin info run.h5
//
// Exit codes: 0 success, 1 run failure (or interrupted), 2 bad input.

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "live_server.h"
#include "plantwin/experiment.h"
#include "plantwin/models/register.h"
#include "plantwin/results.h"
#include "plantwin/sim.h"
#include "plantwin/units.h"

namespace {

using namespace plantwin;

constexpr int kExitOk = 0;
constexpr int kExitRunFailure = 1;
constexpr int kExitBadInput = 2;

std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM; the only global, and only in the CLI

extern "C" void on_signal(int) {
  g_stop.store(true);
}

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

std::string fmt_value(double v, const std::string& unit) {
  if (std::isnan(v)) return "-";
  if (unit == "share") return fmt::format("{:.1f}%", 100 * v);
  if (unit == "parts" || unit == "count") return fmt::format("{:.0f}", v);
  if (unit == "s") return format_duration(v);
  return fmt::format("{:.4g}", v);
}

std::string fmt_hw(double hw, const std::string& unit) {
  if (std::isnan(hw)) return "";
  if (unit == "s") return "± " + format_duration(hw);
  return fmt::format("± {:.3g}", hw);
}

void print_kpis(const std::vector<KpiRow>& rows, const std::map<std::string, std::string>& types,
                std::FILE* out, const char* ci_note = "95% confidence intervals from batch means") {
  std::map<std::string, std::map<std::string, KpiRow>> by;
  std::vector<std::string> order;
  for (const auto& r : rows) {
    if (!by.count(r.component)) order.push_back(r.component);
    by[r.component][r.name] = r;
  }
  fmt::print(out, "\nLine ({})\n", ci_note);
  for (const char* k : {"throughput", "wip", "lead_time", "exits", "scrapped"}) {
    if (!by["line"].count(k)) continue;
    const auto& r = by["line"][k];
    fmt::print(out, "  {:<12} {:>12} {:<14} {}\n", k, fmt_value(r.value, r.unit),
               fmt_hw(r.half_width, r.unit), r.unit == "s" ? "" : r.unit);
  }
  std::size_t w = 10;
  for (const auto& c : order) w = std::max(w, c.size());
  auto type_of = [&](const std::string& c) {
    auto it = types.find(c);
    return it == types.end() ? std::string() : it->second;
  };
  bool header = false;
  for (const auto& c : order) {
    if (type_of(c) != "machine") continue;
    if (!header) {
      fmt::print(out,
                 "\n{:<{}}working starved blocked    down  avail   perf   qual    OEE  "
                 "parts/h  failures\n",
                 "Machines", w + 4);
      header = true;
    }
    auto& m = by[c];
    auto pct = [&](const char* k) { return fmt_value(m[k].value, "share"); };
    fmt::print(out, "  {:<{}} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>8.2f} {:>9.0f}\n",
               c, w, pct("working"), pct("starved"), pct("blocked"), pct("down"),
               pct("availability"), pct("performance"), pct("quality"), pct("oee"),
               m["throughput"].value, m["failures"].value);
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
    if (c == "line" || t == "machine" || t == "buffer") continue;
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

std::shared_ptr<const Model> load_model(const std::string& file,
                                        const std::vector<std::string>& sets,
                                        std::optional<std::uint64_t> seed) {
  Scenario sc = load_experiment_file(file);
  for (const auto& s : sets) apply_override(sc, s);
  if (seed) apply_override(sc, fmt::format("seed={}", *seed));
  static const Registry registry = builtin_registry();
  return compile(sc, registry);
}

std::string live_hello(const Model& m) {
  auto num = [](double v) {
    return std::isfinite(v) ? fmt::format("{:.17g}", v) : std::string("nan");
  };
  std::string h = "PLANTWIN 1\ntitle " + m.name() + "\n";
  for (std::size_t i = 0; i < m.size(); ++i) {
    const Component& c = m.component(static_cast<int>(i));
    h += fmt::format("component {}\t{}\t{}\t{}\t{}\n", c.name(), c.type(),
                     num(m.positions()[i].first), num(m.positions()[i].second),
                     num(c.display_capacity()));
  }
  for (std::size_t i = 0; i < m.size(); ++i) {
    const Component& c = m.component(static_cast<int>(i));
    for (int o = 0; o < c.num_outputs(); ++o)
      h += fmt::format("link {}\t{}\n", c.name(), m.component(c.output(o).component).name());
  }
  for (const auto& sref : m.signals()) h += fmt::format("signal {}\t{}\n", sref.name, sref.unit);
  return h + "end\n";
}

void publish(cli::LiveServer& server, const Sim& sim, cli::LiveSnapshot& snap, bool complete) {
  snap.time = sim.now();
  snap.complete = complete;
  snap.values.resize(sim.model().signals().size());
  for (std::size_t i = 0; i < snap.values.size(); ++i)
    snap.values[i] = sim.signal(static_cast<int>(i));
  const auto& ev = sim.state().trace.events;
  for (std::size_t i = snap.events.size(); i < ev.size(); ++i)
    snap.events.push_back(fmt::format("{:.17g}\t{}\t{}\t{}", ev[i].time,
                                      sim.model().component(ev[i].component).name(), ev[i].kind,
                                      ev[i].detail));
  server.publish(snap);
}

int cmd_run(const std::string& file, const std::vector<std::string>& sets,
            std::optional<std::uint64_t> seed, const std::string& until, const std::string& output,
            const std::string& json, bool quiet, int serve_port, double pace) {
  std::shared_ptr<const Model> model;
  try {
    model = load_model(file, sets, seed);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  double t_end = model->horizon();
  if (!until.empty()) {
    std::string why;
    auto t = parse_quantity(until, Dimension::kTime, &why);
    if (!t || *t <= 0) {
      fmt::print(stderr, "--until: {}\n", t ? "must be positive" : escape_control(why));
      return kExitBadInput;
    }
    t_end = std::min(t_end, *t);
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  RunInfo info;
  info.started_at = iso_time_now();
  const auto wall0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  };
  Sim sim(model);
  std::unique_ptr<cli::LiveServer> server;
  cli::LiveSnapshot snapshot;
  if (serve_port > 0) {
    try {
      server = std::make_unique<cli::LiveServer>(serve_port, live_hello(*model));
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}\n", escape_control(e.what()));
      return kExitBadInput;
    }
    if (!quiet)
      fmt::print(stderr,
                 "serving the run on 127.0.0.1:{} (plantwin-viewer --attach 127.0.0.1:{})\n",
                 serve_port, serve_port);
  }
  const bool tty = isatty(STDERR_FILENO) && !quiet;
  bool complete = true;
  bool progress_shown = false;
  try {
    // Served runs go in small steps so that a viewer sees them move; paced ones sleep so that
    // simulated time runs `pace` times faster than the wall clock.
    const int kChunks = server ? 2000 : 200;
    for (int i = 1; i <= kChunks; ++i) {
      if (!sim.run_until(t_end * i / kChunks, &g_stop)) {
        complete = false;
        break;
      }
      if (server) publish(*server, sim, snapshot, false);
      if (pace > 0) {
        const double ahead = sim.now() / pace - elapsed();
        if (ahead > 0) std::this_thread::sleep_for(std::chrono::duration<double>(ahead));
      }
      if (tty && elapsed() > 1.0) {
        const int width = 40;
        const int filled = width * i / kChunks;
        const double eta = elapsed() * (kChunks - i) / i;
        fmt::print(stderr, "\r[{}{}] {:3d}%  sim {}  ETA {:.0f} s ", std::string(filled, '#'),
                   std::string(width - filled, '.'), 100 * i / kChunks, format_duration(sim.now()),
                   eta);
        progress_shown = true;
      }
    }
  } catch (const std::exception& e) {
    if (progress_shown) fmt::print(stderr, "\n");
    fmt::print(stderr, "run failed at t = {}: {}\n", format_duration(sim.now()),
               escape_control(e.what()));
    complete = false;
    info.status = "failed";
  }
  if (progress_shown) fmt::print(stderr, "\n");
  info.wall_time_s = elapsed();
  if (!complete && info.status != "failed") {
    info.status = "partial";
    fmt::print(stderr, "interrupted at t = {}: writing partial results\n",
               format_duration(sim.now()));
  }

  if (server) {
    // Let viewers fetch the final state before the server goes away.
    publish(*server, sim, snapshot, true);
    for (int i = 0; i < 20 && !g_stop.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server->stop();
  }
  int rc = complete ? kExitOk : kExitRunFailure;
  if (!quiet) {
    fmt::print("plantwin {}: {} (seed {}, until {}, warm-up {})\n", version(), model->name(),
               model->seed(), format_duration(sim.now()), format_duration(model->warmup()));
    fmt::print("{} events in {:.2f} s wall{}\n", sim.state().events_executed, info.wall_time_s,
               complete ? "" : fmt::format("  [{}]", info.status));
    std::map<std::string, std::string> types;
    for (std::size_t i = 0; i < model->size(); ++i)
      types[model->component(static_cast<int>(i)).name()] =
          model->component(static_cast<int>(i)).type();
    const auto rows = sim.kpis();
    print_kpis(rows, types, stdout);
    const Bottleneck b = find_bottleneck(*model, rows);
    if (!b.name.empty())
      fmt::print("\nBottleneck: {} (active {:.1f}% of the time{})\n", b.name, 100 * b.active_share,
                 b.runner_up.empty()
                     ? ""
                     : fmt::format("; next: {} {:.1f}%", b.runner_up, 100 * b.runner_up_share));
  }
  try {
    if (!output.empty()) {
      write_result_file(output, sim, info);
      if (!quiet) fmt::print("\nresults written to {}\n", output);
    }
    if (!json.empty()) {
      write_kpi_json(json, sim, info);
      if (!quiet) fmt::print("KPIs written to {}\n", json);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", escape_control(e.what()));
    rc = kExitRunFailure;
  }
  return rc;
}

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled), t0_(std::chrono::steady_clock::now()) {}
  ~ProgressBar() {
    if (shown_) fmt::print(stderr, "\n");
  }
  void update(int done, int total) {
    if (!enabled_ || total <= 0) return;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    if (el < 1.0) return;
    const int width = 40, filled = width * done / total;
    fmt::print(stderr, "\r[{}{}] {}/{} runs  ETA {:.0f} s ", std::string(filled, '#'),
               std::string(width - filled, '.'), done, total,
               done > 0 ? el * (total - done) / done : 0.0);
    shown_ = true;
  }

 private:
  bool enabled_, shown_ = false;
  std::chrono::steady_clock::time_point t0_;
};

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

int cmd_experiment(const std::string& file, const std::vector<std::string>& sets,
                   std::optional<std::uint64_t> seed, int replications, bool base_only,
                   const std::string& output, const std::string& csv, bool quiet) {
  static const Registry registry = builtin_registry();
  Scenario sc;
  ExperimentSpec spec;
  try {
    sc = load_experiment_file(file);
    for (const auto& s : sets) apply_override(sc, s);
    if (seed) apply_override(sc, fmt::format("seed={}", *seed));
    spec = parse_experiment(sc, replications);
    if (base_only) {
      spec.cases.resize(1);
      spec.cases[0] = ExperimentCase{"base", {}, {}};
      spec.swept_keys.clear();
      spec.buffer_allocation.reset();
    }
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ExperimentResult res;
  {
    ProgressBar bar(isatty(STDERR_FILENO) && !quiet);
    try {
      res = run_experiment(sc, spec, registry, &g_stop, [&](int d, int t) { bar.update(d, t); });
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
  if (!quiet) {
    auto m = compile(sc, registry);
    std::map<std::string, std::string> types;
    for (std::size_t i = 0; i < m->size(); ++i)
      types[m->component(static_cast<int>(i)).name()] = m->component(static_cast<int>(i)).type();
    fmt::print("plantwin {}: {} ({} case{}, {} replication{} each, {} thread{}, {:.2f} s wall){}\n",
               version(), m->name(), res.cases.size(), res.cases.size() == 1 ? "" : "s",
               res.replications_run, res.replications_run == 1 ? "" : "s", res.threads,
               res.threads == 1 ? "" : "s", res.wall_time_s, res.complete ? "" : "  [partial]");
    if (res.cases.size() == 1) {
      print_kpis(summary_rows(res.cases[0]), types, stdout,
                 "mean over replications, 95% t confidence intervals");
    } else {
      std::size_t w = 8;
      for (const auto& c : res.cases) w = std::max(w, c.spec.name.size());
      auto has_line = [&](const char* kpi) {
        return std::any_of(
            res.cases[0].summary.begin(), res.cases[0].summary.end(),
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
            maintained
                ? fmt::format("{:>8.1f} ± {:<7.1f}  {:>9.0f} ± {:<8.0f}  ",
                              line["unplanned_downtime"].mean / 3600,
                              line["unplanned_downtime"].half_width / 3600,
                              line["maintenance_cost"].mean, line["maintenance_cost"].half_width)
                : "";
        fmt::print(
            "{:<{}}  {:>12.2f} ± {:<7.2f}  {:>8.2f} ± {:<7.2f}  {:>10} ± {:<9}  {}{}{} ({}/{})\n",
            c.spec.name, w, line["throughput"].mean, line["throughput"].half_width,
            line["wip"].mean, line["wip"].half_width, format_duration(line["lead_time"].mean),
            format_duration(line["lead_time"].half_width), energy, maint, b, count,
            c.bottlenecks.size());
      }
      bool header = false;
      for (const auto& c : res.cases) {
        for (const auto& d : c.versus_base) {
          if (d.component != "line" ||
              (d.name != "throughput" && d.name != "energy_per_good_part" &&
               d.name != "unplanned_downtime" && d.name != "maintenance_cost"))
            continue;
          if (d.name != "throughput" && d.base_mean == 0 && d.mean == 0 && d.half_width == 0)
            continue;  // e.g. no maintenance cost in either case: nothing to compare
          if (!header) {
            fmt::print("\nPaired differences against the base (common random numbers, 95% CI)\n");
            header = true;
          }
          const double rel = d.base_mean != 0 ? 100 * d.mean / d.base_mean : std::nan("");
          const double rel_hw = d.base_mean != 0 ? 100 * d.half_width / d.base_mean : std::nan("");
          const std::string label = d.name == "throughput"             ? "throughput"
                                    : d.name == "energy_per_good_part" ? "energy / good part"
                                    : d.name == "unplanned_downtime"   ? "unplanned downtime"
                                                                       : "maintenance cost";
          const double scale = d.unit == "s" ? 1.0 / 3600 : 1.0;
          const std::string unit = d.unit == "s" ? "h" : d.unit == "kWh/part" ? "kWh" : d.unit;
          fmt::print("  {:<{}}  {:<20} {:+9.4g} {:<7} ± {:<8.3g} ({:+.1f}% ± {:.1f}%)\n",
                     c.spec.name, w, label, d.mean * scale, unit, d.half_width * scale, rel,
                     rel_hw);
        }
      }
    }
    int count = 0;
    if (res.cases.size() == 1 && !res.cases[0].bottlenecks.empty()) {
      const std::string b = most_common(res.cases[0].bottlenecks, &count);
      fmt::print("\nBottleneck: {} in {} of {} replications (active-period method)\n", b, count,
                 res.cases[0].bottlenecks.size());
    }
  }
  if (spec.buffer_allocation && !g_stop.load()) {
    const auto& ba = *spec.buffer_allocation;
    try {
      const auto best = allocate_buffers(sc, ba, spec.replications, registry, &g_stop);
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
            spec.replications);
      } else {
        fmt::print(
            "\nBuffer allocation: no allocation up to {} places per buffer reaches {:.2f} parts/h "
            "({} evaluated)\n",
            ba.max_capacity, ba.target_throughput_per_h, best.evaluations);
      }
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

int cmd_validate(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  int rc = kExitOk;
  for (const auto& f : files) {
    try {
      auto m = load_model(f, sets, std::nullopt);
      // The experiments too: every case must compile.
      Scenario sc = load_experiment_file(f);
      for (const auto& s : sets) apply_override(sc, s);
      const ExperimentSpec spec = parse_experiment(sc);
      const Node* exp_node = sc.root.find("experiments");
      const SourceLocation at = exp_node ? exp_node->location : SourceLocation{f, 0, 0};
      std::vector<Diagnostic> errors;
      for (const auto& c : spec.cases) {
        try {
          Scenario v = sc;
          for (const auto& o : c.overrides) apply_override(v, o, &at);
          compile(v, builtin_registry());
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

int cmd_info(const std::string& file) {
  ResultContents s;
  try {
    s = read_result_file(file, /*with_samples=*/false);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", escape_control(e.what()));
    return kExitBadInput;
  }
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
    for (const auto& c : s.cases) fmt::print("  {}\n", c.name);
    return kExitOk;
  }
  fmt::print("\n/signals: {} recorded\n", s.signals.size());
  for (const auto& sig : s.signals)
    fmt::print("  {:<30} {:>8} samples  {} .. {}  {}\n", sig.name, sig.samples,
               format_duration(sig.t0), format_duration(sig.t1), sig.unit);
  fmt::print("\n/events: {} entries\n/kpi: {} rows\n", s.events.size(), s.kpis.size());
  std::map<std::string, std::string> types;
  for (const auto& c : s.components) types[c.name] = c.type;
  print_kpis(s.kpis, types, stdout);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"plantwin: digital twin simulation of industrial plants"};
  app.require_subcommand(1);
  app.set_version_flag("--version", plantwin::version());

  auto* run = app.add_subcommand("run", "run a scenario, print its KPIs, write results");
  std::string file, until, output, json;
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  run->add_option("FILE", file, "scenario file (YAML)")->required();
  run->add_option("--set", sets, "override a value: key.path=value (repeatable)");
  run->add_option("--seed", seed, "random seed (overrides the scenario's)")->check(kSeedNumber);
  run->add_option("--until", until, "stop at this simulated time (e.g. \"8 h\")");
  run->add_option("--output,-o", output, "write results to this HDF5 file");
  run->add_option("--json", json, "write the KPI table to this JSON file");
  run->add_flag("--quiet,-q", quiet, "print nothing but errors");
  int serve_port = 0;
  double pace = 0;
  run->add_option("--serve", serve_port, "let plantwin-viewer watch the run on 127.0.0.1:PORT")
      ->check(CLI::Range(1, 65535));
  run->add_option("--pace", pace, "run at most FACTOR simulated seconds per wall-clock second")
      ->check(kFinitePositive);
  int replications = 0;
  run->add_option("--replications,-r", replications,
                  "run N independent replications in parallel and report 95% confidence "
                  "intervals (results go to an experiment file)")
      ->check(CLI::Range(1, 1000000));

  auto* sweep =
      app.add_subcommand("sweep",
                         "run the experiments of a scenario or experiment file: variants, sweeps, "
                         "replications, buffer allocation");
  std::string csv;
  sweep->add_option("FILE", file, "scenario or experiment file (YAML)")->required();
  sweep->add_option("--set", sets, "override a value in the base scenario (repeatable)");
  sweep->add_option("--seed", seed, "random seed (overrides the scenario's)")->check(kSeedNumber);
  sweep->add_option("--replications,-r", replications, "replications per case")
      ->check(CLI::Range(1, 1000000));
  sweep->add_option("--output,-o", output, "write all cases to this HDF5 file (/cases/...)");
  sweep->add_option("--csv", csv, "write one row per case to this CSV file");
  sweep->add_flag("--quiet,-q", quiet, "print nothing but errors");

  auto* validate = app.add_subcommand("validate", "check scenario files without running them");
  std::vector<std::string> files;
  validate->add_option("FILE", files, "scenario files")->required();
  validate->add_option("--set", sets, "override a value: key.path=value (repeatable)");

  auto* info = app.add_subcommand("info", "say what a result file holds");
  std::string result;
  info->add_option("FILE", result, "result file (HDF5)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // CLI11 quotes the arguments it refuses; print them with control characters escaped.
    fmt::print(stderr, "{}\nRun with --help for more information.\n", escape_control(e.what()));
    return kExitBadInput;
  }
  if (*run && replications > 0) {
    if (!until.empty() || !json.empty()) {
      fmt::print(stderr,
                 "--replications runs to the horizon and writes an experiment file; "
                 "--until and --json apply to single runs\n");
      return kExitBadInput;
    }
    return cmd_experiment(file, sets, seed, replications, true, output, "", quiet);
  }
  if (*run) return cmd_run(file, sets, seed, until, output, json, quiet, serve_port, pace);
  if (*sweep) return cmd_experiment(file, sets, seed, replications, false, output, csv, quiet);
  if (*validate) return cmd_validate(files, sets);
  if (*info) return cmd_info(result);
  return kExitBadInput;
}
