// MQTT: the scenario keys and their errors, topic matching and payload decoding on their own,
// then against a real mosquitto on loopback with mosquitto_pub and mosquitto_sub as separate
// processes: payloads arriving, bad messages counted, a broker killed and restarted without a
// QoS 1 message lost, and the publisher's retained topics read back.

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "mqtt_support.h"
#include "plantwin/io/mqtt.h"
#include "plantwin/runner.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::io;
using namespace plantwin::test;

namespace {

const std::string kWork = std::filesystem::temp_directory_path().string() + "/plantwin_mqtt_test_" +
                          std::to_string(::getpid());

// Removes the brokers' folders when the test program ends.
const struct RemoveWork {
  ~RemoveWork() {
    std::error_code ec;
    std::filesystem::remove_all(kWork, ec);
  }
} remove_work;

struct Parsed {
  MqttFeedConfig config;
  std::vector<std::string> errors;
};

Parsed parse(const std::string& yaml) {
  Scenario s = load_scenario_text(yaml, "feeds.yaml");
  const Node* feeds = s.root.find("feeds");
  REQUIRE(feeds);
  REQUIRE(feeds->is_map());
  Diagnostics diag;
  Parsed p;
  p.config =
      parse_mqtt_feed(feeds->entries.at(0).second, "feeds." + feeds->entries.at(0).first, diag);
  for (const auto& d : diag.items()) p.errors.push_back(d.str());
  return p;
}

std::string error_of(const std::string& yaml) {
  const auto p = parse(yaml);
  REQUIRE(p.errors.size() == 1);
  return p.errors[0];
}

/// Collects what a feed hands on.
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
  std::vector<FeedSample> copy() {
    std::lock_guard lock(mutex);
    return samples;
  }
};

/// Runs mosquitto_pub with `args` (after host and port) and waits for it (at most 10 s).
int pub(int port, std::vector<std::string> args, const std::string& stdin_file = "") {
  std::vector<std::string> argv = {find_program("mosquitto_pub"), "-h", "127.0.0.1", "-p",
                                   std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv, stdin_file);
  return p.wait(10);
}

MqttFeedConfig test_feed(int port, const std::string& client_id) {
  MqttFeedConfig c;
  c.name = "plant";
  c.connection.port = port;
  c.connection.client_id = client_id;
  c.connection.reconnect_min_s = 0.1;
  c.connection.reconnect_max_s = 0.5;
  return c;
}

MqttMapping mapping(std::string topic, std::string target, int qos = 1) {
  MqttMapping m;
  m.topic = std::move(topic);
  m.target = std::move(target);
  m.qos = qos;
  return m;
}

}  // namespace

