#pragma once
/// The component registry: type names ("machine", "buffer" ...) mapped to factories.
///
/// There are no static initialisers: a program fills a Registry explicitly, e.g. with
/// register_builtin_models() from plantwin::models, and hands it to compile().

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plantwin/component.h"
#include "plantwin/params.h"

namespace plantwin {

/// The most times a task may repeat over the horizon (a sensor reading, a meter window, a
/// recorded sample, a physics step) and the most arrivals a source may make: a scenario
/// above either is refused before the run with the estimate, since it would never finish
/// (a period far below the clock's resolution never even advances time).
inline constexpr double kMaxPeriodicRuns = 1e8;
inline constexpr double kMaxArrivals = 1e9;

/// What a factory sees of the scenario while it builds one component.
class BuildContext {
 public:
  /// A component added by the build itself, not written in the scenario (see
  /// require_component()).
  struct ImplicitComponent {
    std::string name, type;
  };
  /// What every BuildContext of one compile shares.
  struct Shared {
    const Node* components = nullptr;  ///< the scenario's `components:` map
    const std::vector<std::string>* names = nullptr;
    const std::vector<std::string>* types = nullptr;  ///< as written, "" when unreadable
    std::vector<ImplicitComponent> implicit;
    std::map<std::string, std::shared_ptr<void>> blackboard;
  };

  BuildContext(std::string name, ParamReader& params, std::vector<std::string> inputs,
               std::vector<std::string> outputs, SourceLocation location)
      : name_(std::move(name)),
        params_(params),
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)),
        location_(std::move(location)) {}

  const std::string& name() const { return name_; }
  ParamReader& params() { return params_; }
  /// Names of the upstream components, in input-port order.
  const std::vector<std::string>& inputs() const { return inputs_; }
  /// Names of the downstream components, in output-port order.
  const std::vector<std::string>& outputs() const { return outputs_; }
  /// Names of every component in the scenario (to check references such as `machine: press1`).
  const std::vector<std::string>& component_names() const { return *shared_->names; }
  /// Type of component `name` as the scenario writes it ("machine" ...), or "" if unknown.
  const std::string& component_type(const std::string& name) const;
  /// The scenario's `components:` map, for a module that reads what several components declare
  /// (the part types of every source, say) before all of them are built.
  const Node& scenario_components() const { return *shared_->components; }
  void set_shared(Shared* shared) { shared_ = shared; }

  /// Asks for a component that the scenario does not write but a module needs once per plant
  /// (the material flow's summary "line", say): it is built after the scenario's components,
  /// from `type` registered with Registry::add_implicit(), with no keys. Every request for the
  /// same name gets the same component. Returns the index it will have; a scenario component
  /// of that name is an error ("the name is reserved").
  int require_component(const std::string& name, const std::string& type);

  /// A value shared by every factory of one compile, made on first use: a module computes what
  /// it reads from the whole scenario once, not once per component.
  template <class T, class Make>
  T& shared(const std::string& key, Make make) {
    auto& slot = shared_->blackboard[key];
    if (!slot) slot = std::make_shared<T>(make());
    return *static_cast<T*>(slot.get());
  }
  /// Checks that `name`, given under `key` of `params`, names a component of the scenario and,
  /// when `kind` is given, one of that type. Reports "no component ... (did you mean ...?)" or
  /// "\"press2\" is a machine; expected a crew (crews here: mechanics)". Returns whether it
  /// does.
  bool check_component(ParamReader& params, std::string_view key, const std::string& name,
                       std::string_view kind = {});
  /// The same for a reference written at `location` (an item of a list), under `path`.
  bool check_component_at(Diagnostics& diag, const SourceLocation& location,
                          const std::string& path, const std::string& name,
                          std::string_view kind = {});
  /// A signal reference ("press1.vibration") given under `key`: checked once every component
  /// has declared its signals, before the model is handed out.
  void check_signal(ParamReader& params, std::string_view key, const std::string& signal);
  /// An actuator reference ("conveyor2.speed"), checked the same way against the actuators.
  void check_actuator(ParamReader& params, std::string_view key, const std::string& actuator);
  /// The same for a reference written at `location` (a value of a map, an item of a list).
  void check_signal_at(const SourceLocation& location, const std::string& path,
                       const std::string& signal);
  void check_actuator_at(const SourceLocation& location, const std::string& path,
                         const std::string& actuator);

  /// A signal (or actuator) reference waiting for its check.
  struct SignalCheck {
    SourceLocation location;
    std::string path, signal;
    bool actuator = false;
  };
  void set_signal_checks(std::vector<SignalCheck>* checks) { signal_checks_ = checks; }

  /// Reports an error about the component as a whole (located at its definition).
  void error(std::string message);
  /// The scenario's horizon in seconds, to estimate a component's work before the run.
  double horizon() const { return horizon_; }
  void set_horizon(double horizon_s) { horizon_ = horizon_s; }
  /// A duration under `key` that a task repeats with (a sensor's sampling period, say): it must
  /// be positive and repeat at most kMaxPeriodicRuns times over the horizon.
  double period(std::string_view key, std::optional<double> fallback);
  /// Checks the number of flow links; reports a readable error when out of range. Does nothing
  /// when a flow line could not be read (the links are then unknown).
  void require_ports(int min_in, int max_in, int min_out, int max_out);
  void set_ports_known(bool known) { ports_known_ = known; }

 private:
  std::string name_;
  ParamReader& params_;
  std::vector<std::string> inputs_, outputs_;
  SourceLocation location_;
  Shared* shared_ = nullptr;
  std::vector<SignalCheck>* signal_checks_ = nullptr;
  double horizon_ = 0;
  bool ports_known_ = true;
};

/// The error text for a task repeating every `period_s` over `horizon_s` more often than
/// kMaxPeriodicRuns, or "" when it does not.
std::string periodic_work_error(double period_s, double horizon_s);

using ComponentFactory = std::function<std::unique_ptr<Component>(BuildContext&)>;

class Registry {
 public:
  /// Registers a type. Throws std::logic_error if the name is taken.
  void add(std::string type, std::string summary, ComponentFactory factory);
  /// Registers a type that scenarios cannot write: the build adds such components itself when
  /// a factory asks for one (BuildContext::require_component()).
  void add_implicit(std::string type, std::string summary, ComponentFactory factory);
  const ComponentFactory* find(const std::string& type) const;
  const ComponentFactory* find_implicit(const std::string& type) const;
  /// Registers a controller type (scenario `controllers:`): a component whose scan_period()
  /// is positive. Controller and component types share no names.
  void add_controller(std::string type, std::string summary, ComponentFactory factory);
  const ComponentFactory* find_controller(const std::string& type) const;
  std::vector<std::string> controller_types() const;
  std::vector<std::string> types() const;
  const std::string& summary(const std::string& type) const;

 private:
  struct Entry {
    std::string summary;
    ComponentFactory factory;
  };
  std::map<std::string, Entry> entries_, implicit_, controllers_;
};

}  // namespace plantwin
