#include "export_limit.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "plantwin/sim.h"

namespace plantwin::wind {

void share_export_limit(std::span<const double> available_kw, double limit_kw, Sharing rule,
                        std::span<double> caps_kw) {
  const std::size_t n = available_kw.size();
  if (n == 0) return;
  const double total = std::accumulate(available_kw.begin(), available_kw.end(), 0.0);
  if (total <= limit_kw) {
    const double headroom = (limit_kw - total) / static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) caps_kw[i] = available_kw[i] + headroom;
    return;
  }
  if (rule == Sharing::kProportional) {
    for (std::size_t i = 0; i < n; ++i) caps_kw[i] = limit_kw * (available_kw[i] / total);
    return;
  }
  // Water-filling: the level L with sum(min(a_i, L)) = limit. Walk the availabilities upwards:
  // those below the level keep theirs, the rest share what is left equally.
  std::vector<double> sorted(available_kw.begin(), available_kw.end());
  std::sort(sorted.begin(), sorted.end());
  double left = limit_kw, level = 0;
  for (std::size_t k = 0; k < n; ++k) {
    level = left / static_cast<double>(n - k);
    if (sorted[k] >= level) break;
    left -= sorted[k];
  }
  for (std::size_t i = 0; i < n; ++i) caps_kw[i] = std::min(available_kw[i], level);
}

namespace {

struct ExportState : ClonableState<ExportState> {
  double limit_kw = 0;
  std::vector<int> available, power, energy, curtailed_energy, limits;  // signal/actuator ids
  std::vector<double> avail_kw, caps_kw, written_kw;
  bool written = false, binding = false;
  double last_scan = 0, at_limit_s = 0;
  double stats_start = 0, stats_export = 0, stats_curtailed = 0;
};

class ExportLimit final : public Component {
 public:
  struct Params {
    std::vector<std::string> turbines;
    double limit_kw = 0, scan = 1;
    Sharing rule = Sharing::kEqual;
  };
  ExportLimit(std::string name, Params p)
      : Component(std::move(name), "export_limit"), p_(std::move(p)) {}

  bool material() const override { return false; }
  double scan_period() const override { return p_.scan; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<ExportState>();
    s->limit_kw = p_.limit_kw;
    s->avail_kw.assign(p_.turbines.size(), 0);
    s->caps_kw.assign(p_.turbines.size(), 0);
    s->written_kw.assign(p_.turbines.size(), 0);
    return s;
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<ExportState>(*this);
    const Model& m = sim.model();
    for (const auto& t : p_.turbines) {
      s.available.push_back(m.find_signal(t + ".available_power"));
      s.power.push_back(m.find_signal(t + ".power"));
      s.energy.push_back(m.find_signal(t + ".energy"));
      s.curtailed_energy.push_back(m.find_signal(t + ".curtailed_energy"));
      s.limits.push_back(m.find_actuator(t + ".power_limit"));
    }
  }
  void scan(Sim& sim) const override {
    auto& s = sim.state_of<ExportState>(*this);
    if (s.binding && s.written) s.at_limit_s += sim.now() - std::max(s.last_scan, s.stats_start);
    s.last_scan = sim.now();
    double total = 0;
    for (std::size_t i = 0; i < s.available.size(); ++i) {
      s.avail_kw[i] = sim.signal(s.available[i]);
      total += s.avail_kw[i];
    }
    s.binding = total > s.limit_kw;
    share_export_limit(s.avail_kw, s.limit_kw, p_.rule, s.caps_kw);
    for (std::size_t i = 0; i < s.limits.size(); ++i)
      if (!s.written || s.written_kw[i] != s.caps_kw[i]) {
        s.written_kw[i] = s.caps_kw[i];
        sim.set_actuator(s.limits[i], s.caps_kw[i]);
      }
    s.written = true;
  }