TEST_CASE("an MQTT feed's keys are read with their defaults") {
  const auto p = parse(R"(feeds:
  plant:
    type: mqtt
    host: broker.local
    port: 8883
    keepalive: 1 min
    username: twin
    password: secret
    qos: 1
    reconnect_min: 500 ms
    reconnect_max: 1 min
    max_payload: 1024
    subscribe: [plant/#, {topic: "other/x", qos: 0}]
    topics:
      - {topic: "plant/+/temp", target: "{1}.temperature", min: -40, max: 150}
      - topic: "plant/+/cmd/+"
        target: "{1}.{2}"
        kind: set
        payload: json
        fields: {value: data.v, time: ts}
        time_format: unix_ms
        scale: 0.1
        offset: -5
        qos: 0
)");
  REQUIRE(p.errors.empty());
  const auto& c = p.config;
  CHECK(c.name == "plant");
  CHECK(c.connection.host == "broker.local");
  CHECK(c.connection.port == 8883);
  CHECK(c.connection.client_id == "plantwin-plant");
  CHECK(c.connection.keepalive_s == 60);
  CHECK(c.connection.username == "twin");
  CHECK(c.connection.password == "secret");
  CHECK_FALSE(c.connection.clean_session);
  CHECK_FALSE(c.connection.tls.enabled);
  CHECK(c.connection.reconnect_min_s == 0.5);
  CHECK(c.connection.reconnect_max_s == 60);
  CHECK(c.max_payload == 1024);
  REQUIRE(c.subscriptions.size() == 2);
  CHECK(c.subscriptions[0].topic == "plant/#");
  CHECK(c.subscriptions[0].qos == 1);
  CHECK(c.subscriptions[1].qos == 0);
  REQUIRE(c.mappings.size() == 2);
  CHECK(c.mappings[0].kind == FeedSample::Kind::kMeasure);
  CHECK(c.mappings[0].payload == MqttMapping::Payload::kNumber);
  CHECK(c.mappings[0].qos == 1);
  CHECK(*c.mappings[0].min == -40);
  CHECK(*c.mappings[0].max == 150);
  CHECK(c.mappings[1].kind == FeedSample::Kind::kSet);
  CHECK(c.mappings[1].payload == MqttMapping::Payload::kJson);
  CHECK(c.mappings[1].value_field == "data.v");
  CHECK(c.mappings[1].time_field == "ts");
  CHECK(c.mappings[1].time_format == MqttMapping::TimeFormat::kUnixMillis);
  CHECK(c.mappings[1].scale == 0.1);
  CHECK(c.mappings[1].offset == -5);
  CHECK(c.mappings[1].qos == 0);
  CHECK_FALSE(c.mappings[1].min);
}

TEST_CASE("bad MQTT feed keys are errors with place, key path and a hint") {
  const std::string head = "feeds:\n  plant:\n    type: mqtt\n";
  SUBCASE("an unknown key suggests the known one") {
    CHECK(error_of(head + "    hots: x\n    topics: [{topic: a, target: b}]\n") ==
          "feeds.yaml:4:5: feeds.plant.hots: unknown key (did you mean \"host\"?)");
  }
  SUBCASE("an unknown key in a mapping") {
    CHECK(error_of(head + "    topics: [{topic: a, target: b, scael: 2}]\n") ==
          "feeds.yaml:4:36: feeds.plant.topics[0].scael: unknown key (did you mean \"scale\"?)");
  }
  SUBCASE("topics are required") {
    CHECK(error_of(head) ==
          "feeds.yaml:3:5: feeds.plant.topics: is required (a list of {topic: ..., target: ...} "
          "mappings)");
  }
  SUBCASE("a '#' that is not the last level") {
    CHECK(error_of(head + "    topics: [{topic: \"a/#/b\", target: x}]\n") ==
          "feeds.yaml:4:22: feeds.plant.topics[0].topic: '#' must be a whole level, and the last "
          "one, got \"a/#/b\"");
  }
  SUBCASE("a '+' inside a level") {
    CHECK(error_of(head + "    topics: [{topic: \"a/b+\", target: x}]\n") ==
          "feeds.yaml:4:22: feeds.plant.topics[0].topic: '+' must be a whole level "
          "(plant/+/temp), got \"a/b+\"");
  }
  SUBCASE("a target naming a level the topic does not have") {
    CHECK(error_of(head + "    topics: [{topic: \"p/+/t\", target: \"{2}.x\"}]\n") ==
          "feeds.yaml:4:39: feeds.plant.topics[0].target: {2} refers to '+' number 2, but the "
          "topic has 1");
    CHECK(error_of(head + "    topics: [{topic: \"p/t\", target: \"{x}.t\"}]\n") ==
          "feeds.yaml:4:37: feeds.plant.topics[0].target: \"{x}\" is not a level number such as "
          "{1}");
  }
  SUBCASE("QoS 2 is not offered") {
    CHECK(error_of(head + "    qos: 2\n    topics: [{topic: a, target: b}]\n") ==
          "feeds.yaml:4:10: feeds.plant.qos: must be between 0 and 1, got 2");
  }
  SUBCASE("fields belong to JSON payloads") {
    CHECK(error_of(head + "    topics: [{topic: a, target: b, fields: {value: v}}]\n") ==
          "feeds.yaml:4:44: feeds.plant.topics[0].fields: only for payload: json");
  }
  SUBCASE("an unknown payload format") {
    CHECK(error_of(head + "    topics: [{topic: a, target: b, payload: jsn}]\n") ==
          "feeds.yaml:4:45: feeds.plant.topics[0].payload: expected one of number, json, got "
          "\"jsn\" (did you mean \"json\"?)");
  }
  SUBCASE("a range upside down") {
    CHECK(error_of(head + "    topics: [{topic: a, target: b, min: 5, max: 1}]\n") ==
          "feeds.yaml:4:49: feeds.plant.topics[0].max: max (1) must not be less than min (5)");
  }
  SUBCASE("a TLS file that does not exist") {
    CHECK(error_of(head + "    tls: {ca_file: /nonexistent/ca.pem}\n"
                          "    topics: [{topic: a, target: b}]\n") ==
          "feeds.yaml:4:20: feeds.plant.tls.ca_file: no such file: /nonexistent/ca.pem");
  }
  SUBCASE("a password without a user") {
    CHECK(error_of(head + "    password: x\n    topics: [{topic: a, target: b}]\n") ==
          "feeds.yaml:4:15: feeds.plant.password: a password needs a username");
  }
  SUBCASE("a back-off that shrinks") {
    CHECK(error_of(head + "    reconnect_min: 10 s\n    reconnect_max: 1 s\n"
                          "    topics: [{topic: a, target: b}]\n") ==
          "feeds.yaml:5:20: feeds.plant.reconnect_max: reconnect_max (1 s) must not be less than "
          "reconnect_min (10 s)");
  }
  SUBCASE("every error in one pass") {
    const auto p = parse(head + "    port: 0\n    topics: [{topic: \"\", target: \"\"}, 3]\n");
    CHECK(p.errors.size() == 4);
  }
}

TEST_CASE("a publisher's keys are read with their defaults, and a bad prefix is an error") {
  auto read = [](const std::string& yaml, std::vector<std::string>* errors) {
    Scenario s = load_scenario_text(yaml, "publish.yaml");
    Diagnostics diag;
    const auto c =
        parse_mqtt_publisher(*s.root.find("publish")->find("dashboard"), "publish.dashboard", diag);
    for (const auto& d : diag.items()) errors->push_back(d.str());
    return c;
  };
  std::vector<std::string> errors;
  auto c =
      read("publish:\n  dashboard: {port: 1884, prefix: site/twin, period: 500 ms}\n", &errors);
  CHECK(errors.empty());
  CHECK(c.connection.port == 1884);
  CHECK(c.connection.client_id == "plantwin-publisher-dashboard");
  CHECK(c.connection.clean_session);
  CHECK(c.prefix == "site/twin");
  CHECK(c.period_s == 0.5);
  CHECK(c.qos == 0);
  CHECK(c.retain);
  c = read("publish:\n  dashboard: {prefix: \"site/#\", retian: false}\n", &errors);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] ==
        "publish.yaml:2:23: publish.dashboard.prefix: must be a topic without "
        "wildcards, got \"site/#\"");
  CHECK(errors[1] ==
        "publish.yaml:2:33: publish.dashboard.retian: unknown key (did you mean \"retain\"?)");
}

