#include "thermal.h"

#include <fmt/format.h>

#include "plantwin/profile.h"
#include "plantwin/sim.h"
#include "scalar_kalman.h"

namespace plantwin::physics {
namespace {

struct ThermalState : ClonableState<ThermalState> {
  int heat_signal = -1;  // the machine's state signal, resolved at start
  bool alarm = false;
  std::int64_t alarms = 0;
  double alarm_since = 0, time_above = 0;
  double stats_start = 0, max_t = -HUGE_VAL;
  double integral = 0, last_t = 0, last_v = 0;  // trapezoid of samples taken at events
  double heat_input = 0;                        // W, set by a controller (the heat_input actuator)
  ScalarKalman filter;                          // state sync on node 1 (scalar_kalman.h)
};

class Thermal final : public Component {
 public:
  struct Params {
    int nodes = 1;
    double c1 = 0, c2 = 0, r12 = 0, ra = 0;
    Profile ambient = Profile::constant(20);
    std::optional<double> initial;
    double heat_w = 0;
    std::string machine;
    double heat_by_state_w[5] = {0, 0, 0, 0, 0};
    std::optional<double> alarm;
    // sync: a Kalman filter on node 1 (one-node models).
    std::optional<KalmanSettings> sync;
  };
  Thermal(std::string name, Params p) : Component(std::move(name), "thermal"), p_(std::move(p)) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<ThermalState>();
    if (p_.sync) s->filter = ScalarKalman(*p_.sync);
    return s;
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<ThermalState>(*this);
    if (!p_.machine.empty()) s.heat_signal = sim.model().find_signal(p_.machine + ".state");
  }
  int continuous_states() const override { return p_.nodes; }
  void initial_continuous(const Sim&, double* x) const override {
    const double t0 = p_.initial.value_or(p_.ambient.at(0));
    for (int i = 0; i < p_.nodes; ++i) x[i] = t0;
  }
  void derivatives(const Sim& sim, double t, const double* x, double* dx) const override {
    const double q = heat(sim);
    const double ta = p_.ambient.at(t);
    if (p_.nodes == 1) {
      dx[0] = (q - (x[0] - ta) / p_.ra) / p_.c1;
    } else {
      const double flow12 = (x[0] - x[1]) / p_.r12;
      dx[0] = (q - flow12) / p_.c1;
      dx[1] = (flow12 - (x[1] - ta) / p_.ra) / p_.c2;
    }
  }
  int guards() const override { return p_.alarm ? 2 : 0; }
  void guard_values(const Sim&, double, const double* x, double* g) const override {
    g[0] = x[0] - *p_.alarm;          // rising through the alarm level
    g[1] = (*p_.alarm - 1.0) - x[0];  // falling 1 K below it
  }
  void on_guard(Sim& sim, int index) const override {
    auto& s = sim.state_of<ThermalState>(*this);
    if (index == 0 && !s.alarm) {
      s.alarm = true;
      ++s.alarms;
      s.alarm_since = sim.now();
      sim.log_event(*this, "over_temperature", fmt::format("{:.2f} C", sim.continuous(*this)[0]));
    } else if (index == 1 && s.alarm) {
      s.alarm = false;
      s.time_above += sim.now() - std::max(s.alarm_since, s.stats_start);
      sim.log_event(*this, "temperature_normal", fmt::format("{:.2f} C", sim.continuous(*this)[0]));
    }
  }

  std::vector<SignalSpec> signals() const override {
    std::vector<SignalSpec> specs = {{"temperature", "C", "node 1"},
                                     {"temperature2", "C", "node 2 (node 1 for a one-node model)"},
                                     {"ambient", "C", "ambient temperature"},
                                     {"heat", "W", "heat flowing into node 1"},
                                     {"alarm", "", "1 while above the alarm level"}};
    if (p_.sync)
      for (auto& spec : ScalarKalman::signal_specs()) specs.push_back(std::move(spec));
    return specs;
  }
  double signal(const Sim& sim, int index) const override {
    const double* x = sim.continuous(*this);
    switch (index) {
      case 0:
        return x[0];
      case 1:
        return x[p_.nodes - 1];
      case 2:
        return p_.ambient.at(sim.now());
      case 3:
        return heat(sim);
      case 4:
        return sim.state_of<ThermalState>(*this).alarm ? 1.0 : 0.0;
      case 5:
        return sim.state_of<ThermalState>(*this).filter.innovation();
      default:
        return std::sqrt(
            sim.state_of<ThermalState>(*this).filter.predicted_var(*p_.sync, sim.now(), tau()));
    }
  }

