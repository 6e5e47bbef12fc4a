// The plant diagram's layout on its own: no two components' boxes, value lines or names
// overlap, whatever the plant (a long line, a line given `position: [i, 0]`, 200 components
// with branches, merges, loops and sensors); links are orthogonal and end at their target.

#include "layout.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace {

using plantwin::viewer::ComponentInfo;
using plantwin::viewer::layout;
using plantwin::viewer::Placement;
using plantwin::viewer::Rect;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

struct Plant {
  std::vector<ComponentInfo> components;
  std::vector<std::pair<int, int>> links;
  int add(std::string name, std::string type) {
    components.push_back({std::move(name), std::move(type), kNan, kNan, kNan});
    return static_cast<int>(components.size()) - 1;
  }
};

/// A line of `stations` machines with buffers between them, names as long as real ones.
Plant line(int stations) {
  Plant p;
  int prev = p.add("incoming_bodies", "source");
  for (int i = 0; i < stations; ++i) {
    const int m = p.add("station_" + std::to_string(i) + "_labeller_and_capper_unit", "machine");
    p.links.push_back({prev, m});
    prev = m;
    if (i + 1 < stations) {
      const int b = p.add("buffer_after_station_" + std::to_string(i), "buffer");
      p.links.push_back({prev, b});
      prev = b;
    }
  }
  const int out = p.add("outgoing_pallets", "sink");
  p.links.push_back({prev, out});
  return p;
}

std::string fmt_name(int l, int k) {
  return "line_" + std::to_string(l) + (k % 2 ? "_buffer_" : "_station_") + std::to_string(k);
}

/// Every pair of components' rectangles (box, value line, label), and returns how many
/// overlap; the first few are reported.
int overlaps(const Placement& pl, const Plant& plant) {
  int bad = 0;
  for (std::size_t a = 0; a < pl.nodes.size(); ++a)
    for (std::size_t b = a + 1; b < pl.nodes.size(); ++b)
      for (const Rect& ra : {pl.nodes[a].box, pl.nodes[a].value_box, pl.nodes[a].label_box})
        for (const Rect& rb : {pl.nodes[b].box, pl.nodes[b].value_box, pl.nodes[b].label_box})
          if (ra.overlaps(rb)) {
            if (++bad <= 5)
              MESSAGE(plant.components[a].name << " overlaps " << plant.components[b].name);
          }
  return bad;
}

/// Routes are orthogonal and end on the left side of their target, entering it from the left.
void check_routes(const Placement& pl, const Plant& plant) {
  REQUIRE(pl.routes.size() == plant.links.size());
  for (std::size_t k = 0; k < plant.links.size(); ++k) {
    const auto& r = pl.routes[k];
    REQUIRE(r.size() >= 2);
    for (std::size_t i = 1; i < r.size(); ++i)
      CHECK((r[i].x == r[i - 1].x || r[i].y == r[i - 1].y));
    const Rect& to = pl.nodes[static_cast<std::size_t>(plant.links[k].second)].box;
    const Rect& from = pl.nodes[static_cast<std::size_t>(plant.links[k].first)].box;
    CHECK(r.back().x == to.x0);
    CHECK(r.back().y == doctest::Approx((to.y0 + to.y1) / 2));
    CHECK(r[r.size() - 2].x < to.x0);
    CHECK(r.front().x == from.x1);
  }
}

}  // namespace