TEST_CASE("topic filters match as MQTT specifies, capturing the '+' levels") {
  std::vector<std::string_view> caps;
  CHECK(mqtt_topic_matches("plant/+/temp", "plant/press1/temp", &caps));
  REQUIRE(caps.size() == 1);
  CHECK(caps[0] == "press1");
  CHECK(mqtt_topic_matches("+/+", "a/b", &caps));
  CHECK(caps == std::vector<std::string_view>{"a", "b"});
  CHECK(mqtt_topic_matches("plant/+/temp", "plant//temp", &caps));
  CHECK(caps[0].empty());
  CHECK_FALSE(mqtt_topic_matches("plant/+/temp", "plant/a/b/temp"));
  CHECK_FALSE(mqtt_topic_matches("plant/+/temp", "plant/a"));
  CHECK_FALSE(mqtt_topic_matches("plant/+", "plant/a/b"));
  CHECK(mqtt_topic_matches("plant/#", "plant"));
  CHECK(mqtt_topic_matches("plant/#", "plant/a/b/c"));
  CHECK(mqtt_topic_matches("#", "anything/at/all"));
  CHECK_FALSE(mqtt_topic_matches("#", "$SYS/broker/uptime"));
  CHECK_FALSE(mqtt_topic_matches("+/broker", "$SYS/broker"));
  CHECK(mqtt_topic_matches("$SYS/#", "$SYS/broker"));
  CHECK_FALSE(mqtt_topic_matches("plant/a", "plant/a/"));
  CHECK(mqtt_topic_matches("plant/a/+", "plant/a/"));
  CHECK_FALSE(mqtt_topic_matches("Plant/a", "plant/a"));
}

