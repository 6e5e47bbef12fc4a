// MQTT feed benchmark: a real mosquitto on a free loopback port, a libmosquitto client in this
// process publishing, an MqttFeed decoding, its sink stamping the arrival. Prints
//   - publish -> sink latency (p50, p99, max) over 10,000 messages sent at 2,000 per second,
//     QoS 0 and QoS 1 (targets from issue 12: p99 under 5 ms);
//   - publish -> state update inside a live twin (a Runner paced at real time, as plantwin run
//     --live), 5,000 messages at 1,000 per second, QoS 0 and 1;
//   - sustained ingest: messages applied in a live twin per second when 200,000 are published as
//     fast as the clients can (QoS 0 numbers, QoS 0 JSON, QoS 1 numbers from one client and from
//     four; target at least 50,000 per second). The broker is one thread and does the most work
//     per QoS 1 message (two packets in, two out): it, not the feed, sets the QoS 1 ceiling.
// The publishing client and the broker share the machine's cores with the feed, so the figures
// are for the whole loop on one host.
//
//   build/release/tests/bench/bench_mqtt [messages_for_throughput [ingest1]]

#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "../io/mqtt_support.h"
#include "plantwin/io/mqtt.h"
#include "plantwin/registry.h"
#include "plantwin/runner.h"

using namespace plantwin;
using namespace plantwin::io;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// Arrival stamps by sequence number; the sink runs on the feed's thread.
struct Stamps {
  explicit Stamps(std::size_t n) : at(n) {}
  std::vector<Clock::time_point> at;
  std::atomic<std::size_t> count{0};
  Feed::Sink sink() {
    return [this](FeedSample s) {
      const auto i = static_cast<std::size_t>(s.value);
      if (i < at.size()) at[i] = Clock::now();
      count.fetch_add(1, std::memory_order_release);
    };
  }
};

struct Sender {
  mosquitto* m = nullptr;
  std::size_t sent = 0;
  std::atomic<std::size_t> acked{0};  // QoS 1 messages the broker acknowledged
  static constexpr std::size_t kWindow = 300;

  explicit Sender(int port, const std::string& id = "bench-sender") {
    m = mosquitto_new(id.c_str(), true, this);
    if (!m) throw std::runtime_error("bench: mosquitto_new failed");
    mosquitto_publish_callback_set(m, [](mosquitto*, void* self, int) {
      static_cast<Sender*>(self)->acked.fetch_add(1, std::memory_order_release);
    });
    // kWindow QoS 1 messages in flight rather than libmosquitto's 20, so that the window does
    // not set the QoS 1 rate; send() waits while kWindow are unacknowledged, as a device with a
    // bounded queue would (an unbounded queue makes the library's queue handling quadratic).
    mosquitto_max_inflight_messages_set(m, kWindow);
    if (mosquitto_connect(m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(m) != MOSQ_ERR_SUCCESS)
      throw std::runtime_error("bench: the sender cannot connect");
  }
  ~Sender() {
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
  }
  void send(const std::string& topic, const std::string& payload, int qos) {
    if (qos > 0)
      while (sent - acked.load(std::memory_order_acquire) >= kWindow) std::this_thread::yield();
    if (mosquitto_publish(m, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                          payload.data(), qos, false) != MOSQ_ERR_SUCCESS)
      throw std::runtime_error("bench: publish refused");
    if (qos > 0) ++sent;
  }
};

MqttFeedConfig feed_config(int port, int qos) {
  MqttFeedConfig c;
  c.name = "bench";
  c.connection.port = port;
  c.connection.client_id = fmt::format("bench-feed-{}", qos);
  c.connection.clean_session = true;
  MqttMapping number;
  number.topic = "bench/+/v";
  number.target = "{1}.value";
  number.qos = qos;
  MqttMapping json = number;
  json.topic = "bench/+/j";
  json.payload = MqttMapping::Payload::kJson;
  json.value_field = "value";
  json.time_field = "ts";
  c.mappings = {number, json};
  return c;
}

/// decode_mqtt_message alone, on this thread: what one core decodes without the network.
void decode_only(bool json) {
  const MqttFeedConfig c = feed_config(0, 0);
  constexpr std::size_t kN = 1000000;
  std::vector<std::string> payloads;
  for (std::size_t i = 0; i < 1000; ++i)
    payloads.push_back(json ? fmt::format(R"({{"value": {}, "ts": 1764324930.25, "unit": "C"}})", i)
                            : std::to_string(i));
  const std::string topic = json ? "bench/m1/j" : "bench/m1/v";
  double sum = 0;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < kN; ++i)
    sum += decode_mqtt_message(c, topic, payloads[i % payloads.size()], 0).sample.value;
  const double s = ms(Clock::now() - start) / 1000;
  fmt::print("decode only {:6}: {:.0f} messages/s (checksum {})\n", json ? "JSON" : "number",
             kN / s, sum);
}

