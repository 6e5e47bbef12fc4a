#include "plantwin/calendar.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>

namespace plantwin {
namespace {
constexpr std::uint64_t kSequenceBits = 47;
// A 4-ary heap: half the depth of a binary one, and a node's children share a cache line or two.
constexpr std::uint32_t kArity = 4;
// Stale entries are swept out all at once when there are more than this many and more than
// live ones: a few cancellations are cheaper dropped at the root one by one.
constexpr std::size_t kCompactAbove = 64;
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
    slots_.push_back(Slot{kFree, 0, 0, 0, 0, 0});
  }
  const std::uint64_t key = key_of(time);
  const std::uint64_t order =
      (static_cast<std::uint64_t>(priority + 32768) << kSequenceBits) | sequence_++;
  Slot& s = slots_[slot];
  s.order = order;
  s.key = key;
  s.arg = arg;
  s.target = target;
  s.kind = kind;
  const std::uint32_t generation = s.generation;
  if (hole_) {
    hole_ = false;
    sift_down_from(0, Entry{key, order, slot, target});
    // A stale child may have risen to the root in the new entry's place.
    if (stale_ > 0) [[unlikely]]
      purge_root();
  } else {
    heap_.push_back(Entry{key, order, slot, target});
    sift_up(static_cast<std::uint32_t>(heap_.size() - 1));
  }
  return EventHandle{slot, generation};
}

bool Calendar::cancel(EventHandle h) {
  if (!pending(h)) return false;
  Slot& s = slots_[h.slot];
  s.order = kFree;
  ++s.generation;
  free_.push_back(h.slot);
  forget_entry();
  return true;
}

bool Calendar::reschedule(EventHandle h, double new_time) {
  if (!pending(h)) return false;
  Slot& s = slots_[h.slot];
  const std::uint64_t priority_bits = s.order >> kSequenceBits;
  s.order = (priority_bits << kSequenceBits) | sequence_++;
  s.key = key_of(new_time);
  const Entry e{s.key, s.order, h.slot, s.target};
  forget_entry();  // the old entry (this may sweep, and so fill the root)
  if (hole_) {
    hole_ = false;
    sift_down_from(0, e);
    purge_root();
  } else {
    heap_.push_back(e);
    sift_up(static_cast<std::uint32_t>(heap_.size() - 1));
  }
  return true;
}

void Calendar::forget_entry() {
  ++stale_;
  if (stale_ > kCompactAbove && stale_ > heap_.size() / 2)
    compact();
  else if (!hole_)
    purge_root();
}

void Calendar::compact() {
  std::size_t n = 0;
  for (std::size_t i = hole_ ? 1 : 0; i < heap_.size(); ++i)
    if (!stale(heap_[i])) heap_[n++] = heap_[i];
  heap_.resize(n);
  hole_ = false;
  stale_ = 0;
  // Floyd's heap construction: each inner node sifted down, from the last one up.
  if (n > 1)
    for (std::size_t pos = (n - 2) / kArity + 1; pos-- > 0;) {
      const Entry e = heap_[pos];
      sift_down_from(static_cast<std::uint32_t>(pos), e);
    }
}

void Calendar::purge_root() {
  while (!heap_.empty() && stale(heap_[0])) {
    --stale_;
    const Entry last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down_from(0, last);
  }
}

void Calendar::fill_hole() {
  hole_ = false;
  const Entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down_from(0, last);
  if (stale_ > 0) [[unlikely]]
    purge_root();
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
    heap_[pos] = heap_[child];
    pos = child;
  }
  heap_[pos] = e;
}

void Calendar::sift_up(std::uint32_t pos) {
  const Entry e = heap_[pos];
  while (pos > 0) {
    const std::uint32_t parent = (pos - 1) / kArity;
    if (!before(e, heap_[parent])) break;
    heap_[pos] = heap_[parent];
    pos = parent;
  }
  heap_[pos] = e;
}

}  // namespace plantwin
