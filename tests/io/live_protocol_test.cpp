// The live protocol on its own: what the server formats, the viewer's parser reads back bit for
// bit; malformed lines are skipped and counted; broken limits end the connection with a reason.

#include "plantwin/io/live_protocol.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "plantwin/io/live_publisher.h"
#include "plantwin/models/register.h"
#include "plantwin/scenario.h"

namespace {

using namespace plantwin::io;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

/// Feeds `text` to the parser line by line, as the viewer does after reading them off a socket.
/// Returns how many messages ended ("end" lines).
int feed(LiveParser& p, std::string_view text, bool hello) {
  int ends = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    REQUIRE(nl != std::string_view::npos);  // every message ends its last line
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (hello ? p.hello_line(line) : p.reply_line(line)) ++ends;
  }
  return ends;
}

/// Equal as bits: NaN equals NaN, 0 and -0 differ.
bool same_bits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

LivePlant awkward_plant() {
  LivePlant p;
  p.title = "line\twith a tab\nand a newline \\ and a backslash\r";
  p.components = {
      {"source", "source", 0, 0, kNan},
      {"buffer 1\t(tab)", "buffer", 0.1, -2.5e-300, 10},
      {"m\\n literally", "machine", kNan, 1e300, kNan},
      {"ünïcode €", "machine", -0.0, 5e-324, 1.7976931348623157e308},
  };
  p.links = {{0, 1}, {1, 2}, {2, 3}};
  p.signals = {{"source.created", "parts"}, {"buffer 1\t(tab).level", ""}, {"m.temp", "°C\n"}};
  return p;
}

void check_same(const LivePlant& a, const LivePlant& b) {
  CHECK(a.title == b.title);
  REQUIRE(a.components.size() == b.components.size());
  for (std::size_t i = 0; i < a.components.size(); ++i) {
    CAPTURE(i);
    CHECK(a.components[i].name == b.components[i].name);
    CHECK(a.components[i].type == b.components[i].type);
    CHECK(same_bits(a.components[i].x, b.components[i].x));
    CHECK(same_bits(a.components[i].y, b.components[i].y));
    CHECK(same_bits(a.components[i].capacity, b.components[i].capacity));
  }
  REQUIRE(a.links.size() == b.links.size());
  for (std::size_t i = 0; i < a.links.size(); ++i) {
    CHECK(a.links[i].from == b.links[i].from);
    CHECK(a.links[i].to == b.links[i].to);
  }
  REQUIRE(a.signals.size() == b.signals.size());
  for (std::size_t i = 0; i < a.signals.size(); ++i) {
    CHECK(a.signals[i].name == b.signals[i].name);
    CHECK(a.signals[i].unit == b.signals[i].unit);
  }
}

}  // namespace

TEST_CASE("a greeting formatted and parsed again is the plant it described, bit for bit") {
  const LivePlant plant = awkward_plant();
  const std::string hello = format_hello(plant);
  CHECK(hello.rfind("PLANTWIN 1\n", 0) == 0);
  // Escaped, every item is one line: title, 4 components, 3 links, 3 signals, version, end.
  CHECK(std::count(hello.begin(), hello.end(), '\n') == 13);
  LiveParser p;
  CHECK(feed(p, hello, true) == 1);
  CHECK(p.hello_done());
  CHECK(p.rejected_lines() == 0);
  check_same(p.plant(), plant);
}

TEST_CASE("a frame formatted and parsed again is the frame, bit for bit, nan included") {
  LiveParser p;
  feed(p, format_hello(awkward_plant()), true);
  LiveFrame f;
  f.time = 0.1 + 0.2;  // 0.30000000000000004: needs all 17 digits
  f.complete = false;
  f.values = {kNan, -0.0, std::nextafter(1.0, 2.0)};
  f.events = {{1.5, "buffer 1\t(tab)", "full", ""},
              {2.0 / 3.0, "m\\n literally", "failure", "bearing\tworn\nline two\\"},
              {1e300, "source", "batch", "a\\tb: a backslash and a t, not a tab"}};
  CHECK(feed(p, format_reply(f), false) == 1);
  CHECK(p.rejected_lines() == 0);
  REQUIRE(p.frame_has_values());
  const LiveFrame& g = p.frame();
  CHECK(same_bits(g.time, f.time));
  CHECK(g.complete == f.complete);
  REQUIRE(g.values.size() == f.values.size());
  for (std::size_t i = 0; i < f.values.size(); ++i) CHECK(same_bits(g.values[i], f.values[i]));
  REQUIRE(g.events.size() == f.events.size());
  for (std::size_t i = 0; i < f.events.size(); ++i) {
    CAPTURE(i);
    CHECK(same_bits(g.events[i].time, f.events[i].time));
    CHECK(g.events[i].component == f.events[i].component);
    CHECK(g.events[i].kind == f.events[i].kind);
    CHECK(g.events[i].detail == f.events[i].detail);
  }

  SUBCASE("the next reply starts empty and keeps the last time and status") {
    CHECK(feed(p, "status complete\nend\n", false) == 1);
    CHECK_FALSE(p.frame_has_values());
    CHECK(p.frame().events.empty());
    CHECK(p.frame().complete);
    CHECK(same_bits(p.frame().time, f.time));
  }
}

