// The viewer's diagram layout for plants of 200 and 1,000 components without positions (a
// few long lines with buffers, branches across them, loops back, and sensors outside the
// flow), and for 200 given `position:`; prints the time per layout. Target (issue 15): 200
// components in under 50 ms.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "layout.h"

using plantwin::viewer::ComponentInfo;

namespace {

struct Plant {
  std::vector<ComponentInfo> components;
  std::vector<std::pair<int, int>> links;
};

Plant make_plant(int n, bool positions) {
  std::mt19937 rng(42);
  Plant p;
  auto add = [&](std::string name, std::string type) {
    const double x = positions ? static_cast<double>(p.components.size() % 20) : NAN;
    const double y = positions ? static_cast<double>(p.components.size() / 20) : NAN;
    p.components.push_back({std::move(name), std::move(type), x, y, NAN});
    return static_cast<int>(p.components.size()) - 1;
  };
  const int lines = std::max(1, n / 50), per_line = n * 4 / 5 / lines;
  for (int l = 0; l < lines; ++l) {
    int prev = add("source_of_line_" + std::to_string(l), "source");
    for (int k = 0; k < per_line; ++k) {
      const int c =
          add("line_" + std::to_string(l) + (k % 2 ? "_buffer_" : "_station_") + std::to_string(k),
              k % 2 ? "buffer" : "machine");
      p.links.push_back({prev, c});
      if (k > 4 && rng() % 9 == 0) p.links.push_back({c, prev - 2});
      if (l > 0 && rng() % 11 == 0) p.links.push_back({c - per_line - 1, c});
      prev = c;
    }
  }
  while (static_cast<int>(p.components.size()) < n)
    add("vibration_sensor_" + std::to_string(p.components.size()), "sensor");
  return p;
}

void run(const char* what, int n, bool positions) {
  const Plant p = make_plant(n, positions);
  constexpr int kRepeats = 20;
  std::vector<double> ms;
  for (int r = 0; r < kRepeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto placement = plantwin::viewer::layout(p.components, p.links);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (placement.nodes.size() != p.components.size()) std::printf("layout lost components\n");
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-36s components: %5zu  links: %5zu  layout_ms median: %.3f  max: %.3f\n", what,
              p.components.size(), p.links.size(), ms[ms.size() / 2], ms.back());
}

}  // namespace

int main() {
  run("200 components, layered", 200, false);
  run("200 components, given positions", 200, true);
  run("1,000 components, layered", 1000, false);
  run("1,000 components, given positions", 1000, true);
  std::printf("target: 200 components in under 50 ms\n");
  return 0;
}
