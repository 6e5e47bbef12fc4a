#pragma once
/// The simulation kernel: runs a State of a Model forward in time.
///
/// Step semantics (see DESIGN.md):
///
///     while t < t_end:
///       t_next = min(next event, next kernel time point (warm-up end, batch boundary, sample))
///       t = t_next
///       if an event is due: pop it (ordered by time, priority, insertion sequence), call its
///         component's on_event(), then deliver the queued "space freed" notifications in
///         first-in-first-out order until none is left
///       else: end the warm-up (restart statistics), close a batch, or record a sample
///
/// Events at a time point run before the kernel's own work at that time, so a sample at t sees
/// the plant after everything that happened at t.

#include <atomic>
#include <cassert>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plantwin/model.h"
#include "plantwin/state.h"

namespace plantwin {

/// The control logic of a run: scan tasks, each with its period and next due time. It is part
/// of the run, beside its State: a fork continues with a copy of it, or without it (a what-if
/// of the plant alone).
class ControlPlan {
 public:
  using Controller = std::function<void(Sim&)>;
  struct ScanTask {
    double period;
    double next;
    Controller fn;
  };
  /// Adds a task due first at `first`, then every `period` seconds.
  void add(double period, double first, Controller fn) {
    tasks_.push_back(ScanTask{period, first, std::move(fn)});
  }
  std::vector<ScanTask>& tasks() { return tasks_; }
  const std::vector<ScanTask>& tasks() const { return tasks_; }
  bool empty() const { return tasks_.empty(); }

 private:
  std::vector<ScanTask> tasks_;
};

class Sim {
 public:
  /// A fresh run (replication `replication`) of `model`.
  explicit Sim(std::shared_ptr<const Model> model, std::uint64_t replication = 0);
  /// Continues from a copy of an existing state (a fork), with the control plan given (a copy
  /// of the original's to keep its controllers, or none for the plant alone).
  Sim(std::shared_ptr<const Model> model, State state, ControlPlan control = {});

  const Model& model() const { return *model_; }
  const std::shared_ptr<const Model>& model_ptr() const { return model_; }
  State& state() { return state_; }
  const State& state() const { return state_; }
  double now() const { return state_.time; }

  /// Runs until time `t_end` (clamped to the horizon). Returns false if `stop` was raised
  /// first; the state is then consistent at the last event executed.
  bool run_until(double t_end, const std::atomic<bool>* stop = nullptr);
  /// Runs to the horizon.
  bool run(const std::atomic<bool>* stop = nullptr) { return run_until(model_->horizon(), stop); }
  bool finished() const { return state_.time >= model_->horizon(); }
  /// Starts the run at time 0 (initial states, every component's start()) unless it has
  /// started; run_until() and the setters do it themselves. For a front end that shows the
  /// plant at time 0 before the first step (a live server's history): it runs no event.
  void ensure_started() {
    if (!state_.started) start();
  }

  /// Sets a run-time quantity by dotted name ("conveyor2.speed"). Throws std::invalid_argument
  /// naming the settable quantities when `name` is not one, or the reason when `value` is bad.
  void set(const std::string& name, double value);
  /// set() by index into Model::actuators(), for controllers (which resolve names once).
  void set_actuator(int index, double value);
  /// set() for an input from outside the model (a person, a feed, Python, a replay), recorded
  /// in the State's input log (Trace::inputs) with the time it took effect and `origin`.
  void apply_input(const std::string& name, double value, const std::string& origin);
  /// A measurement of the plant for signal `name` ("room.temperature"), applied now and recorded
  /// in Trace::measurements: the component syncs its state on it (Component::measure()).
  /// Throws std::invalid_argument naming the signals that take measurements when `name` is not
  /// one, or the reason when `value` is refused (NaN, infinite, out of range).
  void apply_measurement(const std::string& name, double value, const std::string& origin);
  /// Records a warning from outside the model (a feed, an input refused): `source` names it.
  void warn_from(const std::string& source, std::string message);
  /// For a fork's replication: every component's random streams replaced by those of
  /// replication `stream` (Component::reseed), so replications of one fork differ while each
  /// stays reproducible. Events already on the calendar stay as they were drawn.
  void reseed(std::uint64_t stream);
  /// Statistics (KPIs) restart now, as at the end of a warm-up: a forecast from a fork measures
  /// its own window. Batch-means intervals are off from then on (replications give intervals).
  void restart_statistics();
  /// Current value of a signal by dotted name; throws std::invalid_argument when unknown.
  double value(const std::string& name) const;

