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
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "data_source.h"

namespace plantwin::viewer {
namespace {

// What a server may cost the viewer: a line, one reply, the greeting, the event log kept.
constexpr std::size_t kMaxLineBytes = std::size_t{4} << 20;  // a values line of ~150k signals
constexpr std::size_t kMaxReplyBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxHelloLines = 1'000'000;
constexpr std::size_t kMaxEvents = 1'000'000;  // the oldest go first beyond it
constexpr int kHelloTimeoutMs = 5000, kReplyTimeoutMs = 2000;

std::vector<std::string> split_tabs(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto tab = s.find('\t', start);
    out.push_back(s.substr(start, tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return out;
}

/// A whole token as a number: "nan" (where allowed) or a finite value; nothing else.
std::optional<double> parse_number(const std::string& s, bool nan_allowed) {
  if (s == "nan") return nan_allowed ? std::optional<double>(std::nan("")) : std::nullopt;
  if (s.empty() || s.size() > 64) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

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
    const char* poll_msg = "poll\n";
    if (::send(fd_, poll_msg, 5, MSG_NOSIGNAL) != 5) return lost("the connection closed");
    const auto deadline = Clock::now() + std::chrono::milliseconds(kReplyTimeoutMs);
    const std::size_t reply_start = consumed_;
    std::string line;
    double time = t1;
    bool changed = false;
    for (;;) {
      if (const char* why = read_line(line, deadline)) return lost(why);
      if (Clock::now() > deadline) return lost("the simulation did not finish its reply in time");
      if (consumed_ - reply_start > kMaxReplyBytes)
        return lost("the simulation sent a reply of more than 64 MiB");
      if (line == "end") break;
      const auto sp = line.find(' ');
      const std::string key = line.substr(0, sp),
                        rest = sp == std::string::npos ? "" : line.substr(sp + 1);
      if (key == "time") {
        if (const auto t = parse_number(rest, false))
          time = *t;
        else
          ++rejected_lines;
      } else if (key == "status") {
        if (rest == "running" || rest == "complete")
          complete_ = rest == "complete";
        else
          ++rejected_lines;
      } else if (key == "values") {
        std::vector<double> vals;
        bool ok = true;
        std::size_t pos = 0;
        while (ok && pos < rest.size()) {
          const auto next = std::min(rest.find(' ', pos), rest.size());
          if (next > pos) {
            const auto v = parse_number(rest.substr(pos, next - pos), true);
            ok = v.has_value() && vals.size() < series.size();
            if (ok) vals.push_back(*v);
          }
          pos = next + 1;
        }
        if (!ok || vals.size() != series.size()) {
          ++rejected_lines;
        } else if (series.empty() || series[0].t.empty() || time > series[0].t.back()) {
          for (std::size_t i = 0; i < vals.size(); ++i) {
            series[i].t.push_back(time);
            series[i].v.push_back(vals[i]);
          }
          changed = true;
        }
      } else if (key == "event") {
        const auto f = split_tabs(rest);
        const auto t = f.size() >= 3 ? parse_number(f[0], false) : std::nullopt;
        if (!t || f[1].empty() || f[2].empty()) {
          ++rejected_lines;
          continue;
        }
        if (events.size() >= kMaxEvents)
          events.erase(events.begin(),
                       events.begin() + static_cast<std::ptrdiff_t>(kMaxEvents / 10));
        events.push_back({*t, f[1], f[2], f.size() > 3 ? f[3] : ""});
        changed = true;
      } else {
        ++rejected_lines;
      }
    }
    t1 = std::max(t1, time);
    if (complete_) status_ = "ended";
    return changed;
  }

 private:
  using Clock = std::chrono::steady_clock;

  void read_hello(const std::string& host_port) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(kHelloTimeoutMs);
    std::string line;
    if (read_line(line, deadline) || line != "PLANTWIN 1") {
      if (line.rfind("error ", 0) == 0)
        throw std::runtime_error(fmt::format("--attach {}: {}", host_port, line.substr(6)));
      throw std::runtime_error(fmt::format("--attach {}: not a plantwin simulation", host_port));
    }
    for (std::size_t n = 0;; ++n) {
      if (const char* why = read_line(line, deadline))
        throw std::runtime_error(fmt::format("--attach {}: {} while greeting", host_port, why));
      if (line == "end") break;
      if (n >= kMaxHelloLines)
        throw std::runtime_error(fmt::format(
            "--attach {}: the simulation's greeting has more than {} lines", host_port, n));
      const auto sp = line.find(' ');
      const std::string key = line.substr(0, sp),
                        rest = sp == std::string::npos ? "" : line.substr(sp + 1);
      const auto f = split_tabs(rest);
      bool ok = true;
      if (key == "title") {
        title = rest + " (live)";
      } else if (key == "component") {
        const auto x = f.size() == 5 ? parse_number(f[2], true) : std::nullopt;
        const auto y = f.size() == 5 ? parse_number(f[3], true) : std::nullopt;
        const auto cap = f.size() == 5 ? parse_number(f[4], true) : std::nullopt;
        ok = x && y && cap && !f[0].empty() && !f[1].empty() && component_index(f[0]) < 0;
        if (ok) components.push_back({f[0], f[1], *x, *y, *cap});
      } else if (key == "link") {
        const int a = f.size() == 2 ? component_index(f[0]) : -1;
        const int b = f.size() == 2 ? component_index(f[1]) : -1;
        ok = a >= 0 && b >= 0;
        if (ok) links.emplace_back(a, b);
      } else if (key == "signal") {
        ok = f.size() == 2 && !f[0].empty();
        if (ok) series.push_back(Series{f[0], f[1], {}, {}});
      } else {
        ok = false;
      }
      if (!ok) ++rejected_lines;
    }
  }

  bool lost(const char* why) {
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
        consumed_ += nl + 1 - head_;
        head_ = scanned_ = nl + 1;
        return nullptr;
      }
      if (buffer_.size() - head_ > kMaxLineBytes)
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
  std::size_t head_ = 0;      // where the next line starts in buffer_
  std::size_t scanned_ = 0;   // buffer_ before this holds no newline after head_
  std::size_t consumed_ = 0;  // bytes read as lines since the connection opened
  bool complete_ = false;
};

}  // namespace

std::unique_ptr<DataSource> attach(const std::string& host_port) {
  return std::make_unique<LiveSource>(host_port);
}

}  // namespace plantwin::viewer
