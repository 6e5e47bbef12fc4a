#pragma once
// A tiny line-based TCP server that lets plantwin-viewer watch a running simulation
// (plantwin run FILE --serve PORT). Loopback only. Protocol (text, one item per line):
//
//   server, on connect:  PLANTWIN 1 / title T / component NAME\tTYPE\tX\tY\tCAPACITY ...
//                        / link FROM\tTO ... / signal NAME\tUNIT ... / end
//   client: poll         server: time T / status running|complete / values V1 V2 ...
//                                / event T\tCOMPONENT\tKIND\tDETAIL ... (new since last poll) / end

#include <atomic>
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

class LiveServer {
 public:
  /// Listens on 127.0.0.1:port. Throws std::runtime_error when the port cannot be bound.
  LiveServer(int port, std::string hello);
  ~LiveServer();
  /// Makes `s` what clients see next; `s.events` must extend what was published before.
  void publish(const LiveSnapshot& s);
  void stop();

 private:
  void serve();
  int listen_fd_ = -1;
  std::string hello_;
  std::mutex mutex_;
  LiveSnapshot snapshot_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace plantwin::cli
