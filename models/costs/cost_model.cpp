#include "cost_model.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "plantwin/models/flow.h"
#include "plantwin/sim.h"

namespace plantwin::costs {
namespace {

constexpr const char* kStates[] = {"working", "starved", "blocked", "down", "off"};

struct MachineRates {
  std::string machine;
  double rate[5] = {0, 0, 0, 0, 0};  // per hour in each state
};

struct CostParams {
  std::vector<MachineRates> rates;
  std::optional<MachineRates> default_rates;
  std::vector<std::pair<double, double>> tariff;  // (second of the day, price per kWh), sorted
  std::vector<std::tuple<std::string, double, double>> labour;  // pool, hour, overtime
  std::vector<std::tuple<std::string, double, int>> vehicles;   // fleet, per hour, vehicles
  double material = 0, part_value = 0;
};

struct CostState : ClonableState<CostState> {
  struct Metered {
    int shares[4] = {-1, -1, -1, -1};
    const MachineRates* rates = nullptr;
    int energy = -1;
  };
  std::vector<Metered> machines;
  std::vector<std::pair<int, int>> pools;  // paid_hours and overtime_hours signals
  double energy_cost = 0, energy_last = 0, stats_start = 0;
};

class CostModel final : public Component {
 public:
  CostModel(std::string name, line::Flow flow, CostParams p)
      : Component(std::move(name), "costs"), flow_(flow), p_(std::move(p)) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<CostState>();
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<CostState>(*this);
    const Model& m = sim.model();
    for (std::size_t i = 0; i < m.size(); ++i) {
      const Component& c = m.component(static_cast<int>(i));
      if (c.type() != "machine") continue;
      CostState::Metered mm;
      for (int k = 0; k < 4; ++k)
        mm.shares[k] = m.find_signal(fmt::format("{}.{}_share", c.name(), kStates[k]));
      mm.energy = m.find_signal(c.name() + ".energy");
      for (const auto& r : p_.rates)
        if (r.machine == c.name()) mm.rates = &r;
      if (!mm.rates && p_.default_rates) mm.rates = &*p_.default_rates;
      s.machines.push_back(mm);
    }
    for (const auto& [pool, hour, overtime] : p_.labour)
      s.pools.emplace_back(m.find_signal(pool + ".paid_hours"),
                           m.find_signal(pool + ".overtime_hours"));
    if (p_.tariff.size() > 1) schedule_tariff(sim);
  }
  void on_event(Sim& sim, int, std::int64_t) const override {
    account_energy(sim, sim.state_of<CostState>(*this));
    schedule_tariff(sim);
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<CostState>(*this);
    s.energy_last = energy(sim, s);
    s.energy_cost = 0;
    s.stats_start = sim.now();
  }
  std::vector<SignalSpec> signals() const override {
    return {{"energy_cost", "", "energy cost since the statistics restart"}};
  }
  double signal(const Sim& sim, int) const override {
    CostState s = sim.state_of<CostState>(*this);
    return energy_cost(sim, s);
  }
  void finish_report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    if (rows.empty()) return;
    CostState s = sim.state_of<CostState>(*this);
    const double nan = std::nan("");
    const double span_h = (sim.now() - s.stats_start) / 3600.0;
    double machine = 0;
    for (const auto& mm : s.machines) {
      if (!mm.rates) continue;
      double off = 1;
      for (int k = 0; k < 4; ++k) {
        const double share = sim.signal(mm.shares[k]);
        off -= share;
        machine += share * span_h * mm.rates->rate[k];
      }
      machine += std::max(0.0, off) * span_h * mm.rates->rate[4];
    }
    double labour = 0;
    for (std::size_t i = 0; i < s.pools.size(); ++i)
      labour += sim.signal(s.pools[i].first) * std::get<1>(p_.labour[i]) +
                sim.signal(s.pools[i].second) * std::get<2>(p_.labour[i]);
    double transport = 0;
    for (const auto& [fleet, rate, n] : p_.vehicles) transport += rate * n * span_h;
    double maintenance = 0;
    for (const auto& r : rows)
      if (r.name == "maintenance_cost" && r.component != line::kSummaryName) maintenance += r.value;
    const auto& flow = flow_.state(sim);
    const double material = p_.material * static_cast<double>(flow.created);
    const double good = static_cast<double>(flow.exits);
    const double energy = energy_cost(sim, s);
    const double total = machine + energy + labour + transport + material + maintenance;
    const double revenue = p_.part_value * good;
    rows.push_back({name(), "machine_cost", machine, nan, "cost"});
    rows.push_back({name(), "energy_cost", energy, nan, "cost"});
    rows.push_back({name(), "labour_cost", labour, nan, "cost"});
    rows.push_back({name(), "transport_cost", transport, nan, "cost"});
    rows.push_back({name(), "material_cost", material, nan, "cost"});
    rows.push_back({name(), "maintenance_cost", maintenance, nan, "cost"});
    rows.push_back({name(), "total_cost", total, nan, "cost"});
    rows.push_back({name(), "revenue", revenue, nan, "cost"});
    rows.push_back({name(), "cost_per_good_part", good > 0 ? total / good : nan, nan, "cost/part"});
    rows.push_back(
        {name(), "margin_per_hour", span_h > 0 ? (revenue - total) / span_h : nan, nan, "cost/h"});
  }

