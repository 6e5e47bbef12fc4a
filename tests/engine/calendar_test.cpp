#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "plantwin/calendar.h"
#include "plantwin/random.h"

using namespace plantwin;

TEST_CASE("events come out ordered by time, then priority, then insertion order") {
  Calendar c;
  c.schedule(5.0, 0, 1);
  c.schedule(1.0, 0, 2);
  c.schedule(5.0, 0, 3, 0, -1);  // same time, runs first by priority
  c.schedule(5.0, 0, 4);         // same time and priority as kind 1: after it
  c.schedule(0.5, 0, 5);
  std::vector<int> kinds;
  while (!c.empty()) kinds.push_back(c.pop().kind);
  CHECK(kinds == std::vector<int>{5, 2, 3, 1, 4});
}

TEST_CASE("a cancelled event never fires and its handle reports not pending") {
  Calendar c;
  auto a = c.schedule(1.0, 0, 1);
  auto b = c.schedule(2.0, 0, 2);
  CHECK(c.pending(a));
  CHECK(c.cancel(a));
  CHECK_FALSE(c.pending(a));
  CHECK_FALSE(c.cancel(a));
  CHECK(c.pop().kind == 2);
  CHECK_FALSE(c.pending(b));
  CHECK(c.empty());
}

TEST_CASE("a rescheduled event moves and keeps its payload") {
  Calendar c;
  auto a = c.schedule(1.0, 7, 1, 42);
  c.schedule(2.0, 0, 2);
  CHECK(c.reschedule(a, 3.0));
  CHECK(c.time_of(a) == 3.0);
  CHECK(c.pop().kind == 2);
  const Event e = c.pop();
  CHECK(e.kind == 1);
  CHECK(e.arg == 42);
  CHECK(e.target == 7);
  CHECK(e.time == 3.0);
}

TEST_CASE("a handle to a fired event stays safe when its slot is reused") {
  Calendar c;
  auto a = c.schedule(1.0, 0, 1);
  c.pop();
  auto b = c.schedule(2.0, 0, 2);  // reuses a's slot
  CHECK(a.slot == b.slot);
  CHECK_FALSE(c.pending(a));
  CHECK_FALSE(c.cancel(a));
  CHECK(c.pending(b));
}

TEST_CASE("random schedule, cancel, reschedule and pop sequences match a sorted reference") {
  Calendar c;
  Rng rng(7);
  struct Ref {
    double t;
    int order;  // insertion number: a rescheduled event sorts as newly inserted
    int kind;
    EventHandle h;
  };
  std::vector<Ref> live;
  int next_order = 0, next_kind = 0;
  double now = 0;
  for (int step = 0; step < 20000; ++step) {
    const double u = rng.uniform();
    if (u < 0.5 || live.empty()) {
      const double t = now + std::floor(rng.uniform() * 20);  // many ties
      live.push_back({t, next_order++, next_kind, c.schedule(t, 0, next_kind)});
      ++next_kind;
    } else if (u < 0.65) {
      const auto i = static_cast<std::size_t>(rng.uniform() * static_cast<double>(live.size()));
      REQUIRE(c.cancel(live[i].h));
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (u < 0.7) {
      const auto i = static_cast<std::size_t>(rng.uniform() * static_cast<double>(live.size()));
      const double t = now + std::floor(rng.uniform() * 20);
      REQUIRE(c.reschedule(live[i].h, t));
      REQUIRE(c.time_of(live[i].h) == t);
      live[i].t = t;
      live[i].order = next_order++;
    } else {
      // Expected next: smallest time, then smallest insertion number.
      auto it = std::min_element(live.begin(), live.end(), [](const Ref& a, const Ref& b) {
        return a.t < b.t || (a.t == b.t && a.order < b.order);
      });
      const Event e = c.pop();
      REQUIRE(e.kind == it->kind);
      REQUIRE(e.time == it->t);
      now = e.time;
      live.erase(it);
    }
    REQUIRE(c.size() == live.size());
    // The next time is right also while the root is empty (after a pop, before a schedule).
    double next = Calendar::kNever;
    for (const Ref& r : live) next = std::min(next, r.t);
    REQUIRE(c.next_time() == next);
  }
}

TEST_CASE("the slot pool stops growing once it holds the peak number of pending events") {
  Calendar c;
  for (int i = 0; i < 100; ++i) c.schedule(i, 0, i);
  std::uint32_t max_slot = 0;
  for (int round = 0; round < 10000; ++round) {
    const Event e = c.pop();
    const auto h = c.schedule(e.time + 100, 0, e.kind);
    max_slot = std::max(max_slot, h.slot);
  }
  CHECK(max_slot < 100);
}
