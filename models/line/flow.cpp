#include "plantwin/models/flow.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace plantwin::line {
namespace {

class LineSummary final : public Component {
 public:
  LineSummary(std::string name, std::vector<std::string> types)
      : Component(std::move(name), kSummaryType), types_(std::move(types)) {}
  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<FlowState>();
    s->wip.reset(0, 0);
    if (types_.size() >= 2) {
      s->by_type.resize(types_.size());
      for (auto& t : s->by_type) t.wip.reset(0, 0);
    }
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
    for (auto& t : f.by_type) {
      t.wip.reset(sim.now(), static_cast<double>(t.live));
      t.exits = t.scrapped = 0;
      t.lead_time.reset();
    }
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
    // Per part type: the same rows, named kpi.type.
    for (std::size_t i = 0; i < f.by_type.size(); ++i) {
      const TypeStats& ts = f.by_type[i];
      const std::string& ty = types_[i];
      head.push_back(
          {name(), "throughput." + ty, span > 0 ? ts.exits / span * 3600.0 : 0.0, nan, "parts/h"});
      head.push_back({name(), "wip." + ty, ts.wip.mean(t), nan, "parts"});
      head.push_back({name(), "lead_time." + ty, ts.lead_time.mean(), nan, "s"});
      head.push_back({name(), "exits." + ty, static_cast<double>(ts.exits), nan, "parts"});
      head.push_back({name(), "scrapped." + ty, static_cast<double>(ts.scrapped), nan, "parts"});
    }
    rows.insert(rows.begin(), head.begin(), head.end());
  }

 private:
  std::vector<std::string> types_;
};

// `products`: the part types and their attributes; it holds nothing during the run.
class Products final : public Component {
 public:
  explicit Products(std::string name) : Component(std::move(name), "products") {}
  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<EmptyState>();
  }

 private:
  struct EmptyState : ClonableState<EmptyState> {};
};

// An order's part left the plant.
void order_part_left(FlowState& f, const Part& p, double now, bool good) {
  OrderProgress& o = f.orders[static_cast<std::size_t>(p.order)];
  ++(good ? o.good : o.scrapped);
  if (--o.left == 0) o.done = now;
}

}  // namespace

Flow Flow::join(BuildContext& ctx) {
  return Flow(ctx.require_component(kSummaryName, kSummaryType), part_types(ctx).size() >= 2);
}

void Flow::exit(Sim& sim, PartId id) const {
  FlowState& f = state(sim);
  const Part& p = f.parts[static_cast<std::size_t>(id)];
  const double sojourn = sim.now() - p.created;
  ++f.exits_total;
  if (sim.state().warmup_done) {
    ++f.exits;
    f.lead_time.add(sojourn);
    f.sojourn_all.add(sojourn);
    if (typed_) {
      TypeStats& t = f.by_type[static_cast<std::size_t>(p.type)];
      ++t.exits;
      t.lead_time.add(sojourn);
    }
  }
  if (p.order >= 0) order_part_left(f, p, sim.now(), true);
  release(sim, id);
}

void Flow::consume(Sim& sim, PartId id) const {
  FlowState& f = state(sim);
  const Part& p = f.parts[static_cast<std::size_t>(id)];
  if (p.order >= 0) order_part_left(f, p, sim.now(), true);
  release(sim, id);
}

void Flow::scrap(Sim& sim, PartId id) const {
  FlowState& f = state(sim);
  const Part& p = f.parts[static_cast<std::size_t>(id)];
  if (sim.state().warmup_done) {
    ++f.scrapped;
    f.sojourn_all.add(sim.now() - p.created);
    if (typed_) ++f.by_type[static_cast<std::size_t>(p.type)].scrapped;
  }
  if (p.order >= 0) order_part_left(f, p, sim.now(), false);
  release(sim, id);
}

