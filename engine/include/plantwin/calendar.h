#pragma once
/// The event calendar: a 4-ary heap ordered by (time, priority, insertion sequence).
///
/// Ties in time run lower priority first, then in insertion order, so a run is reproducible
/// to the bit. Event records live in a slot pool that is reused, so scheduling does not
/// allocate once the pool has grown to the run's peak number of pending events.
///
/// A cancelled or moved event's heap entry is not searched for: its slot forgets it, and the
/// entry is dropped when it reaches the root (or when such stale entries outnumber the live
/// ones, all at once). The heap's moves therefore touch only the heap, not the slots, which in
/// a large plant are far apart in memory. Invariant: the root, when there is one, is live.
///
/// pop() leaves the root of the heap empty and the next schedule() fills it: an event handler
/// nearly always schedules the next event of its component, and filling the root costs one
/// walk down the heap where a pop and a push cost two. The order events come out in is the
/// same: it is fixed by (time, priority, sequence) alone.

#include <bit>
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
  bool pending(EventHandle handle) const {
    return !handle.empty() && handle.slot < slots_.size() &&
           slots_[handle.slot].generation == handle.generation &&
           slots_[handle.slot].order != kFree;
  }
  /// Time of a pending event; kNever if not pending.
  double time_of(EventHandle handle) const {
    return pending(handle) ? time_of_key(slots_[handle.slot].key) : kNever;
  }

  bool empty() const { return size() == 0; }
  /// Heap entries held, live and stale: bounded by about twice the live ones (for tests).
  std::size_t memory_entries() const { return heap_.size(); }
  std::size_t size() const { return heap_.size() - (hole_ ? 1 : 0) - stale_; }
  /// Time of the earliest pending event (kNever when none). Fills the root if it is empty.
  double next_time() {
    if (hole_) fill_hole();
    return heap_.empty() ? kNever : time_of_key(heap_[0].key);
  }
  /// The component the earliest event goes to, or -1 when that is not known without work (the
  /// calendar is empty, or its root is waiting to be filled): a hint for prefetching.
  std::int32_t next_target_hint() const { return hole_ || heap_.empty() ? -1 : heap_[0].target; }
  /// The component the event after that is likely to go to (the earliest of the root's
  /// children; an event scheduled in between may come first), or -1: a hint for prefetching
  /// further ahead.
  std::int32_t second_target_hint() const {
    const std::size_t n = heap_.size();
    if (hole_ || n < 2) return -1;
    const std::size_t end = n < 5 ? n : 5;
    std::size_t child = 1;
    for (std::size_t c = 2; c < end; ++c)
      if (before(heap_[c], heap_[child])) child = c;
    return heap_[child].target;
  }
  /// Removes and returns the earliest event. Must not be called when empty().
  Event pop() {
    if (hole_) fill_hole();
    const Entry top = heap_[0];
    Slot& s = slots_[top.slot];
    const Event ev{time_of_key(top.key), s.target, s.kind, s.arg};
    s.order = kFree;
    ++s.generation;
    free_.push_back(top.slot);
    if (heap_.size() == 1)
      heap_.pop_back();
    else
      hole_ = true;  // the next schedule() fills it, or the next pop() or next_time()
    return ev;
  }

 private:
  static constexpr std::uint64_t kFree = std::numeric_limits<std::uint64_t>::max();
  struct Entry {
    std::uint64_t key;    // the time, as an unsigned integer in the same order (key_of())
    std::uint64_t order;  // (priority + 32768) << 47 | sequence: unique to this entry
    std::uint32_t slot;
    std::int32_t target;  // a copy of the slot's, for prefetching (it fills the padding)
  };
  static_assert(sizeof(Entry) == 24, "the target fills padding: an entry stays 24 bytes");
  struct Slot {
    std::uint64_t order;  // the order of the slot's live heap entry; kFree when it has none
    std::uint64_t key;    // that entry's time key, for time_of()
    std::int64_t arg;
    std::int32_t target;
    std::int32_t kind;
    std::uint32_t generation;
  };
  // Which of two events comes first is what a heap's branches cannot predict: one 128-bit
  // integer comparison of (time key, order) lets the compiler select with conditional moves.
  __extension__ typedef unsigned __int128 Wide;
  static bool before(const Entry& a, const Entry& b) {
    return ((static_cast<Wide>(a.key) << 64) | a.order) <
           ((static_cast<Wide>(b.key) << 64) | b.order);
  }
  // A double as an unsigned integer that sorts the same way (negative times too); -0 is 0.
  static std::uint64_t key_of(double time) {
    const auto b = std::bit_cast<std::uint64_t>(time + 0.0);
    return b ^ (static_cast<std::uint64_t>(static_cast<std::int64_t>(b) >> 63) |
                (std::uint64_t{1} << 63));
  }
  static double time_of_key(std::uint64_t key) {
    return std::bit_cast<double>(key ^ ((key >> 63) ? std::uint64_t{1} << 63 : ~std::uint64_t{0}));
  }
  // The entry no longer stands for its slot's event (cancelled, moved, or the slot reused).
  bool stale(const Entry& e) const { return slots_[e.slot].order != e.order; }
  void sift_up(std::uint32_t pos);
  // Places `e` at `pos` (a hole) or below it, moving smaller children up.
  void sift_down_from(std::uint32_t pos, const Entry& e);
  // Moves the last entry into the hole at the root (after a pop nobody filled).
  void fill_hole();
  // Drops stale entries from the root until it is live (or the heap empty). Out of line: a
  // plant that cancels nothing never calls it, and schedule() stays a leaf's size.
  [[gnu::noinline]] void purge_root();
  // An entry went stale: drop it now if it is the root, and all of them once they outnumber
  // the live ones (so a run that cancels much keeps a heap of its live size).
  void forget_entry();
  void compact();

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t sequence_ = 0;
  std::size_t stale_ = 0;  // entries in heap_ whose events were cancelled or moved
  bool hole_ = false;      // heap_[0] holds no event: the last pop left it for schedule() to fill
};

}  // namespace plantwin
