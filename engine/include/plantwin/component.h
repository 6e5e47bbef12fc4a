#pragma once
/// Components: the building blocks a scenario wires into a plant.
///
/// A Component is immutable once the Model is compiled: it holds its parameters and its links
/// and creates a ComponentState for each run. Everything that changes during a run lives in that
/// state, inside the State, so many runs can share one Model across threads.
///
/// Material moves by pushing: a component with a finished part calls Sim::try_push, which
/// asks the downstream component can_accept() and then accept(). A component that frees space
/// calls Sim::notify_space; the kernel then calls on_space() on the upstream component after the
/// current event, in a deterministic first-in-first-out order, so cascades along a long line
/// neither recurse nor depend on anything but the event order.

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace plantwin {

class Sim;
/// What moves along flow links: a handle the material-flow module (models/line/flow.h) gives
/// out and gives meaning to. The kernel only carries it from one component to the next.
using PartId = std::int32_t;

/// Mutable per-run data of one component. Derive through ClonableState.
struct ComponentState {
  virtual ~ComponentState() = default;
  virtual std::unique_ptr<ComponentState> clone() const = 0;
};

template <class Derived>
struct ClonableState : ComponentState {
  std::unique_ptr<ComponentState> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

/// One end of a flow link: component index and port number on it.
struct Link {
  int component = -1;
  int port = -1;
};

/// An observable quantity of a component: "<component>.<name>" with a unit.
struct SignalSpec {
  std::string name;
  std::string unit;
  std::string doc;
};

/// One line of the KPI table. half_width is NaN when no interval is available.
struct KpiRow {
  std::string component;
  std::string name;
  double value = 0;
  double half_width = std::numeric_limits<double>::quiet_NaN();
  std::string unit;
};

/// Seed material for a component's random streams.
struct StreamSeed {
  std::uint64_t seed = 0;
  std::uint64_t replication = 0;
};

class Component {
 public:
  Component(std::string name, std::string type) : name_(std::move(name)), type_(std::move(type)) {}
  virtual ~Component() = default;
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  int id() const { return id_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  /// The upstream end feeding input `port`.
  const Link& input(int port) const {
    return port == 0 ? input0_ : inputs_[static_cast<std::size_t>(port)];
  }
  /// The components downstream of output 0 and upstream of input 0, or -1: hints for the
  /// kernel's prefetching.
  int output_hint() const { return output0_.component; }
  int input_hint() const { return input0_.component; }
  /// The downstream end fed by output `port`.
  const Link& output(int port) const {
    return port == 0 ? output0_ : outputs_[static_cast<std::size_t>(port)];
  }

  /// A fresh state for one run, with random streams derived from `seed`.
  virtual std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const = 0;
  /// Called once at time 0, after every component has its state.
  virtual void start(Sim&) const {}
  /// An event this component scheduled has come due.
  virtual void on_event(Sim&, int /*kind*/, std::int64_t /*arg*/) const {}
  /// Whether a part offered on input `port` would be taken now.
  virtual bool can_accept(const Sim&, int /*port*/) const { return false; }
  /// Takes a part; only called right after can_accept() returned true.
  virtual void accept(Sim&, int port, PartId part) const;
  /// The component downstream of output `port` may have room now.
  virtual void on_space(Sim&, int /*port*/) const {}
  /// The shift calendar switched between on and off shift (see Sim::on_shift()).
  virtual void on_shift_change(Sim&) const {}
  /// Parts held (queue length), used by shortest-queue routing.
  virtual double occupancy(const Sim&) const { return 0; }

  /// Signals this component offers, in the order signal() indexes them.
  virtual std::vector<SignalSpec> signals() const { return {}; }
  virtual double signal(const Sim&, int /*index*/) const { return 0; }
  /// Places it holds, for drawing a fill bar (NaN when that does not apply).
  virtual double display_capacity() const { return std::numeric_limits<double>::quiet_NaN(); }
  /// Whether the component takes part in the material flow (named in `flow:`). Sensors and
  /// meters do not.
  virtual bool material() const { return true; }
  /// Another component this one is tied to outside the flow, for result files and viewers:
  /// `kind` "observes" (a sensor and the component whose signal it reads) or "served_by" (a
  /// machine and the crew or worker pool that repairs or operates it).
  struct Relation {
    std::string kind, component;
  };
  virtual std::vector<Relation> relations() const { return {}; }

  // ---- Continuous state (integrated by the kernel between events; see sim.h) ----------
  /// Number of continuous states this component owns.
  virtual int continuous_states() const { return 0; }
  /// Writes the initial values of its states (length continuous_states()).
  virtual void initial_continuous(const Sim&, double* /*x*/) const {}
  /// dx/dt at time t, for this component's slice x. Must depend only on t, x and discrete
  /// state (which is constant between events), so that integration is exact to the method.
  virtual void derivatives(const Sim&, double /*t*/, const double* /*x*/, double* /*dxdt*/) const {}
  /// Number of guard functions (state events).
  virtual int guards() const { return 0; }
  /// Guard values at (t, x); a guard fires when its value goes from below zero to zero or above.
  virtual void guard_values(const Sim&, double /*t*/, const double* /*x*/, double* /*g*/) const {}
  /// Guard `index` fired at the current time (located within the event tolerance).
  virtual void on_guard(Sim&, int /*index*/) const {}

  /// A fork's replication draws from new streams: replace every random stream of this
  /// component's state by the stream make_state() would make for `seed` (what was already
  /// drawn, such as a scheduled arrival, stays). Components that draw nothing do nothing.
  virtual void reseed(Sim&, const StreamSeed& /*seed*/) const {}

  /// Quantities that may change during a run (actuators, run-time parameters), in the order
  /// set_actuator() indexes them.
  virtual std::vector<SignalSpec> actuators() const { return {}; }
  /// Sets actuator `index` now. Throws std::invalid_argument with a reason for a bad value.
  virtual void set_actuator(Sim&, int /*index*/, double /*value*/) const {}
  // ---- Control (a controller is a component that scans: scenario `controllers:`) ---------
  /// A positive period makes the component a controller: the kernel calls scan() at time 0
  /// and then every period, after the events of a time point and before its samples (a PLC
  /// scan cycle), as a task of the run's control plan, which a fork copies or leaves behind.
  virtual double scan_period() const { return 0; }
  /// One scan: read signals (Sim::signal), write actuators (Sim::set_actuator).
  virtual void scan(Sim&) const {}

  // ---- State sync (a twin beside its plant) -------------------------------------------
  /// Whether signal `index` can take measurements of the plant (Sim::apply_measurement).
  virtual bool measurable(int /*index*/) const { return false; }
  /// A measurement of signal `index` arrived: bring the state closer to it (a Kalman update,
  /// an override of a discrete state). Throws std::invalid_argument for a value it refuses.
  virtual void measure(Sim&, int /*index*/, double /*value*/) const {}

  /// Restarts statistics at the current time (end of warm-up).
  virtual void reset_statistics(Sim&) const {}
  /// A batch of the statistics period begins now: at the end of warm-up (right after
  /// reset_statistics()) and at every batch boundary up to the horizon (Model::batches()).
  /// A component that gives batch-means intervals keeps what it needs of its counters here.
  virtual void on_batch(Sim&) const {}
  /// Names of this component's KPI rows whose sum is the share of time it is active (working,
  /// or down and under repair), for bottleneck analysis by the active-period method. Empty for
  /// components that cannot be a bottleneck.
  virtual std::vector<std::string> active_kpis() const { return {}; }
  /// Appends this component's KPIs over the statistics period so far (called once warm-up is
  /// over).
  virtual void report(const Sim&, std::vector<KpiRow>&) const {}
  /// Called after every component has reported (and also before warm-up ends, when `rows` is
  /// empty): a component that summarizes others (plant totals) adds its rows here, wherever in
  /// the table they belong.
  virtual void finish_report(const Sim&, std::vector<KpiRow>& /*rows*/) const {}

 private:
  friend class ModelBuilder;
  // Hot first: every part movement reads the id and the first links.
  int id_ = -1;
  Link input0_, output0_;  // copies of inputs_[0] and outputs_[0], read without an indirection
  std::vector<Link> inputs_, outputs_;
  std::string name_, type_;
};

}  // namespace plantwin
