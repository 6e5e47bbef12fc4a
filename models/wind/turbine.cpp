#include "turbine.h"

#include <cmath>

#include <fmt/format.h>

#include "physics/scalar_kalman.h"
#include "plantwin/profile.h"
#include "plantwin/sim.h"
#include "plantwin/units.h"
#include "power_curve.h"

namespace plantwin::wind {
namespace {

using physics::KalmanSettings;
using physics::ScalarKalman;

enum Signal {
  kWind,
  kAvailable,
  kPower,
  kCurtailed,
  kLimit,
  kEnergy,
  kCurtailedEnergy,
  kGearboxTemperature,
  kGearboxAmbient,
  kGearboxHeat,
  kInnovation,
  kEstimateSd,
};

struct TurbineState : ClonableState<TurbineState> {
  double wind = 0, limit_kw = 0;
  double available_kw = 0, power_kw = 0;  // from wind and limit, kept at every change
  // Energy (kWh) up to `since`; power is constant after it until the next change.
  double since = 0, energy = 0, curtailed = 0;
  double stats_start = 0, stats_energy = 0, stats_curtailed = 0;  // at the start of statistics
  ScalarKalman kalman;
};

class Turbine final : public Component {
 public:
  struct Params {
    PowerCurve curve;
    double wind = 0;
    bool gearbox = false;
    double c = 0, r = 0, loss_share = 0;  // J/K, K/W, share of the power lost as heat
    Profile ambient = Profile::constant(20);
    std::optional<double> initial;
    bool sync = false;
    KalmanSettings kalman;
  };
  Turbine(std::string name, Params p) : Component(std::move(name), "turbine"), p_(std::move(p)) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<TurbineState>();
    s->wind = p_.wind;
    s->limit_kw = p_.curve.rated_kw();
    s->kalman = ScalarKalman(p_.kalman);
    refresh(*s);
    return s;
  }

  // ---- Gearbox: one thermal node ----------------------------------------------------------
  int continuous_states() const override { return p_.gearbox ? 1 : 0; }
  void initial_continuous(const Sim&, double* x) const override {
    x[0] = p_.initial.value_or(p_.ambient.at(0));
  }
  void derivatives(const Sim& sim, double t, const double* x, double* dx) const override {
    dx[0] = (heat_w(sim) - (x[0] - p_.ambient.at(t)) / p_.r) / p_.c;
  }
  bool measurable(int index) const override { return p_.sync && index == kGearboxTemperature; }
  void measure(Sim& sim, int, double z) const override {
    sim.state_of<TurbineState>(*this).kalman.update(p_.kalman, sim.now(), p_.r * p_.c,
                                                    sim.continuous_mut(*this)[0], z);
  }

  std::vector<SignalSpec> signals() const override {
    std::vector<SignalSpec> specs = {
        {"wind_speed", "m/s", "wind speed at the hub"},
        {"available_power", "kW", "what the power curve gives at this wind"},
        {"power", "kW", "power delivered: the available power, at most the power limit"},
        {"curtailed_power", "kW", "available power held back by the power limit"},
        {"power_limit", "kW", "the curtailment setpoint"},
        {"energy", "kWh", "energy delivered since the start"},
        {"curtailed_energy", "kWh", "energy held back by the power limit since the start"}};
    if (p_.gearbox) {
      specs.push_back({"gearbox_temperature", "C", "the gearbox's temperature (estimate)"});
      specs.push_back({"gearbox_ambient", "C", "nacelle air around the gearbox"});
      specs.push_back({"gearbox_heat", "kW", "gearbox losses heating it"});
    }
    if (p_.sync) {
      specs.push_back(
          {"gearbox_innovation", "K", "the last measured gearbox temperature minus the model's"});
      specs.push_back({"gearbox_estimate_sd", "K", "standard deviation of its estimate now"});
    }
    return specs;
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<TurbineState>(*this);
    const double hours = (sim.now() - s.since) / 3600.0;
    switch (index) {
      case kWind:
        return s.wind;
      case kAvailable:
        return s.available_kw;
      case kPower:
        return s.power_kw;
      case kCurtailed:
        return s.available_kw - s.power_kw;
      case kLimit:
        return s.limit_kw;
      case kEnergy:
        return s.energy + s.power_kw * hours;
      case kCurtailedEnergy:
        return s.curtailed + (s.available_kw - s.power_kw) * hours;
      case kGearboxTemperature:
        return sim.continuous(*this)[0];
      case kGearboxAmbient:
        return p_.ambient.at(sim.now());
      case kGearboxHeat:
        return heat_w(sim) / 1000.0;
      case kInnovation:
        return s.kalman.innovation();
      default:
        return std::sqrt(s.kalman.predicted_var(p_.kalman, sim.now(), p_.r * p_.c));
    }
  }

