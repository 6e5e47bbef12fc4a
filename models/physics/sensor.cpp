#include "sensor.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "plantwin/sim.h"

namespace plantwin::physics {
namespace {

struct SensorState : ClonableState<SensorState> {
  Rng noise, dropout;
  int source = -1;
  double value = std::numeric_limits<double>::quiet_NaN();
  std::int64_t readings = 0, dropouts = 0;
};

class Sensor final : public Component {
 public:
  struct Params {
    std::string signal;
    double period = 1, noise_sd = 0, bias = 0, drift_per_s = 0, resolution = 0, dropout = 0;
  };
  Sensor(std::string name, Params p) : Component(std::move(name), "sensor"), p_(std::move(p)) {}

  bool material() const override { return false; }
  std::vector<Relation> relations() const override {
    return {{"observes", p_.signal.substr(0, p_.signal.find('.'))}};
  }
  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<SensorState>();
    s->noise = Rng::stream(seed.seed, seed.replication, name(), "noise");
    s->dropout = Rng::stream(seed.seed, seed.replication, name(), "dropout");
    return s;
  }
  void reseed(Sim& sim, const StreamSeed& seed) const override {
    auto& s = sim.state_of<SensorState>(*this);
    s.noise = Rng::stream(seed.seed, seed.replication, name(), "noise");
    s.dropout = Rng::stream(seed.seed, seed.replication, name(), "dropout");
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<SensorState>(*this);
    s.source = sim.model().find_signal(p_.signal);
    sim.schedule_in(0, *this, 0, 0, 1);  // after the plant's own events at t = 0
  }
  void on_event(Sim& sim, int, std::int64_t) const override {
    auto& s = sim.state_of<SensorState>(*this);
    ++s.readings;
    // Both streams advance every reading, so a dropout does not shift later noise.
    const double noise = p_.noise_sd > 0 ? p_.noise_sd * s.noise.normal() : 0.0;
    const bool lost = s.dropout.uniform() < p_.dropout;
    if (lost) {
      ++s.dropouts;
      s.value = std::numeric_limits<double>::quiet_NaN();
    } else {
      double v = sim.signal(s.source) + p_.bias + p_.drift_per_s * sim.now() + noise;
      if (p_.resolution > 0) v = std::round(v / p_.resolution) * p_.resolution;
      s.value = v;
    }
    sim.schedule_in(p_.period, *this, 0, 0, 1);
  }
  std::vector<SignalSpec> signals() const override {
    return {{"value", "", "the last reading (NaN when it dropped out)"},
            {"true", "", "the observed signal now"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<SensorState>(*this);
    return index == 0 ? s.value : (s.source >= 0 ? sim.signal(s.source) : std::nan(""));
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<SensorState>(*this);
    s.readings = s.dropouts = 0;
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<SensorState>(*this);
    rows.push_back({name(), "readings", static_cast<double>(s.readings), std::nan(""), "count"});
    rows.push_back({name(), "dropouts", static_cast<double>(s.dropouts), std::nan(""), "count"});
  }

 private:
  Params p_;
};

}  // namespace

void register_sensor(Registry& registry) {
  registry.add(
      "sensor", "observes a signal with noise, bias, drift, quantisation and dropouts",
      [](BuildContext& ctx) {
        ParamReader& p = ctx.params();
        ctx.require_ports(0, 0, 0, 0);
        Sensor::Params sp;
        sp.signal = p.text("signal", std::nullopt);
        const auto dot = sp.signal.find('.');
        const auto& names = ctx.component_names();
        if (!sp.signal.empty()) {
          const std::string comp = sp.signal.substr(0, dot);
          if (dot == std::string::npos ||
              std::find(names.begin(), names.end(), comp) == names.end()) {
            const std::string hint = closest_match(comp, names);
            p.error("signal",
                    fmt::format("expected component.signal naming a component of the "
                                "scenario, got \"{}\"{}",
                                sp.signal,
                                hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
          } else {
            ctx.check_signal(p, "signal", sp.signal);  // once every signal is declared
          }
        }
        sp.period = ctx.period("period", std::nullopt);
        sp.noise_sd = p.real("noise_sd", 0.0, 0);
        sp.bias = p.real("bias", 0.0);
        sp.drift_per_s = p.quantity("drift", Dimension::kRate, 0.0);
        sp.resolution = p.real("resolution", 0.0, 0);
        sp.dropout = p.probability("dropout", 0.0);
        return std::unique_ptr<Component>(std::make_unique<Sensor>(ctx.name(), sp));
      });
}

}  // namespace plantwin::physics