  std::vector<SignalSpec> signals() const override {
    return {{"export", "kW", "power exported: the turbines' power together"},
            {"available_power", "kW", "what the turbines could deliver together"},
            {"curtailed_power", "kW", "available power held back"},
            {"limit", "kW", "the export limit"},
            {"export_energy", "kWh", "energy exported since the start"},
            {"curtailed_energy", "kWh", "energy held back since the start"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<ExportState>(*this);
    if (s.available.empty()) return index == 3 ? s.limit_kw : 0;  // before start()
    switch (index) {
      case 0:
        return sum(sim, s.power);
      case 1:
        return sum(sim, s.available);
      case 2:
        return sum(sim, s.available) - sum(sim, s.power);
      case 3:
        return s.limit_kw;
      case 4:
        return sum(sim, s.energy);
      default:
        return sum(sim, s.curtailed_energy);
    }
  }
  std::vector<SignalSpec> actuators() const override {
    return {{"limit", "kW", "the export limit (a grid operator's setpoint)"}};
  }
  void set_actuator(Sim& sim, int, double value) const override {
    if (!(value >= 0))  // +inf: lifted
      throw std::invalid_argument(
          fmt::format("limit must be a power in kW of at least 0 (or inf), got {}", value));
    sim.state_of<ExportState>(*this).limit_kw = value;
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<ExportState>(*this);
    s.stats_start = sim.now();
    s.at_limit_s = 0;
    s.stats_export = signal(sim, 4);
    s.stats_curtailed = signal(sim, 5);
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<ExportState>(*this);
    const double nan = std::nan("");
    const double exported = signal(sim, 4) - s.stats_export;
    const double curtailed = signal(sim, 5) - s.stats_curtailed;
    double at_limit = s.at_limit_s;
    if (s.binding && s.written) at_limit += sim.now() - std::max(s.last_scan, s.stats_start);
    rows.push_back({name(), "export_energy", exported, nan, "kWh"});
    rows.push_back({name(), "curtailed_energy", curtailed, nan, "kWh"});
    rows.push_back({name(), "curtailed_share",
                    exported + curtailed > 0 ? curtailed / (exported + curtailed) : nan, nan,
                    "share"});
    rows.push_back({name(), "time_at_limit", at_limit, nan, "s"});
  }

 private:
  static double sum(const Sim& sim, const std::vector<int>& ids) {
    double v = 0;
    for (int i : ids) v += sim.signal(i);
    return v;
  }
  Params p_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ExportLimit::Params ep;
  bool ok = true;
  if (const Node* list = p.raw("turbines")) {
    if (!list->is_seq() || list->items.empty()) {
      p.error("turbines", fmt::format("expected a list of turbine names such as [t1, t2], got {}",
                                      list->kind_phrase()));
      ok = false;
    } else {
      for (std::size_t i = 0; i < list->items.size(); ++i) {
        const Node& item = list->items[i];
        const std::string at = fmt::format("{}[{}]", p.key_path("turbines"), i);
        if (std::find(ep.turbines.begin(), ep.turbines.end(), item.scalar) != ep.turbines.end()) {
          p.diagnostics().error(item.location, at,
                                fmt::format("\"{}\" is listed twice", item.scalar));
          ok = false;
        } else if (!ctx.check_component_at(p.diagnostics(), item.location, at, item.scalar,
                                           "turbine")) {
          ok = false;
        } else {
          // Two controllers writing one turbine's power limit would undo each other.
          auto& owner = ctx.shared<std::map<std::string, std::string>>(
              "wind.export_limit.owner", [] { return std::map<std::string, std::string>{}; });
          if (auto [it, fresh] = owner.emplace(item.scalar, ctx.name()); !fresh) {
            p.diagnostics().error(item.location, at,
                                  fmt::format("\"{}\" is already shared by export_limit {}",
                                              item.scalar, it->second));
            ok = false;
          }
        }
        ep.turbines.push_back(item.scalar);
      }
    }
  } else {
    p.error("turbines", "is required: the turbines behind the grid connection, e.g. [t1, t2]");
    ok = false;
  }
  ep.limit_kw = p.quantity("limit", Dimension::kPower, std::nullopt, 0);
  ep.rule = p.choice("sharing", {"equal", "proportional"}, "equal") == "proportional"
                ? Sharing::kProportional
                : Sharing::kEqual;
  ep.scan = ctx.period("scan", 1.0);
  if (!ok) return nullptr;
  return std::make_unique<ExportLimit>(ctx.name(), std::move(ep));
}

}  // namespace

void register_export_limit(Registry& registry) {
  registry.add_controller(
      "export_limit", "shares a wind farm's grid export limit among its turbines as power limits",
      build);
}

}  // namespace plantwin::wind
