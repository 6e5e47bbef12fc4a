// plantwin: the command-line interface.
//
//   plantwin run FILE [--set key=value]... [--seed N] [--until T] [--output run.h5]
//                     [--json kpis.json] [--quiet]
//   plantwin validate FILE...
//   plantwin info run.h5
//
// Exit codes: 0 success, 1 run failure (or interrupted), 2 bad input.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "plantwin/experiment.h"
#include "plantwin/io/live_publisher.h"
#include "plantwin/io/live_server.h"
#include "plantwin/models/register.h"
#include "plantwin/output_file.h"
#include "plantwin/results.h"
#include "plantwin/runner.h"
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
    fmt::print(out, "  {:<12} {:>12} {:<14} {}\n", k, fmt_value(r.value, r.unit, r.half_width),
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

// One progress bar for runs (simulated time) and experiments (runs done), shown on a terminal
// after the first second.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled), t0_(std::chrono::steady_clock::now()) {}
  ~ProgressBar() { done(); }
  /// Experiments: `done` of `total` runs.
  void update(int done, int total) {
    if (total > 0) draw(static_cast<double>(done) / total, fmt::format("{}/{} runs", done, total));
  }
  /// A run: simulated time `t` of `t_end`.
  void update_time(double t, double t_end, const std::string& label) {
    if (t_end > 0) draw(t / t_end, "sim " + label);
  }
  /// Ends the bar's line, if one was drawn.
  void done() {
    if (shown_) fmt::print(stderr, "\n");
    shown_ = false;
  }

 private:
  void draw(double fraction, const std::string& label) {
    if (!enabled_) return;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    if (el < 1.0) return;
    const int width = 40, filled = static_cast<int>(width * std::clamp(fraction, 0.0, 1.0));
    fmt::print(stderr, "\r[{}{}] {:3.0f}%  {}  ETA {:.0f} s ", std::string(filled, '#'),
               std::string(width - filled, '.'), 100 * fraction, label,
               fraction > 0 ? el * (1 - fraction) / fraction : 0.0);
    shown_ = true;
  }
  bool enabled_, shown_ = false;
  std::chrono::steady_clock::time_point t0_;
};

void print_warning(std::FILE* out, const RunWarning& w) {
  fmt::print(out, "warning: {}: {} (first at {}{})\n", escape_control(w.source),
             escape_control(w.message), format_duration(w.time),
             w.count > 1 ? fmt::format(", {} times", w.count) : "");
}

// One run of a model, however it was obtained (a scenario file, a result file to replay).
struct RunRequest {
  std::shared_ptr<const Model> model;
  double t_end = 0;
  std::string output, json;
  bool quiet = false;
  int serve_port = 0;
  double pace = 0;
  bool strict = false;
  std::uint64_t replication = 0;
  int chunks = 0;                               ///< the Runner's grid; 0: 200 (2000 when served)
  std::vector<AppliedInput> inputs;             ///< pushed before the run starts (replay, --inputs)
  const std::vector<KpiRow>* expect = nullptr;  ///< --check: the KPIs the run must give
};
int run_model(const RunRequest& req);

int cmd_run(const std::string& file, const std::vector<std::string>& sets,
            std::optional<std::uint64_t> seed, const std::string& until, const std::string& output,
            const std::string& json, bool quiet, int serve_port, double pace, bool strict,
            const std::string& inputs_file) {
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
  RunRequest req;
  req.model = model;
  req.t_end = t_end;
  req.output = output;
  req.json = json;
  req.quiet = quiet;
  req.serve_port = serve_port;
  req.pace = pace;
  req.strict = strict;
  if (!inputs_file.empty()) {
    try {
      req.inputs = read_result_file(inputs_file, /*with_samples=*/false).inputs;
    } catch (const std::exception& e) {
      fmt::print(stderr, "--inputs: {}\n", e.what());
      return kExitBadInput;
    }
  }
  return run_model(req);
}

