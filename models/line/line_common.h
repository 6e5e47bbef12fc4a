#pragma once
/// Helpers shared by the line components.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "plantwin/component.h"

namespace plantwin::line {

/// Server states whose time shares machines report. kSetup (a changeover, setup.h) came last,
/// so that the codes of the others keep their meaning in result files.
enum ServerPhase : std::uint8_t {
  kWorking = 0,
  kStarved = 1,
  kBlocked = 2,
  kDown = 3,
  kOff = 4,
  kSetup = 5
};
inline constexpr const char* kPhaseNames[] = {"working", "starved", "blocked",
                                              "down",    "off",     "setup"};

/// Server-seconds spent in each phase since the statistics restarted.
struct PhaseClock {
  double start = 0, last = 0;
  double acc[6] = {0, 0, 0, 0, 0, 0};

  void reset(double t) {
    start = last = t;
    for (double& a : acc) a = 0;
  }
  /// Accounts the time since the last call with the counts that held during it.
  /// On shift, idle servers count as starved; off shift, every server that is not finishing a
  /// job counts as off (planned downtime), whether it is idle or holding a finished part.
  /// `setup` servers are changing over (not among `working`); a setup under way goes on off
  /// shift, as a job does.
  void advance(double t, int working, int blocked, int servers, bool down, bool off = false,
               int setup = 0) {
    const double dt = t - last;
    if (dt > 0) {
      if (down) {
        acc[kDown] += servers * dt;
      } else if (off) {
        acc[kWorking] += working * dt;
        if (setup) acc[kSetup] += setup * dt;
        acc[kOff] += (servers - working - setup) * dt;
      } else {
        acc[kWorking] += working * dt;
        acc[kBlocked] += blocked * dt;
        if (setup) acc[kSetup] += setup * dt;
        acc[kStarved] += (servers - working - blocked - setup) * dt;
      }
    }
    last = t;
  }
  /// Share of server time in `phase` up to time t (the pending interval included).
  double share(int phase, double t, int working, int blocked, int servers, bool down,
               bool off = false, int setup = 0) const {
    PhaseClock c = *this;
    c.advance(t, working, blocked, servers, down, off, setup);
    const double span = (t - start) * servers;
    return span > 0 ? c.acc[phase] / span : std::nan("");
  }
};

/// FIFO queue of part ids on a growable ring; copyable, no allocation once grown. The first
/// kInline places are inside the object (a buffer of a large line reads its parts without a
/// second cache miss); a longer queue moves to the heap.
class PartRing {
 public:
  static constexpr std::size_t kInline = 16;

  PartRing() = default;
  PartRing(const PartRing& o) { *this = o; }
  PartRing& operator=(const PartRing& o) {
    if (this != &o) {
      std::copy(o.inline_, o.inline_ + kInline, inline_);
      heap_ = o.heap_;
      data_ = heap_.empty() ? inline_ : heap_.data();
      mask_ = o.mask_;
      head_ = o.head_;
      size_ = o.size_;
    }
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  PartId front() const { return data_[head_]; }
  PartId at(std::size_t i) const { return data_[(head_ + i) & mask_]; }
  void push_back(PartId p) {
    if (size_ > mask_) grow();
    data_[(head_ + size_) & mask_] = p;
    ++size_;
  }
  void push_front(PartId p) {
    if (size_ > mask_) grow();
    head_ = (head_ + mask_) & mask_;
    data_[head_] = p;
    ++size_;
  }
  PartId pop_front() {
    const PartId p = data_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return p;
  }

 private:
  void grow() {
    std::vector<PartId> bigger((mask_ + 1) * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = at(i);
    heap_.swap(bigger);
    data_ = heap_.data();
    mask_ = heap_.size() - 1;
    head_ = 0;
  }
  PartId* data_ = inline_;
  std::size_t mask_ = kInline - 1;
  std::size_t head_ = 0, size_ = 0;
  PartId inline_[kInline] = {};
  std::vector<PartId> heap_;
};

}  // namespace plantwin::line
