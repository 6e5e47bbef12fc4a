// The live implementation of DataSource: a client of `plantwin run --serve PORT`.

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "data_source.h"
#include "plantwin/io/live_protocol.h"

namespace plantwin::viewer {
namespace {

using io::LiveLimits;
constexpr std::size_t kMaxEvents = 1'000'000;  // kept; the oldest go first beyond it
constexpr auto kHelloTimeout =
    std::chrono::milliseconds(static_cast<int>(1000 * LiveLimits::kHelloTimeoutS));
constexpr auto kReplyTimeout =
    std::chrono::milliseconds(static_cast<int>(1000 * LiveLimits::kReplyTimeoutS));

class LiveSource final : public DataSource {
 public:
  explicit LiveSource(const std::string& host_port) {
    const auto colon = host_port.rfind(':');
    if (colon == std::string::npos)
      throw std::runtime_error("--attach: expected host:port, got \"" + host_port + "\"");
    const std::string host = host_port.substr(0, colon), port = host_port.substr(colon + 1);
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res)
      throw std::runtime_error(fmt::format("--attach {}: cannot resolve {}", host_port, host));
    fd_ = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    const int rc = fd_ >= 0 ? ::connect(fd_, res->ai_addr, res->ai_addrlen) : -1;
    ::freeaddrinfo(res);
    if (rc != 0) {
      const std::string why = std::strerror(errno);
      if (fd_ >= 0) ::close(fd_);
      throw std::runtime_error(
          fmt::format("--attach {}: no simulation is serving there ({})", host_port, why));
    }
    title = host_port;
    try {
      read_hello(host_port);
    } catch (...) {
      ::close(fd_);
      throw;
    }
    status_ = "live";
  }
  ~LiveSource() override {
    if (fd_ >= 0) ::close(fd_);
  }
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;

  std::string status() const override { return status_; }

  bool refresh() override {
    if (fd_ < 0) return false;
    // A server that keeps the history sends it first, a reply at a time, then frames.
    const std::string request = history_pending_ ? io::format_history_request(history_after_)
                                                 : std::string(io::kLivePollRequest);
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      return lost("the connection closed");
    const auto deadline = Clock::now() + kReplyTimeout;
    std::string line;
    try {
      for (;;) {
        const char* why = read_line(line, deadline);
        if (!why && Clock::now() > deadline)
          why = "the simulation did not finish its reply in time";
        if (why) {
          apply_frame();  // keep what arrived
          return lost(why);
        }
        const bool end = parser_.reply_line(line);
        rejected_lines = parser_.rejected_lines();
        if (end) break;
      }
    } catch (const io::LiveProtocolError& e) {
      rejected_lines = parser_.rejected_lines();
      apply_frame();
      return lost(e.what());
    }
    const bool changed = apply_frame();
    if (complete_) status_ = "ended";
    return changed;
  }

 private:
  using Clock = std::chrono::steady_clock;

  void read_hello(const std::string& host_port) {
    const auto deadline = Clock::now() + kHelloTimeout;
    std::string line;
    try {
      for (bool first = true;; first = false) {
        if (const char* why = read_line(line, deadline)) {
          if (first) throw io::LiveProtocolError("not a plantwin simulation");
          throw io::LiveProtocolError(fmt::format("{} while greeting", why));
        }
        const bool end = parser_.hello_line(line);
        rejected_lines = parser_.rejected_lines();
        if (end) break;
      }
    } catch (const io::LiveProtocolError& e) {
      throw std::runtime_error(fmt::format("--attach {}: {}", host_port, e.what()));
    }
    const io::LivePlant& plant = parser_.plant();
    if (!plant.title.empty()) title = plant.title + " (live)";
    for (const auto& c : plant.components)
      components.push_back({c.name, c.type, c.x, c.y, c.capacity});
    for (const auto& l : plant.links) links.emplace_back(l.from, l.to);
    for (const auto& sig : plant.signals) series.push_back(Series{sig.name, sig.unit, {}, {}});
    history_pending_ = std::find(plant.features.begin(), plant.features.end(),
                                 io::kLiveHistoryFeature) != plant.features.end();
  }

  /// Takes the parser's frame (or what arrived of it): values newer than the last, new events.
  bool apply_frame() {
    io::LiveFrame& f = parser_.frame();
    bool changed = false;
    for (const auto& sample : f.samples) {
      if (!series.empty() && !series[0].t.empty() && sample.time <= series[0].t.back()) continue;
      for (std::size_t i = 0; i < series.size(); ++i) {
        series[i].t.push_back(sample.time);
        series[i].v.push_back(sample.values[i]);
      }
      t0 = series.empty() || series[0].t.empty() ? t0 : series[0].t.front();
      history_after_ = sample.time;
      changed = true;
    }
    // Done when the server says so, or when a reply promising more brought nothing usable.
    if (history_pending_ && (!f.more || f.samples.empty())) history_pending_ = false;
    if (f.has_kpis) {
      kpis.clear();
      for (auto& k : f.kpis)
        kpis.push_back(
            {std::move(k.component), std::move(k.name), std::move(k.unit), k.value, k.half_width});
      kpi_time = f.time;
      changed = true;
    }
    // While history is still coming, the current values wait: they would come before it.
    if (!history_pending_ && parser_.frame_has_values() &&
        (series.empty() || series[0].t.empty() || f.time > series[0].t.back())) {
      for (std::size_t i = 0; i < series.size(); ++i) {
        series[i].t.push_back(f.time);
        series[i].v.push_back(f.values[i]);
      }
      changed = true;
    }
    for (auto& e : f.events) {
      if (events.size() >= kMaxEvents)
        events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(kMaxEvents / 10));
      events.push_back({e.time, std::move(e.component), std::move(e.kind), std::move(e.detail)});
      changed = true;
    }
    f.events.clear();
    t1 = std::max(t1, f.time);
    complete_ = f.complete;
    return changed;
  }

  bool lost(const std::string& why) {
    status_ = complete_ ? "ended" : "lost";
    if (!complete_) status_detail = why;
    ::close(fd_);
    fd_ = -1;
    return false;
  }

  /// The next line, or why there is none: nullptr on success. Bounded in length and time.
  const char* read_line(std::string& line, Clock::time_point deadline) {
    for (;;) {
      // Only bytes not scanned before are searched: a long line costs its length once.
      const auto nl = buffer_.find('\n', std::max(head_, scanned_));
      if (nl != std::string::npos) {
        line.assign(buffer_, head_, nl - head_);
        head_ = scanned_ = nl + 1;
        return nullptr;
      }
      if (buffer_.size() - head_ > LiveLimits::kMaxLineBytes)
        return "the simulation sent a line of more than 4 MiB";
      buffer_.erase(0, head_);  // what is left is one partial line
      head_ = 0;
      scanned_ = buffer_.size();
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return "the simulation did not answer in time";
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        return "the simulation did not answer in time";
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "the connection closed";
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  std::string buffer_, status_;
  std::size_t head_ = 0;     // where the next line starts in buffer_
  std::size_t scanned_ = 0;  // buffer_ before this holds no newline after head_
  bool complete_ = false;
  bool history_pending_ = false;      // the server keeps history and not all of it arrived yet
  double history_after_ = -HUGE_VAL;  // the time of the last history sample received
  io::LiveParser parser_;
};

}  // namespace

std::unique_ptr<DataSource> attach(const std::string& host_port) {
  return std::make_unique<LiveSource>(host_port);
}

}  // namespace plantwin::viewer