  /// A control task run every `period` seconds of simulated time, from now on: after the events
  /// of a time point and before its samples (a PLC scan cycle). It joins the run's control plan
  /// (control_plan()), which a fork copies or leaves behind.
  using Controller = ControlPlan::Controller;
  void add_controller(double period, Controller fn);
  const ControlPlan& control_plan() const { return control_; }

  /// Something that watches the run without changing it (the expectations of `plantwin test`):
  /// called after every event (once the flow has settled) and after the kernel's work at each
  /// of its time points (samples, scans, batch boundaries). It adds no time points, so a
  /// watched run is the same run, bit for bit. Not part of the State: a fork has none.
  using Monitor = std::function<void(const Sim&)>;
  void set_monitor(Monitor monitor) { monitor_ = std::move(monitor); }

  /// The KPI table over the statistics period so far: each component's rows in component order,
  /// then what summaries add (the material flow puts its `line` rows first).
  std::vector<KpiRow> kpis() const;
  /// Current value of a signal by index into Model::signals().
  double signal(int index) const {
    const SignalRef& s = model_->signals()[static_cast<std::size_t>(index)];
    return model_->component(s.component).signal(*this, s.index);
  }

  // ---- For components -------------------------------------------------------------------

  template <class T>
  T& state_of(const Component& c) {
    return static_cast<T&>(state_.components[static_cast<std::size_t>(c.id())]);
  }
  template <class T>
  const T& state_of(const Component& c) const {
    return static_cast<const T&>(state_.components[static_cast<std::size_t>(c.id())]);
  }
  /// Another component's state, by index: for a module whose components share one (the
  /// material flow's parts live in its summary component's state). The caller knows the type
  /// because it asked for that component by type (BuildContext::require_component()).
  template <class T>
  T& state_at(int id) {
    return static_cast<T&>(state_.components[static_cast<std::size_t>(id)]);
  }
  template <class T>
  const T& state_at(int id) const {
    return static_cast<const T&>(state_.components[static_cast<std::size_t>(id)]);
  }

  EventHandle schedule_in(double delay, const Component& c, int kind, std::int64_t arg = 0,
                          int priority = 0) {
    assert(delay >= 0);
    return state_.calendar.schedule(state_.time + delay, c.id(), kind, arg, priority);
  }
  EventHandle schedule_at(double time, const Component& c, int kind, std::int64_t arg = 0,
                          int priority = 0) {
    assert(time >= state_.time);
    return state_.calendar.schedule(time, c.id(), kind, arg, priority);
  }
  /// Cancels a pending event and clears the handle; harmless if it is not pending.
  void cancel(EventHandle& h) {
    state_.calendar.cancel(h);
    h = EventHandle{};
  }
  bool pending(EventHandle h) const { return state_.calendar.pending(h); }
  double time_of(EventHandle h) const { return state_.calendar.time_of(h); }