  // ---- Sync: a scalar Kalman filter on node 1 (scalar_kalman.h) ----------------------
  bool measurable(int index) const override { return p_.sync && index == 0; }
  void measure(Sim& sim, int, double z) const override {
    auto& s = sim.state_of<ThermalState>(*this);
    s.filter.update(*p_.sync, sim.now(), tau(), sim.continuous_mut(*this)[0], z);
  }
  std::vector<SignalSpec> actuators() const override {
    return {{"heat_input", "W",
             "heat into node 1 on top of `heat` and the machine's (negative: cooling), e.g. a "
             "heater or compressor driven by a controller"}};
  }
  void set_actuator(Sim& sim, int, double value) const override {
    if (!std::isfinite(value) || std::abs(value) > 1e12)
      throw std::invalid_argument(
          fmt::format("heat_input must be a finite power in W of at most 1e12, got {}", value));
    sim.state_of<ThermalState>(*this).heat_input = value;
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<ThermalState>(*this);
    s.stats_start = sim.now();
    s.alarms = 0;
    s.time_above = 0;
    s.max_t = sim.continuous(*this)[0];
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<ThermalState>(*this);
    const double nan = std::nan("");
    double above = s.time_above;
    if (s.alarm) above += sim.now() - std::max(s.alarm_since, s.stats_start);
    rows.push_back({name(), "temperature", sim.continuous(*this)[0], nan, "C"});
    rows.push_back({name(), "alarms", static_cast<double>(s.alarms), nan, "count"});
    rows.push_back({name(), "time_above_alarm", above, nan, "s"});
    if (p_.sync) s.filter.report(name(), rows);
  }

 private:
  double tau() const { return p_.ra * p_.c1; }
  double heat(const Sim& sim) const {
    const auto& s = sim.state_of<ThermalState>(*this);
    double q = p_.heat_w + s.heat_input;
    const int sig = s.heat_signal;
    if (sig >= 0) {
      const int st = static_cast<int>(sim.signal(sig));
      if (st >= 0 && st < 5) q += p_.heat_by_state_w[st];
    }
    return q;
  }
  Params p_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  Thermal::Params tp;
  tp.nodes = static_cast<int>(p.integer("nodes", 1, 1, 2));
  tp.c1 = p.quantity("capacitance", Dimension::kHeatCapacity, std::nullopt, 0, HUGE_VAL, true);
  tp.ra = p.quantity("r_ambient", Dimension::kThermalResistance, std::nullopt, 0, HUGE_VAL, true);
  if (tp.nodes == 2) {
    tp.c2 = p.quantity("capacitance2", Dimension::kHeatCapacity, std::nullopt, 0, HUGE_VAL, true);
    tp.r12 = p.quantity("r12", Dimension::kThermalResistance, std::nullopt, 0, HUGE_VAL, true);
  } else {
    for (const char* k : {"capacitance2", "r12"})
      if (p.has(k)) p.error(k, "only applies to a two-node model (nodes: 2)");
    p.allow("capacitance2");
    p.allow("r12");
  }
  tp.ambient = p.profile("ambient", Dimension::kTemperature, Profile::constant(20));
  tp.initial = p.optional_quantity("initial", Dimension::kTemperature);
  tp.heat_w = p.quantity("heat", Dimension::kPower, 0.0) * 1000.0;  // negative: cooling
  if (const Node* hf = p.raw("heat_from")) {
    ParamReader h(*hf, p.key_path("heat_from"), p.diagnostics());
    tp.machine = h.text("machine", std::nullopt);
    if (!tp.machine.empty()) ctx.check_component(h, "machine", tp.machine, "machine");
    const char* keys[5] = {"working", "idle", "blocked", "down", "off"};
    for (int k = 0; k < 5; ++k)
      tp.heat_by_state_w[k] = h.quantity(keys[k], Dimension::kPower, 0.0, 0) * 1000.0;
    h.finish();
  }
  tp.alarm = p.optional_quantity("alarm", Dimension::kTemperature);
  tp.sync = read_sync(p);
  if (tp.sync && tp.nodes != 1) p.error("sync", "needs a one-node model (nodes: 1)");
  if (!(tp.c1 > 0 && tp.ra > 0) || (tp.nodes == 2 && !(tp.c2 > 0 && tp.r12 > 0))) return nullptr;
  return std::make_unique<Thermal>(ctx.name(), std::move(tp));
}

}  // namespace

void register_thermal(Registry& registry) {
  registry.add("thermal", "lumped thermal RC model of one or two nodes, heated by machine states",
               build);
}

}  // namespace plantwin::physics