 private:
  double energy(const Sim& sim, const CostState& s) const {
    double e = 0;
    for (const auto& mm : s.machines)
      if (mm.energy >= 0) e += sim.signal(mm.energy);
    return e;
  }
  double price_at(double t) const {
    if (p_.tariff.empty()) return 0;
    const double day = std::fmod(t, 86400.0);
    double price = p_.tariff.back().second;  // before the first entry: yesterday's last
    for (const auto& [at, pr] : p_.tariff)
      if (at <= day) price = pr;
    return price;
  }
  // The energy since the last account, priced at the tariff of the interval just ended (the
  // accounts fall on every tariff change, so the price held all through it).
  void account_energy(const Sim& sim, CostState& s) const {
    const double e = energy(sim, s);
    // Machines restart their counters at the end of the warm-up, before or after this.
    const double delta = e >= s.energy_last ? e - s.energy_last : e;
    s.energy_cost += delta * price_at(std::nextafter(sim.now(), 0.0));
    s.energy_last = e;
  }
  double energy_cost(const Sim& sim, CostState& s) const {
    if (p_.tariff.size() <= 1) return energy(sim, s) * price_at(0);
    const double e = energy(sim, s);
    const double delta = e >= s.energy_last ? e - s.energy_last : e;
    return s.energy_cost + delta * price_at(sim.now());
  }
  void schedule_tariff(Sim& sim) const {
    const double day0 = std::floor(sim.now() / 86400.0) * 86400.0;
    double next = HUGE_VAL;
    for (int d = 0; d < 2 && !std::isfinite(next); ++d)
      for (const auto& [at, pr] : p_.tariff)
        if (day0 + d * 86400.0 + at > sim.now()) {
          next = day0 + d * 86400.0 + at;
          break;
        }
    // After the plant's events at that time (priority 1), as the energy meter's windows.
    sim.schedule_at(next, *this, 0, 0, 1);
  }

  line::Flow flow_;
  CostParams p_;
};

