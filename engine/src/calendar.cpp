#include "plantwin/calendar.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>

namespace plantwin {
namespace {
constexpr std::uint64_t kSequenceBits = 47;
// A 4-ary heap: half the depth of a binary one, and a node's children share a cache line or two.
constexpr std::uint32_t kArity = 4;
}  // namespace

EventHandle Calendar::schedule(double time, std::int32_t target, std::int32_t kind,
                               std::int64_t arg, int priority) {
  assert(priority >= -32768 && priority <= 32767);
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{kNotInHeap, 0, 0, 0, 0});
  }
  Slot& s = slots_[slot];
  s.target = target;
  s.kind = kind;
  s.arg = arg;
  const std::uint64_t order =
      (static_cast<std::uint64_t>(priority + 32768) << kSequenceBits) | sequence_++;
  const std::uint32_t generation = s.generation;
  if (hole_) {
    hole_ = false;
    sift_down_from(0, Entry{key_of(time), order, slot});
  } else {
    heap_.push_back(Entry{key_of(time), order, slot});
    s.heap_pos = static_cast<std::uint32_t>(heap_.size() - 1);
    sift_up(s.heap_pos);
  }
  return EventHandle{slot, generation};
}

bool Calendar::pending(EventHandle h) const {
  return !h.empty() && h.slot < slots_.size() && slots_[h.slot].generation == h.generation &&
         slots_[h.slot].heap_pos != kNotInHeap;
}

double Calendar::time_of(EventHandle h) const {
  return pending(h) ? time_of_key(heap_[slots_[h.slot].heap_pos].key) : kNever;
}

bool Calendar::cancel(EventHandle h) {
  if (!pending(h)) return false;
  if (hole_) fill_hole();
  remove_at(slots_[h.slot].heap_pos);
  Slot& s = slots_[h.slot];
  s.heap_pos = kNotInHeap;
  ++s.generation;
  free_.push_back(h.slot);
  return true;
}

bool Calendar::reschedule(EventHandle h, double new_time) {
  if (!pending(h)) return false;
  if (hole_) fill_hole();
  const std::uint32_t pos = slots_[h.slot].heap_pos;
  Entry e = heap_[pos];
  const std::uint64_t priority_bits = e.order >> kSequenceBits;
  e.order = (priority_bits << kSequenceBits) | sequence_++;
  e.key = key_of(new_time);
  place(pos, e);
  sift_up(pos);
  sift_down(slots_[h.slot].heap_pos);
  return true;
}

void Calendar::fill_hole() {
  hole_ = false;
  const Entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down_from(0, last);
}

double Calendar::next_time_below_hole() const {
  // The earliest event is one of the root's children.
  const std::uint32_t n = static_cast<std::uint32_t>(heap_.size());
  const std::uint32_t end = std::min<std::uint32_t>(1 + kArity, n);
  if (end <= 1) return kNever;
  std::uint32_t child = 1;
  for (std::uint32_t c = 2; c < end; ++c)
    if (before(heap_[c], heap_[child])) child = c;
  return time_of_key(heap_[child].key);
}

void Calendar::sift_down_from(std::uint32_t pos, const Entry& e) {
  const std::uint32_t n = static_cast<std::uint32_t>(heap_.size());
  for (;;) {
    const std::uint32_t first = kArity * pos + 1;
    if (first >= n) break;
    std::uint32_t child;
    if (first + kArity <= n) {
      // A full set of children: a tournament of conditional moves.
      const std::uint32_t a = before(heap_[first + 1], heap_[first]) ? first + 1 : first;
      const std::uint32_t b = before(heap_[first + 3], heap_[first + 2]) ? first + 3 : first + 2;
      child = before(heap_[b], heap_[a]) ? b : a;
    } else {
      child = first;
      for (std::uint32_t c = first + 1; c < n; ++c)
        if (before(heap_[c], heap_[child])) child = c;
    }
    if (!before(heap_[child], e)) break;
    place(pos, heap_[child]);
    pos = child;
  }
  place(pos, e);
}

void Calendar::remove_at(std::uint32_t pos) {
  const Entry last = heap_.back();
  heap_.pop_back();
  if (pos == heap_.size()) return;
  place(pos, last);
  sift_up(pos);
  sift_down(slots_[last.slot].heap_pos);
}

void Calendar::sift_up(std::uint32_t pos) {
  const Entry e = heap_[pos];
  while (pos > 0) {
    const std::uint32_t parent = (pos - 1) / kArity;
    if (!before(e, heap_[parent])) break;
    place(pos, heap_[parent]);
    pos = parent;
  }
  place(pos, e);
}

void Calendar::sift_down(std::uint32_t pos) {
  const Entry e = heap_[pos];  // a copy: sift_down_from() overwrites heap_[pos]
  sift_down_from(pos, e);
}

}  // namespace plantwin
