// The viewer's live source against fake servers on loopback: malformed lines are skipped and
// counted, never fatal; endless input is cut off in bounded time and memory.

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "data_source.h"

namespace {

using Clock = std::chrono::steady_clock;

bool send_all(int fd, const std::string& s) {
  std::size_t sent = 0;
  while (sent < s.size()) {
    const ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

/// Reads up to a newline (or gives up after 10 s); false when the peer is gone.
bool read_request(int fd) {
  pollfd p{fd, POLLIN, 0};
  char c;
  const auto end = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < end) {
    if (::poll(&p, 1, 100) <= 0) continue;
    if (::recv(fd, &c, 1, 0) != 1) return false;
    if (c == '\n') return true;
  }
  return false;
}

/// Serves one connection on 127.0.0.1 with `script(fd, stop)`; closes it at destruction.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(int, const std::atomic<bool>&)> script) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd_, 1) == 0);
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script] {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) return;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      script(fd, stop_);
      ::close(fd);
    });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int listen_fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

const std::string kHello =
    "PLANTWIN 1\ntitle fake\ncomponent m\tmachine\tnan\tnan\tnan\nsignal m.state\t\nend\n";

/// Sends `line` over and over until the client goes, stop is set, or 30 s pass.
void flood(int fd, const std::atomic<bool>& stop, const std::string& line) {
  std::string chunk;
  while (chunk.size() < 65536) chunk += line;
  const auto end = Clock::now() + std::chrono::seconds(30);
  while (!stop && Clock::now() < end && send_all(fd, chunk)) {
  }
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

using plantwin::viewer::attach;

TEST_CASE("a live source skips malformed greeting lines, counts them, and keeps the good ones") {
  FakeServer server([](int fd, const std::atomic<bool>&) {
    send_all(fd,
             "PLANTWIN 1\ntitle fake\n"
             "component m\tmachine\tnan\tnan\tnan\n"
             "component \tmachine\tnan\tnan\tnan\n"     // empty name
             "component b\tbuffer\t1\n"                 // too few fields
             "component c\tbuffer\tleft\t0\t5\n"        // a position that is no number
             "component d\tbuffer\tinf\t0\t5\n"         // nor infinite
             "component m\tbuffer\t0\t0\t5\n"           // a name taken
             "component w\tbuffer\t1e300\t-2.5\tnan\n"  // huge but finite: fine
             "link m\tghost\n"                          // an unknown end
             "signal \tparts\n"                         // empty name
             "frobnicate 1\n"                           // an unknown key
             "signal m.state\t\n"
             "end\n");
    read_request(fd);
  });
  auto src = attach(server.address());
  CHECK(src->components.size() == 2);
  CHECK(src->components[1].name == "w");
  CHECK(src->links.empty());
  REQUIRE(src->series.size() == 1);
  CHECK(src->series[0].name == "m.state");
  CHECK(src->rejected_lines == 8);
  CHECK(src->status() == "live");
}

TEST_CASE("a live source skips malformed reply lines and takes huge but finite times") {
  FakeServer server([](int fd, const std::atomic<bool>&) {
    send_all(fd, kHello);
    if (!read_request(fd)) return;
    send_all(fd,
             "time 1e999\n"               // out of range
             "time inf\n"                 // not finite
             "time 12abc\n"               // trailing garbage
             "status sleepy\n"            // not a status
             "values 1 2\n"               // one signal, two values
             "values busy\n"              // not a number
             "event 4\t\tfailure\t\n"     // no component
             "event nan\tm\tfailure\t\n"  // no time
             "event 4\tm\n"               // too few fields
             "hello\n"                    // no such key
             "time 5\nstatus running\nvalues 1\nevent 5\tm\tfailure\tbearing\nend\n");
    if (!read_request(fd)) return;
    send_all(fd, "time 1e300\nstatus running\nvalues 2\nend\n");
    read_request(fd);
  });
  auto src = attach(server.address());
  CHECK(src->refresh());
  CHECK(src->rejected_lines == 10);
  REQUIRE(src->series[0].t.size() == 1);
  CHECK(src->series[0].t[0] == 5);
  REQUIRE(src->events.size() == 1);
  CHECK(src->events[0].detail == "bearing");
  CHECK(src->t1 == 5);
  CHECK(src->refresh());
  CHECK(src->t1 == 1e300);
  CHECK(src->status() == "live");
}

TEST_CASE("an endless reply is cut off in bounded time and the data received is kept") {
  SUBCASE("endless events") {
    FakeServer server([](int fd, const std::atomic<bool>& stop) {
      send_all(fd, kHello);
      if (read_request(fd)) flood(fd, stop, "event 1\tm\tfailure\t\n");
    });
    auto src = attach(server.address());
    const auto t0 = Clock::now();
    CHECK_FALSE(src->refresh());
    CHECK(seconds_since(t0) < 5);  // the reply deadline is 2 s
    CHECK(src->status() == "lost");
    CHECK(!src->status_detail.empty());
    CHECK(src->events.size() <= 1'000'000);
    CHECK_FALSE(src->refresh());  // and it stays lost, without blocking
  }
  SUBCASE("a line that never ends") {
    FakeServer server([](int fd, const std::atomic<bool>& stop) {
      send_all(fd, kHello);
      if (read_request(fd)) flood(fd, stop, "x");
    });
    auto src = attach(server.address());
    const auto t0 = Clock::now();
    CHECK_FALSE(src->refresh());
    CHECK(seconds_since(t0) < 5);
    CHECK(src->status() == "lost");
    CHECK(src->status_detail == "the simulation sent a line of more than 4 MiB");
  }
}

TEST_CASE("an endless greeting or a full server is refused with a reason") {
  SUBCASE("endless greeting") {
    FakeServer server([](int fd, const std::atomic<bool>& stop) {
      send_all(fd, "PLANTWIN 1\n");
      flood(fd, stop, "signal a\tparts\n");
    });
    const auto t0 = Clock::now();
    std::string what;
    try {
      attach(server.address());
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
    CHECK(seconds_since(t0) < 10);
    CHECK(what.find("--attach " + server.address() + ": ") == 0);
    CHECK(what.find("greeting") != std::string::npos);
  }
  SUBCASE("a server with no room") {
    FakeServer server([](int fd, const std::atomic<bool>&) {
      send_all(fd, "error the simulation has no room for another viewer (at most 16)\n");
    });
    CHECK_THROWS_WITH_AS(attach(server.address()),
                         ("--attach " + server.address() +
                          ": the simulation has no room for another viewer (at most 16)")
                             .c_str(),
                         std::runtime_error);
  }
}
