// plantwin run (a single run) and plantwin replay: one run of a model through a Runner, with
// the progress bar, an optional live server, Ctrl-C, the report and the output files.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "command_support.h"
#include "commands.h"
#include "forecast_report.h"
#include "live_feeds.h"
#include "plantwin/forecast.h"
#include "plantwin/io/live_publisher.h"
#include "plantwin/io/live_server.h"
#include "plantwin/io/recorded_feed.h"
#include "plantwin/output_file.h"
#include "plantwin/results.h"
#include "plantwin/runner.h"
#include "plantwin/sim.h"
#include "plantwin/units.h"
#include "progress.h"
#include "report.h"

namespace plantwin::cli {

namespace {

constexpr double kLiveGridWallS = 0.1;  // a live run's time points: every 100 ms of wall time

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
  std::vector<AppliedInput> measurements;       ///< the same for the measurements synced on
  std::vector<io::RecordedFeed> feeds;          ///< the scenario's recorded feeds (csv)
  bool live = false;                            ///< connect the scenario's live feeds
  bool replaying = false;                       ///< a replay: live feeds are not missed
  bool forecast = false;                        ///< --forecast: fork at the end and run ahead
  const std::vector<KpiRow>* expect = nullptr;  ///< --check: the KPIs the run must give
};

// `req` is taken by value: the recorded feeds' inputs move into the Runner's queue (a day of
// 10 Hz readings is hundreds of MB as a second copy); their counters stay.
int run_model(RunRequest req) {
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

  stop_on_signals();
  std::atomic<bool>& stop = stop_flag();
  RunInfo info;
  info.started_at = iso_time_now();
  info.runner_chunks = chunks > 0 ? chunks : serve_port > 0 ? 2000 : 200;
  if (req.live && chunks == 0) {
    // Live: a time point every 100 ms of wall time, so a value is applied within 100 ms.
    const double points = std::ceil(model->horizon() / (kLiveGridWallS * pace));
    info.runner_chunks = static_cast<int>(std::clamp(points, 1.0, 1e9));
  }
  const auto wall0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  };
  Sim sim(model, replication);
  std::unique_ptr<io::LiveServer> server;
  std::unique_ptr<io::LivePublisher> publisher;
  if (serve_port > 0) {
    try {
      server = std::make_unique<io::LiveServer>(serve_port, io::LivePublisher::describe(*model));
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
  runner.watch_stop_flag(stop);
  for (const auto& in : inputs) runner.push(Input{in.time, in.target, in.value, "replay"});
  for (const auto& in : req.measurements)
    runner.push(Input{in.time, in.target, in.value, "replay", Input::Kind::kMeasure});
  for (auto& f : req.feeds) {
    for (auto& in : f.inputs) runner.push(std::move(in));
    std::vector<Input>().swap(f.inputs);
  }
  // Every feed's counters go into its feed component at each time point; live feeds start now
  // and stop (below, or when `feeds` goes) before the Runner and the Sim go.
  std::unique_ptr<LiveFeeds> feeds;
  try {
    feeds = std::make_unique<LiveFeeds>(model, quiet);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  ForecastSpec forecast_spec;
  try {
    forecast_spec = parse_forecast(model->scenario(), *model);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  if (req.forecast && !(forecast_spec.ahead > 0)) {
    fmt::print(stderr,
               "--forecast: the scenario has no forecast: section (ahead, replications, "
               "variants: docs/forecast.md)\n");
    return kExitBadInput;
  }
  // A live run forecasts every `every` of simulated time and on request over MQTT, on a
  // worker thread from a copy of the state taken at a time point, one forecast at a time.
  std::uint64_t forecasts = 0;
  double next_forecast = forecast_spec.every > 0 ? sim.now() + forecast_spec.every : HUGE_VAL;
  std::thread forecast_worker;
  std::atomic<bool> forecast_busy{false};
  auto start_forecast = [&] {
    if (forecast_worker.joinable()) forecast_worker.join();
    auto snapshot = std::make_shared<Sim>(model, State(sim.state()), sim.control_plan());
    const std::uint64_t number = ++forecasts;
    forecast_busy.store(true);
    forecast_worker = std::thread([&, snapshot, number] {
      try {
        const ForecastResult r = run_forecast(*snapshot, forecast_spec, number);
        if (!quiet) fmt::print(stderr, "{}", format_forecast(r, number));
        feeds->publish_retained(forecast_messages(r, number));
      } catch (const std::exception& e) {
        fmt::print(stderr, "forecast {} failed: {}\n", number, escape_control(e.what()));
      }
      forecast_busy.store(false);
    });
  };
  bool lag_reported = false;
  runner.add_observer([&](const Sim&, bool) {
    const double lag = runner.lag();
    feeds->update(sim, req.feeds, lag);
    if (req.live && forecast_spec.ahead > 0) {
      const bool asked = feeds->take_forecast_requests() > 0;
      if ((asked || sim.now() >= next_forecast) && !forecast_busy.load()) {
        while (next_forecast <= sim.now()) next_forecast += forecast_spec.every;
        start_forecast();
      }
    }
    if (!lag_reported && pace > 0 && lag / pace > 1) {
      lag_reported = true;
      fmt::print(stderr,
                 "warning: the twin is {} behind the wall clock at t = {}: it cannot keep up at "
                 "{}x (the lag signal of each feed says by how much)\n",
                 format_duration(lag), format_duration(sim.now()), pace);
    }
  });
  if (req.live) {
    try {
      feeds->start(runner);
    } catch (const std::runtime_error& e) {
      fmt::print(stderr, "{}\n", escape_control(e.what()));
      return kExitRunFailure;
    }
    feeds->start_publishers(runner);
  } else if (!quiet && !req.replaying) {
    for (const auto& [name, type] : live_feed_names(*model))
      fmt::print(stderr, "feed {} ({}) is live: not connected (plantwin run --live connects it)\n",
                 escape_control(name), type);
    if (feeds->has_publishers())
      fmt::print(stderr, "publish: not connected (plantwin run --live connects it)\n");
  }
  if (publisher) {
    // Viewers (and the history kept for those that attach later) see the plant from time 0.
    sim.ensure_started();
    publisher->publish(sim, false);
    runner.add_observer(publisher->observer());
  }
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
  if (forecast_worker.joinable()) forecast_worker.join();
  feeds->stop();
  feeds->update(sim, req.feeds, runner.lag());
  if (req.live) feeds->finish_publishers(sim);
  if (req.live && !quiet)
    for (const auto& line : feeds->summary()) fmt::print(stderr, "{}\n", escape_control(line));
  info.wall_time_s = elapsed();
  if (!complete && info.status != "failed") {
    info.status = "partial";
    fmt::print(stderr, "interrupted at t = {}: writing partial results\n",
               format_duration(sim.now()));
  }

  if (server) {
    // Let viewers fetch the final state before the server goes away.
    runner.finish();
    for (int i = 0; i < 20 && !stop.load(); ++i)
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
  if (!quiet) print_run_report(*model, sim, info.wall_time_s, complete, info.status);
  if (req.forecast && info.status != "failed") {
    try {
      const ForecastResult r = run_forecast(sim, forecast_spec, ++forecasts);
      fmt::print("\n{}", format_forecast(r, forecasts));
      if (req.live) feeds->publish_retained(forecast_messages(r, forecasts));
    } catch (const std::exception& e) {
      fmt::print(stderr, "--forecast: {}\n", escape_control(e.what()));
      rc = kExitRunFailure;
    }
  }
  if (expect &&
      !check_replay(*model, sim.kpis(), *expect, inputs.size() + req.measurements.size(), quiet))
    rc = kExitRunFailure;
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

}  // namespace

int run_command(const RunOptions& opts) {
  std::shared_ptr<const Model> model;
  try {
    model = load_model(opts.file, opts.sets, opts.seed);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  double t_end = model->horizon();
  if (!opts.until.empty()) {
    std::string why;
    auto t = parse_quantity(opts.until, Dimension::kTime, &why);
    if (!t || *t <= 0) {
      fmt::print(stderr, "--until: {}\n", t ? "must be positive" : escape_control(why));
      return kExitBadInput;
    }
    t_end = std::min(t_end, *t);
  }
  RunRequest req;
  req.model = model;
  req.t_end = t_end;
  req.output = opts.output;
  req.json = opts.json;
  req.quiet = opts.quiet;
  req.serve_port = opts.serve_port;
  req.pace = opts.pace;
  req.strict = opts.strict;
  req.live = opts.live;
  req.forecast = opts.forecast;
  if (opts.live && !(opts.pace > 0)) req.pace = 1;  // a live run follows the wall clock
  try {
    req.feeds = load_recorded_feeds(*model, opts.quiet);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "{}\n", escape_control(e.what()));
    return kExitBadInput;
  }
  if (!opts.inputs_file.empty()) {
    try {
      ResultContents rec = read_result_file(opts.inputs_file, /*with_samples=*/false);
      req.inputs = std::move(rec.inputs);
      req.measurements = std::move(rec.measurements);
    } catch (const std::exception& e) {
      fmt::print(stderr, "--inputs: {}\n", e.what());
      return kExitBadInput;
    }
  }
  return run_model(std::move(req));
}

// Runs a result file's scenario again, as it was resolved (overrides, seed), on the same
// Runner grid and replication, re-applying its /inputs at the times they took effect.
int replay_command(const ReplayOptions& opts) {
  const std::string& file = opts.file;
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
    req.model = compile(sc, registry());
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}: its scenario no longer compiles:\n{}\n", file, e.what());
    return kExitBadInput;
  }
  req.t_end = end;
  req.output = opts.output;
  req.json = opts.json;
  req.quiet = opts.quiet;
  req.replication = static_cast<std::uint64_t>(number("replication"));
  req.chunks = static_cast<int>(chunks);
  req.inputs = rec.inputs;
  req.measurements = rec.measurements;
  req.replaying = true;
  if (opts.check) req.expect = &rec.kpis;
  return run_model(std::move(req));
}

}  // namespace plantwin::cli
