#include "reefer.h"

#include <cmath>

#include <fmt/format.h>

#include "physics/scalar_kalman.h"
#include "plantwin/profile.h"
#include "plantwin/sim.h"
#include "route.h"

namespace plantwin::coldchain {
namespace {

using physics::KalmanSettings;
using physics::ScalarKalman;

enum EventKind { kRouteItem = 0, kDoorOpen = 1, kDoorClose = 2 };

struct ReeferState : ClonableState<ReeferState> {
  int item = -1;  // route item now; -1 before departure, route size after the end
  double item_start = 0;
  bool door = false, compressor = false, above = false;
  double setpoint = 0, available = 1;
  EventHandle door_close;
  // Open intervals (since when) and what the closed ones add up to. Statistics restart at the
  // end of warm-up: each interval is closed there and reopened, so a KPI only sees its period.
  double stats_start = 0;
  double on_since = 0, on_time = 0;
  double door_since = 0, door_time = 0;
  double above_since = 0, above_time = 0, longest = 0;
  double power_since = 0, energy_kwh = 0, energy_total_kwh = 0;
  std::int64_t starts = 0, excursions = 0;
  ScalarKalman filter;  // state sync on the cargo temperature
};

class Reefer final : public Component {
 public:
  struct Params {
    double c = 0, ra = 0;
    Profile ambient = Profile::constant(20);
    double heat_w = 0;
    double setpoint = 0, band = 1;
    double cooling_w = 0, cop = 2;
    double door_heat_w = 0, door_ua = 0;  // W, W/K
    double limit = 0;
    bool shelf = false;
    double life_s = 0, life_at = 0, q10 = 1;
    std::optional<double> initial;
    double depart = 0;
    std::vector<RouteItem> route;
    std::optional<KalmanSettings> sync;
  };
  Reefer(std::string name, Params p) : Component(std::move(name), "reefer"), p_(std::move(p)) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<ReeferState>();
    s->setpoint = p_.setpoint;
    if (p_.sync) s->filter = ScalarKalman(*p_.sync);
    return s;
  }
  void start(Sim& sim) const override {
    if (!p_.route.empty()) sim.schedule_at(p_.depart, *this, kRouteItem, 0);
    check_levels(sim);
  }

  // ---- Route and door ----------------------------------------------------------------
  void on_event(Sim& sim, int kind, std::int64_t arg) const override {
    auto& s = sim.state_of<ReeferState>(*this);
    if (kind == kRouteItem) {
      if (s.door) close_door(sim);  // the door shuts before the container moves on
      sim.cancel(s.door_close);
      s.item = static_cast<int>(arg);
      s.item_start = sim.now();
      if (s.item >= static_cast<int>(p_.route.size())) {
        sim.log_event(*this, "route_end");
        return;
      }
      const RouteItem& it = p_.route[static_cast<std::size_t>(s.item)];
      sim.log_event(*this, it.kind == RouteItem::Kind::kLeg ? "depart" : "arrive",
                    it.name.empty()
                        ? fmt::format("{} {}", route_kind_name(it.kind), s.item)
                        : fmt::format("{} {} ({})", route_kind_name(it.kind), s.item, it.name));
      sim.schedule_in(it.duration_s, *this, kRouteItem, arg + 1);
      if (it.kind != RouteItem::Kind::kLeg && it.door_open_s > 0) open_door(sim, 0);
      return;
    }
    // Door events carry their opening's number; one left over from an earlier stop is void.
    const std::int64_t opening = arg % kMaxOpenings;
    if (arg / kMaxOpenings != s.item) return;
    const RouteItem& it = p_.route[static_cast<std::size_t>(s.item)];
    if (kind == kDoorOpen) {
      open_door(sim, opening);
    } else {
      close_door(sim);
      if (opening + 1 < it.openings)
        sim.schedule_at(std::max(sim.now(), s.item_start + static_cast<double>(opening + 1) *
                                                               it.duration_s / it.openings),
                        *this, kDoorOpen, door_arg(s.item, opening + 1));
    }
  }

