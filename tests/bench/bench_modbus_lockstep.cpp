// Lock-step round trips over Modbus TCP on loopback: a libmodbus client writes the handshake
// register, the server (the same ModbusServer and Runner loop as plantwin serve-modbus
// --lockstep) advances the plant one scan and replies. Prints round trips (= scans) per second,
// for the handshake alone and for a full PLC-like cycle (read 4 input registers, write one
// holding register, handshake). The issue's target is >= 2,000/s.
// Usage: bench_modbus_lockstep [round_trips] [port]
// With a port, it drives a `plantwin serve-modbus --lockstep` already listening there (its map's
// handshake at holding register 100) and times the handshake alone: the CLI end to end.
#include <modbus/modbus.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "plantwin/io/modbus_server.h"
#include "plantwin/models/register.h"
#include "plantwin/runner.h"
#include "plantwin/sim.h"

using namespace plantwin;

namespace {

// A small line with physics: a machine heating a motor, a conveyor whose speed is written.
const char* kPlant = R"Y(horizon: 10 h
components:
  src: {type: source, interarrival: exponential(40 s)}
  press: {type: machine, process_time: "lognormal(mean=30 s, sd=10 s)"}
  belt: {type: conveyor, length: 20 m, speed: 0.5 m/s, spacing: 1 m}
  motor: {type: thermal, capacitance: 200 kJ/K, r_ambient: 0.02 K/W, ambient: 20 C,
          heat_from: {machine: press, working: 3 kW, idle: 300 W}}
  out: {type: sink}
flow: ["src -> press -> belt -> out"]
record: {period: 1 s, signals: all}
)Y";

const char* kMap = R"Y(
input_registers:
  - {signal: motor.temperature, address: 0, type: float32}
  - {signal: press.state, address: 2}
  - {signal: out.count, address: 3}
holding_registers:
  - {actuator: belt.speed, address: 0, scale: 0.001}
lockstep: {handshake: 100, acknowledge: 100}
)Y";

double rate(modbus_t* ctx, int n, bool full) {
  std::uint16_t regs[4];
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    if (full) {
      if (modbus_read_input_registers(ctx, 0, 4, regs) != 4 ||
          modbus_write_register(ctx, 0, static_cast<std::uint16_t>(400 + i % 200)) != 1) {
        fmt::print(stderr, "request failed: {}\n", modbus_strerror(errno));
        return 0;
      }
    }
    if (modbus_write_register(ctx, 100, 1) != 1) {
      fmt::print(stderr, "handshake failed: {}\n", modbus_strerror(errno));
      return 0;
    }
  }
  return n / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 20000;
  if (argc > 2) {
    modbus_t* ctx = modbus_new_tcp("127.0.0.1", std::stoi(argv[2]));
    if (!ctx || modbus_connect(ctx) != 0) {
      fmt::print(stderr, "cannot connect: {}\n", modbus_strerror(errno));
      return 1;
    }
    const double r = rate(ctx, n, false);
    modbus_close(ctx);
    modbus_free(ctx);
    fmt::print("lock-step handshakes against plantwin serve-modbus on port {}: {:.0f} scans/s\n",
               argv[2], r);
    return 0;
  }
  const Registry registry = builtin_registry();
  auto model = compile(load_scenario_text(kPlant, "bench.yaml"), registry);
  const Scenario map_file = load_scenario_text(kMap, "io.yaml");
  Diagnostics diag;
  auto map = io::parse_modbus_server_map(map_file.root, "", *model, diag);
  diag.throw_if_any();

  const double scan = 0.01;  // 10 ms scans: 3.6 million in the horizon, more than any run here
  Sim sim(model);
  Runner runner(sim, Runner::Options{static_cast<int>(model->horizon() / scan), 0});
  io::ModbusServerOptions options;
  options.port = 0;  // any free port
  io::ModbusServer server(map, model, options);
  server.on_write([&](Input in) { runner.push(std::move(in)); });
  server.on_handshake([&] {
    runner.run_until(runner.next_grid_point(sim.now()));
    server.publish(sim);
    server.acknowledge();
  });
  std::atomic<bool> done{false};
  std::thread serving([&] {
    while (!done.load()) server.poll(0.05);
  });

  modbus_t* ctx = modbus_new_tcp("127.0.0.1", server.port());
  if (!ctx || modbus_connect(ctx) != 0) {
    fmt::print(stderr, "cannot connect: {}\n", modbus_strerror(errno));
    return 1;
  }
  rate(ctx, n / 10, true);  // warm up
  const double handshake_only = rate(ctx, n, false);
  const double full_cycle = rate(ctx, n, true);
  modbus_close(ctx);
  modbus_free(ctx);
  done.store(true);
  serving.join();
  fmt::print("lock-step over Modbus TCP on loopback, {} round trips each, 10 ms scans:\n", n);
  fmt::print("  handshake only:                          {:>8.0f} scans/s\n", handshake_only);
  fmt::print("  read 4 inputs + write 1 + handshake:     {:>8.0f} scans/s\n", full_cycle);
  fmt::print("  simulated {} s in all; target >= 2,000 scans/s: {}\n", sim.now(),
             std::min(handshake_only, full_cycle) >= 2000 ? "met" : "NOT met");
  return 0;
}