  std::vector<SignalSpec> actuators() const override {
    return {{"wind_speed", "m/s", "wind speed at the hub (a recorded or live feed)"},
            {"power_limit", "kW", "curtailment setpoint: the most power to deliver"}};
  }
  void set_actuator(Sim& sim, int index, double value) const override {
    if (index == 0 && !(std::isfinite(value) && value >= 0 && value <= 100))
      throw std::invalid_argument(
          fmt::format("wind_speed must be a speed in m/s from 0 to 100, got {}", value));
    if (index == 1 && !(value >= 0))  // +inf: no limit
      throw std::invalid_argument(
          fmt::format("power_limit must be a power in kW of at least 0 (or inf), got {}", value));
    auto& s = sim.state_of<TurbineState>(*this);
    settle_energy(s, sim.now());
    (index == 0 ? s.wind : s.limit_kw) = value;
    refresh(s);
  }

  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<TurbineState>(*this);
    settle_energy(s, sim.now());
    s.stats_start = sim.now();
    s.stats_energy = s.energy;
    s.stats_curtailed = s.curtailed;
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<TurbineState>(*this);
    const double nan = std::nan("");
    const double energy = signal(sim, kEnergy) - s.stats_energy;
    const double hours = (sim.now() - s.stats_start) / 3600.0;
    rows.push_back({name(), "energy", energy, nan, "kWh"});
    rows.push_back({name(), "curtailed_energy", signal(sim, kCurtailedEnergy) - s.stats_curtailed,
                    nan, "kWh"});
    rows.push_back({name(), "capacity_factor",
                    hours > 0 ? energy / (p_.curve.rated_kw() * hours) : nan, nan, "share"});
    rows.push_back({name(), "mean_power", hours > 0 ? energy / hours : nan, nan, "kW"});
    if (p_.gearbox)
      rows.push_back({name(), "gearbox_temperature", sim.continuous(*this)[0], nan, "C"});
    if (p_.sync) s.kalman.report(name(), rows, "gearbox_");
  }

 private:
  void refresh(TurbineState& s) const {
    s.available_kw = p_.curve.power_kw(s.wind);
    s.power_kw = std::min(s.available_kw, s.limit_kw);
  }
  static void settle_energy(TurbineState& s, double now) {
    const double hours = (now - s.since) / 3600.0;
    s.energy += s.power_kw * hours;
    s.curtailed += (s.available_kw - s.power_kw) * hours;
    s.since = now;
  }
  double heat_w(const Sim& sim) const {
    return p_.loss_share * sim.state_of<TurbineState>(*this).power_kw * 1000.0;
  }
  Params p_;
};