  // ---- Continuous states: the cargo temperature and the shelf life used ---------------
  int continuous_states() const override { return p_.shelf ? 2 : 1; }
  void initial_continuous(const Sim&, double* x) const override {
    x[0] = p_.initial.value_or(p_.setpoint);
    if (p_.shelf) x[1] = 0;
  }
  void derivatives(const Sim& sim, double t, const double* x, double* dx) const override {
    const auto& s = sim.state_of<ReeferState>(*this);
    dx[0] = (heat_in(s) - ua(s) * (x[0] - ambient(s, t))) / p_.c;
    if (p_.shelf) dx[1] = std::pow(p_.q10, (x[0] - p_.life_at) / 10) / p_.life_s;
  }
  int guards() const override { return 2; }
  void guard_values(const Sim& sim, double, const double* x, double* g) const override {
    const auto& s = sim.state_of<ReeferState>(*this);
    g[0] = s.compressor ? off_level(s) - x[0] : x[0] - on_level(s);
    g[1] = s.above ? p_.limit - x[0] : x[0] - p_.limit;
  }
  void on_guard(Sim& sim, int index) const override {
    auto& s = sim.state_of<ReeferState>(*this);
    if (index == 0)
      switch_compressor(sim, !s.compressor);
    else
      switch_excursion(sim, !s.above);
  }

  std::vector<SignalSpec> signals() const override {
    std::vector<SignalSpec> specs = {
        {"temperature", "C", "the cargo (lumped with the air inside)"},
        {"ambient", "C", "the air outside now"},
        {"compressor", "", "1 while the thermostat runs the compressor"},
        {"door", "", "1 while the door is open"},
        {"cooling", "W", "heat the compressor removes now"},
        {"power", "kW", "electrical power of the compressor now"},
        {"energy", "kWh", "electrical energy since the start of the run"},
        {"above_limit", "", "1 while the cargo is above its limit"},
        {"route_item", "",
         "index of the route item now (-1 before departure, the number of items after)"}};
    if (p_.shelf) specs.push_back({"shelf_life_used", "share", "share of the shelf life used"});
    if (p_.sync)
      for (auto& spec : ScalarKalman::signal_specs()) specs.push_back(std::move(spec));
    return specs;
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<ReeferState>(*this);
    const double* x = sim.continuous(*this);
    switch (index) {
      case 0:
        return x[0];
      case 1:
        return ambient(s, sim.now());
      case 2:
        return s.compressor ? 1.0 : 0.0;
      case 3:
        return s.door ? 1.0 : 0.0;
      case 4:
        return cooling_w(s);
      case 5:
        return power_kw(s);
      case 6:
        return s.energy_total_kwh + power_kw(s) * (sim.now() - s.power_since) / 3600;
      case 7:
        return s.above ? 1.0 : 0.0;
      case 8:
        return s.item;
      default:
        break;
    }
    if (p_.shelf && index == 9) return x[1];
    if (index == (p_.shelf ? 10 : 9)) return s.filter.innovation();
    return std::sqrt(s.filter.predicted_var(*p_.sync, sim.now(), tau(s)));
  }

  // ---- Sync: a scalar Kalman filter on the cargo temperature (physics/scalar_kalman.h) --
  bool measurable(int index) const override { return p_.sync && index == 0; }
  void measure(Sim& sim, int, double z) const override {
    auto& s = sim.state_of<ReeferState>(*this);
    s.filter.update(*p_.sync, sim.now(), tau(s), sim.continuous_mut(*this)[0], z);
    check_levels(sim);  // the estimate may have jumped past a switching level
  }

