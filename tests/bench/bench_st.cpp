// Structured Text interpreter alone: one instance of a compiled program scanned 864,000 times (a
// day of 100 ms scans) with its inputs set before and its outputs read after each scan, as the
// `st` controller does; prints nanoseconds per scan. Issue 11's scan-driven run compares the
// whole run with the plant alone (tests/bench/bench_controllers.sh); this is the interpreter's
// share of it.
//   build/release/tests/bench/bench_st [PROGRAM.st]   (default scenarios/bottling_line.st)

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "plantwin/models/st.h"

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : std::string(PLANTWIN_SOURCE_DIR) + "/scenarios/bottling_line.st";
  std::ifstream in(path);
  if (!in) {
    fmt::print(stderr, "bench_st: cannot read {}\n", path);
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto compiled = plantwin::st::compile(text.str(), path);
  if (!compiled.program) {
    for (const auto& e : compiled.errors)
      fmt::print(stderr, "{}:{}:{}: {}\n", e.file, e.line, e.column, e.message);
    return 1;
  }
  plantwin::st::Instance st(compiled.program);
  std::vector<int> inputs, outputs;
  for (std::size_t i = 0; i < st.variables().size(); ++i) {
    const auto dir = st.variables()[i].dir;
    if (dir == plantwin::st::Instance::Var::Dir::kInput) inputs.push_back(static_cast<int>(i));
    if (dir == plantwin::st::Instance::Var::Dir::kOutput) outputs.push_back(static_cast<int>(i));
  }
  // Inputs move as plant signals do: a level that ramps up and down over 0..69, a state code
  // that is 3 (down) a quarter of the time.
  constexpr int kScans = 864000;
  double checksum = 0;
  double best = 1e9;
  for (int round = 0; round < 5; ++round) {
    plantwin::st::Instance run = st;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kScans; ++i) {
      for (std::size_t k = 0; k < inputs.size(); ++k)
        run.set(inputs[k], k == 0 ? (i / 37) % 70 : ((i / 5000) % 4 == 3 ? 3 : 0));
      run.scan(i * 0.1);
      for (const int o : outputs) checksum += run.get(o);
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, s);
  }
  fmt::print("{}: {} scans, best of 5: {:.1f} ns per scan ({} inputs, {} outputs; checksum {})\n",
             path, kScans, best / kScans * 1e9, inputs.size(), outputs.size(), checksum);
  return 0;
}
