#pragma once
/// The event calendar: a 4-ary heap ordered by (time, priority, insertion sequence).
///
/// Ties in time run lower priority first, then in insertion order, so a run is reproducible
/// to the bit. Event records live in a slot pool that is reused, so scheduling does not
/// allocate once the pool has grown to the run's peak number of pending events. Any pending
/// event can be cancelled or moved through its handle in O(log n).

#include <cstdint>
#include <limits>
#include <vector>

namespace plantwin {

/// Refers to one scheduled event. Stays safe to use after the event fired or was cancelled:
/// the calendar then reports it as not pending.
struct EventHandle {
  std::uint32_t slot = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t generation = 0;
  bool empty() const { return slot == std::numeric_limits<std::uint32_t>::max(); }
};

/// What an event asks for when it fires: which component, which of its event kinds, and one
/// integer argument (a server index, say).
struct Event {
  double time = 0;
  std::int32_t target = -1;
  std::int32_t kind = 0;
  std::int64_t arg = 0;
};

class Calendar {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  /// Schedules an event; `priority` in [-32768, 32767], lower runs first among equal times.
  EventHandle schedule(double time, std::int32_t target, std::int32_t kind, std::int64_t arg = 0,
                       int priority = 0);
  /// Removes a pending event. Returns false if it already fired or was cancelled.
  bool cancel(EventHandle handle);
  /// Moves a pending event to a new time (it then sorts as newly inserted).
  /// Returns false, changing nothing, if the event is no longer pending.
  bool reschedule(EventHandle handle, double new_time);
  bool pending(EventHandle handle) const;
  /// Time of a pending event; kNever if not pending.
  double time_of(EventHandle handle) const;

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  double next_time() const { return heap_.empty() ? kNever : heap_[0].time; }
  /// Removes and returns the earliest event. Must not be called when empty().
  Event pop();

 private:
  struct Entry {
    double time;
    std::uint64_t order;  // (priority + 32768) << 47 | sequence
    std::uint32_t slot;
  };
  struct Slot {
    std::uint32_t heap_pos;
    std::uint32_t generation;
    std::int32_t target;
    std::int32_t kind;
    std::int64_t arg;
  };
  static bool before(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
  }
  void sift_up(std::uint32_t pos);
  void sift_down(std::uint32_t pos);
  void place(std::uint32_t pos, const Entry& e) {
    heap_[pos] = e;
    slots_[e.slot].heap_pos = pos;
  }
  void remove_at(std::uint32_t pos);

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t sequence_ = 0;
};

}  // namespace plantwin