  std::vector<SignalSpec> actuators() const override {
    return {{"setpoint", "C", "the thermostat's setpoint"},
            {"cooling_available", "share",
             "share of the cooling capacity that works (1 healthy, 0 a failed compressor)"}};
  }
  void set_actuator(Sim& sim, int index, double value) const override {
    auto& s = sim.state_of<ReeferState>(*this);
    if (index == 0) {
      if (!std::isfinite(value) || value < -100 || value > 100)
        throw std::invalid_argument(
            fmt::format("the setpoint must be a temperature from -100 to 100 C, got {}", value));
      s.setpoint = value;
      check_levels(sim);
    } else {
      if (!(value >= 0 && value <= 1))
        throw std::invalid_argument(
            fmt::format("cooling_available must be a share from 0 to 1, got {}", value));
      close_energy(sim);
      s.available = value;
    }
  }

  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<ReeferState>(*this);
    const double now = sim.now();
    close_energy(sim);
    s.energy_kwh = 0;
    s.stats_start = now;
    s.on_time = s.door_time = s.above_time = s.longest = 0;
    s.on_since = s.door_since = s.above_since = now;
    s.starts = s.excursions = 0;
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<ReeferState>(*this);
    const double nan = std::nan(""), now = sim.now();
    const double span = now - s.stats_start;
    const double on = s.on_time + (s.compressor ? now - s.on_since : 0);
    const double above_now = s.above ? now - s.above_since : 0;
    const double* x = sim.continuous(*this);
    rows.push_back({name(), "temperature", x[0], nan, "C"});
    rows.push_back({name(), "time_above_limit", s.above_time + above_now, nan, "s"});
    rows.push_back({name(), "longest_excursion", std::max(s.longest, above_now), nan, "s"});
    rows.push_back({name(), "excursions", static_cast<double>(s.excursions), nan, "count"});
    rows.push_back({name(), "compressor_on_share", span > 0 ? on / span : nan, nan, "share"});
    rows.push_back({name(), "compressor_starts", static_cast<double>(s.starts), nan, "count"});
    rows.push_back(
        {name(), "energy", s.energy_kwh + power_kw(s) * (now - s.power_since) / 3600, nan, "kWh"});
    rows.push_back(
        {name(), "door_open_time", s.door_time + (s.door ? now - s.door_since : 0), nan, "s"});
    if (p_.shelf) {
      rows.push_back({name(), "shelf_life_used", x[1], nan, "share"});
      rows.push_back({name(), "shelf_life_left", (1 - x[1]) * p_.life_s, nan, "s"});
    }
    if (p_.sync) s.filter.report(name(), rows);
  }

 private:
  double on_level(const ReeferState& s) const { return s.setpoint + p_.band / 2; }
  double off_level(const ReeferState& s) const { return s.setpoint - p_.band / 2; }
  double ua(const ReeferState& s) const { return 1 / p_.ra + (s.door ? p_.door_ua : 0); }
  double tau(const ReeferState& s) const { return p_.c / ua(s); }
  double cooling_w(const ReeferState& s) const {
    return s.compressor ? p_.cooling_w * s.available : 0;
  }
  double power_kw(const ReeferState& s) const { return cooling_w(s) / p_.cop / 1000; }
  double heat_in(const ReeferState& s) const {
    return p_.heat_w + (s.door ? p_.door_heat_w : 0) - cooling_w(s);
  }
  double ambient(const ReeferState& s, double t) const {
    if (s.item >= 0 && s.item < static_cast<int>(p_.route.size())) {
      const auto& a = p_.route[static_cast<std::size_t>(s.item)].ambient;
      if (a) return a->at(t);
    }
    return p_.ambient.at(t);
  }

  static constexpr std::int64_t kMaxOpenings = 1024;  // above route.h's limit of 1000
  static std::int64_t door_arg(int item, std::int64_t opening) {
    return static_cast<std::int64_t>(item) * kMaxOpenings + opening;
  }
  void open_door(Sim& sim, std::int64_t opening) const {
    auto& s = sim.state_of<ReeferState>(*this);
    const RouteItem& it = p_.route[static_cast<std::size_t>(s.item)];
    advance_filter(sim);
    s.door = true;
    s.door_since = sim.now();
    sim.log_event(*this, "door_open", it.name);
    s.door_close =
        sim.schedule_in(it.door_open_s / it.openings, *this, kDoorClose, door_arg(s.item, opening));
  }
  // Folds the filter's variance up to now: the time constant is about to change.
  void advance_filter(Sim& sim) const {
    auto& s = sim.state_of<ReeferState>(*this);
    if (p_.sync) s.filter.advance(*p_.sync, sim.now(), tau(s));
  }
  // Books the energy used since the power last changed.
  void close_energy(Sim& sim) const {
    auto& s = sim.state_of<ReeferState>(*this);
    const double e = power_kw(s) * (sim.now() - s.power_since) / 3600;
    s.energy_kwh += e;
    s.energy_total_kwh += e;
    s.power_since = sim.now();
  }
  void close_door(Sim& sim) const {
    auto& s = sim.state_of<ReeferState>(*this);
    advance_filter(sim);
    s.door = false;
    s.door_time += sim.now() - s.door_since;
    sim.log_event(*this, "door_close", p_.route[static_cast<std::size_t>(s.item)].name);
  }
  void switch_compressor(Sim& sim, bool on) const {
    auto& s = sim.state_of<ReeferState>(*this);
    close_energy(sim);
    if (on) {
      ++s.starts;
      s.on_since = sim.now();
    } else {
      s.on_time += sim.now() - s.on_since;
    }
    s.compressor = on;
    sim.log_event(*this, on ? "compressor_on" : "compressor_off",
                  fmt::format("{:.3f} C", sim.continuous(*this)[0]));
  }
  void switch_excursion(Sim& sim, bool above) const {
    auto& s = sim.state_of<ReeferState>(*this);
    if (above) {
      ++s.excursions;
      s.above_since = sim.now();
    } else {
      const double len = sim.now() - s.above_since;
      s.above_time += len;
      s.longest = std::max(s.longest, len);
    }
    s.above = above;
    sim.log_event(*this, above ? "above_limit" : "below_limit",
                  fmt::format("{:.3f} C", sim.continuous(*this)[0]));
  }
  // The switching levels as the guards see them, for a temperature that jumped (a measurement,
  // the start) or levels that moved (a new setpoint): the guards only see crossings.
  void check_levels(Sim& sim) const {
    auto& s = sim.state_of<ReeferState>(*this);
    const double t = sim.continuous(*this)[0];
    if (!s.compressor && t >= on_level(s))
      switch_compressor(sim, true);
    else if (s.compressor && t <= off_level(s))
      switch_compressor(sim, false);
    if (!s.above && t >= p_.limit)
      switch_excursion(sim, true);
    else if (s.above && t <= p_.limit)
      switch_excursion(sim, false);
  }

