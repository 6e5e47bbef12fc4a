#include "energy_meter.h"

#include <fmt/format.h>

#include "plantwin/models/flow.h"
#include "plantwin/sim.h"

namespace plantwin::energy {
namespace {

struct MeterState : ClonableState<MeterState> {
  std::vector<int> power, energy;  // signal indices of the metered machines
  double window_start_energy = 0, demand = 0, peak = 0;
  double stats_start = 0;
};

class EnergyMeter final : public Component {
 public:
  EnergyMeter(std::string name, line::Flow flow, std::vector<std::string> machines, double window)
      : Component(std::move(name), "energy_meter"),
        flow_(flow),
        machines_(std::move(machines)),
        window_(window) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<MeterState>();
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<MeterState>(*this);
    const Model& m = sim.model();
    for (std::size_t i = 0; i < m.size(); ++i) {
      const Component& c = m.component(static_cast<int>(i));
      if (c.type() != "machine") continue;
      if (!machines_.empty() &&
          std::find(machines_.begin(), machines_.end(), c.name()) == machines_.end())
        continue;
      s.power.push_back(m.find_signal(c.name() + ".power"));
      s.energy.push_back(m.find_signal(c.name() + ".energy"));
    }
    // Windows close after the plant's events at the same time (priority 1).
    sim.schedule_in(window_, *this, 0, 0, 1);
  }
  void on_event(Sim& sim, int, std::int64_t) const override {
    auto& s = sim.state_of<MeterState>(*this);
    const double e = total(sim, s.energy);
    s.demand = (e - s.window_start_energy) * 3600.0 / window_;
    s.peak = std::max(s.peak, s.demand);
    s.window_start_energy = e;
    sim.schedule_in(window_, *this, 0, 0, 1);
  }
  void reset_statistics(Sim& sim) const override {
    // Machines restart their energy counters now too: windows continue from zero.
    auto& s = sim.state_of<MeterState>(*this);
    s.window_start_energy = -(total(sim, s.energy) - s.window_start_energy);
    s.peak = 0;
    s.stats_start = sim.now();
  }
  std::vector<SignalSpec> signals() const override {
    return {{"power", "kW", "power drawn now"},
            {"energy", "kWh", "energy since the statistics restart"},
            {"demand", "kW", "average power of the last complete window"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<MeterState>(*this);
    if (index == 0) return total(sim, s.power);
    if (index == 1) return total(sim, s.energy);
    return s.demand;
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<MeterState>(*this);
    const double nan = std::nan("");
    const double e = total(sim, s.energy);
    const double span = sim.now() - s.stats_start;
    const double exits = static_cast<double>(flow_.exits(sim));
    rows.push_back({name(), "metered_energy", e, nan, "kWh"});
    rows.push_back({name(), "mean_power", span > 0 ? e * 3600.0 / span : nan, nan, "kW"});
    rows.push_back({name(), "peak_demand", s.peak, nan, "kW"});
    rows.push_back({name(), "energy_per_good_part", exits > 0 ? e / exits : nan, nan, "kWh/part"});
  }

 private:
  static double total(const Sim& sim, const std::vector<int>& signals) {
    double v = 0;
    for (int i : signals) v += sim.signal(i);
    return v;
  }
  line::Flow flow_;
  std::vector<std::string> machines_;
  double window_;
};

}  // namespace

void register_energy_meter(Registry& registry) {
  registry.add("energy_meter", "meters machines' energy and peak demand over a window",
               [](BuildContext& ctx) {
                 ParamReader& p = ctx.params();
                 ctx.require_ports(0, 0, 0, 0);
                 std::vector<std::string> machines;
                 if (const Node* list = p.raw("machines")) {
                   if (!list->is_seq()) {
                     p.error("machines", "expected a list of machine names");
                   } else {
                     for (std::size_t i = 0; i < list->items.size(); ++i) {
                       const std::string& n = list->items[i].scalar;
                       ctx.check_component_at(p.diagnostics(), list->items[i].location,
                                              fmt::format("{}[{}]", p.key_path("machines"), i), n,
                                              "machine");
                       machines.push_back(n);
                     }
                   }
                 }
                 const double window = ctx.period("window", 900.0);
                 return std::unique_ptr<Component>(std::make_unique<EnergyMeter>(
                     ctx.name(), line::Flow::join(ctx), machines, window));
               });
}

}  // namespace plantwin::energy