TEST_CASE("infinities are sent as nan, as every non-finite value") {
  CHECK(format_live_number(std::numeric_limits<double>::infinity()) == "nan");
  CHECK(format_live_number(-std::numeric_limits<double>::infinity()) == "nan");
  CHECK(format_live_number(-kNan) == "nan");
  CHECK(format_live_number(0.1) == "0.10000000000000001");
}

TEST_CASE("text without tabs, newlines or backslashes is sent exactly as before escaping") {
  // What plantwin has always sent (and what an old viewer reads) is unchanged by escaping.
  LivePlant p;
  p.title = "Two stations";
  p.components = {{"m1", "machine", 1, 2, kNan}, {"b1", "buffer", kNan, kNan, 5}};
  p.links = {{0, 1}};
  p.signals = {{"m1.state", ""}, {"b1.level", "parts"}};
  CHECK(format_hello(p) ==
        "PLANTWIN 1\ntitle Two stations\n"
        "component m1\tmachine\t1\t2\tnan\ncomponent b1\tbuffer\tnan\tnan\t5\n"
        "link m1\tb1\nsignal m1.state\t\nsignal b1.level\tparts\nend\n");
  LiveFrame f;
  f.time = 3600;
  f.complete = true;
  f.values = {2, 4.5};
  f.events = {{12.25, "m1", "failure", "mtbf draw"}};
  CHECK(format_reply(f) ==
        "time 3600\nstatus complete\nvalues 2 4.5\nevent 12.25\tm1\tfailure\tmtbf draw\nend\n");
  CHECK(format_refusal("no room") == "error no room\n");
}