  Params p_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  Reefer::Params rp;
  rp.c = p.quantity("capacitance", Dimension::kHeatCapacity, std::nullopt, 0, HUGE_VAL, true);
  rp.ra = p.quantity("r_ambient", Dimension::kThermalResistance, std::nullopt, 0, HUGE_VAL, true);
  rp.ambient = p.profile("ambient", Dimension::kTemperature, Profile::constant(20));
  rp.heat_w = p.quantity("heat", Dimension::kPower, 0.0) * 1000.0;
  rp.setpoint = p.quantity("setpoint", Dimension::kTemperature, std::nullopt, -100, 100);
  rp.band = p.quantity("band", Dimension::kDimensionless, 1.0, 0, 50, true);
  rp.cooling_w = p.quantity("cooling", Dimension::kPower, std::nullopt, 0) * 1000.0;
  rp.cop = p.quantity("cop", Dimension::kDimensionless, 2.0, 0, 100, true);
  if (const Node* door = p.raw("door")) {
    ParamReader d(*door, p.key_path("door"), p.diagnostics());
    rp.door_heat_w = d.quantity("heat", Dimension::kPower, 0.0, 0) * 1000.0;
    if (const auto r = d.optional_quantity("r_ambient", Dimension::kThermalResistance)) {
      if (*r > 0)
        rp.door_ua = 1 / *r;
      else
        d.error("r_ambient", fmt::format("must be above 0 K/W, got {}", *r));
    }
    d.finish();
  }
  rp.limit = p.quantity("limit", Dimension::kTemperature, std::nullopt, -100, 100);
  if (p.has("setpoint") && p.has("limit") && !(rp.limit > rp.setpoint + rp.band / 2))
    p.error("limit",
            fmt::format("must be above the compressor's switch-on level (setpoint + band/2 = "
                        "{:g} C), or the cargo would sit above it by design",
                        rp.setpoint + rp.band / 2));
  if (const Node* sl = p.raw("shelf_life")) {
    ParamReader s(*sl, p.key_path("shelf_life"), p.diagnostics());
    rp.shelf = true;
    rp.life_s = s.quantity("life", Dimension::kTime, std::nullopt, 0, HUGE_VAL, true);
    rp.life_at = s.quantity("at", Dimension::kTemperature, std::nullopt, -100, 100);
    rp.q10 = s.quantity("q10", Dimension::kDimensionless, std::nullopt, 1, 20);
    s.finish();
  }
  rp.initial = p.optional_quantity("initial", Dimension::kTemperature);
  rp.depart = p.duration("depart", 0.0);
  rp.route = read_route(p, "route");
  rp.sync = physics::read_sync(p);
  if (!(rp.c > 0 && rp.ra > 0 && rp.life_s >= 0)) return nullptr;
  return std::make_unique<Reefer>(ctx.name(), std::move(rp));
}

}  // namespace

void register_reefer(Registry& registry) {
  registry.add("reefer",
               "refrigerated container: cargo node, thermostat and compressor, door, route, "
               "time above limit and shelf life (Q10)",
               build);
}

}  // namespace plantwin::coldchain
