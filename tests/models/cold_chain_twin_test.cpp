// The cold-chain twin end to end: scenarios/cold_chain.yaml (the readings from a recorded file)
// and scenarios/cold_chain_live.yaml (the same readings over MQTT) describe the same truck, and
// data/publish_cold_chain.py, through a real mosquitto on loopback and the live scenario's MQTT
// feed, delivers every reading of data/cold_chain_readings.csv: fed to the twin they give the
// KPIs of the recorded replay to the bit.

#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>

#include "io/mqtt_support.h"
#include "plantwin/io/mqtt.h"
#include "plantwin/io/recorded_feed.h"
#include "plantwin/runner.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::io;
using namespace plantwin::test;

namespace {

const std::string kSource = PLANTWIN_SOURCE_DIR;
const std::string kWork = std::filesystem::temp_directory_path().string() +
                          "/plantwin_cold_chain_test_" + std::to_string(::getpid());

const struct RemoveWork {
  ~RemoveWork() {
    std::error_code ec;
    std::filesystem::remove_all(kWork, ec);
  }
} remove_work;

struct Collector {
  std::mutex mutex;
  std::vector<FeedSample> samples;
  Feed::Sink sink() {
    return [this](FeedSample s) {
      std::lock_guard lock(mutex);
      samples.push_back(std::move(s));
    };
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return samples.size();
  }
  std::vector<FeedSample> take() {
    std::lock_guard lock(mutex);
    return std::exchange(samples, {});
  }
};

// The live scenario's MQTT feed, pointed at `port`.
MqttFeedConfig live_feed(const Scenario& s, int port) {
  const Node* feeds = s.root.find("feeds");
  REQUIRE(feeds);
  const Node* node = feeds->find("loggers");
  REQUIRE(node);
  Diagnostics diag;
  MqttFeedConfig c = parse_mqtt_feed(*node, "feeds.loggers", diag, s.base_dir);
  REQUIRE(diag.empty());
  c.connection.port = port;
  c.connection.client_id = "plantwin-cold-chain-test-" + std::to_string(::getpid());
  c.connection.clean_session = true;
  c.connection.reconnect_min_s = 0.1;
  c.connection.reconnect_max_s = 0.5;
  return c;
}

int publish(int port, const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv = {"/usr/bin/python3", kSource + "/data/publish_cold_chain.py",
                                   "--port", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv, "", log);
  return p.wait(120);
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("the live cold-chain scenario is the recorded one's truck with an MQTT feed") {
  const Scenario recorded = load_scenario_file(kSource + "/scenarios/cold_chain.yaml");
  const Scenario live = load_scenario_file(kSource + "/scenarios/cold_chain_live.yaml");
  for (const char* key : {"seed", "horizon", "physics", "record", "components"}) {
    CAPTURE(key);
    REQUIRE(recorded.root.find(key));
    REQUIRE(live.root.find(key));
    CHECK(recorded.root.find(key)->to_yaml() == live.root.find(key)->to_yaml());
  }
  const MqttFeedConfig c = live_feed(live, 1883);
  REQUIRE(c.mappings.size() == 1);
  CHECK(c.mappings[0].topic == "coldchain/+/temperature");
  CHECK(c.mappings[0].target == "{1}.temperature");
  CHECK(c.mappings[0].qos == 1);
}

TEST_CASE("readings published over MQTT reach the twin as the recorded feed gives them") {
  if (find_program("mosquitto").empty() || find_program("mosquitto_pub").empty())
    FAIL("mosquitto and mosquitto_pub are needed (scripts/setup.sh installs them)");
  std::filesystem::create_directories(kWork);
  Broker broker(kWork + "/broker");
  const Scenario live = load_scenario_file(kSource + "/scenarios/cold_chain_live.yaml");
  const Scenario recorded = load_scenario_file(kSource + "/scenarios/cold_chain.yaml");
  const auto recorded_model = compile(recorded, registry());
  const auto feeds = parse_recorded_feeds(recorded, *recorded_model);
  REQUIRE(feeds.size() == 1);
  const RecordedFeed file = load_recorded_feed(feeds[0]);
  REQUIRE(file.inputs.size() == 5760);

  SUBCASE("plain numbers, as the live scenario maps them") {
    MqttFeed feed(live_feed(live, broker.port()));
    Collector got;
    feed.start(got.sink());
    REQUIRE(wait_until([&] { return feed.subscribed(); }, 10));
    REQUIRE(publish(broker.port(), {"--speed", "0", "--rows", "30"}, kWork + "/pub.txt") == 0);
    REQUIRE(wait_until([&] { return got.size() == 120; }, 10));
    feed.stop();
    CHECK(feed.counters().malformed == 0);
    CHECK(feed.counters().unknown == 0);
    // Per container in file order (one publisher, one topic, QoS 1 each).
    std::map<std::string, std::vector<double>> by_target, expected;
    for (const auto& s : got.take()) {
      by_target[s.target].push_back(s.value);
      CHECK(s.source_time == s.arrival_time);
    }
    for (std::size_t i = 0; i < 120; ++i)
      expected[file.inputs[i].target].push_back(file.inputs[i].value);
    CHECK(by_target == expected);
    CHECK(read_text(kWork + "/pub.txt").find("120 readings from 30 rows") != std::string::npos);
  }

  SUBCASE("JSON with the readings' times: the twin's KPIs equal the recorded replay's") {
    MqttFeedConfig c = live_feed(live, broker.port());
    c.mappings[0].payload = MqttMapping::Payload::kJson;
    c.mappings[0].value_field = "value";
    c.mappings[0].time_field = "ts";
    MqttFeed feed(c);
    Collector got;
    feed.start(got.sink());
    REQUIRE(wait_until([&] { return feed.subscribed(); }, 10));
    // --start-ts 0 and --speed 0: ts is the file's t_s.
    REQUIRE(publish(broker.port(), {"--speed", "0", "--payload", "json", "--start-ts", "0"},
                    kWork + "/pub.txt") == 0);
    REQUIRE(wait_until([&] { return got.size() == 5760; }, 30));
    feed.stop();
    CHECK(feed.counters().applied == 5760);
    CHECK(feed.counters().late == 0);

    auto run = [](const std::shared_ptr<const Model>& model, const std::vector<Input>& inputs) {
      Sim sim(model);
      Runner runner(sim);
      for (const auto& in : inputs) runner.push(in);
      runner.run();
      return sim.kpis();
    };
    std::vector<Input> over_mqtt;
    for (const auto& s : got.take())
      over_mqtt.push_back(Input{s.source_time, s.target, s.value, s.feed, Input::Kind::kMeasure});
    const auto a = run(compile(live, registry()), over_mqtt);
    const auto b = run(recorded_model, file.inputs);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CAPTURE(a[i].component + "." + a[i].name);
      CHECK(a[i].value == b[i].value);
    }
  }
}

TEST_CASE("the publisher refuses what it cannot send with exit code 2") {
  std::filesystem::create_directories(kWork);
  const std::string log = kWork + "/bad.txt";
  CHECK(publish(free_port(), {"--csv", kWork + "/missing.csv"}, log) == 2);
  CHECK(read_text(log).find("publish_cold_chain: [Errno 2] No such file or directory: '" + kWork +
                            "/missing.csv'") != std::string::npos);
  std::ofstream(kWork + "/no_time.csv") << "time,dairy_c\n1,2\n";
  CHECK(publish(free_port(), {"--csv", kWork + "/no_time.csv"}, log) == 2);
  CHECK(read_text(log) ==
        "publish_cold_chain: " + kWork + "/no_time.csv: no t_s column (columns: time, dairy_c)\n");
  CHECK(publish(free_port(), {"--speed", "-1"}, log) == 2);
  CHECK(read_text(log).find("--speed must be 0 (as fast as possible) or above") !=
        std::string::npos);
}
