// The OPC UA feed without its bridge: the scenario keys it reads, the CONFIG it writes for
// bridge/opcua/bridge.js, and what it does with each line the bridge writes (samples, counters,
// connection state). The feed with a real bridge and plant server: tests/cli/opcua_live_test.py.

#include <doctest/doctest.h>

#include <vector>

#include <fmt/format.h>

#include "plantwin/io/opcua_feed.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::io;

namespace {

const char* kTwin = R"(name: opcua
horizon: 1 h
components:
  room: {type: thermal, capacitance: 2 MJ/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         initial: 8 degC, sync: {process_noise: 4e-5, measurement_sd: 0.2}}
feeds:
  plc:
    type: opcua
    endpoint: opc.tcp://127.0.0.1:48400/plant
    nodes:
      - {node: "ns=1;s=Room.Temp", target: room.temperature, sampling: 0 ms, min: -40, max: 60}
      - {node: "ns=2;i=5", target: room.heat_input, kind: set, sampling: 2 s}
    serve: {port: 0}
    pki_dir: pki
)";

struct Parsed {
  std::shared_ptr<const Model> model;
  OpcuaFeedConfig config;
  std::vector<std::string> errors;
};

Parsed parse(const std::string& yaml) {
  Parsed p;
  p.model = test::compile_text(yaml);
  Diagnostics diag;
  const Node* feed = p.model->scenario().root.find("feeds")->find("plc");
  p.config = parse_opcua_feed(*feed, "feeds.plc", diag, "/scenarios", p.model.get());
  for (const auto& d : diag.items()) p.errors.push_back(d.path + ": " + d.message);
  return p;
}

std::string with_node(const std::string& id) {
  std::string yaml = kTwin;
  yaml.replace(yaml.find("ns=1;s=Room.Temp"), 16, id);
  return yaml;
}

}  // namespace

TEST_CASE("an opcua feed's keys become the bridge's CONFIG, the pki folder beside the scenario") {
  const Parsed p = parse(kTwin);
  REQUIRE(p.errors.empty());
  CHECK(p.config.name == "plc");
  REQUIRE(p.config.mappings.size() == 2);
  CHECK(p.config.mappings[0].sampling_ms == 0);
  CHECK(p.config.mappings[1].kind == FeedSample::Kind::kSet);
  CHECK(opcua_bridge_config_json(p.config) ==
        "{\n  \"serve\": {\"host\": \"127.0.0.1\", \"port\": 0},\n  \"subscribe\": [\n"
        "    {\"endpoint\": \"opc.tcp://127.0.0.1:48400/plant\", \"node\": \"ns=1;s=Room.Temp\", "
        "\"target\": \"room.temperature\", \"sampling_ms\": 0},\n"
        "    {\"endpoint\": \"opc.tcp://127.0.0.1:48400/plant\", \"node\": \"ns=2;i=5\", "
        "\"target\": \"room.heat_input\", \"sampling_ms\": 2000}\n  ],\n"
        "  \"pki_dir\": \"/scenarios/pki\"\n}\n");
}

TEST_CASE("a node id in a string that JSON must escape arrives as written") {
  Parsed p = parse(with_node("ns=1;s=A\\\"B\\\\C"));
  REQUIRE(p.errors.empty());
  CHECK(p.config.mappings[0].node == "ns=1;s=A\"B\\C");
  CHECK(opcua_bridge_config_json(p.config).find(R"("node": "ns=1;s=A\"B\\C")") !=
        std::string::npos);
}