TEST_CASE("a 13-station line without positions: every name whole or elided, nothing overlaps") {
  const Plant p = line(13);
  const Placement pl = layout(p.components, p.links);
  CHECK_FALSE(pl.from_positions);
  CHECK(overlaps(pl, p) == 0);
  check_routes(pl, p);
  for (std::size_t i = 0; i < p.components.size(); ++i) {
    const auto& n = pl.nodes[i];
    std::string joined;
    for (const auto& l : n.label) joined += l;
    if (n.elided) {
      CHECK(joined.size() >= 4);
      CHECK(joined.substr(joined.size() - 2) == "..");
    } else {
      CHECK(joined == p.components[i].name);
    }
    CHECK(n.label.size() <= 2);
    // Each line fits the label's box, which stays inside the component's column.
    for (const auto& l : n.label)
      CHECK(static_cast<float>(l.size()) * pl.metrics.char_w <=
            n.label_box.x1 - n.label_box.x0 + 0.01f);
  }
  // 27 layers wrap into rows: the drawing is wider than high, but not a ribbon.
  const float w = pl.bounds.x1 - pl.bounds.x0, h = pl.bounds.y1 - pl.bounds.y0;
  CHECK(w / h > 1.0f);
  CHECK(w / h < 4.0f);
}

TEST_CASE("a line given position [i, 0] is spread so that its cells do not collide") {
  Plant p = line(13);
  for (std::size_t i = 0; i < p.components.size(); ++i) {
    p.components[i].x = static_cast<double>(i);
    p.components[i].y = 0;
  }
  SUBCASE("unit steps") {}
  SUBCASE("metres, some components at one place") {
    for (std::size_t i = 0; i < p.components.size(); ++i) p.components[i].x = 2.5 * (i / 2);
  }
  const Placement pl = layout(p.components, p.links);
  CHECK(pl.from_positions);
  CHECK(overlaps(pl, p) == 0);
  check_routes(pl, p);
}

TEST_CASE("200 components with branches, merges, loops and sensors: no overlap, orthogonal links") {
  for (const unsigned seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    Plant p;
    // Four lines of 40 that split, merge, and loop back (rework), then 40 sensors outside.
    std::vector<int> ends;
    for (int l = 0; l < 4; ++l) {
      int prev = p.add("source_of_line_" + std::to_string(l), "source");
      for (int k = 0; k < 38; ++k) {
        const int c = p.add(fmt_name(l, k), k % 2 ? "buffer" : "machine");
        p.links.push_back({prev, c});
        if (k > 4 && rng() % 7 == 0) p.links.push_back({c, prev - 2});  // a loop back
        if (l > 0 && rng() % 9 == 0) p.links.push_back({c - 40, c});    // a merge across
        prev = c;
      }
      ends.push_back(prev);
    }
    const int sink = p.add("shipping", "sink");
    for (const int e : ends) p.links.push_back({e, sink});
    while (p.components.size() < 200)
      p.add("vibration_sensor_" + std::to_string(p.components.size()), "sensor");
    REQUIRE(p.components.size() == 200);
    const auto t0 = std::chrono::steady_clock::now();
    const Placement pl = layout(p.components, p.links);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("layout of 200 components: " << ms << " ms");
    CHECK(overlaps(pl, p) == 0);
    check_routes(pl, p);
    int outside = 0;
    for (const auto& n : pl.nodes) outside += n.in_flow ? 0 : 1;
    CHECK(outside == 200 - 157);
  }
}

TEST_CASE("labels wrap after separators and are elided past their lines") {
  std::vector<std::string> out;
  using plantwin::viewer::wrap_label;
  CHECK_FALSE(wrap_label("press", 10, 2, out));
  CHECK(out == std::vector<std::string>{"press"});
  CHECK_FALSE(wrap_label("underbody_weld_cell", 10, 2, out));
  CHECK(out == std::vector<std::string>{"underbody_", "weld_cell"});
  CHECK(wrap_label("underbody_weld_cell_number_two", 10, 2, out));
  CHECK(out == std::vector<std::string>{"underbody_", "weld_cel.."});
  CHECK_FALSE(wrap_label("abcdefghijklmnop", 10, 2, out));  // no separator: cut at the width
  CHECK(out == std::vector<std::string>{"abcdefghij", "klmnop"});
  CHECK(wrap_label("ääääääääää", 10, 1, out));  // 20 bytes: never cut inside a character
  CHECK(out[0] == "ääää..");
}

