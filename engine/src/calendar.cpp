#include "plantwin/calendar.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>

namespace plantwin {
namespace {
constexpr std::uint32_t kNotInHeap = std::numeric_limits<std::uint32_t>::max();
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
  heap_.push_back(Entry{time, order, slot});
  s.heap_pos = static_cast<std::uint32_t>(heap_.size() - 1);
  sift_up(s.heap_pos);
  return EventHandle{slot, s.generation};
}

bool Calendar::pending(EventHandle h) const {
  return !h.empty() && h.slot < slots_.size() && slots_[h.slot].generation == h.generation &&
         slots_[h.slot].heap_pos != kNotInHeap;
}

double Calendar::time_of(EventHandle h) const {
  return pending(h) ? heap_[slots_[h.slot].heap_pos].time : kNever;
}

bool Calendar::cancel(EventHandle h) {
  if (!pending(h)) return false;
  remove_at(slots_[h.slot].heap_pos);
  Slot& s = slots_[h.slot];
  s.heap_pos = kNotInHeap;
  ++s.generation;
  free_.push_back(h.slot);
  return true;
}

bool Calendar::reschedule(EventHandle h, double new_time) {
  if (!pending(h)) return false;
  const std::uint32_t pos = slots_[h.slot].heap_pos;
  Entry e = heap_[pos];
  const std::uint64_t priority_bits = e.order >> kSequenceBits;
  e.order = (priority_bits << kSequenceBits) | sequence_++;
  e.time = new_time;
  place(pos, e);
  sift_up(pos);
  sift_down(slots_[h.slot].heap_pos);
  return true;
}

Event Calendar::pop() {
  assert(!heap_.empty());
  const Entry top = heap_[0];
  Slot& s = slots_[top.slot];
  Event ev{top.time, s.target, s.kind, s.arg};
  s.heap_pos = kNotInHeap;
  ++s.generation;
  free_.push_back(top.slot);
  const Entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) {
    // Floyd's trick: the last entry nearly always belongs near the bottom, so walk the hole down
    // along the smallest children without comparing against it, then sift it up from there.
    const std::uint32_t n = static_cast<std::uint32_t>(heap_.size());
    std::uint32_t pos = 0;
    for (;;) {
      const std::uint32_t first = kArity * pos + 1;
      if (first >= n) break;
      const std::uint32_t end = std::min(first + kArity, n);
      std::uint32_t child = first;
      for (std::uint32_t c = first + 1; c < end; ++c)
        if (before(heap_[c], heap_[child])) child = c;
      place(pos, heap_[child]);
      pos = child;
    }
    place(pos, last);
    sift_up(pos);
  }
  return ev;
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
  const std::uint32_t n = static_cast<std::uint32_t>(heap_.size());
  const Entry e = heap_[pos];
  for (;;) {
    const std::uint32_t first = kArity * pos + 1;
    if (first >= n) break;
    const std::uint32_t last = std::min(first + kArity, n);
    std::uint32_t child = first;
    for (std::uint32_t c = first + 1; c < last; ++c)
      if (before(heap_[c], heap_[child])) child = c;
    if (!before(heap_[child], e)) break;
    place(pos, heap_[child]);
    pos = child;
  }
  place(pos, e);
}

}  // namespace plantwin