// "07:30" -> seconds of the day, or nullopt.
std::optional<double> time_of_day(const std::string& t) {
  int h = 0, m = 0;
  char colon = 0;
  if (std::sscanf(t.c_str(), "%d%c%d", &h, &colon, &m) != 3 || colon != ':' || h < 0 || h > 23 ||
      m < 0 || m > 59 || t.size() > 5)
    return std::nullopt;
  return h * 3600.0 + m * 60.0;
}

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  CostParams cp;
  if (const Node* mr = p.raw("machine_rates")) {
    if (!mr->is_map()) {
      p.error("machine_rates", "expected a map machine -> {working: 40, down: 120, ...}");
    } else {
      for (const auto& [machine, rates] : mr->entries) {
        const std::string path = p.key_path("machine_rates") + "." + machine;
        if (machine != "default" &&
            !ctx.check_component_at(p.diagnostics(), rates.location, path, machine, "machine"))
          continue;
        if (!rates.is_map()) {
          p.diagnostics().error(rates.location, path,
                                "expected a map state -> cost per hour, such as {working: 40}");
          continue;
        }
        ParamReader r(rates, path, p.diagnostics(), p.base_dir());
        MachineRates m;
        m.machine = machine;
        for (int k = 0; k < 5; ++k) m.rate[k] = r.real(kStates[k], 0.0, 0);
        r.finish();
        if (machine == "default")
          cp.default_rates = m;
        else
          cp.rates.push_back(m);
      }
    }
  }
  if (const Node* ep = p.raw("energy_price")) {
    if (ep->is_scalar()) {
      cp.tariff.emplace_back(0.0, p.real("energy_price", 0.0, 0));
    } else if (ep->is_map() && !ep->entries.empty()) {
      for (std::size_t i = 0; i < ep->entries.size(); ++i) {
        const auto& [at, price] = ep->entries[i];
        const auto t = time_of_day(at);
        const std::string path = p.key_path("energy_price") + "." + at;
        if (!t) {
          p.diagnostics().error(
              ep->key_locations[i], path,
              fmt::format("expected a time of day such as \"07:00\", got \"{}\"", at));
          continue;
        }
        const auto v = price.is_scalar() ? parse_quantity(price.scalar, Dimension::kDimensionless)
                                         : std::nullopt;
        if (!v || *v < 0) {
          p.diagnostics().error(price.location, path, "expected a price per kWh (a number >= 0)");
          continue;
        }
        cp.tariff.emplace_back(*t, *v);
      }
      std::sort(cp.tariff.begin(), cp.tariff.end());
    } else {
      p.error("energy_price",
              "expected a price per kWh or a tariff {\"00:00\": 0.11, \"07:00\": 0.24}");
    }
  }
  if (const Node* lab = p.raw("labour")) {
    if (!lab->is_map()) {
      p.error("labour", "expected a map pool -> {hour: 35, overtime: 52}");
    } else {
      for (const auto& [pool, rates] : lab->entries) {
        const std::string path = p.key_path("labour") + "." + pool;
        if (!ctx.check_component_at(p.diagnostics(), rates.location, path, pool, "pool")) continue;
        if (!rates.is_map()) {
          p.diagnostics().error(rates.location, path, "expected a map {hour: 35, overtime: 52}");
          continue;
        }
        ParamReader r(rates, path, p.diagnostics(), p.base_dir());
        const double hour = r.real("hour", 0.0, 0);
        const double overtime = r.real("overtime", 0.0, 0);
        r.finish();
        cp.labour.emplace_back(pool, hour, overtime);
      }
    }
  }
  if (const Node* veh = p.raw("vehicles")) {
    if (!veh->is_map()) {
      p.error("vehicles", "expected a map fleet -> cost per vehicle hour");
    } else {
      for (const auto& [fleet, rate] : veh->entries) {
        const std::string path = p.key_path("vehicles") + "." + fleet;
        if (!ctx.check_component_at(p.diagnostics(), rate.location, path, fleet, "fleet")) continue;
        const auto v = rate.is_scalar() ? parse_quantity(rate.scalar, Dimension::kDimensionless)
                                        : std::nullopt;
        if (!v || *v < 0) {
          p.diagnostics().error(rate.location, path, "expected a cost per vehicle hour (>= 0)");
          continue;
        }
        int n = 1;
        if (const Node* f = ctx.scenario_components().find(fleet))
          if (const Node* nv = f->find("vehicles"); nv && nv->is_scalar())
            if (const auto q = parse_quantity(nv->scalar, Dimension::kDimensionless))
              n = static_cast<int>(*q);
        cp.vehicles.emplace_back(fleet, *v, n);
      }
    }
  }
  cp.material = p.real("material", 0.0, 0);
  cp.part_value = p.real("part_value", 0.0, 0);
  return std::make_unique<CostModel>(ctx.name(), line::Flow::join(ctx), std::move(cp));
}

}  // namespace

void register_costs(Registry& registry) {
  registry.add("costs", "costs per state, hour, kWh and part; cost per good part and margin",
               build);
}

}  // namespace plantwin::costs