int run_model(const RunRequest& req) {
  // Plain references, not a structured binding: clang 14 (the fuzz preset) cannot capture those.
  const auto& model = req.model;
  const double t_end = req.t_end;
  const std::string &output = req.output, &json = req.json;
  const bool quiet = req.quiet, strict = req.strict;
  const int serve_port = req.serve_port, chunks = req.chunks;
  const double pace = req.pace;
  const std::uint64_t replication = req.replication;
  const auto& inputs = req.inputs;
  const std::vector<KpiRow>* expect = req.expect;
  // A folder that does not exist or a target that is a directory or device fails now, not
  // after hours of simulation.
  try {
    if (!output.empty()) check_output_path(output, "the result file");
    if (!json.empty()) check_output_path(json, "the JSON file");
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  RunInfo info;
  info.started_at = iso_time_now();
  info.runner_chunks = chunks > 0 ? chunks : serve_port > 0 ? 2000 : 200;
  const auto wall0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  };
  Sim sim(model, replication);
  std::unique_ptr<io::LiveServer> server;
  std::unique_ptr<io::LivePublisher> publisher;
  if (serve_port > 0) {
    try {
      server = std::make_unique<io::LiveServer>(
          serve_port, io::format_hello(io::LivePublisher::describe(*model)));
      publisher = std::make_unique<io::LivePublisher>(*server);
    } catch (const std::length_error& e) {  // a plant too large for a viewer to take
      fmt::print(stderr, "--serve {}: {}\n", serve_port, e.what());
      return kExitBadInput;
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
  // Served runs go in small steps so that a viewer sees them move; paced ones sleep so that
  // simulated time runs `pace` times faster than the wall clock.
  std::unique_ptr<Runner> runner_ptr;
  try {
    runner_ptr = std::make_unique<Runner>(sim, Runner::Options{info.runner_chunks, pace});
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "--pace: {}\n", e.what());
    return kExitBadInput;
  }
  Runner& runner = *runner_ptr;
  runner.watch_stop_flag(g_stop);
  for (const auto& in : inputs) runner.push(Input{in.time, in.target, in.value, "replay"});
  if (publisher) runner.add_observer(publisher->observer());
  ProgressBar progress(tty);
  runner.add_observer(
      [&](const Sim& s, bool) { progress.update_time(s.now(), t_end, format_duration(s.now())); });
  try {
    complete = runner.run_until(t_end);
  } catch (const std::exception& e) {
    progress.done();
    fmt::print(stderr, "run failed at t = {}: {}\n", format_duration(sim.now()),
               escape_control(e.what()));
    complete = false;
    info.status = "failed";
  }
  progress.done();
  info.wall_time_s = elapsed();
  if (!complete && info.status != "failed") {
    info.status = "partial";
    fmt::print(stderr, "interrupted at t = {}: writing partial results\n",
               format_duration(sim.now()));
  }

  if (server) {
    // Let viewers fetch the final state before the server goes away.
    runner.finish();
    for (int i = 0; i < 20 && !g_stop.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server->stop();
    if (const std::string what = server->incidents(); !what.empty() && !quiet)
      fmt::print(stderr, "live server: {}\n", what);
  }
  int rc = complete ? kExitOk : kExitRunFailure;
  // Warnings go to stderr even with --quiet: they say the results may mean less than they seem.
  for (const auto& w : sim.state().trace.warnings) print_warning(stderr, w);
  if (strict && !sim.state().trace.warnings.empty() && rc == kExitOk) {
    fmt::print(stderr, "--strict: {} warning(s) make this run a failure\n",
               sim.state().trace.warnings.size());
    rc = kExitRunFailure;
  }
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
  if (expect) {
    // --check: the replay must give the recorded KPIs to the bit (NaN where they were NaN).
    const auto rows = sim.kpis();
    const auto same = [](double a, double b) {
      return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
    };
    std::size_t differ = rows.size() == expect->size() ? 0 : 1;
    for (std::size_t i = 0; i < std::min(rows.size(), expect->size()); ++i)
      if (rows[i].component != (*expect)[i].component || rows[i].name != (*expect)[i].name ||
          !same(rows[i].value, (*expect)[i].value) ||
          !same(rows[i].half_width, (*expect)[i].half_width)) {
        if (differ++ == 0)
          fmt::print(stderr,
                     "replay differs from the recorded run: {}.{} = {:.17g}, recorded {:.17g}\n",
                     rows[i].component, rows[i].name, rows[i].value, (*expect)[i].value);
      }
    if (differ) {
      rc = kExitRunFailure;
    } else if (!quiet) {
      fmt::print(
          "\nreplay matches the recorded run: {} KPIs identical to the bit ({} inputs "
          "re-applied)\n",
          rows.size(), inputs.size());
    }
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
                   const std::string& output, const std::string& csv, bool quiet, bool strict) {
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
  try {
    if (!output.empty()) check_output_path(output, "the result file");
    if (!csv.empty()) check_output_path(csv, "the CSV file");
  } catch (const std::exception& e) {
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
  for (const auto& w : res.warnings) fmt::print(stderr, "warning: {}\n", w);
  if (strict && !res.warnings.empty() && rc == kExitOk) {
    fmt::print(stderr, "--strict: {} warning(s) make this sweep a failure\n", res.warnings.size());
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

// Runs a result file's scenario again, as it was resolved (overrides, seed), on the same
// Runner grid and replication, re-applying its /inputs at the times they took effect.
int cmd_replay(const std::string& file, const std::string& output, const std::string& json,
               bool quiet, bool check) {
  ResultContents rec;
  try {
    rec = read_result_file(file, /*with_samples=*/false);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  std::map<std::string, std::string> meta(rec.meta.begin(), rec.meta.end());
  const auto number = [&](const char* key) {
    try {
      return std::stod(meta.at(key));
    } catch (const std::exception&) {
      return std::nan("");
    }
  };
  const double chunks = number("runner_chunks"), end = number("end_time_s");
  if (!(chunks >= 1 && chunks <= 1e9) || !std::isfinite(end) || meta["resolved_scenario"].empty() ||
      !rec.cases.empty()) {
    fmt::print(stderr,
               "{}: cannot be replayed: it holds no single run made on a known Runner grid (files "
               "written by plantwin run or Simulation.save() since /inputs exist can)\n",
               file);
    return kExitBadInput;
  }
  RunRequest req;
  try {
    const std::filesystem::path scenario_file = meta["scenario_file"];
    Scenario sc = load_scenario_text(meta["resolved_scenario"], scenario_file.string(),
                                     scenario_file.parent_path().empty()
                                         ? std::string(".")
                                         : scenario_file.parent_path().string());
    static const Registry registry = builtin_registry();
    req.model = compile(sc, registry);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}: its scenario no longer compiles:\n{}\n", file, e.what());
    return kExitBadInput;
  }
  req.t_end = end;
  req.output = output;
  req.json = json;
  req.quiet = quiet;
  req.replication = static_cast<std::uint64_t>(number("replication"));
  req.chunks = static_cast<int>(chunks);
  req.inputs = rec.inputs;
  if (check) req.expect = &rec.kpis;
  return run_model(req);
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
  fmt::print("\n/events: {} entries\n/inputs: {} applied\n/kpi: {} rows\n", s.events.size(),
             s.inputs.size(), s.kpis.size());
  for (const auto& w : s.warnings) print_warning(stdout, w);
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
  bool quiet = false, strict = false;
  run->add_option("FILE", file, "scenario file (YAML)")->required();
  run->add_option("--set", sets, "override a value: key.path=value (repeatable)");
  run->add_option("--seed", seed, "random seed (overrides the scenario's)")->check(kSeedNumber);
  run->add_option("--until", until, "stop at this simulated time (e.g. \"8 h\")");
  run->add_option("--output,-o", output, "write results to this HDF5 file");
  run->add_option("--json", json, "write the KPI table to this JSON file");
  run->add_flag("--quiet,-q", quiet, "print nothing but errors and warnings");
  run->add_flag("--strict", strict, "treat warnings as errors (exit 1)");
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
  sweep->add_flag("--quiet,-q", quiet, "print nothing but errors and warnings");
  sweep->add_flag("--strict", strict, "treat warnings as errors (exit 1)");

  std::string inputs_file;
  run->add_option("--inputs", inputs_file,
                  "re-apply the /inputs of this result file at their times (see replay)");

  auto* replay = app.add_subcommand(
      "replay", "run a result file's scenario again, re-applying its inputs (bit for bit)");
  std::string replay_file;
  bool check = false;
  replay->add_option("FILE", replay_file, "result file (HDF5) of a run")->required();
  replay->add_option("--output,-o", output, "write the replayed run to this HDF5 file");
  replay->add_option("--json", json, "write its KPI table to this JSON file");
  replay->add_flag("--quiet,-q", quiet, "print nothing but errors and warnings");
  replay->add_flag("--check", check, "exit 1 unless every KPI equals the recorded one to the bit");

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
    return cmd_experiment(file, sets, seed, replications, true, output, "", quiet, strict);
  }
  if (*run)
    return cmd_run(file, sets, seed, until, output, json, quiet, serve_port, pace, strict,
                   inputs_file);
  if (*replay) return cmd_replay(replay_file, output, json, quiet, check);
  if (*sweep)
    return cmd_experiment(file, sets, seed, replications, false, output, csv, quiet, strict);
  if (*validate) return cmd_validate(files, sets);
  if (*info) return cmd_info(result);
  return kExitBadInput;
}
