#pragma once
/// The plant's I/O as a Modbus TCP server (libmodbus), for virtual commissioning: a PLC or a
/// test client reads sensors (input registers, discrete inputs) and writes actuators (holding
/// registers, coils) through a ModbusServerMap (docs/modbus.md).
///
/// The server never touches a Sim from its thread: publish() copies signals into a register
/// image (call it from the Runner's thread, e.g. in an observer), and every accepted write is
/// handed to `on_write` as an Input for Runner::push. Reads of unmapped addresses get exception
/// 02 (ILLEGAL DATA ADDRESS), writes of values the actuator or the map refuses exception 03
/// (ILLEGAL DATA VALUE). Framing is libmodbus's, on frames that have arrived whole; a client that
/// sends a malformed frame, or not all of one within frame_timeout_s, is dropped, never the
/// server.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plantwin/io/modbus_map.h"
#include "plantwin/runner.h"
#include "plantwin/sim.h"

namespace plantwin::io {

struct ModbusServerOptions {
  int port = 502;
  std::string host = "127.0.0.1";
  int max_clients = 16;  ///< connections beyond it are closed at once
  /// libmodbus's wait for the rest of a frame once all its announced bytes are there (a frame
  /// whose function needs more than its header announced): then its client is dropped.
  double byte_timeout_s = 0.1;
  /// A client whose frame is not complete this long after its first bytes is dropped.
  double frame_timeout_s = 0.5;
};

/// What the server did, readable from any thread.
struct ModbusServerCounters {
  std::atomic<std::uint64_t> requests{0}, writes{0}, exceptions{0}, clipped{0}, dropped{0},
      refused{0}, steps{0};
};

class ModbusServer {
 public:
  /// Listens on host:port. `model` gives names and a scratch Sim on which writes are tried
  /// before they are accepted. Throws std::runtime_error when the port cannot be bound.
  ModbusServer(ModbusServerMap map, std::shared_ptr<const Model> model,
               ModbusServerOptions options);
  ~ModbusServer();
  ModbusServer(const ModbusServer&) = delete;
  ModbusServer& operator=(const ModbusServer&) = delete;

  /// Called (on the serving thread) with every accepted write, before the reply is sent.
  void on_write(std::function<void(Input)> fn) { on_write_ = std::move(fn); }
  /// Called (on the serving thread) when a client writes the handshake register, before the
  /// reply is sent: lock-step advances the plant here, then calls publish() and acknowledge().
  void on_handshake(std::function<void()> fn) { on_handshake_ = std::move(fn); }

  /// Copies the mapped signals of `sim` into the register image; thread-safe.
  void publish(const Sim& sim);
  /// Increments the acknowledge input register (lock-step).
  void acknowledge();
  /// Waits up to `timeout_s` for requests and answers those that arrived; call it in a loop
  /// from one thread.
  void poll(double timeout_s);
  int port() const { return port_; }
  /// Clients connected now (call from the polling thread).
  std::size_t client_count() const;
  /// Wall-clock seconds since the last request was answered (or since the server started).
  double idle_s() const;
  const ModbusServerCounters& counters() const { return counters_; }

 private:
  struct Impl;
  void handle(int fd, const std::uint8_t* req, int length);
  bool try_value(const ModbusPoint& p, double value);
  ModbusServerMap map_;
  std::shared_ptr<const Model> model_;
  ModbusServerOptions options_;
  std::unique_ptr<Impl> impl_;
  std::function<void(Input)> on_write_;
  std::function<void()> on_handshake_;
  std::mutex mutex_;  // guards the register image
  ModbusServerCounters counters_;
  int port_ = 0;
  std::string current_origin_;  // the client being answered
};

}  // namespace plantwin::io