TEST_CASE("payloads decode into samples, and every bad one says why") {
  MqttFeedConfig c;
  c.name = "plant";
  c.max_payload = 64;
  MqttMapping num = mapping("p/+/temp", "{1}.temperature");
  num.min = -50;
  num.max = 150;
  MqttMapping json = mapping("p/+/json", "{1}.speed");
  json.kind = FeedSample::Kind::kSet;
  json.payload = MqttMapping::Payload::kJson;
  json.value_field = "v";
  json.time_field = "ts";
  MqttMapping scaled = mapping("p/+/raw", "{1}.flow");
  scaled.payload = MqttMapping::Payload::kJson;
  scaled.value_field = "data.raw";
  scaled.scale = 0.5;
  scaled.offset = 10;
  c.mappings = {num, json, scaled};
  const double arrival = 1.8e9;
  auto ok = [&](std::string_view topic, std::string_view payload) {
    const auto d = decode_mqtt_message(c, topic, payload, arrival);
    REQUIRE_MESSAGE(d.status == MqttDecoded::Status::kOk, d.reason);
    return d.sample;
  };
  auto bad = [&](std::string_view topic, std::string_view payload) {
    const auto d = decode_mqtt_message(c, topic, payload, arrival);
    REQUIRE(d.status != MqttDecoded::Status::kOk);
    return std::pair(d.status, d.reason);
  };
  using S = MqttDecoded::Status;

  SUBCASE("a plain number, with the arrival as its time") {
    const auto s = ok("p/press1/temp", " 21.5\n");
    CHECK(s.target == "press1.temperature");
    CHECK(s.value == 21.5);
    CHECK(s.kind == FeedSample::Kind::kMeasure);
    CHECK(s.source_time == arrival);
    CHECK(s.arrival_time == arrival);
    CHECK(s.feed == "plant");
  }
  SUBCASE("JSON with Unix seconds, milliseconds and ISO 8601 times") {
    auto s = ok("p/belt/json", R"({"v": 0.75, "ts": 1764324930.5})");
    CHECK(s.target == "belt.speed");
    CHECK(s.kind == FeedSample::Kind::kSet);
    CHECK(s.value == 0.75);
    CHECK(s.source_time == 1764324930.5);
    s = ok("p/belt/json", R"({"ts": "2025-11-28T10:15:30.5Z", "v": true})");
    CHECK(s.value == 1);
    CHECK(s.source_time == 1764324930.5);
    s = ok("p/belt/json", R"({"v": 1, "ts": "2025-11-28T11:15:30.5+01:00"})");
    CHECK(s.source_time == 1764324930.5);
    s = ok("p/belt/json", R"({"v": 1, "ts": "2025-11-28 04:45:30-0530"})");
    CHECK(s.source_time == 1764324930);
    s = ok("p/belt/json", R"({"v": 1, "ts": "2024-02-29T00:00:00Z"})");
    CHECK(s.source_time == 1709164800);
    c.mappings[1].time_format = MqttMapping::TimeFormat::kUnixMillis;
    s = ok("p/belt/json", R"({"v": 1, "ts": 1764324930500})");
    CHECK(s.source_time == 1764324930.5);
  }
  SUBCASE("a nested field, scaled and offset") {
    const auto s = ok("p/pump/raw", R"({"data": {"raw": 4e1}, "unit": "l\/min \u00e9"})");
    CHECK(s.target == "pump.flow");
    CHECK(s.value == 30);
  }
  SUBCASE("no mapping, or an empty level, is unknown") {
    CHECK(bad("q/x", "1") ==
          std::pair(S::kUnknown, std::string("topic \"q/x\": no mapping matches it")));
    CHECK(bad("p//temp", "1") ==
          std::pair(S::kUnknown,
                    std::string("topic \"p//temp\": a level matched by '+' is empty, so it names "
                                "no target")));
  }
  SUBCASE("malformed numbers") {
    CHECK(bad("p/a/temp", "warm").second == "topic \"p/a/temp\": payload \"warm\" is not a number");
    CHECK(bad("p/a/temp", "").second == "topic \"p/a/temp\": payload \"\" is not a number");
    CHECK(bad("p/a/temp", "nan").second ==
          "topic \"p/a/temp\": payload \"nan\" is not a finite number");
    CHECK(bad("p/a/temp", "-inf").first == S::kMalformed);
    CHECK(bad("p/a/temp", "1e999").first == S::kMalformed);
    CHECK(bad("p/a/temp", "12 C").first == S::kMalformed);
    CHECK(bad("p/a/temp", "0x10").first == S::kMalformed);
    CHECK(bad("p/a/temp", std::string("1\0", 2)).second ==
          "topic \"p/a/temp\": payload \"1\\x00\" is not a number");
  }
  SUBCASE("an oversized payload") {
    CHECK(bad("p/a/temp", std::string(65, '1')) ==
          std::pair(S::kMalformed,
                    std::string("topic \"p/a/temp\": payload of 65 bytes is larger than the "
                                "limit of 64 bytes")));
  }
  SUBCASE("out of range, after scale and offset") {
    CHECK(bad("p/a/temp", "150.5") ==
          std::pair(S::kOutOfRange, std::string("topic \"p/a/temp\": value 150.5 is outside "
                                                "[-50, 150]")));
    c.mappings[2].scale = 10;
    CHECK(bad("p/a/raw", R"({"data": {"raw": 1.7e308}})") ==
          std::pair(S::kOutOfRange,
                    std::string("topic \"p/a/raw\": value 1.7e+308 * 10 + 10 is not finite")));
  }
  SUBCASE("JSON that is broken, of the wrong shape or the wrong type") {
    CHECK(bad("p/a/json", R"({"v": 1,})").second ==
          "topic \"p/a/json\": payload \"{\"v\": 1,}\" is not JSON: expected a member name in "
          "quotes at byte 8");
    CHECK(bad("p/a/json", "[1, 2]").second ==
          "topic \"p/a/json\": JSON payload is a list, expected an object");
    CHECK(bad("p/a/json", R"({"x": 1, "ts": 0})").second ==
          "topic \"p/a/json\": JSON payload has no field \"v\"");
    CHECK(bad("p/a/json", R"({"v": "hot", "ts": 0})").second ==
          "topic \"p/a/json\": field \"v\" is a text, expected a number");
    CHECK(bad("p/a/json", R"({"v": null, "ts": 0})").second ==
          "topic \"p/a/json\": field \"v\" is null, expected a number");
    CHECK(bad("p/a/json", R"({"v": 1})").second ==
          "topic \"p/a/json\": JSON payload has no field \"ts\"");
    CHECK(bad("p/a/json", R"({"v": 1, "ts": "yesterday"})").second ==
          "topic \"p/a/json\": field \"ts\" is not an ISO 8601 time with a zone "
          "(2026-11-28T10:15:30Z): \"yesterday\"");
    CHECK(bad("p/a/json", R"({"v": 1, "ts": "2025-11-28T10:15:30"})").first == S::kMalformed);
    CHECK(bad("p/a/json", R"({"v": 1, "ts": "2025-02-29T10:15:30Z"})").first == S::kMalformed);
    CHECK(bad("p/a/json", R"({"v": 1, "ts": [1]})").second ==
          "topic \"p/a/json\": field \"ts\" is a list, expected Unix seconds or ISO 8601 text");
    CHECK(bad("p/a/json", R"({"v": 1e400, "ts": 0})").second ==
          "topic \"p/a/json\": payload \"{\"v\": 1e400, \"ts\": 0}\" is not JSON: number out of "
          "the range of a double at byte 6");
    CHECK(bad("p/a/json", "{\"v\": \"\x01\"}").first == S::kMalformed);
    CHECK(bad("p/a/json", R"({"v": "\ud800"})").first == S::kMalformed);
    CHECK(bad("p/a/json", R"({"v": 1} x)").first == S::kMalformed);
    CHECK(bad("p/a/json", R"({"v": 01})").first == S::kMalformed);
    CHECK(bad("p/a/json", R"({"v": NaN})").first == S::kMalformed);
  }
  SUBCASE("JSON nested beyond the limit") {
    c.max_payload = 1 << 20;
    const std::string deep =
        std::string(kMqttJsonMaxDepth + 1, '[') + std::string(kMqttJsonMaxDepth + 1, ']');
    CHECK(bad("p/a/json", "{\"v\": " + deep + "}").second.find("nested deeper than 32 levels") !=
          std::string::npos);
    const std::string ok_depth =
        std::string(kMqttJsonMaxDepth - 1, '[') + std::string(kMqttJsonMaxDepth - 1, ']');
    CHECK(bad("p/a/json", "{\"v\": " + ok_depth + "}").second ==
          "topic \"p/a/json\": field \"v\" is a list, expected a number");
  }
}

