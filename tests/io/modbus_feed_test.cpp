// The Modbus TCP client feed against a real server process (Debian's pymodbus 3.0, playing a
// plant: tests/io/modbus_test_server.py): values arrive scaled; exception responses count as
// malformed; a server that stops answering (SIGSTOP) counts timeouts without hanging the feed,
// which resumes after SIGCONT; a restarted server is reconnected to. Every wait is bounded.

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "plantwin/io/modbus_feed.h"
#include "support.h"

extern char** environ;

using namespace plantwin;
using namespace plantwin::io;

namespace {

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

// The pymodbus server as a child process, killed when it goes out of scope.
class TestServer {
 public:
  explicit TestServer(int port) {
    const std::string script = PLANTWIN_SOURCE_DIR "/tests/io/modbus_test_server.py";
    const std::string port_text = std::to_string(port);
    const char* argv[] = {"/usr/bin/python3", script.c_str(), port_text.c_str(), nullptr};
    REQUIRE(posix_spawn(&pid_, argv[0], nullptr, nullptr, const_cast<char**>(argv), environ) == 0);
  }
  ~TestServer() { kill(); }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Waits up to `limit_s` for `ok`; returns whether it came.
bool wait_for(const std::function<bool()>& ok, double limit_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (!ok()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

ModbusFeedConfig config_of(const std::string& yaml, const std::string& path = "") {
  const Scenario sc = load_scenario_text(yaml, "feed.yaml");
  Diagnostics diag;
  auto c = parse_modbus_feed(sc.root, path, diag);
  REQUIRE(diag.empty());
  return c;
}

std::string feed_errors(const std::string& yaml) {
  const Scenario sc = load_scenario_text(yaml, "feed.yaml");
  Diagnostics diag;
  parse_modbus_feed(sc.root, "feeds.plc", diag);
  std::string out;
  for (const auto& d : diag.items()) out += d.str() + "\n";
  return out;
}

struct Collector {
  std::mutex mutex;
  std::map<std::string, FeedSample> last;
  Feed::Sink sink() {
    return [this](FeedSample s) {
      std::lock_guard lock(mutex);
      last[s.target] = s;
    };
  }
};

const char* kPoints = R"Y(
points:
  - {function: input_registers, address: 0, type: float32, target: room.temperature}
  - {function: input_registers, address: 2, scale: 0.1, target: oven.temperature}
  - {function: holding_registers, address: 5, type: int16, target: press.speed, kind: set}
  - {function: holding_registers, address: 6, type: uint32, word_order: little, target: line.count}
  - {function: coils, address: 3, target: heater.on, kind: set}
  - {function: discrete_inputs, address: 0, target: door.open}
  - {function: input_registers, address: 10, target: tank.level, max: 1000}
  - {function: input_registers, address: 200, target: nowhere.value}
)Y";

}  // namespace

TEST_CASE("a feed's configuration is read with every error located") {
  const auto c = config_of(std::string("type: modbus\nport: 1502\npoll: 50 ms\ntimeout: 300 ms\n"
                                       "reconnect_min: 50 ms\nreconnect_max: 1 s\n") +
                               kPoints,
                           "feeds.plc1");
  CHECK(c.name == "plc1");
  CHECK(c.port == 1502);
  CHECK(c.poll_period_s == 0.05);
  CHECK(c.response_timeout_s == 0.3);
  CHECK(c.reconnect_min_s == 0.05);
  CHECK(c.reconnect_max_s == 1);
  REQUIRE(c.mappings.size() == 8);
  CHECK(c.mappings[2].kind == FeedSample::Kind::kSet);
  CHECK(c.mappings[3].coding.type == ModbusType::kUInt32);
  CHECK_FALSE(c.mappings[3].coding.big_word_order);
  CHECK(c.mappings[4].table == ModbusTable::kCoil);
  CHECK(c.mappings[6].max == 1000);

  CHECK(feed_errors("port: 0\npoll: fast\npoints:\n"
                    "  - {function: input_register, address: 0, target: a.b}\n"
                    "  - {address: 65535, type: float32, target: a.b, kind: guess}\n"
                    "  - {address: 1}\n") ==
        "feed.yaml:1:7: feeds.plc.port: must be between 1 and 65535, got 0\n"
        "feed.yaml:2:7: feeds.plc.poll: expected a duration (e.g. \"45 s\"), got \"fast\"\n"
        "feed.yaml:4:16: feeds.plc.points[0].function: expected one of coils, discrete_inputs, "
        "holding_registers, input_registers, got \"input_register\" (did you mean "
        "\"input_registers\"?)\n"
        "feed.yaml:5:15: feeds.plc.points[1].address: a 2-register value at 65535 runs past "
        "address 65535\n"
        "feed.yaml:5:56: feeds.plc.points[1].kind: expected one of measure, set, got \"guess\"\n"
        "feed.yaml:6:5: feeds.plc.points[2].target: is required (a text)\n");
  CHECK(feed_errors("host: 127.0.0.1\n") ==
        "feed.yaml:1:1: feeds.plc.points: is required (a list of {function: ..., address: ..., "
        "target: ...})\n");
  CHECK(feed_errors("type: mqtt\nreconnect_min: 2 s\nreconnect_max: 1 s\npoints: []\n") ==
        "feed.yaml:1:7: feeds.plc.type: expected \"modbus\", got \"mqtt\"\n"
        "feed.yaml:3:16: feeds.plc.reconnect_max: must be at least reconnect_min (2 s)\n"
        "feed.yaml:4:9: feeds.plc.points: expected a non-empty list of {function: ..., address: "
        "..., target: ...}, got an empty list\n");
  const Scenario listed = load_scenario_text("plc: [1]\n", "feed.yaml");
  Diagnostics diag;
  parse_modbus_feed(*listed.root.find("plc"), "feeds.plc", diag);
  REQUIRE(diag.size() == 1);
  CHECK(diag.items()[0].str() ==
        "feed.yaml:1:6: feeds.plc: expected a map of Modbus settings (host, port, poll, points "
        "...), got a list");
}

TEST_CASE("polled values arrive scaled and exception responses count as malformed") {
  const int port = free_port();
  TestServer server(port);
  ModbusFeed feed(
      config_of(fmt::format("port: {}\npoll: 50 ms\ntimeout: 500 ms\n"
                            "reconnect_min: 50 ms\nreconnect_max: 200 ms\n{}",
                            port, kPoints)));
  Collector got;
  feed.start(got.sink());
  REQUIRE(wait_for([&] { return feed.polls() >= 3; }, 15));
  feed.stop();
  const auto& c = feed.counters();
  const std::uint64_t polls = feed.polls();
  // Every poll: 8 answers, 6 values applied, one out of range, one exception response.
  CHECK(c.received == 8 * polls);
  CHECK(c.applied == 6 * polls);
  CHECK(c.out_of_range == polls);
  CHECK(c.malformed == polls);
  CHECK(feed.timeouts() == 0);
  std::lock_guard lock(got.mutex);
  CHECK(got.last.at("room.temperature").value == 21.5);
  CHECK(got.last.at("oven.temperature").value == doctest::Approx(123.4).epsilon(1e-12));
  CHECK(got.last.at("press.speed").value == -5);
  CHECK(got.last.at("press.speed").kind == FeedSample::Kind::kSet);
  CHECK(got.last.at("line.count").value == 70000);
  CHECK(got.last.at("heater.on").value == 1);
  CHECK(got.last.at("door.open").value == 1);
  CHECK(got.last.at("door.open").feed == "modbus");
  CHECK(got.last.count("tank.level") == 0);
  CHECK(got.last.count("nowhere.value") == 0);
}

TEST_CASE("a server that stops answering counts timeouts, holds nothing up, and is read again") {
  const int port = free_port();
  TestServer server(port);
  ModbusFeed feed(config_of(fmt::format(
      "port: {}\npoll: 50 ms\ntimeout: 200 ms\nreconnect_min: 50 ms\nreconnect_max: 200 ms\n"
      "points: [{{address: 2, target: oven.temperature}}]\n",
      port)));
  Collector got;
  feed.start(got.sink());
  REQUIRE(wait_for([&] { return feed.polls() >= 2; }, 15));
  ::kill(server.pid(), SIGSTOP);
  CHECK(wait_for([&] { return feed.timeouts() >= 2; }, 5));
  const std::uint64_t polls_while_stopped = feed.polls();
  ::kill(server.pid(), SIGCONT);
  CHECK(wait_for([&] { return feed.polls() >= polls_while_stopped + 3; }, 10));
  CHECK(feed.connected());
  // stop() returns within a response timeout whatever the server does.
  ::kill(server.pid(), SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = std::chrono::steady_clock::now();
  feed.stop();
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1.0);
  CHECK(feed.counters().malformed == 0);
}

TEST_CASE("a restarted server is reconnected to") {
  const int port = free_port();
  auto server = std::make_unique<TestServer>(port);
  ModbusFeed feed(config_of(fmt::format(
      "port: {}\npoll: 50 ms\ntimeout: 300 ms\nreconnect_min: 50 ms\nreconnect_max: 200 ms\n"
      "points: [{{address: 2, target: oven.temperature}}]\n",
      port)));
  Collector got;
  feed.start(got.sink());
  REQUIRE(wait_for([&] { return feed.polls() >= 2; }, 15));
  server->kill();
  CHECK(wait_for([&] { return !feed.connected(); }, 5));
  const std::uint64_t polls_down = feed.polls();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(feed.polls() == polls_down);
  server = std::make_unique<TestServer>(port);
  CHECK(wait_for([&] { return feed.polls() >= polls_down + 2; }, 15));
  CHECK(feed.connected());
  CHECK(feed.counters().reconnects == 1);
  feed.stop();
}