const PartCatalogue& part_catalogue(BuildContext& ctx) {
  return ctx.shared<PartCatalogue>("line.part_catalogue", [&ctx] {
    PartCatalogue c;
    auto add = [&c](const std::string& t) {
      if (std::find(c.types.begin(), c.types.end(), t) != c.types.end()) return false;
      c.types.push_back(t);
      c.attributes.emplace_back();
      return true;
    };
    const auto& entries = ctx.scenario_components().entries;
    auto of_type = [](const Node& node, const char* type) {
      const Node* t = node.is_map() ? node.find("type") : nullptr;
      return t && t->scalar == type;
    };
    for (const auto& [name, node] : entries) {
      if (!of_type(node, "products")) continue;
      if (c.declared_by.empty()) c.declared_by = name;
      const Node* types = node.find("types");
      if (!types || !types->is_map()) continue;
      for (const auto& [t, attrs] : types->entries) {
        if (!add(t) || !attrs.is_map()) continue;
        for (const auto& [k, v] : attrs.entries)
          if (v.is_scalar()) c.attributes.back().emplace_back(k, v.scalar);
      }
    }
    // Without a declaration, the types are those the sources and order sources name.
    if (c.declared_by.empty()) {
      for (const auto& [name, node] : entries) {
        const Node* mix = node.is_map() ? node.find("part_types") : nullptr;
        if (of_type(node, "source") && mix && mix->is_map())
          for (const auto& kv : mix->entries) add(kv.first);
        const Node* orders = node.is_map() ? node.find("orders") : nullptr;
        if (of_type(node, "order_source") && orders && orders->is_seq())
          for (const Node& o : orders->items)
            if (const Node* pr = o.is_map() ? o.find("product") : nullptr; pr && pr->is_scalar())
              add(pr->scalar);
      }
    }
    return c;
  });
}

const std::vector<std::string>& part_types(BuildContext& ctx) {
  return part_catalogue(ctx).types;
}

int part_type_index(BuildContext& ctx, const std::string& type) {
  const auto& types = part_types(ctx);
  const auto it = std::find(types.begin(), types.end(), type);
  return it == types.end() ? -1 : static_cast<int>(it - types.begin());
}

std::vector<std::string> part_attribute(BuildContext& ctx, const std::string& name) {
  const PartCatalogue& c = part_catalogue(ctx);
  std::vector<std::string> out(c.types.size());
  for (std::size_t i = 0; i < c.types.size(); ++i)
    for (const auto& [k, v] : c.attributes[i])
      if (k == name) out[i] = v;
  return out;
}

int check_part_type_at(BuildContext& ctx, Diagnostics& diag, const SourceLocation& location,
                       const std::string& path, const std::string& type) {
  const int i = part_type_index(ctx, type);
  if (i >= 0) return i;
  const PartCatalogue& c = part_catalogue(ctx);
  const std::string hint = closest_match(type, c.types);
  diag.error(location, path,
             c.types.empty()
                 ? fmt::format("\"{}\" is not a part type: the plant declares none (add a "
                               "products component with types)",
                               type)
                 : fmt::format("\"{}\" is not a part type (declared by {}: {}){}", type,
                               c.declared_by.empty() ? "the sources" : c.declared_by,
                               fmt::join(c.types, ", "),
                               hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
  return -1;
}

int check_part_type(BuildContext& ctx, ParamReader& params, std::string_view key,
                    const std::string& type) {
  const Node* n = params.node().find(key);
  return check_part_type_at(ctx, params.diagnostics(), n ? n->location : params.node().location,
                            params.key_path(key), type);
}

void register_line_summary(Registry& registry) {
  registry.add_implicit(
      kSummaryType, "the plant's material flow: parts, WIP, lead time and plant totals",
      [](BuildContext& ctx) { return std::make_unique<LineSummary>(ctx.name(), part_types(ctx)); });
}

void register_products(Registry& registry) {
  registry.add("products", "declares the part types and their attributes", [](BuildContext& ctx) {
    ParamReader& p = ctx.params();
    ctx.require_ports(0, 0, 0, 0);
    const Node* types = p.raw("types");
    if (!types) {
      p.error("types",
              "is required: a map of part type -> its attributes (e.g. {small: {format: "
              "0.33 l}})");
    } else if (!types->is_map() || types->entries.empty()) {
      p.error("types", fmt::format("expected a map of part type -> attributes, got {}",
                                   types->kind_phrase()));
    } else {
      for (std::size_t i = 0; i < types->entries.size(); ++i) {
        const auto& [t, attrs] = types->entries[i];
        const std::string path = p.key_path("types") + "." + t;
        if (attrs.is_null()) continue;
        if (!attrs.is_map()) {
          p.diagnostics().error(
              attrs.location, path,
              fmt::format("expected a map of attribute -> value, got {}", attrs.kind_phrase()));
          continue;
        }
        for (const auto& [k, v] : attrs.entries)
          if (!v.is_scalar())
            p.diagnostics().error(
                v.location, path + "." + k,
                fmt::format("an attribute is one value, got {}", v.kind_phrase()));
      }
    }
    return std::make_unique<Products>(ctx.name());
  });
}

}  // namespace plantwin::line
