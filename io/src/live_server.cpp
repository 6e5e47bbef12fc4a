#include "plantwin/io/live_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <span>
#include <stdexcept>

#include <fmt/format.h>

namespace plantwin::io {

namespace {

LivePlant with_features(LivePlant plant) {
  plant.features = {std::string(kLiveHistoryFeature), "kpi"};
  return plant;
}

}  // namespace

LiveServer::LiveServer(int port, LivePlant plant, LiveServerLimits limits)
    : hello_(format_hello(with_features(std::move(plant)))), limits_(limits) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
      ::listen(listen_fd_, 64) != 0 || ::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error(
        fmt::format("--serve {}: cannot listen on 127.0.0.1:{}: {}", port, port, why));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
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
  auto& log = snapshot_.events;
  log.insert(log.end(), s.events.begin(), s.events.end());
  // Bounded: the oldest go, a quarter of the limit at a time (not one by one at every publish).
  const std::size_t keep = std::max<std::size_t>(limits_.max_events_kept, 1);
  if (log.size() > keep + keep / 4) {
    const std::size_t forget = log.size() - keep;
    log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(forget));
    events_base_ += forget;
  }
  if (!s.kpis.empty()) {
    snapshot_.kpis = s.kpis;
    ++kpi_generation_;
  }
  keep_history(s);
}

void LiveServer::keep_history(const LiveSnapshot& s) {
  const std::size_t n = s.values.size();
  if (!history_t_.empty()) {
    if (n * history_t_.size() != history_v_.size() || s.time < history_t_.back()) return;
    if (s.time == history_t_.back()) {  // the same time again (the final publish): newer values
      std::copy(s.values.begin(), s.values.end(),
                history_v_.end() - static_cast<std::ptrdiff_t>(n));
      return;
    }
  }
  if (++since_kept_ < history_stride_ && !history_t_.empty()) return;
  since_kept_ = 0;
  const std::size_t cap =
      std::max<std::size_t>(2, std::min(limits_.max_history_samples,
                                        limits_.max_history_values / std::max<std::size_t>(n, 1)));
  if (history_t_.size() >= cap) {
    // Full: every second sample goes (the first stays), and from now on every second publish.
    std::size_t kept = 0;
    for (std::size_t k = 0; k < history_t_.size(); k += 2, ++kept) {
      history_t_[kept] = history_t_[k];
      std::copy_n(history_v_.begin() + static_cast<std::ptrdiff_t>(k * n), n,
                  history_v_.begin() + static_cast<std::ptrdiff_t>(kept * n));
    }
    history_t_.resize(kept);
    history_v_.resize(kept * n);
    history_stride_ *= 2;
  }
  history_t_.push_back(s.time);
  history_v_.insert(history_v_.end(), s.values.begin(), s.values.end());
}

std::vector<double> LiveServer::history_times() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return history_t_;
}

void LiveServer::stop() {
  if (stop_.exchange(true)) return;
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0) ::close(fd);
}

std::size_t LiveServer::forgotten_events() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return events_base_;
}

std::string LiveServer::incidents() const {
  std::vector<std::string> parts;
  if (const auto n = dropped_slow_.load())
    parts.push_back(fmt::format("dropped {} client(s) that did not read their replies", n));
  if (const auto n = dropped_long_line_.load())
    parts.push_back(
        fmt::format("dropped {} client(s) sending lines over {} bytes", n, limits_.max_line_bytes));
  if (const auto n = evicted_idle_.load())
    parts.push_back(fmt::format("closed {} silent client(s) to make room", n));
  if (const std::size_t n = forgotten_events())
    parts.push_back(
        fmt::format("forgot the {} oldest events (a viewer attaching late gets the "
                    "newest {})",
                    n, limits_.max_events_kept));
  if (const auto n = refused_.load())
    parts.push_back(
        fmt::format("refused {} connection(s) over the limit of {} viewers or of file descriptors",
                    n, limits_.max_clients));
  return fmt::format("{}", fmt::join(parts, "; "));
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t, Clock::time_point now) {
  return std::chrono::duration<double>(now - t).count();
}

struct Client {
  int fd = -1;
  std::string in;   // bytes received after the last complete line
  std::string out;  // queued for sending, from out_pos on
  std::size_t out_pos = 0;
  std::size_t events_sent = 0;
  bool asked_history = false;   // it knows the history and KPI items
  std::uint64_t kpis_sent = 0;  // the KPI table generation it has
  Clock::time_point last_request, last_progress;
  std::size_t pending() const { return out.size() - out_pos; }
};

// Sends what the socket takes now; false when the peer is gone.
bool flush(Client& c, Clock::time_point now) {
  while (c.pending() > 0) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.out_pos, c.pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out_pos += static_cast<std::size_t>(n);
      c.last_progress = now;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  c.out.clear();
  c.out_pos = 0;
  return true;
}

}  // namespace