TEST_CASE("escaping and unescaping: every escape, and backslashes an old server did not escape") {
  CHECK(escape_live_text("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e");
  CHECK(unescape_live_text("a\\tb\\nc\\rd\\\\e") == "a\tb\nc\rd\\e");
  // Not an escape: kept as it is.
  CHECK(unescape_live_text("C:\\plant\\x") == "C:\\plant\\x");
  CHECK(unescape_live_text("ends in \\") == "ends in \\");
  for (const std::string s : {"", "\\", "\\\\t", "\t\t", "\\\n", "x\\"})
    CHECK(unescape_live_text(escape_live_text(s)) == s);
}

TEST_CASE("an event detail longer than the limit is cut at a character boundary and marked") {
  LiveEvent e{1, "m", "note", std::string(LiveLimits::kMaxDetailBytes - 1, 'a') + "é tail"};
  const std::string line = format_event_line(e);
  CHECK(line.size() < LiveLimits::kMaxDetailBytes + 64);
  LiveParser p;
  feed(p, "PLANTWIN 1\nend\n", true);
  CHECK(feed(p, line + "end\n", false) == 1);
  REQUIRE(p.frame().events.size() == 1);
  // The two bytes of "é" straddle the limit: both go.
  CHECK(p.frame().events[0].detail == std::string(LiveLimits::kMaxDetailBytes - 1, 'a') + " [cut]");
}

TEST_CASE("a greeting or reply line that is malformed is skipped and counted") {
  LiveParser p;
  feed(p,
       "PLANTWIN 1\ntitle t\n"
       "component m\tmachine\tnan\tnan\tnan\n"
       "component \tmachine\tnan\tnan\tnan\n"  // empty name
       "component b\tbuffer\t1\n"              // too few fields
       "component c\tbuffer\t1\t2\t3\t4\n"     // too many
       "component c\tbuffer\tleft\t0\t5\n"     // a position that is no number
       "component d\tbuffer\tinf\t0\t5\n"      // nor infinite
       "component e\tbuffer\t0x10\t0\t5\n"     // nor hexadecimal
       "component m\tbuffer\t0\t0\t5\n"        // a name taken
       "link m\tghost\n"                       // an unknown end
       "link m\n"                              // one end
       "signal \tparts\n"                      // empty name
       "signal a\n"                            // no unit field
       "frobnicate 1\n"                        // an unknown key
       "signal m.state\t\n"
       "end\n",
       true);
  CHECK(p.rejected_lines() == 12);
  CHECK(p.plant().components.size() == 1);
  CHECK(p.plant().signals.size() == 1);
  feed(p,
       "time 1e999\ntime inf\ntime nan\ntime 12abc\ntime \n"
       "status sleepy\nvalues 1 2\nvalues busy\nvalues inf\n"
       "event 4\t\tfailure\t\nevent nan\tm\tfailure\t\nevent 4\tm\n"
       "event 4\tm\tfailure\td\textra\n"
       "hello\n"
       "time 5\nstatus running\nvalues  7 \nevent 5\tm\tfailure\nend\n",
       false);
  CHECK(p.rejected_lines() == 12 + 14);
  CHECK(p.frame().time == 5);
  REQUIRE(p.frame_has_values());
  CHECK(p.frame().values == std::vector<double>{7});
  REQUIRE(p.frame().events.size() == 1);
  CHECK(p.frame().events[0].detail.empty());  // three fields: no detail
}

TEST_CASE("what no client can go on after throws, saying why") {
  SUBCASE("not a plantwin server") {
    LiveParser p;
    CHECK_THROWS_WITH_AS(p.hello_line("HTTP/1.1 400 Bad Request"), "not a plantwin simulation",
                         LiveProtocolError);
  }
  SUBCASE("another version") {
    LiveParser p;
    CHECK_THROWS_WITH_AS(p.hello_line("PLANTWIN 2"), "not a plantwin simulation",
                         LiveProtocolError);
  }
  SUBCASE("a refusal carries the server's reason") {
    LiveParser p;
    CHECK_THROWS_WITH_AS(p.hello_line("error the simulation has no room (at most 16)"),
                         "the simulation has no room (at most 16)", LiveProtocolError);
  }
  SUBCASE("a reply before the greeting") {
    LiveParser p;
    CHECK_THROWS_WITH_AS(p.reply_line("time 1"), "a reply before the greeting ended",
                         LiveProtocolError);
  }
  SUBCASE("a greeting of too many lines") {
    LiveParser p;
    p.hello_line("PLANTWIN 1");
    for (std::size_t i = 0; i < LiveLimits::kMaxHelloLines; ++i) p.hello_line("x");
    CHECK(p.rejected_lines() == LiveLimits::kMaxHelloLines);
    CHECK_THROWS_WITH_AS(p.hello_line("x"), "the simulation's greeting has more than 1000000 lines",
                         LiveProtocolError);
  }
  SUBCASE("a greeting of too many bytes") {
    LiveParser p;
    p.hello_line("PLANTWIN 1");
    const std::string line(LiveLimits::kMaxLineBytes - 1, 'x');  // with its newline: 4 MiB
    std::size_t fed = 0;
    auto feed_lines = [&] {
      for (; fed < 100; ++fed) p.hello_line(line);
    };
    CHECK_THROWS_WITH_AS(feed_lines(), "the simulation's greeting is longer than 64 MiB",
                         LiveProtocolError);
    CHECK(fed == LiveLimits::kMaxHelloBytes / LiveLimits::kMaxLineBytes);
  }
  SUBCASE("a reply of too many bytes or events") {
    LiveParser p;
    feed(p, "PLANTWIN 1\ncomponent m\tmachine\tnan\tnan\tnan\nend\n", true);
    const std::string line = "time 1" + std::string(LiveLimits::kMaxLineBytes - 7, ' ');
    int fed = 0;
    auto feed_lines = [&] {
      for (; fed < 100; ++fed) p.reply_line(line);
    };
    CHECK_THROWS_WITH_AS(feed_lines(), "the simulation sent a reply of more than 64 MiB",
                         LiveProtocolError);
    CHECK(fed == 16);
    LiveParser q;
    feed(q, "PLANTWIN 1\ncomponent m\tmachine\tnan\tnan\tnan\nend\n", true);
    for (std::size_t i = 0; i < LiveLimits::kMaxReplyEvents; ++i) q.reply_line("event 1\tm\tk");
    CHECK(q.frame().events.size() == LiveLimits::kMaxReplyEvents);
    CHECK_THROWS_WITH_AS(q.reply_line("event 1\tm\tk"),
                         "the simulation sent more than 1000000 events in one reply",
                         LiveProtocolError);
  }
}

TEST_CASE("a plant too large for any viewer is refused when the greeting is formatted") {
  LivePlant p;
  p.signals.resize((LiveLimits::kMaxLineBytes - 7) / 25 + 1, LiveSignal{"s", ""});
  CHECK_THROWS_WITH_AS(format_hello(p),
                       "the plant has 167772 signals, too many to serve live (at most 167771)",
                       std::length_error);
  p.signals.pop_back();
  CHECK_NOTHROW(format_hello(p));
}

TEST_CASE("only \"poll\" asks for a frame") {
  CHECK(is_poll_request("poll"));
  CHECK(is_poll_request("poll\r"));
  CHECK_FALSE(is_poll_request("poll "));
  CHECK_FALSE(is_poll_request("POLL"));
  CHECK_FALSE(is_poll_request(""));
  CHECK(kLivePollRequest == "poll\n");
}

TEST_CASE("the publisher describes a compiled model so that the viewer reads it back whole") {
  const auto model = plantwin::compile(
      plantwin::load_scenario_file(PLANTWIN_SOURCE_DIR "/scenarios/body_shop.yaml"),
      plantwin::builtin_registry());
  const LivePlant plant = LivePublisher::describe(*model);
  CHECK(plant.title == model->name());
  CHECK(plant.components.size() == model->size());
  CHECK_FALSE(plant.links.empty());
  CHECK(plant.signals.size() == model->signals().size());
  LiveParser p;
  feed(p, format_hello(plant), true);
  CHECK(p.rejected_lines() == 0);
  check_same(p.plant(), plant);
}

TEST_CASE("history requests: bare, after a time, and lines that are not one") {
  CHECK(parse_history_request("history") == -HUGE_VAL);
  CHECK(parse_history_request("history\r") == -HUGE_VAL);
  CHECK(parse_history_request("history 12.5") == 12.5);
  CHECK(parse_history_request(format_history_request(0.1).substr(0, 25)) == 0.1);
  CHECK(format_history_request(-HUGE_VAL) == "history\n");
  CHECK_FALSE(parse_history_request("history soon"));
  CHECK_FALSE(parse_history_request("history nan"));
  CHECK_FALSE(parse_history_request("historyx"));
  CHECK_FALSE(parse_history_request("poll"));
}

TEST_CASE("history samples and the KPI table read back bit for bit; malformed ones are counted") {
  LivePlant plant = awkward_plant();
  plant.features = {"history", "kpi"};
  LiveParser p;
  feed(p, format_hello(plant), true);
  CHECK(p.rejected_lines() == 0);
  CHECK(p.plant().features == plant.features);
  const std::vector<double> v0 = {1, -0.0, kNan}, v1 = {2, 5e-324, 1e300};
  const std::vector<std::string> samples = {format_sample_line(0, v0), format_sample_line(0.5, v1)};
  const std::vector<LiveKpi> kpis = {{"m\tx", "utilisation", "%", 0.8211, 0.004},
                                     {"line", "throughput", "parts/h", 41.5, kNan}};
  const std::string block = format_kpi_block(kpis);
  std::string reply;
  append_reply(reply, 0.5, false, v1, {}, {samples, true, &block});
  CHECK(feed(p, reply, false) == 1);
  CHECK(p.rejected_lines() == 0);
  const LiveFrame& f = p.frame();
  REQUIRE(f.samples.size() == 2);
  CHECK(f.samples[1].time == 0.5);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(same_bits(f.samples[0].values[i], v0[i]));
    CHECK(same_bits(f.samples[1].values[i], v1[i]));
  }
  CHECK(f.more);
  REQUIRE(f.has_kpis);
  REQUIRE(f.kpis.size() == 2);
  CHECK(f.kpis[0].component == "m\tx");
  CHECK(f.kpis[0].value == 0.8211);
  CHECK(f.kpis[0].half_width == 0.004);
  CHECK(f.kpis[1].unit == "parts/h");
  CHECK(std::isnan(f.kpis[1].half_width));
  // The next reply starts clean.
  feed(p, "time 1\nstatus running\nend\n", false);
  CHECK(p.frame().samples.empty());
  CHECK_FALSE(p.frame().more);
  CHECK_FALSE(p.frame().has_kpis);
  feed(p,
       "sample 1 1 2\n"                    // a value missing
       "sample nan 1 2 3\n"                // no time
       "sample 2 1 2 3\nsample 2 1 2 3\n"  // out of order: the second
       "more please\n"                     // extra text
       "kpi m\tu\t1\tnan\t%\n"             // before its table
       "kpis many\n"                       // not a count
       "kpis 1\nkpi m\t\t1\tnan\t%\n"      // no name
       "kpi m\tu\tx\tnan\t%\n"             // no number
       "end\n",
       false);
  CHECK(p.rejected_lines() == 8);
  CHECK(p.frame().samples.size() == 1);
  CHECK(p.frame().has_kpis);
  CHECK(p.frame().kpis.empty());
}
