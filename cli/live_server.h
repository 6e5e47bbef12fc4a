#pragma once
// A tiny line-based TCP server that lets plantwin-viewer watch a running simulation
// (plantwin run FILE --serve PORT). Loopback only. Protocol (text, one item per line):
//
//   server, on connect:  PLANTWIN 1 / title T / component NAME\tTYPE\tX\tY\tCAPACITY ...
//                        / link FROM\tTO ... / signal NAME\tUNIT ... / end
//   client: poll         server: time T / status running|complete / values V1 V2 ...
//                                / event T\tCOMPONENT\tKIND\tDETAIL ... (new since last poll) / end
//   server, instead of the greeting when it is full:  error TEXT
//
// No client can hold the server or the run: every socket is non-blocking, one thread serves
// them all with poll(), and a client is dropped when it does not read what it asked for
// (kMaxPendingBytes queued, or no progress for kStallTimeoutS), sends a line longer than
// kMaxLineBytes, or stays silent while others wait for a slot.

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace plantwin::cli {

struct LiveSnapshot {
  double time = 0;
  bool complete = false;
  std::vector<double> values;
  std::vector<std::string> events;  // preformatted "T\tCOMPONENT\tKIND\tDETAIL", append-only
};

/// Limits that keep one client from costing the others (or the run) anything.
struct LiveServerLimits {
  std::size_t max_clients = 16;       ///< connections beyond it get "error ..." and are closed
  std::size_t max_line_bytes = 1024;  ///< a request line longer than this drops its client
  std::size_t max_pending_bytes = std::size_t{8} << 20;  ///< unread replies queued per client
  double stall_timeout_s = 5;               ///< queued output with no progress this long: dropped
  double idle_evict_s = 2;                  ///< when full, a client silent this long makes room
  std::size_t max_events_per_reply = 4096;  ///< the rest follow in the next replies
};

class LiveServer {
 public:
  /// Listens on 127.0.0.1:port. Throws std::runtime_error when the port cannot be bound.
  LiveServer(int port, std::string hello, LiveServerLimits limits = {});
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;
  /// Makes `s` what clients see next; `s.events` must extend what was published before.
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

}  // namespace plantwin::cli
