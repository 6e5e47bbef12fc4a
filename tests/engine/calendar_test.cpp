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

// A random sequence of operations, in the shares given, checked against a sorted list after
// each one.
static void check_against_reference(double schedule_share, double cancel_share, double move_share) {
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
    if (u < schedule_share || live.empty()) {
      const double t = now + std::floor(rng.uniform() * 20);  // many ties
      live.push_back({t, next_order++, next_kind, c.schedule(t, 0, next_kind)});
      ++next_kind;
    } else if (u < schedule_share + cancel_share) {
      const auto i = static_cast<std::size_t>(rng.uniform() * static_cast<double>(live.size()));
      REQUIRE(c.cancel(live[i].h));
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (u < schedule_share + cancel_share + move_share) {
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
    REQUIRE(c.memory_entries() <= 2 * live.size() + 66);  // stale entries are swept out
    // The next time is right also while the root is empty (after a pop, before a schedule).
    double next = Calendar::kNever;
    for (const Ref& r : live) next = std::min(next, r.t);
    REQUIRE(c.next_time() == next);
  }
}

TEST_CASE("random schedule, cancel, reschedule and pop sequences match a sorted reference") {
  check_against_reference(0.5, 0.15, 0.05);
}

TEST_CASE("a calendar that cancels and moves most of its events still matches the reference") {
  // Cancelled and moved events leave stale entries behind: dropped at the root, and swept out
  // together once they outnumber the live ones.
  check_against_reference(0.45, 0.4, 0.1);
}

TEST_CASE("cancelling far-future events over and over keeps the heap at its live size") {
  Calendar c;
  c.schedule(1, 0, 0);
  std::uint32_t max_slot = 0;
  for (int round = 0; round < 100000; ++round) {
    // A failure drawn far ahead and cancelled by a repair, as a machine's would be.
    const auto h = c.schedule(1e9 + round, 0, 1);
    max_slot = std::max(max_slot, h.slot);
    REQUIRE(c.cancel(h));
    REQUIRE(c.size() == 1);
  }
  CHECK(max_slot < 2);
  CHECK(c.memory_entries() <= 65 + 1);  // swept once more than 64 are stale; one live
  CHECK(c.pop().kind == 0);
  CHECK(c.empty());
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
