#pragma once
/// The State: everything that changes during a run. Copyable (forks, replications).

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "plantwin/calendar.h"
#include "plantwin/component.h"
#include "plantwin/run_records.h"
#include "plantwin/stats.h"

namespace plantwin {

class Model;

/// One entry of the event log written to /events.
struct LoggedEvent {
  double time = 0;
  std::int32_t component = -1;
  const char* kind = "";  ///< A string literal owned by the component's code.
  std::string detail;
};

/// Recorded samples: one time column and one value column per recorded signal.
struct Trace {
  std::vector<double> times;
  std::vector<std::vector<double>> values;  ///< values[k][i]: signal k at times[i].
  std::vector<LoggedEvent> events;
  std::vector<AppliedInput> inputs;        ///< In the order they were applied.
  std::vector<AppliedInput> measurements;  ///< Measurements synced on, in the order applied.
  std::vector<RunWarning> warnings;        ///< In the order first seen.
};

/// Every component's state, deep-copied when the State is copied (forks, replications), so
/// that State's own copy operations stay the compiler's and no field can be forgotten.
class ComponentStates {
 public:
  ComponentStates() = default;
  ComponentStates(const ComponentStates& other) {
    items_.reserve(other.items_.size());
    for (const auto& c : other.items_) items_.push_back(c->clone());
  }
  ComponentStates& operator=(const ComponentStates& other) {
    if (this != &other) {
      ComponentStates copy(other);
      items_.swap(copy.items_);
    }
    return *this;
  }
  ComponentStates(ComponentStates&&) noexcept = default;
  ComponentStates& operator=(ComponentStates&&) noexcept = default;

  void reserve(std::size_t n) { items_.reserve(n); }
  void push_back(std::unique_ptr<ComponentState> c) { items_.push_back(std::move(c)); }
  std::size_t size() const { return items_.size(); }
  ComponentState& operator[](std::size_t i) { return *items_[i]; }
  const ComponentState& operator[](std::size_t i) const { return *items_[i]; }

 private:
  std::vector<std::unique_ptr<ComponentState>> items_;
};

class State {
 public:
  /// A fresh state at time 0 for replication `replication` of `model`.
  State(const Model& model, std::uint64_t replication);

  double time = 0;
  std::uint64_t replication = 0;
  bool started = false;
  bool warmup_done = false;
  std::uint64_t events_executed = 0;
  Calendar calendar;
  ComponentStates components;

  // Deferred "space freed" notifications: upstream links to call on_space() on.
  std::vector<Link> space_queue;

  double stats_start = 0;  ///< Start of the statistics period (end of warm-up).
  int next_batch = 1;      ///< The batch boundary the kernel waits for (1 .. Model::batches()).
  double next_sample = 0;
  bool on_shift = true;
  double next_shift_change = HUGE_VAL;

  Trace trace;

  // Continuous state: the values of every component's states (Model::continuous_offset()),
  // the time they hold for, and the integrator's work space.
  Eigen::VectorXd x;
  double x_time = 0;
  Eigen::MatrixXd work;  ///< Columns of stage vectors, allocated once.
  Eigen::VectorXd g0, g1, g2;
  double h_next = 0;  ///< Dormand-Prince step size carried from step to step.
};

}  // namespace plantwin