// `curve: [[3 m/s, 0 kW], ...]`: false (with errors reported) when it cannot be read.
bool read_curve(ParamReader& p, const Node& list, std::vector<double>& speeds,
                std::vector<double>& powers) {
  const std::string path = p.key_path("curve");
  Diagnostics& diag = p.diagnostics();
  if (!list.is_seq() || list.items.empty()) {
    p.error("curve", fmt::format("expected a list of [speed, power] points such as [[3 m/s, 0 kW], "
                                 "[12 m/s, 2 MW]], got {}",
                                 list.kind_phrase()));
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const Node& item = list.items[i];
    const std::string at = fmt::format("{}[{}]", path, i);
    if (!item.is_seq() || item.items.size() != 2 || !item.items[0].is_scalar() ||
        !item.items[1].is_scalar()) {
      diag.error(item.location, at,
                 fmt::format("expected a point [speed, power] such as [7 m/s, 550 kW], got {}",
                             item.to_yaml()));
      ok = false;
      continue;
    }
    std::string why;
    const auto v = parse_quantity(item.items[0].scalar, Dimension::kSpeed, &why);
    if (!v || !(*v >= 0) || !std::isfinite(*v)) {
      diag.error(
          item.items[0].location, at,
          v ? fmt::format("a speed must be finite and at least 0, got \"{}\"", item.items[0].scalar)
            : why);
      ok = false;
      continue;
    }
    const auto w = parse_quantity(item.items[1].scalar, Dimension::kPower, &why);
    if (!w || !(*w >= 0) || !std::isfinite(*w)) {
      diag.error(
          item.items[1].location, at,
          w ? fmt::format("a power must be finite and at least 0, got \"{}\"", item.items[1].scalar)
            : why);
      ok = false;
      continue;
    }
    if (!speeds.empty() && !(*v > speeds.back())) {
      diag.error(item.items[0].location, at,
                 fmt::format("speeds must increase from point to point: {} m/s follows {} m/s", *v,
                             speeds.back()));
      ok = false;
    }
    speeds.push_back(*v);
    powers.push_back(*w);
  }
  if (ok && !(*std::max_element(powers.begin(), powers.end()) > 0)) {
    p.error("curve", "gives no power at any speed: at least one point needs a power above 0");
    ok = false;
  }
  return ok;
}

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  Turbine::Params tp;
  bool ok = true;
  const double cut_out = p.quantity("cut_out", Dimension::kSpeed, 25.0, 0, HUGE_VAL, true);
  if (const Node* curve = p.raw("curve")) {
    for (const char* k : {"rated_power", "cut_in", "rated_speed"})
      if (p.has(k))
        p.error(k,
                "comes from the curve: give either curve or rated_power, cut_in and "
                "rated_speed (the cubic curve)");
    for (const char* k : {"rated_power", "cut_in", "rated_speed"}) p.allow(k);
    std::vector<double> speeds, powers;
    if (read_curve(p, *curve, speeds, powers)) {
      if (cut_out < speeds.back()) {
        p.error("cut_out",
                fmt::format("must be at least the curve's last speed ({} m/s)", speeds.back()));
        ok = false;
      }
      tp.curve = PowerCurve::table(std::move(speeds), std::move(powers), cut_out);
    } else {
      ok = false;
    }
  } else {
    const double rated_kw =
        p.quantity("rated_power", Dimension::kPower, std::nullopt, 0, HUGE_VAL, true);
    const double cut_in = p.quantity("cut_in", Dimension::kSpeed, 3.0, 0);
    const double rated_speed = p.quantity("rated_speed", Dimension::kSpeed, 12.0, 0);
    // Reported at a key the scenario writes, where the user will look.
    if (!(cut_in < rated_speed)) {
      if (p.has("cut_in"))
        p.error("cut_in", fmt::format("must be below rated_speed ({} m/s)", rated_speed));
      else
        p.error("rated_speed", fmt::format("must be above cut_in ({} m/s)", cut_in));
      ok = false;
    } else if (!(rated_speed <= cut_out)) {
      if (p.has("rated_speed"))
        p.error("rated_speed", fmt::format("must be at most cut_out ({} m/s)", cut_out));
      else
        p.error("cut_out", fmt::format("must be at least rated_speed ({} m/s)", rated_speed));
      ok = false;
    }
    if (!(rated_kw > 0)) ok = false;
    tp.curve = PowerCurve::cubic(cut_in, rated_speed, rated_kw, cut_out);
  }
  tp.wind = p.quantity("wind", Dimension::kSpeed, 0.0, 0, 100);
  if (const Node* gb = p.raw("gearbox")) {
    if (!gb->is_map()) {
      p.error("gearbox",
              fmt::format("expected a map such as {{capacitance: 6 MJ/K, r_ambient: 0.8 K/kW, "
                          "loss_share: 0.025}}, got {}",
                          gb->kind_phrase()));
      ok = false;
    } else {
      ParamReader g(*gb, p.key_path("gearbox"), p.diagnostics(), p.base_dir());
      tp.gearbox = true;
      tp.c = g.quantity("capacitance", Dimension::kHeatCapacity, std::nullopt, 0, HUGE_VAL, true);
      tp.r =
          g.quantity("r_ambient", Dimension::kThermalResistance, std::nullopt, 0, HUGE_VAL, true);
      tp.loss_share = g.real("loss_share", std::nullopt, 0, 1);
      tp.ambient = g.profile("ambient", Dimension::kTemperature, Profile::constant(20));
      tp.initial = g.optional_quantity("initial", Dimension::kTemperature);
      if (auto k = physics::read_sync(g)) {
        tp.sync = true;
        tp.kalman = *k;
      }
      g.finish();
      if (!(tp.c > 0 && tp.r > 0)) ok = false;
    }
  }
  if (!ok) return nullptr;
  return std::make_unique<Turbine>(ctx.name(), std::move(tp));
}

}  // namespace

void register_turbine(Registry& registry) {
  registry.add("turbine",
               "wind turbine: power curve, curtailment setpoint, gearbox temperature with sync",
               build);
}

}  // namespace plantwin::wind
