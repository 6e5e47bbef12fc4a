#include "live_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace plantwin::cli {

LiveServer::LiveServer(int port, std::string hello) : hello_(std::move(hello)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0)
    throw std::runtime_error(
        fmt::format("--serve: cannot open a socket: {}", std::strerror(errno)));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 8) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error(
        fmt::format("--serve {}: cannot listen on 127.0.0.1:{}: {}", port, port, why));
  }
  thread_ = std::thread([this] { serve(); });
}

LiveServer::~LiveServer() {
  stop();
}

void LiveServer::publish(const LiveSnapshot& s) {
  std::lock_guard<std::mutex> lock(mutex_);
  snapshot_.time = s.time;
  snapshot_.complete = s.complete;
  snapshot_.values = s.values;
  // Events only grow: copy the new ones, not the whole log at every step of a long run.
  snapshot_.events.insert(snapshot_.events.end(),
                          s.events.begin() + static_cast<std::ptrdiff_t>(snapshot_.events.size()),
                          s.events.end());
}

void LiveServer::stop() {
  if (stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

namespace {
bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}
std::string number(double v) {
  return std::isfinite(v) ? fmt::format("{:.17g}", v) : "nan";
}
}  // namespace

void LiveServer::serve() {
  struct Client {
    int fd;
    std::string buffer;
    std::size_t events_sent = 0;
  };
  std::vector<Client> clients;
  while (!stop_.load()) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (const auto& c : clients) fds.push_back({c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    const std::size_t polled = clients.size();  // a client accepted below was not polled
    if (fds[0].revents & POLLIN) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd >= 0) {
        if (send_all(fd, hello_))
          clients.push_back({fd, "", 0});
        else
          ::close(fd);
      }
    }
    for (std::size_t i = 0; i < polled; ++i) {
      if (!(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Client& c = clients[i];
      char buf[256];
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      bool alive = n > 0;
      if (alive) c.buffer.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while (alive && (nl = c.buffer.find('\n')) != std::string::npos) {
        const std::string line = c.buffer.substr(0, nl);
        c.buffer.erase(0, nl + 1);
        if (line != "poll") continue;
        std::string out;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          out = fmt::format("time {}\nstatus {}\nvalues", number(snapshot_.time),
                            snapshot_.complete ? "complete" : "running");
          for (double v : snapshot_.values) {
            out += ' ';
            out += number(v);
          }
          out += "\n";
          for (; c.events_sent < snapshot_.events.size(); ++c.events_sent) {
            out += "event ";
            out += snapshot_.events[c.events_sent];
            out += '\n';
          }
        }
        out += "end\n";
        alive = send_all(c.fd, out);
      }
      if (!alive) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(clients, [](const Client& c) { return c.fd < 0; });
  }
  for (const auto& c : clients) ::close(c.fd);
}

}  // namespace plantwin::cli
