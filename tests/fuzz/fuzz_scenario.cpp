// libFuzzer harness for the scenario loader and compiler: parse, apply an override, compile,
// and read the experiments, expectations, forecast, feeds and publishers, without running.
// Every input must end in a model or a ScenarioError; any other exception, a crash, a hang or
// running out of memory is a bug.
//
// Input: YAML scenario text. A last line "# --set key.path=value" is applied as an override
// (a comment to YAML, so every scenario file is a valid input as it is).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "plantwin/expectations.h"
#include "plantwin/experiment.h"
#include "plantwin/forecast.h"
#include "plantwin/io/modbus_feed.h"
#include "plantwin/io/mqtt.h"
#include "plantwin/io/opcua_feed.h"
#include "plantwin/io/recorded_feed.h"
#include "plantwin/models/register.h"

namespace {

constexpr std::string_view kSetMarker = "# --set ";

// An error text must not carry control characters other than the newlines between its
// diagnostics: every message that quotes input escapes them.
void check_printable(const std::string& text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const plantwin::Registry registry = plantwin::builtin_registry();
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string set;
  if (const auto at = text.rfind(kSetMarker);
      at != std::string::npos && (at == 0 || text[at - 1] == '\n')) {
    set = text.substr(at + kSetMarker.size());
    while (!set.empty() && (set.back() == '\n' || set.back() == '\r')) set.pop_back();
    text.resize(at);
  }
  try {
    // Relative data paths resolve as for the shipped scenarios (../data/...).
    plantwin::Scenario s =
        plantwin::load_scenario_text(text, "fuzz.yaml", PLANTWIN_SOURCE_DIR "/scenarios");
    if (!set.empty()) plantwin::apply_override(s, set);
    const auto model = plantwin::compile(s, registry);
    plantwin::parse_experiment(s);
    plantwin::parse_expectations(s, *model);
    plantwin::parse_forecast(s, *model);
    plantwin::io::parse_recorded_feeds(s, *model);  // reads no file
    // The live feeds' and publishers' keys, as plantwin run --live reads them (cli/live_feeds).
    plantwin::Diagnostics diag;
    if (const plantwin::Node* feeds = s.root.find("feeds"); feeds && feeds->is_map())
      for (const auto& [name, node] : feeds->entries) {
        const plantwin::Node* type = node.is_map() ? node.find("type") : nullptr;
        const std::string t = type && type->is_scalar() ? type->scalar : "";
        if (t == "mqtt") plantwin::io::parse_mqtt_feed(node, "feeds." + name, diag, s.base_dir);
        if (t == "modbus") plantwin::io::parse_modbus_feed(node, "feeds." + name, diag);
        if (t == "opcua")
          plantwin::io::parse_opcua_feed(node, "feeds." + name, diag, s.base_dir, model.get());
      }
    if (const plantwin::Node* publish = s.root.find("publish"); publish && publish->is_map())
      for (const auto& [name, node] : publish->entries)
        plantwin::io::parse_mqtt_publisher(node, "publish." + name, diag, s.base_dir);
    diag.throw_if_any();
  } catch (const plantwin::ScenarioError& e) {
    check_printable(e.what());
  }
  return 0;
}