TEST_CASE(
    "a feed started before its broker connects when it comes up, and decodes what "
    "mosquitto_pub sends") {
  if (find_program("mosquitto").empty() || find_program("mosquitto_pub").empty())
    FAIL("mosquitto and mosquitto_pub are needed (scripts/setup.sh installs them)");
  const int port = free_port();
  MqttFeedConfig c = test_feed(port, "plantwin-test-basic");
  c.connection.clean_session = true;
  c.mappings = {mapping("plant/+/temp", "{1}.temperature"), mapping("plant/#", "all.{1}")};
  c.mappings[1].payload = MqttMapping::Payload::kJson;
  c.mappings[1].value_field = "value";
  c.mappings[1].time_field = "time";
  c.mappings[1].target = "plant.any";
  MqttFeed live(c);
  Collector got;
  live.start(got.sink());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few refused attempts
  CHECK_FALSE(live.connected());
  CHECK(live.last_connection_error() ==
        fmt::format("cannot connect to 127.0.0.1:{}: Connection refused", port));

  std::filesystem::create_directories(kWork);
  Broker broker(kWork + "/basic", port);
  REQUIRE(wait_until([&] { return live.subscribed(); }, 10));
  CHECK(live.counters().reconnects == 0);  // never lost a connection: it never had one

  REQUIRE(pub(broker.port(), {"-q", "1", "-t", "plant/press1/temp", "-m", "81.25"}) == 0);
  REQUIRE(pub(broker.port(), {"-q", "1", "-t", "plant/x/y/z", "-m",
                              R"({"value": -3, "time": "2026-01-01T00:00:00Z"})"}) == 0);
  REQUIRE(wait_until([&] { return got.size() == 2; }, 10));
  const auto s = got.copy();
  CHECK(s[0].target == "press1.temperature");
  CHECK(s[0].value == 81.25);
  CHECK(s[0].feed == "plant");
  CHECK(std::isfinite(s[0].arrival_time));
  CHECK(s[0].source_time == s[0].arrival_time);
  CHECK(s[1].target == "plant.any");
  CHECK(s[1].value == -3);
  CHECK(s[1].source_time == 1767225600);
  CHECK(live.counters().received == 2);
  CHECK(live.counters().applied == 2);
  CHECK(live.counters().late == 0);
  // Older than the newest value for its target: counted late, and handed on all the same.
  REQUIRE(pub(broker.port(), {"-q", "1", "-t", "plant/x", "-m",
                              R"({"value": 4, "time": "2025-12-31T23:59:59Z"})"}) == 0);
  REQUIRE(wait_until([&] { return got.size() == 3; }, 10));
  CHECK(got.copy()[2].value == 4);
  CHECK(live.counters().late == 1);
  CHECK(live.counters().applied == 3);
  live.stop();
  CHECK_FALSE(live.connected());
}

