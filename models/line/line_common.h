#pragma once
/// Helpers shared by the line components.

#include <cmath>
#include <cstdint>
#include <vector>

#include "plantwin/component.h"

namespace plantwin::line {

/// Server states whose time shares machines report.
enum ServerPhase : std::uint8_t { kWorking = 0, kStarved = 1, kBlocked = 2, kDown = 3, kOff = 4 };
inline constexpr const char* kPhaseNames[] = {"working", "starved", "blocked", "down", "off"};

/// Server-seconds spent in each phase since the statistics restarted.
struct PhaseClock {
  double start = 0, last = 0;
  double acc[5] = {0, 0, 0, 0, 0};

  void reset(double t) {
    start = last = t;
    for (double& a : acc) a = 0;
  }
  /// Accounts the time since the last call with the counts that held during it.
  /// On shift, idle servers count as starved; off shift, every server that is not finishing a
  /// job counts as off (planned downtime), whether it is idle or holding a finished part.
  void advance(double t, int working, int blocked, int servers, bool down, bool off = false) {
    const double dt = t - last;
    if (dt > 0) {
      if (down) {
        acc[kDown] += servers * dt;
      } else if (off) {
        acc[kWorking] += working * dt;
        acc[kOff] += (servers - working) * dt;
      } else {
        acc[kWorking] += working * dt;
        acc[kBlocked] += blocked * dt;
        acc[kStarved] += (servers - working - blocked) * dt;
      }
    }
    last = t;
  }
  /// Share of server time in `phase` up to time t (the pending interval included).
  double share(int phase, double t, int working, int blocked, int servers, bool down,
               bool off = false) const {
    PhaseClock c = *this;
    c.advance(t, working, blocked, servers, down, off);
    const double span = (t - start) * servers;
    return span > 0 ? c.acc[phase] / span : std::nan("");
  }
};

/// FIFO queue of part ids on a growable ring; copyable, no allocation once grown.
class PartRing {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  PartId front() const { return data_[head_]; }
  PartId at(std::size_t i) const { return data_[(head_ + i) & (data_.size() - 1)]; }
  void push_back(PartId p) {
    if (size_ == data_.size()) grow();
    data_[(head_ + size_) & (data_.size() - 1)] = p;
    ++size_;
  }
  void push_front(PartId p) {
    if (size_ == data_.size()) grow();
    head_ = (head_ + data_.size() - 1) & (data_.size() - 1);
    data_[head_] = p;
    ++size_;
  }
  PartId pop_front() {
    const PartId p = data_[head_];
    head_ = (head_ + 1) & (data_.size() - 1);
    --size_;
    return p;
  }

 private:
  void grow() {
    std::vector<PartId> bigger(data_.empty() ? 16 : data_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = at(i);
    data_.swap(bigger);
    head_ = 0;
  }
  std::vector<PartId> data_;
  std::size_t head_ = 0, size_ = 0;
};

}  // namespace plantwin::line
