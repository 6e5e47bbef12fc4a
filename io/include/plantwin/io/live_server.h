#pragma once
/// A tiny line-based TCP server that lets plantwin-viewer watch a running simulation
/// (plantwin run FILE --serve PORT). Loopback only. It speaks the live protocol
/// (plantwin/io/live_protocol.h, docs/live_protocol.md) and formats nothing itself.
///
/// No client can hold the server or the run: every socket is non-blocking, one thread serves
/// them all with poll(), and a client is dropped when it does not read what it asked for
/// (max_pending_bytes queued, or no progress for stall_timeout_s), sends a line longer than
/// max_line_bytes, or stays silent while others wait for a slot.

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plantwin/io/live_protocol.h"

namespace plantwin::io {

struct LiveSnapshot {
  double time = 0;
  bool complete = false;
  std::vector<double> values;
  std::vector<std::string> events;  ///< lines from format_event_line()
};

/// Limits that keep one client from costing the others (or the run) anything.
struct LiveServerLimits {
  /// Connections beyond it get "error ..." and are closed.
  std::size_t max_clients = LiveLimits::kMaxClients;
  /// A request line longer than this drops its client.
  std::size_t max_line_bytes = LiveLimits::kMaxRequestBytes;
  /// Unread replies queued per client.
  std::size_t max_pending_bytes = LiveLimits::kMaxPendingBytes;
  /// Queued output with no progress this long: dropped.
  double stall_timeout_s = LiveLimits::kStallTimeoutS;
  /// When full, a client silent this long makes room.
  double idle_evict_s = LiveLimits::kIdleEvictS;
  /// The rest follow in the next replies; at most LiveLimits::kMaxReplyEvents.
  std::size_t max_events_per_reply = LiveLimits::kEventsPerReply;
};

class LiveServer {
 public:
  /// Listens on 127.0.0.1:port and greets every client with `hello` (from format_hello()).
  /// Throws std::runtime_error when the port cannot be bound.
  LiveServer(int port, std::string hello, LiveServerLimits limits = {});
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;
  /// Makes `s` what clients see next; `s.events` are the events new since the last publish
  /// (the server keeps the whole log, so that a client attaching late sees it all).
  void publish(const LiveSnapshot& s);
  /// Closes every connection and returns within a poll interval whatever the clients do.
  void stop();
  /// What the server refused or dropped so far, for the user: "" when nothing was.
  std::string incidents() const;

 private:
  void serve();
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // a byte written to wake_[1] interrupts poll() at stop()
  std::string hello_;
  LiveServerLimits limits_;
  std::mutex mutex_;
  LiveSnapshot snapshot_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> refused_{0}, dropped_slow_{0}, dropped_long_line_{0}, evicted_idle_{0};
  std::thread thread_;
};

}  // namespace plantwin::io