TEST_CASE(
    "malformed, oversized, wrong-type and unknown-topic messages are counted and the feed "
    "goes on") {
  std::filesystem::create_directories(kWork);
  Broker broker(kWork + "/bad");
  MqttFeedConfig c = test_feed(broker.port(), "plantwin-test-bad");
  c.connection.clean_session = true;
  c.max_payload = 1024;
  c.subscriptions = {{"plant/#", 1}};
  c.mappings = {mapping("plant/+/temp", "{1}.temperature"), mapping("plant/+/json", "{1}.speed")};
  c.mappings[0].min = -50;
  c.mappings[0].max = 150;
  c.mappings[1].payload = MqttMapping::Payload::kJson;
  c.mappings[1].value_field = "v";
  MqttFeed feed(c);
  Collector got;
  feed.start(got.sink());
  REQUIRE(wait_until([&] { return feed.subscribed(); }, 10));

  const std::string big = kWork + "/big.txt";
  std::ofstream(big) << std::string(2000, '7');
  struct Bad {
    std::vector<std::string> args;
    std::string reason;
  };
  const std::vector<Bad> bad = {
      {{"-t", "plant/a/temp", "-m", "abc"},
       "topic \"plant/a/temp\": payload \"abc\" is not a number"},
      {{"-t", "plant/a/temp", "-n"}, "topic \"plant/a/temp\": payload \"\" is not a number"},
      {{"-t", "plant/a/temp", "-m", "inf"},
       "topic \"plant/a/temp\": payload \"inf\" is not a finite number"},
      {{"-t", "plant/a/temp", "-f", big},
       "topic \"plant/a/temp\": payload of 2000 bytes is larger than the limit of 1024 bytes"},
      {{"-t", "plant/a/temp", "-m", "151"},
       "topic \"plant/a/temp\": value 151 is outside [-50, 150]"},
      {{"-t", "plant/a/json", "-m", R"({"v": "fast"})"},
       "topic \"plant/a/json\": field \"v\" is a text, expected a number"},
      {{"-t", "plant/a/json", "-m", "1.5"},
       "topic \"plant/a/json\": JSON payload is a number, expected an object"},
      {{"-t", "plant/a/json", "-m", R"({"w": 1})"},
       "topic \"plant/a/json\": JSON payload has no field \"v\""},
      {{"-t", "plant/a/pressure", "-m", "1"}, "topic \"plant/a/pressure\": no mapping matches it"},
  };
  std::uint64_t received = 0;
  for (const auto& b : bad) {
    auto args = b.args;
    args.insert(args.begin(), {"-q", "1"});
    REQUIRE(pub(broker.port(), args) == 0);
    ++received;
    REQUIRE(wait_until([&] { return feed.counters().received == received; }, 10));
    CHECK(feed.last_rejection() == b.reason);
  }
  REQUIRE(pub(broker.port(), {"-q", "1", "-t", "plant/b/temp", "-m", "21.5"}) == 0);
  REQUIRE(wait_until([&] { return got.size() == 1; }, 10));
  CHECK(got.copy()[0].target == "b.temperature");
  CHECK(got.copy()[0].value == 21.5);
  const auto& n = feed.counters();
  CHECK(n.received == 10);
  CHECK(n.applied == 1);
  CHECK(n.malformed == 7);
  CHECK(n.out_of_range == 1);
  CHECK(n.unknown == 1);
  CHECK(feed.connected());
}

