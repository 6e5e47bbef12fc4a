#pragma once
/// The Runner: one way to drive a Sim for every front end (CLI, Python, live server, feeds).
///
/// It runs a Sim forward over a fixed grid of time points (`chunks` equal steps up to the
/// horizon), optionally paced to the wall clock, calls observers at each grid point, honours a
/// stop token, and applies inputs that other threads push into its queue. Inputs never touch
/// the Sim from another thread: the Runner applies them on its own thread, at time points.
///
/// Step semantics:
///
///     while t < t_end:
///       t_next = min(next grid point, time of the earliest timed input, t_end)
///       run the Sim to t_next                       (events, physics, scans, samples)
///       apply every queued input that is due: timed inputs whose time <= t, and untimed
///         inputs (applied at the first time point after they were pushed), in the order
///         (time, then actuator settings before measurements, then push order); record each
///         in the State's input log (Trace::inputs, Trace::measurements)
///       at a grid point: call the observers, then sleep to keep the pace; an untimed input
///         pushed meanwhile wakes the Runner, which applies it at once, at that time point
///
/// Because inputs are applied only at grid points or at their own times, and every applied
/// input is recorded with the time it took effect, pushing the recorded inputs into a fresh
/// Runner with the same grid reproduces a run bit for bit, whatever wall-clock times the
/// inputs first arrived at.

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "plantwin/sim.h"

namespace plantwin {

/// Something from outside: set an actuator ("conveyor2.speed"), or a measurement of the plant
/// that the twin syncs on ("room.temperature").
struct Input {
  /// Simulated time at which it takes effect; NaN: at the next time point of the Runner.
  double time = std::numeric_limits<double>::quiet_NaN();
  std::string target;  ///< dotted actuator name (kSet) or signal name (kMeasure)
  double value = 0;
  std::string origin;  ///< who pushed it: "python", "live", "replay", a feed's name ...
  enum class Kind { kSet, kMeasure };
  Kind kind = Kind::kSet;
  /// A refused input stops the run (an error of the person or program that pushed it); with
  /// false it becomes a warning from `origin` and the run goes on (a feed's bad value).
  bool stop_on_refusal = true;
};

class Runner {
 public:
  struct Options {
    /// The grid: time points at horizon * k / chunks, k = 1 .. chunks.
    int chunks = 200;
    /// Simulated seconds per wall-clock second; 0 (or infinity): as fast as possible.
    double pace = 0;
  };
  /// Called at every grid point and once more at the end (`final` true), on the run's thread.
  using Observer = std::function<void(const Sim&, bool final)>;

  /// Drives `sim` (which must outlive the Runner). Throws std::invalid_argument for chunks
  /// < 1 or a negative or NaN pace.
  Runner(Sim& sim, Options options);
  /// Drives `sim` with the default grid, as fast as possible.
  explicit Runner(Sim& sim) : Runner(sim, Options{}) {}

  void add_observer(Observer observer) { observers_.push_back(std::move(observer)); }

  /// Queues an input; safe from any thread. An input whose time has already passed when the
  /// Runner reaches it is applied at once (and recorded with the time it took effect).
  void push(Input input);
  /// Asks a run in progress to stop at its next chance; safe from any thread.
  void request_stop() { stop_->store(true); }
  bool stop_requested() const { return stop_->load(); }
  /// Makes the Runner watch `flag` (which must outlive it) instead of its own stop flag: a
  /// signal handler can only set a flag it reaches, such as a CLI's global.
  void watch_stop_flag(std::atomic<bool>& flag) { stop_ = &flag; }

  /// Runs to `t_end` (clamped to the horizon). Returns true when it got there, false when it
  /// was stopped. An input that is refused (an unknown actuator, a bad value) stops the run
  /// by throwing std::invalid_argument with the input's time and origin.
  bool run_until(double t_end);
  bool run() { return run_until(sim_.model().horizon()); }
  /// Calls the observers with `final` true: the run is over (complete, stopped or failed).
  void finish();

  /// The grid point after time t (or the horizon).
  double next_grid_point(double t) const;
  const Options& options() const { return options_; }
  /// In a paced run: how far simulated time was behind the wall clock (times the pace) at the
  /// last grid point, in simulated seconds; 0 when it kept up or runs unpaced. Read it from an
  /// observer (the run's thread).
  double lag() const { return lag_; }

 private:
  void apply_due_inputs();
  bool next_input_time(double* t);
  void notify(bool final);

  Sim& sim_;
  Options options_;
  std::vector<Observer> observers_;
  std::atomic<bool> own_stop_{false};
  std::atomic<bool>* stop_ = &own_stop_;
  std::mutex mutex_;                // guards timed_, untimed_ and sequence_
  std::condition_variable pushed_;  // a paced run sleeping at a time point wakes for an input
  struct Queued {
    Input input;
    std::uint64_t sequence;
  };
  static bool later(const Queued& a, const Queued& b);
  // Timed inputs in a heap (earliest first), untimed ones in push order: a replay that pushes
  // a long run's inputs at once costs O(log n) per input, not O(n).
  std::vector<Queued> timed_, untimed_;
  std::uint64_t sequence_ = 0;
  double wall_origin_sim_ = 0;  // pacing: sim time and wall time when the run began
  double wall_origin_s_ = 0;
  double lag_ = 0;
};

}  // namespace plantwin