TEST_CASE("node ids are checked in the forms the bridge reads") {
  for (const char* good : {"i=2258", "ns=2;i=5", "ns=1;s=Press 2.T", "s=x",
                           "ns=1;g=12345678-abcd-ABCD-1234-123456789abc", "ns=1;b=AAEC/+=="}) {
    CAPTURE(good);
    CHECK(parse(with_node(good)).errors.empty());
  }
  for (const char* bad : {"ns=1;i=abc", "ns=70000;i=1", "i=4294967296", "x=1", "ns=1;g=1234",
                          "ns=1;b=not base64", "ns=1", "Temperature", "ns=1;s="}) {
    CAPTURE(bad);
    const auto errors = parse(with_node(bad)).errors;
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == fmt::format("feeds.plc.nodes[0].node: expected an OPC UA node id such as "
                                   "\"ns=1;s=Press2.Temperature\" or \"i=2258\" ([ns=N;]i=N, "
                                   "s=TEXT, g=GUID or b=BASE64), got \"{}\"",
                                   bad));
  }
}

TEST_CASE("the bridge's value lines become samples; what the feed cannot use is counted") {
  const Parsed p = parse(kTwin);
  REQUIRE(p.errors.empty());
  OpcuaFeed feed(p.config, *p.model);
  std::vector<FeedSample> got;
  feed.set_sink([&](FeedSample s) { got.push_back(std::move(s)); });
  feed.handle_line("value\troom.temperature\t4.25\t1767225600.125");
  feed.handle_line("value\troom.heat_input\t7\t1767225600.200");
  feed.handle_line("value\troom.temperature\t4\t1767225600.000");    // older: late, applied
  feed.handle_line("value\troom.temperature\tnan\t1767225601.000");  // a Bad status
  feed.handle_line("value\troom.temperature\t99\t1767225601.000");   // outside [-40, 60]
  feed.handle_line("value\tghost.temperature\t1\t1767225601.000");
  feed.handle_line("value\troom.temperature\tfour\t1767225601.000");
  feed.handle_line("value\troom.temperature\t4");
  feed.handle_line("value\troom.temperature\t4\tsoon");
  feed.handle_line("hello");
  REQUIRE(got.size() == 3);
  CHECK(got[0].target == "room.temperature");
  CHECK(got[0].value == 4.25);
  CHECK(got[0].source_time == 1767225600.125);
  CHECK(got[0].kind == FeedSample::Kind::kMeasure);
  CHECK(got[0].feed == "plc");
  CHECK(got[1].target == "room.heat_input");
  CHECK(got[1].kind == FeedSample::Kind::kSet);
  CHECK(got[2].value == 4);
  const FeedCounters& c = feed.counters();
  CHECK(c.received == 10);
  CHECK(c.applied == 3);
  CHECK(c.late == 1);
  CHECK(c.malformed == 5);
  CHECK(c.out_of_range == 1);
  CHECK(c.unknown == 1);
}

TEST_CASE("status lines drive connected and count a connection made again as a reconnect") {
  const Parsed p = parse(kTwin);
  OpcuaFeed feed(p.config, *p.model);
  const std::string ep = "status\topc.tcp://127.0.0.1:48400/plant\t";
  feed.handle_line(ep + "reconnecting\tconnecting");
  CHECK_FALSE(feed.connected());
  feed.handle_line(ep + "connected\tsubscribed to 2 node(s)");
  CHECK(feed.connected());
  CHECK(feed.counters().reconnects == 0);
  feed.handle_line(ep + "disconnected\tconnection lost");
  CHECK_FALSE(feed.connected());
  feed.handle_line(ep + "reconnecting\tretrying");
  feed.handle_line(ep + "connected\tsession restored");
  CHECK(feed.connected());
  CHECK(feed.counters().reconnects == 1);
  feed.handle_line(ep + "sleeping\t");
  CHECK(feed.counters().malformed == 1);
  feed.handle_line("ready\topc.tcp://127.0.0.1:4840/plantwin");
  CHECK(feed.server_url() == "opc.tcp://127.0.0.1:4840/plantwin");
  CHECK(feed.error().empty());
  feed.handle_line("error\tOPC UA server: cannot listen on 127.0.0.1:4840: EADDRINUSE");
  CHECK(feed.error() == "OPC UA server: cannot listen on 127.0.0.1:4840: EADDRINUSE");
  CHECK_FALSE(feed.connected());
}