TEST_CASE(
    "with QoS 1 and a persistent session no message is lost when the broker is killed and "
    "restarted") {
  std::filesystem::create_directories(kWork);
  Broker broker(kWork + "/restart");
  MqttFeedConfig c = test_feed(broker.port(), "plantwin-test-restart");
  c.connection.clean_session = false;
  c.connection.reconnect_min_s = 0.5;  // the outage publisher gets in before the feed is back
  c.connection.reconnect_max_s = 1;
  c.mappings = {mapping("seq/n", "counter.n", 1)};
  MqttFeed feed(c);
  Collector got;
  feed.start(got.sink());
  REQUIRE(wait_until([&] { return feed.subscribed(); }, 10));

  constexpr int kPerPhase = 200;
  auto lines = [&](int first, const std::string& file) {
    std::ofstream out(file);
    for (int i = first; i < first + kPerPhase; ++i) out << i << "\n";
  };
  auto distinct = [&] {
    std::set<long> seen;
    for (const auto& s : got.copy()) seen.insert(std::lround(s.value));
    return seen;
  };

  // Phase 1: the broker is up.
  lines(1, kWork + "/phase1.txt");
  REQUIRE(pub(broker.port(), {"-q", "1", "-t", "seq/n", "-l"}, kWork + "/phase1.txt") == 0);
  REQUIRE(wait_until([&] { return distinct().size() == kPerPhase; }, 10));
  // The broker saves its sessions every second (autosave_interval 1): the feed's session and
  // subscription are on disk once two saves have passed.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  broker.kill();
  REQUIRE(wait_until([&] { return !feed.connected(); }, 10));

  // Phase 2: a publisher that retries (at most 200 times, 50 ms apart) while the broker is
  // down; the broker comes back after 1 s and holds the messages for the feed's session.
  lines(kPerPhase + 1, kWork + "/phase2.txt");
  const std::string retry = fmt::format(
      "for i in $(seq 200); do {} -h 127.0.0.1 -p {} -q 1 -t seq/n -l < {} 2>/dev/null && exit 0; "
      "sleep 0.05; done; exit 1",
      find_program("mosquitto_pub"), broker.port(), kWork + "/phase2.txt");
  Process outage({"/bin/sh", "-c", retry});
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(outage.running());
  broker.start();
  REQUIRE(outage.wait(20) == 0);

  // Phase 3: after the feed is back.
  REQUIRE(wait_until([&] { return feed.subscribed(); }, 10));
  lines(2 * kPerPhase + 1, kWork + "/phase3.txt");
  REQUIRE(pub(broker.port(), {"-q", "1", "-t", "seq/n", "-l"}, kWork + "/phase3.txt") == 0);

  REQUIRE(wait_until([&] { return distinct().size() == 3 * kPerPhase; }, 20));
  const auto seen = distinct();
  CHECK(*seen.begin() == 1);
  CHECK(*seen.rbegin() == 3 * kPerPhase);
  // QoS 1 is at least once: a message may come twice, never not at all.
  CHECK(feed.counters().applied >= 3 * kPerPhase);
  CHECK(feed.counters().reconnects == 1);
  CHECK(feed.counters().malformed == 0);
  MESSAGE("received ", feed.counters().received.load(), " for ", 3 * kPerPhase, " sent");
}

TEST_CASE(
    "the publisher's retained topics read back with mosquitto_sub, the last value of each "
    "signal and the status") {
  std::filesystem::create_directories(kWork);
  Broker broker(kWork + "/publish");
  auto model = compile_text(R"Y(horizon: 2 h
components:
  src: {type: source, interarrival: exponential(40 s)}
  press: {type: machine, process_time: "lognormal(mean=30 s, sd=10 s)"}
  motor: {type: thermal, capacitance: 200 kJ/K, r_ambient: 0.02 K/W, ambient: 20 C,
          heat_from: {machine: press, working: 3 kW, idle: 300 W}}
  out: {type: sink}
flow: ["src -> press -> out"]
)Y");
  Sim sim(model, 1);
  MqttPublisherConfig pc;
  pc.connection.port = broker.port();
  pc.connection.client_id = "plantwin-test-publisher";
  pc.connection.clean_session = true;
  pc.prefix = "twin";
  // One message per topic per hour of wall time: every change after the first is held back,
  // and the final call publishes the last values.
  pc.period_s = 3600;
  MqttPublisher publisher(pc);
  REQUIRE(wait_until([&] { return publisher.connected(); }, 10));
  CHECK(publisher.topic_for("motor.temperature") == "twin/motor/temperature");
  CHECK(publisher.topic_for("line.a.b") == "twin/line/a.b");
  CHECK(publisher.topic_for("odd+name#") == "twin/odd_name_");

  Runner runner(sim, Runner::Options{20, 0});
  runner.add_observer(publisher.observer());
  REQUIRE(runner.run());
  runner.finish();
  REQUIRE(publisher.flush(5));
  CHECK(publisher.held_back() > 0);

  const auto& signals = model->signals();
  const std::size_t expected = signals.size() + 1;  // and the status
  // Each signal at most twice (its first value, its last), the status twice.
  CHECK(publisher.published() <= 2 * expected);
  const std::string out = kWork + "/sub.txt";
  Process sub(
      {find_program("mosquitto_sub"), "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-t",
       "twin/#", "-v", "-C", std::to_string(expected), "-W", "10"},
      "", out);
  REQUIRE(sub.wait(15) == 0);
  std::map<std::string, std::string> retained;
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);) {
    const auto space = line.find(' ');
    REQUIRE(space != std::string::npos);
    retained[line.substr(0, space)] = line.substr(space + 1);
  }
  REQUIRE(retained.size() == expected);
  CHECK(retained["twin/status"] == "complete");
  for (std::size_t i = 0; i < signals.size(); ++i) {
    const double v = sim.signal(static_cast<int>(i));
    const std::string topic = publisher.topic_for(signals[i].name);
    REQUIRE_MESSAGE(retained.count(topic) == 1, topic);
    if (std::isfinite(v))
      CHECK_MESSAGE(std::stod(retained[topic]) == v, topic);
    else
      CHECK(retained[topic] == "nan");
  }
}