void latency(int port, int qos) {
  constexpr std::size_t kN = 10000;
  constexpr double kRate = 2000;
  Stamps stamps(kN);
  MqttFeed feed(feed_config(port, qos));
  feed.start(stamps.sink());
  if (!test::wait_until([&] { return feed.subscribed(); }, 10))
    throw std::runtime_error("bench: the feed did not connect");
  Sender sender(port);
  std::vector<Clock::time_point> sent(kN);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < kN; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(i / kRate)));
    sent[i] = Clock::now();
    sender.send("bench/m1/v", std::to_string(i), qos);
  }
  test::wait_until([&] { return stamps.count.load(std::memory_order_acquire) >= kN; }, 10);
  const std::size_t got = stamps.count.load(std::memory_order_acquire);
  std::vector<double> lat;
  for (std::size_t i = 0; i < kN; ++i)
    if (stamps.at[i] != Clock::time_point{}) lat.push_back(ms(stamps.at[i] - sent[i]));
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0
                       : lat[std::min(lat.size() - 1, static_cast<std::size_t>(p * lat.size()))];
  };
  fmt::print(
      "latency  QoS {}: {} messages at {:.0f}/s, {} arrived: p50 {:.3f} ms, p99 {:.3f} ms, "
      "max {:.3f} ms\n",
      qos, kN, kRate, got, pct(0.50), pct(0.99), lat.empty() ? 0.0 : lat.back());
  feed.stop();
}

// A component whose one signal takes measurements and stamps when each arrives in the model: the
// end of the path publish -> broker -> feed -> Runner queue -> Sim::apply_measurement.
std::vector<Clock::time_point>* g_applied = nullptr;
std::atomic<std::size_t> g_applied_count{0};  // measurements applied, on the Runner's thread
struct StampState : ClonableState<StampState> {};
class Stamp final : public Component {
 public:
  explicit Stamp(std::string name) : Component(std::move(name), "stamp") {}
  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<StampState>();
  }
  std::vector<SignalSpec> signals() const override { return {{"value", "", "sequence"}}; }
  double signal(const Sim&, int) const override { return 0; }
  bool measurable(int) const override { return true; }
  void measure(Sim&, int, double v) const override {
    const auto i = static_cast<std::size_t>(v);
    if (g_applied && i < g_applied->size()) (*g_applied)[i] = Clock::now();
    g_applied_count.fetch_add(1, std::memory_order_release);
  }
};

std::shared_ptr<const Model> stamp_model() {
  Registry registry;
  registry.add("stamp", "bench", [](BuildContext& ctx) -> std::unique_ptr<Component> {
    return std::make_unique<Stamp>(ctx.name());
  });
  return compile(
      load_scenario_text("horizon: 1 h\ncomponents:\n  m1: {type: stamp}\n", "bench", "."),
      registry);
}

/// Publish -> state update inside a live twin: a Runner paced at real time on a 100 ms grid (as
/// plantwin run --live), the feed's samples pushed into its queue.
void twin_latency(int port, int qos) {
  constexpr std::size_t kN = 5000;
  constexpr double kRate = 1000;
  std::vector<Clock::time_point> applied(kN);
  g_applied = &applied;
  Sim sim(stamp_model());
  Runner runner(sim, Runner::Options{36000, 1.0});
  std::thread run([&] { runner.run(); });
  MqttFeed feed(feed_config(port, qos));
  feed.start([&](FeedSample s) {
    runner.push(Input{std::nan(""), s.target, s.value, "bench", Input::Kind::kMeasure, false});
  });
  if (!test::wait_until([&] { return feed.subscribed(); }, 10))
    throw std::runtime_error("bench: the feed did not connect");
  Sender sender(port);
  std::vector<Clock::time_point> sent(kN);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < kN; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(i / kRate)));
    sent[i] = Clock::now();
    sender.send("bench/m1/v", std::to_string(i), qos);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  feed.stop();
  runner.request_stop();
  run.join();
  g_applied = nullptr;
  std::vector<double> lat;
  for (std::size_t i = 0; i < kN; ++i)
    if (applied[i] != Clock::time_point{}) lat.push_back(ms(applied[i] - sent[i]));
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0
                       : lat[std::min(lat.size() - 1, static_cast<std::size_t>(p * lat.size()))];
  };
  fmt::print(
      "twin     QoS {}: {} messages at {:.0f}/s, {} applied in the model: p50 {:.3f} ms, p99 "
      "{:.3f} ms, max {:.3f} ms (publish -> Sim::apply_measurement, Runner paced at 1x)\n",
      qos, kN, kRate, lat.size(), pct(0.50), pct(0.99), lat.empty() ? 0.0 : lat.back());
}

