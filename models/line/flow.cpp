#include "plantwin/models/flow.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace plantwin::line {
namespace {

class LineSummary final : public Component {
 public:
  explicit LineSummary(std::string name) : Component(std::move(name), kSummaryType) {}
  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<FlowState>();
    s->wip.reset(0, 0);
    return s;
  }
  std::vector<SignalSpec> signals() const override {
    return {{"wip", "parts", "parts in the plant now"},
            {"exits", "parts", "good parts out of the plant since the start of the run"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& f = sim.state_of<FlowState>(*this);
    return static_cast<double>(index == 0 ? f.live_parts : f.exits_total);
  }
  void reset_statistics(Sim& sim) const override {
    auto& f = sim.state_of<FlowState>(*this);
    f.wip.reset(sim.now(), static_cast<double>(f.live_parts));
    f.exits = f.scrapped = f.created = 0;
    f.lead_time.reset();
    f.sojourn_all.reset();
    f.batches.clear();
  }
  void on_batch(Sim& sim) const override {
    auto& f = sim.state_of<FlowState>(*this);
    const double t = sim.now();
    f.batches.push_back(BatchSnapshot{t, static_cast<double>(f.exits), f.wip.integral(t),
                                      f.lead_time.sum(), static_cast<double>(f.lead_time.count())});
  }
  // The line's rows and the plant totals go first in the table, before every component's own.
  void finish_report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& f = sim.state_of<FlowState>(*this);
    const double nan = std::nan("");
    std::vector<KpiRow> head;
    if (!sim.state().warmup_done) {
      head.push_back({name(), "throughput", nan, nan, "parts/h"});
      rows.insert(rows.begin(), head.begin(), head.end());
      return;
    }
    const double t = sim.now();
    const double span = t - sim.stats_start();
    const auto& b = f.batches;
    std::vector<double> th, wip, lt;
    for (std::size_t i = 1; i < b.size(); ++i) {
      const double len = b[i].time - b[i - 1].time;
      if (len <= 0) continue;
      th.push_back((b[i].exits - b[i - 1].exits) / len * 3600.0);
      wip.push_back((b[i].wip_integral - b[i - 1].wip_integral) / len);
      const double n = b[i].lead_time_count - b[i - 1].lead_time_count;
      lt.push_back(n > 0 ? (b[i].lead_time_sum - b[i - 1].lead_time_sum) / n : nan);
    }
    const auto hw = [](const std::vector<double>& v) { return batch_means_interval(v).half_width; };
    head.push_back(
        {name(), "throughput", span > 0 ? f.exits / span * 3600.0 : 0.0, hw(th), "parts/h"});
    head.push_back({name(), "wip", f.wip.mean(t), hw(wip), "parts"});
    head.push_back({name(), "lead_time", f.lead_time.mean(), hw(lt), "s"});
    head.push_back({name(), "exits", static_cast<double>(f.exits), nan, "parts"});
    head.push_back({name(), "scrapped", static_cast<double>(f.scrapped), nan, "parts"});
    // Plant totals of what components meter, in this order.
    auto sum_of = [&](const std::string& kpi) -> std::optional<double> {
      std::optional<double> sum;
      for (const auto& r : rows)
        if (r.name == kpi) sum = sum.value_or(0.0) + r.value;
      return sum;
    };
    if (const auto e = sum_of("energy")) {
      head.push_back({name(), "energy", *e, nan, "kWh"});
      head.push_back({name(), "energy_per_good_part",
                      f.exits > 0 ? *e / static_cast<double>(f.exits) : nan, nan, "kWh/part"});
    }
    for (const char* kpi : {"unplanned_downtime", "planned_downtime", "maintenance_cost"})
      if (const auto v = sum_of(kpi))
        head.push_back(
            {name(), kpi, *v, nan, std::string(kpi) == "maintenance_cost" ? "cost" : "s"});
    rows.insert(rows.begin(), head.begin(), head.end());
  }
};

}  // namespace

Flow Flow::join(BuildContext& ctx) {
  return Flow(ctx.require_component(kSummaryName, kSummaryType));
}

void Flow::exit(Sim& sim, PartId id) const {
  FlowState& f = state(sim);
  const double sojourn = sim.now() - f.parts[static_cast<std::size_t>(id)].created;
  ++f.exits_total;
  if (sim.state().warmup_done) {
    ++f.exits;
    f.lead_time.add(sojourn);
    f.sojourn_all.add(sojourn);
  }
  release(sim, id);
}

void Flow::scrap(Sim& sim, PartId id) const {
  FlowState& f = state(sim);
  if (sim.state().warmup_done) {
    ++f.scrapped;
    f.sojourn_all.add(sim.now() - f.parts[static_cast<std::size_t>(id)].created);
  }
  release(sim, id);
}

const std::vector<std::string>& part_types(BuildContext& ctx) {
  return ctx.shared<std::vector<std::string>>("line.part_types", [&ctx] {
    std::vector<std::string> types;
    for (const auto& entry : ctx.scenario_components().entries) {
      const Node& node = entry.second;
      if (!node.is_map()) continue;
      const Node* type = node.find("type");
      const Node* mix = node.find("part_types");
      if (type && type->scalar == "source" && mix && mix->is_map())
        for (const auto& kv : mix->entries)
          if (std::find(types.begin(), types.end(), kv.first) == types.end())
            types.push_back(kv.first);
    }
    return types;
  });
}

int part_type_index(BuildContext& ctx, const std::string& type) {
  const auto& types = part_types(ctx);
  const auto it = std::find(types.begin(), types.end(), type);
  return it == types.end() ? -1 : static_cast<int>(it - types.begin());
}

void register_line_summary(Registry& registry) {
  registry.add_implicit(
      kSummaryType, "the plant's material flow: parts, WIP, lead time and plant totals",
      [](BuildContext& ctx) { return std::make_unique<LineSummary>(ctx.name()); });
}

}  // namespace plantwin::line