TEST_CASE(
    "a feed logs in with a username and password, and a refused login says so and is "
    "retried") {
  std::filesystem::create_directories(kWork + "/auth");
  const std::string pwfile = kWork + "/auth/passwords";
  {
    Process p({find_program("mosquitto_passwd"), "-b", "-c", pwfile, "twin", "s3cret"}, "",
              kWork + "/auth/passwd.out");
    REQUIRE(p.wait(10) == 0);
  }
  Broker broker(kWork + "/auth/broker", 0, "allow_anonymous false\npassword_file " + pwfile + "\n");
  MqttFeedConfig c = test_feed(broker.port(), "plantwin-test-auth");
  c.connection.clean_session = true;
  c.connection.username = "twin";
  c.connection.password = "wrong";
  c.mappings = {mapping("auth/v", "a.v")};
  {
    MqttFeed refused(c);
    Collector none;
    refused.start(none.sink());
    REQUIRE(wait_until([&] { return !refused.last_connection_error().empty(); }, 10));
    CHECK(refused.last_connection_error() ==
          fmt::format("broker 127.0.0.1:{} refused the connection: Connection Refused: not "
                      "authorised.",
                      broker.port()));
    CHECK_FALSE(refused.connected());
  }
  c.connection.password = "s3cret";
  MqttFeed feed(c);
  Collector got;
  feed.start(got.sink());
  REQUIRE(wait_until([&] { return feed.subscribed(); }, 10));
  REQUIRE(pub(broker.port(),
              {"-u", "twin", "-P", "s3cret", "-q", "1", "-t", "auth/v", "-m", "7"}) == 0);
  REQUIRE(wait_until([&] { return got.size() == 1; }, 10));
  CHECK(got.copy()[0].value == 7);
}

TEST_CASE("a feed connects over TLS to a broker whose certificate its CA file vouches for") {
  if (find_program("openssl").empty()) FAIL("openssl is needed (scripts/setup.sh installs it)");
  const std::string dir = kWork + "/tls";
  std::filesystem::create_directories(dir);
  const std::string openssl = find_program("openssl");
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), openssl);
    Process p(args, "", dir + "/openssl.out");
    return p.wait(30);
  };
  std::ofstream(dir + "/san.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  REQUIRE(run({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/ca.key", "-out",
               dir + "/ca.crt", "-days", "2", "-subj", "/CN=plantwin test CA"}) == 0);
  REQUIRE(run({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/server.key", "-out",
               dir + "/server.csr", "-subj", "/CN=localhost"}) == 0);
  REQUIRE(run({"x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.crt", "-CAkey",
               dir + "/ca.key", "-CAcreateserial", "-out", dir + "/server.crt", "-days", "2",
               "-extfile", dir + "/san.ext"}) == 0);
  // The TLS listener replaces the plain one (the broker's first line names the port).
  Broker broker(dir + "/broker", 0,
                "cafile " + dir + "/ca.crt\ncertfile " + dir + "/server.crt\nkeyfile " + dir +
                    "/server.key\n");
  MqttFeedConfig c = test_feed(broker.port(), "plantwin-test-tls");
  c.connection.clean_session = true;
  c.connection.tls.enabled = true;
  c.connection.tls.ca_file = dir + "/ca.crt";
  c.mappings = {mapping("tls/v", "t.v")};
  MqttFeed feed(c);
  Collector got;
  feed.start(got.sink());
  REQUIRE_MESSAGE(wait_until([&] { return feed.subscribed(); }, 10), feed.last_connection_error());
  REQUIRE(pub(broker.port(),
              {"--cafile", dir + "/ca.crt", "-q", "1", "-t", "tls/v", "-m", "42.5"}) == 0);
  REQUIRE(wait_until([&] { return got.size() == 1; }, 10));
  CHECK(got.copy()[0].value == 42.5);

  // Without the CA file the broker's certificate is not trusted: no connection.
  MqttFeedConfig untrusted = c;
  untrusted.connection.client_id = "plantwin-test-tls-untrusted";
  untrusted.connection.tls.ca_file = dir + "/server.crt";
  MqttFeed refused(untrusted);
  Collector none;
  refused.start(none.sink());
  REQUIRE(wait_until([&] { return !refused.last_connection_error().empty(); }, 10));
  CHECK_FALSE(refused.connected());
  CHECK(refused.last_connection_error() ==
        fmt::format("cannot connect to 127.0.0.1:{}: A TLS error occurred.", broker.port()));
}