/// Sustained ingest into a live twin: `n` messages published as fast as `senders` clients can
/// (each with at most Sender::kWindow QoS 1 messages unacknowledged), decoded by the feed, pushed
/// into the input queue of a Runner paced at real time (as plantwin run --live) and applied to
/// the model; the rate is of messages applied.
void throughput(int port, int qos, bool json, std::size_t n, int senders = 1) {
  g_applied_count = 0;
  Sim sim(stamp_model());
  Runner runner(sim, Runner::Options{36000, 1.0});
  std::thread run([&] { runner.run(); });
  MqttFeed feed(feed_config(port, qos));
  feed.start([&](FeedSample s) {
    runner.push(Input{std::nan(""), s.target, s.value, "bench", Input::Kind::kMeasure, false});
  });
  if (!test::wait_until([&] { return feed.subscribed(); }, 10))
    throw std::runtime_error("bench: the feed did not connect");
  std::vector<std::unique_ptr<Sender>> clients;
  for (int k = 0; k < senders; ++k)
    clients.push_back(std::make_unique<Sender>(port, fmt::format("bench-sender-{}", k)));
  const std::string topic = json ? "bench/m1/j" : "bench/m1/v";
  const auto start = Clock::now();
  {
    std::vector<std::thread> threads;
    for (int k = 0; k < senders; ++k)
      threads.emplace_back([&, k] {
        for (std::size_t i = static_cast<std::size_t>(k); i < n;
             i += static_cast<std::size_t>(senders))
          clients[static_cast<std::size_t>(k)]->send(
              topic,
              json ? fmt::format(R"({{"value": {}, "ts": 1764324930.25, "unit": "C"}})", i)
                   : std::to_string(i),
              qos);
      });
    for (auto& t : threads) t.join();
  }
  const auto published = Clock::now();
  // Done when everything was applied, or nothing more for 2 s (QoS 0 may drop).
  std::size_t last = 0;
  auto last_change = Clock::now();
  auto end = last_change;
  while (true) {
    const std::size_t now_count = g_applied_count.load(std::memory_order_acquire);
    if (now_count != last) {
      last = now_count;
      last_change = end = Clock::now();
    }
    if (last >= n || Clock::now() - last_change > std::chrono::seconds(2)) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const double s = ms(end - start) / 1000;
  const std::size_t decoded = feed.counters().received.load();
  feed.stop();
  runner.request_stop();
  run.join();
  fmt::print(
      "ingest   QoS {} {:6}, {} sender{}: {} published in {:.3f} s, {} applied in the model in "
      "{:.3f} s: {:.0f} messages/s (received {}, malformed {}, lost {})\n",
      qos, json ? "JSON" : "number", senders, senders > 1 ? "s" : " ", n,
      ms(published - start) / 1000, last, s, last / s, decoded, feed.counters().malformed.load(),
      n - std::min(n, last));
}

}  // namespace

int main(int argc, char** argv) {
  mosquitto_lib_init();
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 200000;
  const std::string only = argc > 2 ? argv[2] : "";  // "ingest1": only the QoS 1 ingest lines
  const std::string dir =
      std::filesystem::temp_directory_path().string() + fmt::format("/bench_mqtt_{}", ::getpid());
  try {
    test::Broker broker(dir, 0, "max_inflight_messages 0\n");
    if (only == "ingest1") {
      throughput(broker.port(), 1, false, n);
      throughput(broker.port(), 1, false, n, 4);
      std::filesystem::remove_all(dir);
      return 0;
    }
    decode_only(false);
    decode_only(true);
    latency(broker.port(), 0);
    latency(broker.port(), 1);
    twin_latency(broker.port(), 0);
    twin_latency(broker.port(), 1);
    throughput(broker.port(), 0, false, n);
    throughput(broker.port(), 0, true, n);
    throughput(broker.port(), 1, false, n);
    throughput(broker.port(), 1, false, n, 4);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_mqtt: %s\n", e.what());
    std::filesystem::remove_all(dir);
    return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
