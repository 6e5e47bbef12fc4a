// An on/off controller with hysteresis (a thermostat, a level switch): the output switches on
// when the measure crosses one level and off when it crosses back over another, so it does not
// chatter around a single threshold.
//
//   cooling or emptying (on_above > off_below): on when measure > on_above, off when < off_below
//   heating or filling  (on_below < off_above): on when measure < on_below, off when > off_above

#include <cmath>

#include <fmt/format.h>

#include "control.h"
#include "plantwin/sim.h"

namespace plantwin::control {
namespace {

struct HysteresisState : ClonableState<HysteresisState> {
  int measure = -1, output = -1;
  bool on = false, written = false;
  std::int64_t switches = 0, switches_total = 0;
  double on_time = 0, on_since = 0, stats_start = 0;
};

class Hysteresis final : public Component {
 public:
  struct Params {
    double scan = 1;
    std::string measure, output;
    bool rising = true;  // on above a level (cooling); false: on below a level (heating)
    double on_level = 0, off_level = 0;
    double on_value = 1, off_value = 0;
  };
  Hysteresis(std::string name, Params p)
      : Component(std::move(name), "hysteresis"), p_(std::move(p)) {}

  bool material() const override { return false; }
  double scan_period() const override { return p_.scan; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<HysteresisState>();
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<HysteresisState>(*this);
    s.measure = sim.model().find_signal(p_.measure);
    s.output = sim.model().find_actuator(p_.output);
  }
  void scan(Sim& sim) const override {
    auto& s = sim.state_of<HysteresisState>(*this);
    const double pv = sim.signal(s.measure);
    bool on = s.on;
    if (p_.rising) {
      if (pv > p_.on_level) on = true;
      if (pv < p_.off_level) on = false;
    } else {
      if (pv < p_.on_level) on = true;
      if (pv > p_.off_level) on = false;
    }
    if (on != s.on || !s.written) {
      if (s.written) {
        ++s.switches;
        ++s.switches_total;
        sim.log_event(*this, on ? "on" : "off", fmt::format("{} = {:.6g}", p_.measure, pv));
      }
      if (s.on) s.on_time += sim.now() - std::max(s.on_since, s.stats_start);
      s.on = on;
      s.on_since = sim.now();
      s.written = true;
      sim.set_actuator(s.output, on ? p_.on_value : p_.off_value);
    }
  }
  std::vector<SignalSpec> signals() const override {
    return {{"on", "", "1 while the output is on"},
            {"switches", "count", "switches since the start of the run"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<HysteresisState>(*this);
    return index == 0 ? (s.on ? 1.0 : 0.0) : static_cast<double>(s.switches_total);
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<HysteresisState>(*this);
    s.switches = 0;
    s.on_time = 0;
    s.stats_start = sim.now();
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<HysteresisState>(*this);
    const double span = sim.now() - s.stats_start;
    double on = s.on_time;
    if (s.on) on += sim.now() - std::max(s.on_since, s.stats_start);
    rows.push_back({name(), "switches", static_cast<double>(s.switches), std::nan(""), "count"});
    rows.push_back(
        {name(), "on_share", span > 0 ? on / span : std::nan(""), std::nan(""), "share"});
  }

 private:
  Params p_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  Hysteresis::Params hp;
  hp.scan = ctx.period("scan", std::nullopt);
  hp.measure = p.text("measure", std::nullopt);
  if (!hp.measure.empty()) ctx.check_signal(p, "measure", hp.measure);
  hp.output = p.text("output", std::nullopt);
  if (!hp.output.empty()) ctx.check_actuator(p, "output", hp.output);
  const bool above = p.has("on_above") || p.has("off_below");
  const bool below = p.has("on_below") || p.has("off_above");
  if (above == below) {
    ctx.error(
        "give either on_above and off_below (on when the measure is high: cooling, emptying) or "
        "on_below and off_above (on when it is low: heating, filling)");
    for (const char* k : {"on_above", "off_below", "on_below", "off_above"}) p.allow(k);
  } else if (above) {
    hp.rising = true;
    hp.on_level = p.real("on_above", std::nullopt);
    hp.off_level = p.real("off_below", std::nullopt);
    if (!(hp.off_level < hp.on_level))
      p.error("off_below", fmt::format("must be below on_above ({})", hp.on_level));
  } else {
    hp.rising = false;
    hp.on_level = p.real("on_below", std::nullopt);
    hp.off_level = p.real("off_above", std::nullopt);
    if (!(hp.off_level > hp.on_level))
      p.error("off_above", fmt::format("must be above on_below ({})", hp.on_level));
  }
  hp.on_value = p.real("on_value", 1.0);
  hp.off_value = p.real("off_value", 0.0);
  return std::make_unique<Hysteresis>(ctx.name(), std::move(hp));
}

}  // namespace

void register_hysteresis(Registry& registry) {
  registry.add_controller("hysteresis",
                          "on/off with two switching levels (thermostat, level switch)", build);
}

}  // namespace plantwin::control
