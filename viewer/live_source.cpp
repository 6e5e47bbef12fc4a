// The live implementation of DataSource: a client of `plantwin run --serve PORT`.

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "data_source.h"

namespace plantwin::viewer {
namespace {

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

double parse_number(const std::string& s) {
  return s == "nan" ? std::nan("") : std::strtod(s.c_str(), nullptr);
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
    fd_ = ::socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    const int rc = fd_ >= 0 ? ::connect(fd_, res->ai_addr, res->ai_addrlen) : -1;
    ::freeaddrinfo(res);
    if (rc != 0) {
      if (fd_ >= 0) ::close(fd_);
      throw std::runtime_error(fmt::format("--attach {}: no simulation is serving there ({})",
                                           host_port, std::strerror(errno)));
    }
    title = host_port;
    std::string line;
    if (!read_line(line, 5000) || line != "PLANTWIN 1")
      throw std::runtime_error(fmt::format("--attach {}: not a plantwin simulation", host_port));
    while (read_line(line, 5000) && line != "end") {
      const auto sp = line.find(' ');
      const std::string key = line.substr(0, sp),
                        rest = sp == std::string::npos ? "" : line.substr(sp + 1);
      const auto f = split_tabs(rest);
      if (key == "title") title = rest + " (live)";
      if (key == "component" && f.size() >= 5)
        components.push_back(
            {f[0], f[1], parse_number(f[2]), parse_number(f[3]), parse_number(f[4])});
      if (key == "link" && f.size() >= 2) {
        const int a = component_index(f[0]), b = component_index(f[1]);
        if (a >= 0 && b >= 0) links.emplace_back(a, b);
      }
      if (key == "signal" && f.size() >= 2) series.push_back(Series{f[0], f[1], {}, {}});
    }
    status_ = "live";
  }
  ~LiveSource() override {
    if (fd_ >= 0) ::close(fd_);
  }

  std::string status() const override { return status_; }

  bool refresh() override {
    if (fd_ < 0) return false;
    const char* poll_msg = "poll\n";
    if (::send(fd_, poll_msg, 5, MSG_NOSIGNAL) != 5) return lost();
    std::string line;
    double time = t1;
    bool changed = false;
    for (;;) {
      if (!read_line(line, 2000)) return lost();
      if (line == "end") break;
      const auto sp = line.find(' ');
      const std::string key = line.substr(0, sp),
                        rest = sp == std::string::npos ? "" : line.substr(sp + 1);
      if (key == "time") time = parse_number(rest);
      if (key == "status") complete_ = rest == "complete";
      if (key == "values") {
        std::istringstream in(rest);
        std::string tok;
        std::vector<double> vals;
        while (in >> tok) vals.push_back(parse_number(tok));
        if (vals.size() == series.size() &&
            (series.empty() || series[0].t.empty() || time > series[0].t.back())) {
          for (std::size_t i = 0; i < vals.size(); ++i) {
            series[i].t.push_back(time);
            series[i].v.push_back(vals[i]);
          }
          changed = true;
        }
      }
      if (key == "event") {
        const auto f = split_tabs(rest);
        if (f.size() >= 3)
          events.push_back({parse_number(f[0]), f[1], f[2], f.size() > 3 ? f[3] : ""});
        changed = true;
      }
    }
    t1 = std::max(t1, time);
    if (complete_) status_ = "ended";
    return changed;
  }

 private:
  bool lost() {
    status_ = complete_ ? "ended" : "lost";
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  bool read_line(std::string& line, int timeout_ms) {
    for (;;) {
      const auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return false;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }
  int fd_ = -1;
  std::string buffer_, status_;
  bool complete_ = false;
};

}  // namespace

std::unique_ptr<DataSource> attach(const std::string& host_port) {
  return std::make_unique<LiveSource>(host_port);
}

}  // namespace plantwin::viewer