  /// Whether the component downstream of `from`'s output `port` would take a part now.
  bool can_push(const Component& from, int port) const {
    const Link& l = from.output(port);
    DepthGuard guard(*this, from);
    return model_->component(l.component).can_accept(*this, l.port);
  }
  /// Offers `part` downstream of `from`'s output `port`; true if it was taken. A failed push
  /// changes nothing. A successful one may come back into `from` (a split routing the part
  /// back), so `from` must have finished its own state change before it pushes: the part
  /// leaves first, and is taken back if the push fails.
  bool try_push(const Component& from, int port, PartId part) {
    const Link& l = from.output(port);
    const Component& to = model_->component(l.component);
    DepthGuard guard(*this, from);
    if (!to.can_accept(*this, l.port)) return false;
    to.accept(*this, l.port, part);
    return true;
  }
  /// `c` has room on input `port` now: its upstream component hears of it after this event.
  void notify_space(const Component& c, int port) {
    const Link& l = c.input(port);
    state_.space_queue.push_back(l);
  }
  /// notify_space() for every input of `c`, in port order.
  void notify_space_all(const Component& c) {
    for (int p = 0; p < c.num_inputs(); ++p) notify_space(c, p);
  }
  /// For a component that holds no part (a split, a buffer of capacity 0) passing on the room
  /// it was told of: its upstream components hear of it next, before any notification queued
  /// after the one being delivered, so that a merge behind it still serves its first input
  /// first.
  void forward_space_all(const Component& c) {
    if (forward_at_ == kNotSettling) return notify_space_all(c);
    auto& q = state_.space_queue;
    for (int p = 0; p < c.num_inputs(); ++p)
      q.insert(q.begin() + static_cast<std::ptrdiff_t>(forward_at_++), c.input(p));
  }
  double occupancy_downstream(const Component& from, int port) const {
    return model_->component(from.output(port).component).occupancy(*this);
  }

  /// This component's continuous states (valid at the current time).
  const double* continuous(const Component& c) const {
    return state_.x.data() + model_->continuous_offset(c.id());
  }
  /// The same, to change them at an event (a repair resets wear, say).
  double* continuous_mut(const Component& c) {
    return state_.x.data() + model_->continuous_offset(c.id());
  }

  /// Adds an entry to the event log when the scenario records events.
  void log_event(const Component& c, const char* kind, std::string detail = {}) {
    if (model_->record().events)
      state_.trace.events.push_back(LoggedEvent{state_.time, c.id(), kind, std::move(detail)});
  }
  /// Records a warning from component `c` (kept once per source and message, with a count):
  /// front ends print it, result files keep it, Python raises it as a warning, and --strict
  /// makes it an error.
  void warn(const Component& c, std::string message);
  /// Whether the plant is on shift now (always true without a shift calendar).
  bool on_shift() const { return state_.on_shift; }
  /// Start of the statistics period (end of warm-up, or 0).
  double stats_start() const { return state_.stats_start; }

 private:
  void start();
  void settle() {
    auto& q = state_.space_queue;
    for (std::size_t i = 0; i < q.size(); ++i) {
      const Link l = q[i];
      forward_at_ = i + 1;
      model_->component(l.component).on_space(*this, l.port);
    }
    forward_at_ = kNotSettling;
    q.clear();
  }
  static constexpr std::size_t kNotSettling = static_cast<std::size_t>(-1);
  std::size_t forward_at_ = kNotSettling;  // where forward_space_all() inserts while settling
  void kernel_step();
  // Continuous integration (integrator.cpp).
  bool advance_continuous(double t_target);
  // Runs the events due at or before `limit` (only the first with `one`: continuous states
  // must be brought up to each event); false when `stop` was set.
  template <bool kPrefetch>
  bool run_events(double limit, bool one, const std::atomic<bool>* stop);
  void eval_derivatives(double t, const double* x, double* dxdt) const;
  void eval_guards(double t, const double* x, double* g) const;
  void take_step(double t, double h, const double* x0, double* x1, double* err);
  void implicit_euler_step(double t, double h, const double* x0, double* x1);
  double next_kernel_time() const;
  void begin_batch();

  // Counts nested pushes: a loop of components that hold no part (splits, buffers of capacity
  // 0) would otherwise ask itself for room without end.
  struct DepthGuard {
    DepthGuard(const Sim& sim, const Component& from) : sim_(sim) {
      if (++sim_.push_depth_ > sim_.push_depth_limit_) {
        --sim_.push_depth_;
        sim_.too_deep(from);
      }
    }
    ~DepthGuard() { --sim_.push_depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    const Sim& sim_;
  };
  [[noreturn]] void too_deep(const Component& from) const;
  mutable int push_depth_ = 0;
  int push_depth_limit_ = 0;  // the number of components + 1: deeper, a push is looping

  std::shared_ptr<const Model> model_;
  State state_;
  double batch_length_ = 0;
  ControlPlan control_;
  Monitor monitor_;
};

}  // namespace plantwin
