// A PID controller as PLC engineers use it: positional form, derivative on the measurement (no
// kick when the setpoint moves), output limits with anti-windup by integrator clamping, and a
// bumpless switch between manual and automatic.
//
//   e = setpoint - measure
//   P = kp e            I += kp dt / ti e      D = -kp td d(measure)/dt
//   u = clamp(P + I + D, lo, hi); when clamped, I is held so that P + I + D stays at the limit
//       (anti_windup: clamp, the default; none lets I wind up, for comparison)
//   manual: u = manual_output, and I tracks u - P - D so the switch to automatic is bumpless.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "control.h"
#include "plantwin/sim.h"

namespace plantwin::control {
namespace {

struct PidState : ClonableState<PidState> {
  int measure = -1, output = -1;  // signal and actuator indices, resolved at start
  double setpoint = 0;
  bool automatic = true;
  double manual_output = 0;
  double integral = 0, last_measure = 0, last_time = 0, out = 0, error = 0;
  bool first = true;
};

class Pid final : public Component {
 public:
  struct Params {
    double scan = 1;
    std::string measure, output;
    double setpoint = 0, kp = 1, ti = 0, td = 0, lo = -HUGE_VAL, hi = HUGE_VAL;
    bool automatic = true;
    double manual_output = 0;
    bool anti_windup = true;
  };
  Pid(std::string name, Params p) : Component(std::move(name), "pid"), p_(std::move(p)) {}

  bool material() const override { return false; }
  double scan_period() const override { return p_.scan; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<PidState>();
    s->setpoint = p_.setpoint;
    s->automatic = p_.automatic;
    s->manual_output = std::clamp(p_.manual_output, p_.lo, p_.hi);
    return s;
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<PidState>(*this);
    s.measure = sim.model().find_signal(p_.measure);
    s.output = sim.model().find_actuator(p_.output);
  }
  void scan(Sim& sim) const override {
    auto& s = sim.state_of<PidState>(*this);
    const double pv = sim.signal(s.measure);
    const double t = sim.now();
    const double dt = s.first ? 0 : t - s.last_time;
    if (s.first) s.last_measure = pv;
    s.error = s.setpoint - pv;
    const double p = p_.kp * s.error;
    const double d = dt > 0 ? -p_.kp * p_.td * (pv - s.last_measure) / dt : 0;
    double u;
    if (s.automatic) {
      if (p_.ti > 0) s.integral += p_.kp * dt / p_.ti * s.error;
      u = p + s.integral + d;
      if (u > p_.hi || u < p_.lo) {
        u = std::clamp(u, p_.lo, p_.hi);
        if (p_.ti > 0 && p_.anti_windup) s.integral = u - p - d;  // held at the limit
      }
    } else {
      u = s.manual_output;
      s.integral = u - p - d;  // tracks, so that switching to automatic is bumpless
    }
    s.first = false;
    s.last_measure = pv;
    s.last_time = t;
    if (!std::isfinite(u)) {
      sim.warn(*this,
               fmt::format("the output was not a number (measure {}), held at {}", pv, s.out));
      return;
    }
    s.out = u;
    sim.set_actuator(s.output, u);
  }
  std::vector<SignalSpec> signals() const override {
    return {{"output", "", "the value last written to the output actuator"},
            {"error", "", "setpoint - measure at the last scan"},
            {"setpoint", "", "the setpoint now"},
            {"auto", "", "1 in automatic, 0 in manual"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<PidState>(*this);
    switch (index) {
      case 0:
        return s.out;
      case 1:
        return s.error;
      case 2:
        return s.setpoint;
      default:
        return s.automatic ? 1 : 0;
    }
  }
  std::vector<SignalSpec> actuators() const override {
    return {{"setpoint", "", "the setpoint, in the measured signal's unit"},
            {"auto", "", "1: automatic; 0: manual (the output holds manual_output)"},
            {"manual_output", "", "the output in manual, within the limits"}};
  }
  void set_actuator(Sim& sim, int index, double v) const override {
    auto& s = sim.state_of<PidState>(*this);
    if (!std::isfinite(v)) throw std::invalid_argument(fmt::format("must be finite, got {}", v));
    if (index == 0) {
      s.setpoint = v;
    } else if (index == 1) {
      if (v != 0 && v != 1) throw std::invalid_argument(fmt::format("must be 0 or 1, got {}", v));
      s.automatic = v == 1;
    } else {
      if (v < p_.lo || v > p_.hi)
        throw std::invalid_argument(
            fmt::format("must be within the limits [{}, {}], got {}", p_.lo, p_.hi, v));
      s.manual_output = v;
    }
  }

 private:
  Params p_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  Pid::Params pp;
  pp.scan = ctx.period("scan", std::nullopt);
  pp.measure = p.text("measure", std::nullopt);
  if (!pp.measure.empty()) ctx.check_signal(p, "measure", pp.measure);
  pp.output = p.text("output", std::nullopt);
  if (!pp.output.empty()) ctx.check_actuator(p, "output", pp.output);
  pp.setpoint = p.real("setpoint", std::nullopt);
  pp.kp = p.real("kp", std::nullopt);
  if (pp.kp == 0) p.error("kp", "must not be 0 (its sign sets the direction of action)");
  pp.ti = p.duration("ti", 0.0);
  pp.td = p.duration("td", 0.0);
  if (const Node* lim = p.raw("limits")) {
    std::string why;
    std::optional<double> lo, hi;
    if (lim->is_seq() && lim->items.size() == 2) {
      lo = parse_quantity(lim->items[0].scalar, Dimension::kDimensionless, &why);
      hi = parse_quantity(lim->items[1].scalar, Dimension::kDimensionless, &why);
    }
    if (!lo || !hi || !(*lo < *hi))
      p.error("limits", "expected [low, high] with low < high, in the output actuator's unit");
    else {
      pp.lo = *lo;
      pp.hi = *hi;
    }
  }
  pp.anti_windup = p.choice("anti_windup", {"clamp", "none"}, "clamp") == "clamp";
  const std::string mode = p.choice("mode", {"auto", "manual"}, "auto");
  pp.automatic = mode == "auto";
  pp.manual_output = p.real("manual_output", std::isfinite(pp.lo) ? pp.lo : 0.0);
  if (pp.manual_output < pp.lo || pp.manual_output > pp.hi)
    p.error("manual_output", fmt::format("must be within the limits [{}, {}]", pp.lo, pp.hi));
  return std::make_unique<Pid>(ctx.name(), std::move(pp));
}

}  // namespace

void register_pid(Registry& registry) {
  registry.add_controller(
      "pid", "PID loop: measure -> output, anti-windup, limits, bumpless manual/auto", build);
}

}  // namespace plantwin::control