namespace {

float centre_distance(const Rect& a, const Rect& b) {
  return std::hypot((a.x0 + a.x1) / 2 - (b.x0 + b.x1) / 2, (a.y0 + a.y1) / 2 - (b.y0 + b.y1) / 2);
}

}  // namespace

TEST_CASE(
    "sensors sit next to what they observe and crews next to what they serve, nothing overlaps") {
  using plantwin::viewer::next_to_distance;
  Plant p = line(6);
  // Every machine has a vibration sensor; one crew serves all the machines; an alarm observes
  // nothing drawn.
  std::vector<std::pair<int, int>> attached;
  std::vector<std::pair<int, int>> sensors;  // sensor, machine
  std::vector<int> machines;
  for (int i = 0; i < static_cast<int>(p.components.size()); ++i)
    if (p.components[static_cast<std::size_t>(i)].type == "machine") machines.push_back(i);
  for (const int m : machines) {
    std::string name = p.components[static_cast<std::size_t>(m)].name;
    name += "_vibration";  // appended: GCC 12 misreads `a + "b"` under -O2 (-Wrestrict)
    const int s = p.add(name, "sensor");
    attached.emplace_back(s, m);
    sensors.emplace_back(s, m);
  }
  const int crew = p.add("maintenance_crew", "crew");
  for (const int m : machines) attached.emplace_back(crew, m);
  const int alarm = p.add("line_alarm", "alarm");
  const Placement pl = layout(p.components, p.links, {}, attached);
  CHECK(overlaps(pl, p) == 0);
  check_routes(pl, p);
  const float limit = next_to_distance(pl.metrics);
  for (const auto& [s, m] : sensors) {
    const auto& node = pl.nodes[static_cast<std::size_t>(s)];
    CAPTURE(p.components[static_cast<std::size_t>(s)].name);
    CHECK(node.next_to == m);
    CHECK(centre_distance(node.box, pl.nodes[static_cast<std::size_t>(m)].box) <= limit);
  }
  // The crew by one of its machines, the middle one from left to right where that is free.
  const int by = pl.nodes[static_cast<std::size_t>(crew)].next_to;
  REQUIRE(by >= 0);
  CHECK(std::find(machines.begin(), machines.end(), by) != machines.end());
  CHECK(centre_distance(pl.nodes[static_cast<std::size_t>(crew)].box,
                        pl.nodes[static_cast<std::size_t>(by)].box) <= limit);
  // Outside the flow and tied to nothing: the rows below everything.
  const auto& a = pl.nodes[static_cast<std::size_t>(alarm)];
  CHECK(a.next_to == -1);
  for (const auto& node : pl.nodes)
    if (&node != &a) CHECK(a.box.y0 > node.box.y0);
}

TEST_CASE("a sensor with no free cell next to its component goes to the rows below") {
  // One machine with eight sensors: the eight cells around it, then no room.
  Plant p;
  const int src = p.add("in", "source"), m = p.add("press", "machine"), out = p.add("out", "sink");
  p.links = {{src, m}, {m, out}};
  std::vector<std::pair<int, int>> attached;
  for (int i = 0; i < 7; ++i) {
    std::string name = "s";
    name += std::to_string(i);
    attached.emplace_back(p.add(name, "sensor"), m);
  }
  const Placement pl = layout(p.components, p.links, {}, attached);
  CHECK(overlaps(pl, p) == 0);
  int next = 0, below = 0;
  for (const auto& [s, target] : attached) {
    const auto& node = pl.nodes[static_cast<std::size_t>(s)];
    if (node.next_to == target) {
      ++next;
      CHECK(centre_distance(node.box, pl.nodes[static_cast<std::size_t>(m)].box) <=
            plantwin::viewer::next_to_distance(pl.metrics));
    } else {
      ++below;
    }
  }
  // Above, below and the four diagonals are free; beside it are the source and the sink.
  CHECK(next == 6);
  CHECK(below == 1);
}
