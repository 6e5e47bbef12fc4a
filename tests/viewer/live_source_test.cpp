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
#include "plantwin/io/live_server.h"

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

namespace {

using plantwin::io::LivePlant;
using plantwin::io::LiveServer;
using plantwin::io::LiveServerLimits;
using plantwin::io::LiveSnapshot;

/// A plant of one machine with two signals (its state and a count), as a server describes it.
LivePlant one_machine() {
  LivePlant p;
  p.title = "late";
  p.components = {{"m", "machine"}};
  p.signals = {{"m.state", ""}, {"m.count", "parts"}};
  return p;
}

/// The run's state at second k: the machine is down from 40 s to 50 s, a part a second.
LiveSnapshot snapshot_at(int k, bool kpis) {
  LiveSnapshot s;
  s.time = k;
  s.values = {k >= 40 && k < 50 ? 3.0 : 0.0, static_cast<double>(k)};
  if (k == 40) s.events.push_back(plantwin::io::format_event_line({40, "m", "failure", ""}));
  if (kpis) {
    const std::vector<plantwin::io::LiveKpi> rows = {
        {"m", "throughput", "parts/h", 3600.0 * k / std::max(k, 1), std::nan("")}};
    s.kpis = plantwin::io::format_kpi_block(rows);
  }
  return s;
}

}  // namespace

TEST_CASE("a viewer attaching late to a running server gets the history from the start") {
  LiveServer server(0, one_machine());
  for (int k = 0; k < 100; ++k) server.publish(snapshot_at(k, k == 0 || k == 99));
  auto src = attach("127.0.0.1:" + std::to_string(server.port()));
  CHECK(src->kpis.empty());  // nothing asked yet
  CHECK(src->refresh());
  const auto* state = src->find("m.state");
  const auto* count = src->find("m.count");
  REQUIRE(state);
  REQUIRE(count);
  REQUIRE(count->t.size() == 100);
  CHECK(count->t.front() == 0);
  CHECK(count->t.back() == 99);
  CHECK(state->at(45) == 3);  // down at 45 s, seen by a viewer that came at 99 s
  CHECK(state->at(55) == 0);
  CHECK(src->t0 == 0);
  REQUIRE(src->events.size() == 1);
  CHECK(src->events[0].kind == "failure");
  // The current KPIs, while the run goes on.
  REQUIRE(src->kpis.size() == 1);
  CHECK(src->kpis[0].name == "throughput");
  CHECK(src->kpis[0].value == 3600);
  CHECK(std::isnan(src->kpis[0].half_width));
  CHECK(src->kpi_time == 99);
  // Then it follows the run as before, and KPI tables come when they change.
  server.publish(snapshot_at(100, true));
  CHECK(src->refresh());
  CHECK(count->t.size() == 101);
  CHECK(src->kpi_time == 100);
  server.publish(snapshot_at(101, false));
  CHECK(src->refresh());
  CHECK(src->kpi_time == 100);
  CHECK(src->status() == "live");
}

TEST_CASE("a history longer than one reply comes in several, in order, without a gap") {
  LiveServerLimits limits;
  limits.history_reply_bytes = 200;  // a few samples a reply
  LiveServer server(0, one_machine(), limits);
  for (int k = 0; k < 60; ++k) server.publish(snapshot_at(k, false));
  auto src = attach("127.0.0.1:" + std::to_string(server.port()));
  int replies = 0;
  while (replies < 100 && src->refresh() && src->find("m.count")->t.size() < 60) ++replies;
  const auto* count = src->find("m.count");
  CHECK(replies >= 3);
  REQUIRE(count->t.size() == 60);
  for (std::size_t i = 0; i < 60; ++i) CHECK(count->t[i] == static_cast<double>(i));
}

TEST_CASE("a server keeps a bounded history that always reaches back to the start") {
  LiveServerLimits limits;
  limits.max_history_samples = 16;
  SUBCASE("by samples") {}
  SUBCASE("by values: 2 signals, 20 values") {
    limits.max_history_samples = 1000;
    limits.max_history_values = 32;
  }
  LiveServer server(0, one_machine(), limits);
  for (int k = 0; k <= 1000; ++k) server.publish(snapshot_at(k, false));
  const std::vector<double> t = server.history_times();
  REQUIRE(t.size() <= 16);
  REQUIRE(t.size() >= 8);  // thinning halves it, never more
  CHECK(t.front() == 0);
  // Evenly thinned: one spacing everywhere (the stride), and the end is near.
  const double step = t[1] - t[0];
  for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i] - t[i - 1] == step);
  CHECK(t.back() > 1000 - 2 * step);
  // A viewer attaching now sees the same samples and the present, in one reply.
  auto src = attach("127.0.0.1:" + std::to_string(server.port()));
  CHECK(src->refresh());
  const auto* count = src->find("m.count");
  REQUIRE(count->t.size() >= t.size());
  CHECK(count->t.front() == 0);
  CHECK(count->t.back() == 1000);
}

TEST_CASE("a server keeps the newest events, and a viewer attaching late gets those") {
  LiveServerLimits limits;
  limits.max_events_kept = 40;
  LiveServer server(0, one_machine(), limits);
  auto early = attach("127.0.0.1:" + std::to_string(server.port()));
  // Two events a second for 100 s: 200 in all, far more than the server keeps.
  for (int k = 0; k < 100; ++k) {
    LiveSnapshot s = snapshot_at(k, false);
    s.events.clear();
    for (int e = 0; e < 2; ++e)
      s.events.push_back(plantwin::io::format_event_line(
          {static_cast<double>(k), "m", e == 0 ? "failure" : "repaired", std::to_string(k)}));
    server.publish(s);
    if (k == 10) CHECK(early->refresh());  // this one saw the start
  }
  // Forgotten a quarter at a time: between 40 and 50 kept, the rest counted.
  CHECK(server.forgotten_events() >= 150);
  CHECK(server.forgotten_events() <= 160);
  CHECK(server.incidents().find("forgot the " + std::to_string(server.forgotten_events()) +
                                " oldest events") != std::string::npos);
  auto late = attach("127.0.0.1:" + std::to_string(server.port()));
  CHECK(late->refresh());
  const std::size_t kept = 200 - server.forgotten_events();
  REQUIRE(late->events.size() == kept);
  CHECK(late->events.back().detail == "99");  // the newest, in order
  CHECK(late->events.front().time == static_cast<double>(100 - kept / 2));
  // The early viewer, fallen behind the log's start, skips the forgotten ones and goes on.
  CHECK(early->refresh());
  REQUIRE(early->events.size() == 22 + kept);
  CHECK(early->events[21].detail == "10");
  CHECK(early->events[22].time == late->events.front().time);
  CHECK(early->events.back().detail == "99");
}

TEST_CASE("a viewer of a server without history (an older one) polls as before") {
  FakeServer server([](int fd, const std::atomic<bool>&) {
    send_all(fd, kHello);
    if (!read_request(fd)) return;
    send_all(fd, "time 5\nstatus running\nvalues 1\nend\n");
    read_request(fd);
  });
  auto src = attach(server.address());
  CHECK(src->refresh());
  CHECK(src->series[0].t.size() == 1);
  CHECK(src->kpis.empty());
}
