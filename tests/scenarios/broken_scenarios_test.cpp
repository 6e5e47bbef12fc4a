// A catalogue of broken scenarios. Each must be refused before the run starts with an error
// that names the file, line and column, the key path, and what was expected and found.

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support.h"

using namespace plantwin;
using plantwin::test::compile_error;

namespace {

// The catalogue lives in tests/scenarios/broken/, one file per case, shared with the fuzzer's
// seed corpus (tests/fuzz/). Each file starts with comment lines: what it shows, the expected
// error ("# error: ..." a substring of the error text) and optionally the number of errors
// ("# errors: N"). Line numbers in the expected text count from the first line after them.
struct Broken {
  std::string file;
  std::string yaml;
  std::string error;
  int errors = 0;  // 0: any number
};

std::vector<Broken> catalogue() {
  std::vector<Broken> out;
  std::vector<std::filesystem::path> files;
  for (const auto& e :
       std::filesystem::directory_iterator(PLANTWIN_SOURCE_DIR "/tests/scenarios/broken"))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    Broken b;
    b.file = f.filename().string();
    std::string text = ss.str();
    while (text.rfind("#", 0) == 0) {
      const auto nl = text.find('\n');
      const std::string line = text.substr(0, nl);
      if (line.rfind("# error: ", 0) == 0) b.error = line.substr(9);
      if (line.rfind("# errors: ", 0) == 0) b.errors = std::stoi(line.substr(10));
      text = nl == std::string::npos ? "" : text.substr(nl + 1);
    }
    b.yaml = text;
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

TEST_CASE("every broken scenario in the catalogue is refused with its error text") {
  const auto cases = catalogue();
  CHECK(cases.size() >= 58);
  for (const auto& b : cases) {
    CAPTURE(b.file);
    REQUIRE(!b.error.empty());
    const std::string err = compile_error(b.yaml);
    CAPTURE(err);
    CHECK(err.find(b.error) != std::string::npos);
    if (b.errors > 0) CHECK(std::count(err.begin(), err.end(), '\n') + 1 == b.errors);
  }
}

TEST_CASE("all errors of a scenario are reported together, in one pass") {
  const std::string err = compile_error(R"Y(horizon: 1 h
components:
  s: {type: source, rate: fast}
  m: {type: machine, process_time: exponential(-1 s), scrap: 2}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y");
  CHECK(err.find("components.s.rate") != std::string::npos);
  CHECK(err.find("components.m.process_time") != std::string::npos);
  CHECK(err.find("components.m.scrap") != std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 2);
}

namespace {
const char* const kLine = R"Y(horizon: 8 h
components:
  s: {type: source, rate: 20 /h}
  m: {type: machine, process_time: 1 min, ttf: exponential(2 h), ttr: 5 min}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y";
}  // namespace

TEST_CASE("an override is held to the same limits as the file") {
  SUBCASE("a recursive alias") {
    CHECK(compile_error(kLine, {"x=&a {y: *a}"}) ==
          "--set x=&a {y: *a}: x: the value is not valid YAML: this value contains itself (an "
          "alias *name inside its own anchor &name)");
  }
  SUBCASE("a value without its unit names only that key") {
    CHECK(compile_error(kLine, {"components.m.process_time=0.55"}) ==
          "--set components.m.process_time=0.55: components.m.process_time: expected a "
          "distribution such as \"exponential(45 s)\" or a duration (e.g. \"45 s\"), got \"0.55\"");
  }
  SUBCASE("a key of a component the scenario does not have") {
    CHECK(compile_error(kLine, {"components.mm.process_time=1 s"}) ==
          "--set components.mm.process_time=1 s: components.mm: no component \"mm\" in the "
          "scenario (did you mean \"m\"?); to add one, give its type too "
          "(components.mm.type=...)");
  }
}

TEST_CASE("full day names and compound durations are accepted") {
  const std::string yaml = std::string(kLine) +
                           "shifts: {days: [monday, Tuesday, wed], periods: "
                           "[\"06:00-14:00\"]}\n";
  CHECK(compile_error(yaml, {"horizon=1d11h"}) == "");
  CHECK(compile_error(yaml, {"horizon=1 d 11 h"}) == "");
  CHECK(
      compile_error(yaml, {"shifts.days=[mondy]"})
          .find("shifts.days[0]: expected a day (mon ... sun or monday ... sunday), got \"mondy\" "
                "(did you mean \"mon\"?)") != std::string::npos);
}