void LiveServer::serve() {
  std::vector<Client> clients;
  Clock::time_point accept_paused_until{};
  std::vector<pollfd> fds;
  // Held back so that, out of descriptors, a waiting connection can still be accepted and
  // answered (or make an idle client give way) instead of waiting in the queue unseen.
  int reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  while (!stop_.load()) {
    // Another thread may have taken the descriptor the reserve gave up: take one back.
    if (reserve_fd < 0) reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    auto now = Clock::now();
    const bool listening = now >= accept_paused_until;
    fds.assign({{wake_[0], POLLIN, 0}, {listening ? listen_fd_ : -1, POLLIN, 0}});
    for (const auto& c : clients)
      fds.push_back({c.fd, static_cast<short>(POLLIN | (c.pending() > 0 ? POLLOUT : 0)), 0});
    if (::poll(fds.data(), fds.size(), 100) < 0) {
      if (errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (stop_.load()) break;
    now = Clock::now();

    for (std::size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      const short ev = fds[i + 2].revents;
      bool alive = !(ev & POLLNVAL);
      if (alive && (ev & (POLLIN | POLLHUP | POLLERR))) {
        // Read what is there, but at most a few chunks per round so that others get a turn.
        for (int round = 0; round < 16 && alive; ++round) {
          char buf[4096];
          const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) {
            alive = false;
            break;
          }
          std::size_t start = 0;
          for (std::size_t k = 0; k < static_cast<std::size_t>(n); ++k) {
            if (buf[k] != '\n') continue;
            c.in.append(buf + start, k - start);
            start = k + 1;
            const bool poll_request = is_poll_request(c.in);
            const std::optional<double> history_after = parse_history_request(c.in);
            c.in.clear();
            c.last_request = now;
            if (!poll_request && !history_after) continue;
            if (c.pending() > limits_.max_pending_bytes) {
              ++dropped_slow_;
              alive = false;
              break;
            }
            std::lock_guard<std::mutex> lock(mutex_);
            // A client that fell behind the log's start skips what the server forgot.
            const std::size_t first = std::max(c.events_sent, events_base_);
            c.events_sent = std::min(events_base_ + snapshot_.events.size(),
                                     first + limits_.max_events_per_reply);
            LiveReplyExtras extras;
            std::vector<std::string> samples;
            if (history_after) {
              c.asked_history = true;
              const std::size_t sigs = snapshot_.values.size();
              std::size_t h = static_cast<std::size_t>(
                  std::upper_bound(history_t_.begin(), history_t_.end(), *history_after) -
                  history_t_.begin());
              std::size_t bytes = 0;
              for (; h < history_t_.size() && bytes < limits_.history_reply_bytes &&
                     history_v_.size() == history_t_.size() * sigs;
                   ++h) {
                samples.push_back(format_sample_line(
                    history_t_[h], std::span<const double>(history_v_).subspan(h * sigs, sigs)));
                bytes += samples.back().size();
              }
              extras.sample_lines = samples;
              extras.more = h < history_t_.size();
            }
            if (c.asked_history && c.kpis_sent != kpi_generation_) {
              c.kpis_sent = kpi_generation_;
              extras.kpi_block = &snapshot_.kpis;
            }
            append_reply(c.out, snapshot_.time, snapshot_.complete, snapshot_.values,
                         std::span<const std::string>(snapshot_.events)
                             .subspan(first - events_base_, c.events_sent - first),
                         extras);
          }
          if (!alive) break;
          // Only the new bytes are scanned: a line without a newline costs nothing twice.
          c.in.append(buf + start, static_cast<std::size_t>(n) - start);
          if (c.in.size() > limits_.max_line_bytes) {
            ++dropped_long_line_;
            alive = false;
          }
        }
      }
      if (alive && c.pending() > 0) {
        alive = flush(c, now);
        if (alive && c.pending() > 0 &&
            seconds_since(c.last_progress, now) > limits_.stall_timeout_s) {
          ++dropped_slow_;
          alive = false;
        }
      }
      if (!alive) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(clients, [](const Client& c) { return c.fd < 0; });

    auto evict_idle = [&] {
      auto idle = std::min_element(
          clients.begin(), clients.end(),
          [](const Client& a, const Client& b) { return a.last_request < b.last_request; });
      if (idle == clients.end() || seconds_since(idle->last_request, now) <= limits_.idle_evict_s)
        return false;
      ::close(idle->fd);
      clients.erase(idle);
      ++evicted_idle_;
      return true;
    };
    if (listening && (fds[1].revents & POLLIN)) {
      // Accept what is waiting, a bounded number per round.
      for (int k = 0; k < 64; ++k) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        bool squeezed = false;  // accepted on the reserve descriptor: there is no room
        if (fd < 0 && (errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
          ::close(reserve_fd);
          reserve_fd = -1;
          fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          squeezed = fd >= 0;
        }
        if (fd < 0) {
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            // The connection stays queued and poll() would report it at once, forever: free a
            // descriptor from a silent client, or look again later instead of spinning.
            if (!evict_idle()) accept_paused_until = now + std::chrono::milliseconds(250);
          }
          break;
        }
        if (squeezed || clients.size() >= limits_.max_clients) {
          // Full: a client that has not asked for anything lately makes room, else refuse.
          if (!evict_idle()) {
            const std::string msg = format_refusal(fmt::format(
                "the simulation has no room for another viewer (at most {})", limits_.max_clients));
            (void)!::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            ::close(fd);
            ++refused_;
            fd = -1;
          }
        }
        if (reserve_fd < 0) reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        Client c;
        c.fd = fd;
        c.out = hello_;
        c.last_request = c.last_progress = now;
        if (flush(c, now))
          clients.push_back(std::move(c));
        else
          ::close(fd);
      }
    }
  }
  if (reserve_fd >= 0) ::close(reserve_fd);
  for (const auto& c : clients) ::close(c.fd);
}

}  // namespace plantwin::io
