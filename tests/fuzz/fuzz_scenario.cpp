// libFuzzer harness for the scenario loader and compiler: parse, apply an override, compile and
// read the experiments, without running. Every input must end in a model or a ScenarioError;
// any other exception, a crash, a hang or running out of memory is a bug.
//
// Input: YAML scenario text. A last line "# --set key.path=value" is applied as an override
// (a comment to YAML, so every scenario file is a valid input as it is).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "plantwin/expectations.h"
#include "plantwin/experiment.h"
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
  } catch (const plantwin::ScenarioError& e) {
    check_printable(e.what());
  }
  return 0;
}
