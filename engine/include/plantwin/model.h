#pragma once
/// The Model: a compiled scenario. Immutable after compile() and shared by every run.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "plantwin/component.h"
#include "plantwin/registry.h"
#include "plantwin/scenario.h"
#include "plantwin/shifts.h"

namespace plantwin {

/// A signal in the model-wide table: "<component>.<signal>".
struct SignalRef {
  std::string name;
  std::string unit;
  int component = -1;
  int index = -1;
};

/// How continuous states are integrated, from the scenario's `physics:` section.
struct PhysicsSettings {
  enum class Method { kRK4, kDormandPrince, kImplicitEuler };
  Method method = Method::kRK4;
  double dt = 1.0;                  ///< Step (RK4, implicit) or initial step (Dormand-Prince), s.
  double rtol = 1e-6, atol = 1e-9;  ///< Dormand-Prince error control.
  double event_tolerance = 1e-6;    ///< State events are located within this many seconds.
};

/// The longest horizon a scenario may have: 1000 years (365.25 d each) in seconds. Simulated
/// time stays exact to well below a millisecond, and every time axis (the viewer's too) holds it.
inline constexpr double kMaxHorizon = 1000 * 365.25 * 86400.0;

/// The most samples a run may record (all signals together): about 1.6 GB of times and values.
inline constexpr double kMaxRecordedValues = 1e8;

/// What a run records, from the scenario's `record:` section.
struct RecordPlan {
  double period = 0;         ///< Sampling period in seconds; 0 = no sampling.
  std::vector<int> signals;  ///< Indices into Model::signals().
  bool events = true;        ///< Keep the event log (failures, repairs, ...).
  bool exits = false;        ///< Log every exit at a sink (kind "exit", detail: creation time).
};

class Model {
 public:
  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  std::uint64_t seed() const { return seed_; }
  double horizon() const { return horizon_; }
  double warmup() const { return warmup_; }
  /// Number of batches for batch-means confidence intervals over [warmup, horizon].
  int batches() const { return batches_; }
  const Scenario& scenario() const { return scenario_; }
  const RecordPlan& record() const { return record_; }

  /// Every component: the scenario's components, then its controllers, then those the build
  /// added (BuildContext::require_component(): the material flow's `line`).
  std::size_t size() const { return components_.size(); }
  /// How many the scenario wrote (components and controllers): the first scenario_size().
  std::size_t scenario_size() const { return scenario_size_; }
  const Component& component(int id) const { return *components_[static_cast<std::size_t>(id)]; }
  /// Index of a component by name, or -1.
  int find_component(const std::string& name) const;
  const std::vector<SignalRef>& signals() const { return signals_; }
  /// Index of a signal by dotted name, or -1.
  int find_signal(const std::string& name) const;
  /// Run-time settable quantities ("<component>.<actuator>").
  const std::vector<SignalRef>& actuators() const { return actuators_; }
  int find_actuator(const std::string& name) const;
  /// The signals that take measurements of the plant (Component::measurable), for messages:
  /// "room.temperature, tank.level", or "none (give a component a sync: section)".
  std::string synced_signals() const;
  /// Whether signal `index` (Model::signals(); -1 for none) takes measurements.
  bool takes_measurements(int index) const;
  const std::vector<std::string>& part_types() const { return part_types_; }
  const PhysicsSettings& physics() const { return physics_; }
  /// Total continuous states and guards, and each component's offset into them.
  int num_continuous() const { return num_continuous_; }
  int num_guards() const { return num_guards_; }
  int continuous_offset(int component) const {
    return continuous_offset_[static_cast<std::size_t>(component)];
  }
  int guard_offset(int component) const {
    return guard_offset_[static_cast<std::size_t>(component)];
  }
  /// Components that own continuous states or guards, in index order.
  const std::vector<int>& continuous_components() const { return continuous_components_; }
  /// Drawing position of each component from the scenario's `position: [x, y]` (NaN if none).
  const std::vector<std::pair<double, double>>& positions() const { return positions_; }
  /// The shift calendar, or null when the plant works around the clock.
  const ShiftCalendar* shifts() const { return shifts_ ? &*shifts_ : nullptr; }

 private:
  friend class ModelBuilder;
  std::string name_, description_;
  std::uint64_t seed_ = 1;
  double horizon_ = 0, warmup_ = 0;
  int batches_ = 20;
  Scenario scenario_;
  RecordPlan record_;
  std::vector<std::unique_ptr<Component>> components_;
  std::unordered_map<std::string, int> component_index_;
  std::vector<SignalRef> signals_;
  std::unordered_map<std::string, int> signal_index_;
  std::vector<SignalRef> actuators_;
  std::unordered_map<std::string, int> actuator_index_;
  std::vector<std::string> part_types_;
  std::optional<ShiftCalendar> shifts_;
  PhysicsSettings physics_;
  std::vector<std::pair<double, double>> positions_;
  int num_continuous_ = 0, num_guards_ = 0;
  std::size_t scenario_size_ = 0;
  std::vector<int> continuous_offset_, guard_offset_, continuous_components_;
};

/// Checks a scenario and compiles it into a Model. Every problem found is collected and
/// thrown together as one ScenarioError (each with file:line:column and key path).
std::shared_ptr<const Model> compile(const Scenario& scenario, const Registry& registry);

}  // namespace plantwin
