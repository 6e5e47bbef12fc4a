// plantwin serve-modbus: the plant's I/O as a Modbus TCP server for virtual commissioning
// (docs/modbus.md). Paced: the Runner runs on this thread at --pace while a server thread
// answers clients. Lock-step: one thread serves, and each handshake write runs one scan.

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "command_support.h"
#include "commands.h"
#include "plantwin/expectations.h"
#include "plantwin/io/modbus_map.h"
#include "plantwin/io/modbus_server.h"
#include "plantwin/output_file.h"
#include "plantwin/results.h"
#include "plantwin/runner.h"
#include "plantwin/sim.h"
#include "plantwin/units.h"
#include "report.h"

namespace plantwin::cli {

namespace {

constexpr double kPacedGridS = 0.1;  // the paced grid: registers refresh every 100 ms simulated
constexpr double kFinalGraceS = 10;  // lock-step: the longest the final state is served

}  // namespace

int serve_modbus_command(const ServeModbusOptions& opts) {
  std::shared_ptr<const Model> model;
  io::ModbusServerMap map;
  std::vector<Expectation> expectations;
  try {
    const Scenario scenario = load_scenario(opts.file, opts.sets, std::nullopt);
    model = compile(scenario, registry());
    map = io::load_modbus_server_map(opts.map, *model);
    if (opts.test) expectations = parse_expectations(scenario, *model);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  if (opts.test && expectations.empty()) {
    fmt::print(stderr,
               "{}: --test: the scenario has no expectations (see scenarios/README.md, "
               "Expectations)\n",
               escape_control(opts.file));
    return kExitBadInput;
  }
  if (!opts.junit.empty() && !opts.test) {
    fmt::print(stderr, "--junit needs --test\n");
    return kExitBadInput;
  }
  const double horizon = model->horizon();
  double scan = kPacedGridS;
  if (opts.lockstep) {
    if (map.handshake < 0 || map.acknowledge < 0) {
      fmt::print(stderr, "{}: --lockstep needs a lockstep: section (handshake, acknowledge)\n",
                 opts.map);
      return kExitBadInput;
    }
    std::string why;
    const auto s = parse_quantity(opts.scan, Dimension::kTime, &why);
    if (!s || !(*s > 0)) {
      fmt::print(stderr, "--scan: {}\n", s ? "must be positive" : escape_control(why));
      return kExitBadInput;
    }
    scan = *s;
  }
  // The grid: horizon / chunks. Lock-step needs it to be the scan exactly.
  const double chunks_real =
      opts.lockstep ? std::round(horizon / scan) : std::ceil(horizon / kPacedGridS);
  if (!(chunks_real >= 1 && chunks_real <= INT_MAX)) {
    fmt::print(stderr, "the horizon ({}) holds too many or too few steps of {}\n",
               format_duration(horizon), format_duration(scan));
    return kExitBadInput;
  }
  if (opts.lockstep && std::abs(horizon / chunks_real - scan) > 1e-9 * scan) {
    fmt::print(stderr, "--scan {}: the horizon ({}) must be a whole number of scans\n", opts.scan,
               format_duration(horizon));
    return kExitBadInput;
  }
  try {
    if (!opts.output.empty()) check_output_path(opts.output, "the result file");
    if (!opts.junit.empty()) check_output_path(opts.junit, "JUnit report");
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }

  RunInfo info;
  info.started_at = iso_time_now();
  info.runner_chunks = static_cast<int>(chunks_real);
  Sim sim(model);
  // Expectations are judged on the served run as `plantwin test` judges its own: the client
  // (a PLC, a soft PLC, a test script) is the control logic under test.
  std::unique_ptr<ExpectationMonitor> monitor;
  if (opts.test) {
    monitor = std::make_unique<ExpectationMonitor>(expectations, *model, 0);
    monitor->attach(sim);
  }
  Runner runner(sim, Runner::Options{info.runner_chunks, opts.lockstep ? 0.0 : opts.pace});
  stop_on_signals();
  std::atomic<bool>& stop = stop_flag();
  runner.watch_stop_flag(stop);

  std::unique_ptr<io::ModbusServer> server;
  io::ModbusServerOptions server_options;
  server_options.port = opts.port;
  server_options.host = opts.host;
  try {
    server = std::make_unique<io::ModbusServer>(map, model, server_options);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", escape_control(e.what()));
    return kExitBadInput;
  }
  server->on_write([&](Input in) { runner.push(std::move(in)); });
  server->publish(sim);
  runner.add_observer([&](const Sim& s, bool) { server->publish(s); });
  fmt::print(stderr, "serving Modbus TCP on {}:{} ({}, {} points)\n", opts.host, server->port(),
             opts.lockstep ? fmt::format("lock-step, {} per handshake", format_duration(scan))
                           : fmt::format("paced at {}x", opts.pace),
             map.points.size());
  std::fflush(stderr);

  const auto wall0 = std::chrono::steady_clock::now();
  bool complete = true;
  std::string failure;
  try {
    if (opts.lockstep) {
      server->on_handshake([&] {
        if (sim.now() >= horizon) return;
        // Writes that came before the handshake are queued untimed: the Runner applies them
        // at the start of the step, at the current time point.
        runner.run_until(runner.next_grid_point(sim.now()));
        server->publish(sim);
        server->acknowledge();
      });
      while (!stop.load() && sim.now() < horizon) server->poll(0.05);
      complete = sim.now() >= horizon;
      // At the horizon, clients still connected may read the final state: serve them until
      // they leave or stay silent for a second (at most kFinalGraceS).
      const auto t0 = std::chrono::steady_clock::now();
      while (complete && !stop.load() && server->client_count() > 0 && server->idle_s() < 1 &&
             std::chrono::steady_clock::now() - t0 < std::chrono::duration<double>(kFinalGraceS))
        server->poll(0.05);
    } else {
      std::atomic<bool> serving{true};
      std::thread serve_thread([&] {
        while (serving.load()) server->poll(0.05);
      });
      try {
        complete = runner.run();
      } catch (...) {
        serving.store(false);
        serve_thread.join();
        throw;
      }
      serving.store(false);
      serve_thread.join();
    }
  } catch (const std::exception& e) {
    failure = e.what();
    complete = false;
  }
  runner.finish();
  info.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  int rc = kExitOk;
  if (!failure.empty()) {
    fmt::print(stderr, "run failed at t = {}: {}\n", format_duration(sim.now()),
               escape_control(failure));
    info.status = "failed";
    rc = kExitRunFailure;
  } else if (!complete) {
    info.status = "partial";
    fmt::print(stderr, "interrupted at t = {}: writing partial results\n",
               format_duration(sim.now()));
  }
  const auto& c = server->counters();
  fmt::print(stderr,
             "modbus: {} requests, {} writes, {} exception responses, {} values clipped, {} "
             "clients dropped, {} refused, {} lock-step steps\n",
             c.requests.load(), c.writes.load(), c.exceptions.load(), c.clipped.load(),
             c.dropped.load(), c.refused.load(), c.steps.load());
  server.reset();
  for (const auto& w : sim.state().trace.warnings) print_warning(stderr, w);
  try {
    if (!opts.output.empty()) {
      write_result_file(opts.output, sim, info);
      fmt::print(stderr, "results written to {}\n", opts.output);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", escape_control(e.what()));
    rc = kExitRunFailure;
  }
  if (monitor) {
    if (!complete || !failure.empty()) {
      fmt::print(stderr, "{}: the run did not reach its horizon: no verdict\n",
                 escape_control(opts.file));
      return kExitRunFailure;
    }
    auto verdict = monitor->finish(sim);
    for (auto& o : judge_aggregates(expectations, {sim.kpis()})) verdict.push_back(std::move(o));
    const int verdict_rc = report_verdict("plantwin serve-modbus --test", opts.file, *model, 1,
                                          verdict, info.wall_time_s, false, opts.junit);
    if (rc == kExitOk) rc = verdict_rc;
  }
  return rc;
}

}  // namespace plantwin::cli
