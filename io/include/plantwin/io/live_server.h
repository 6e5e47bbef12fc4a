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
#include <cstdint>
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
  /// The KPI table now, from format_kpi_block(); empty: unchanged since the last publish.
  std::string kpis;
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
  /// The newest events kept for clients that attach late (LiveLimits::kMaxEventsKept).
  std::size_t max_events_kept = LiveLimits::kMaxEventsKept;
  /// The history kept for clients that attach late (see LiveLimits::kMaxHistorySamples).
  std::size_t max_history_samples = LiveLimits::kMaxHistorySamples;
  std::size_t max_history_values = LiveLimits::kMaxHistoryValues;
  /// The samples of one `history` reply stop once they pass this many bytes.
  std::size_t history_reply_bytes = LiveLimits::kHistoryReplyBytes;
};

class LiveServer {
 public:
  /// Listens on 127.0.0.1:port (0: a free one, see port()) and greets every client with the
  /// plant's description (format_hello(), with the features this server offers added).
  /// Throws std::runtime_error when the port cannot be bound, and std::length_error (from
  /// format_hello) when the plant is too large for any viewer.
  LiveServer(int port, LivePlant plant, LiveServerLimits limits = {});
  /// The port it listens on.
  int port() const { return port_; }
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;
  /// Makes `s` what clients see next; `s.events` are the events new since the last publish
  /// (the server keeps the newest LiveServerLimits::max_events_kept of them, so that a client
  /// attaching late sees them; incidents() says how many older ones it forgot). The values
  /// join the history (bounded: LiveServerLimits::max_history_samples), so that a client
  /// attaching late sees the run from its start.
  void publish(const LiveSnapshot& s);
  /// The times of the samples kept now (for tests).
  std::vector<double> history_times() const;
  /// Closes every connection and returns within a poll interval whatever the clients do.
  void stop();
  /// What the server refused or dropped so far, for the user: "" when nothing was.
  std::string incidents() const;
  /// The oldest events no longer kept (see publish()).
  std::size_t forgotten_events() const;

 private:
  void serve();
  void keep_history(const LiveSnapshot& s);
  int listen_fd_ = -1, port_ = 0;
  int wake_[2] = {-1, -1};  // a byte written to wake_[1] interrupts poll() at stop()
  std::string hello_;
  LiveServerLimits limits_;
  mutable std::mutex mutex_;
  LiveSnapshot snapshot_;
  // The log's first event kept is event number events_base_ of the run (clients count events
  // from the run's start).
  std::size_t events_base_ = 0;
  std::uint64_t kpi_generation_ = 0;  // counts the KPI tables published
  // The history: sample k is at history_t_[k] with values history_v_[k * signals ...].
  std::vector<double> history_t_, history_v_;
  std::size_t history_stride_ = 1, since_kept_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> refused_{0}, dropped_slow_{0}, dropped_long_line_{0}, evicted_idle_{0};
  std::thread thread_;
};

}  // namespace plantwin::io
