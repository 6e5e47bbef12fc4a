#pragma once
/// The material flow of a plant: parts, work in process, lead time and the plant totals.
///
/// The kernel only carries PartId handles along flow links; this module gives them meaning.
/// Every component that creates, ends or reads parts joins the flow when it is built
/// (Flow::join()), which adds the plant summary component "line" (type line_summary) to the
/// model once. Its state holds every part in the plant; it reports the `line` KPIs
/// (throughput, WIP and lead time with batch-means intervals, exits, scrap) and the plant
/// totals of what components meter (energy, downtime, maintenance cost) as any component
/// reports its own, and offers the signals line.wip and line.exits. A plant without material
/// flow (a thermal model alone) has no `line` component and no parts/h anywhere.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "plantwin/component.h"
#include "plantwin/registry.h"
#include "plantwin/sim.h"
#include "plantwin/stats.h"

namespace plantwin::line {

/// A part in the plant: when it entered, its type (index into part_types()) and the order it
/// was made for (index into FlowState::orders, -1 for none).
struct Part {
  double created = 0;
  std::int32_t type = 0;
  std::int32_t order = -1;
};

/// One part type's statistics (since warm-up), kept when the plant has two or more types.
struct TypeStats {
  TimeWeighted wip;
  std::int64_t live = 0;
  std::int64_t exits = 0, scrapped = 0;  // since the statistics restarted
  Tally lead_time;                       ///< Sink exits.
};

/// An order's progress: parts not yet out of the plant and when the last one left (NaN until
/// then). Orders count from the start of the run, not from the warm-up.
struct OrderProgress {
  std::int64_t left = 0;
  std::int64_t good = 0, scrapped = 0;
  double done = std::numeric_limits<double>::quiet_NaN();
};

/// Counters kept at each batch boundary, for batch-means intervals.
struct BatchSnapshot {
  double time = 0;
  double exits = 0;
  double wip_integral = 0;
  double lead_time_sum = 0;
  double lead_time_count = 0;
};

/// The summary component's state: every part and the line statistics (since warm-up).
struct FlowState : ClonableState<FlowState> {
  std::vector<Part> parts;
  std::vector<PartId> free_parts;
  TimeWeighted wip;
  std::int64_t live_parts = 0;
  std::int64_t created = 0, exits = 0, scrapped = 0;  // since the statistics restarted
  std::int64_t exits_total = 0;                       // since the start (the signal)
  Tally lead_time;                                    ///< Sink exits.
  Tally sojourn_all;  ///< Every departure (exits and scrap), for Little's law.
  std::vector<BatchSnapshot> batches;
  std::vector<TypeStats> by_type;     ///< One per part type, empty with fewer than two.
  std::vector<OrderProgress> orders;  ///< Every order source's orders (order_source.h).
};

/// What a component holds to take part in the material flow.
class Flow {
 public:
  Flow() = default;
  /// Joins the plant's material flow (adds the summary component "line" on first use).
  static Flow join(BuildContext& ctx);

  /// A new part of type `type` enters the plant now.
  PartId create(Sim& sim, int type) const {
    FlowState& f = state(sim);
    PartId id;
    if (!f.free_parts.empty()) {
      id = f.free_parts.back();
      f.free_parts.pop_back();
    } else {
      id = static_cast<PartId>(f.parts.size());
      f.parts.emplace_back();
    }
    f.parts[static_cast<std::size_t>(id)] = Part{sim.now(), type};
    ++f.live_parts;
    ++f.created;
    f.wip.update(sim.now(), static_cast<double>(f.live_parts));
    if (typed_) {
      TypeStats& t = f.by_type[static_cast<std::size_t>(type)];
      t.wip.update(sim.now(), static_cast<double>(++t.live));
    }
    return id;
  }
  const Part& part(const Sim& sim, PartId id) const {
    return state(sim).parts[static_cast<std::size_t>(id)];
  }
  Part& part(Sim& sim, PartId id) const { return state(sim).parts[static_cast<std::size_t>(id)]; }
  /// A part leaves the plant through a sink (counted in throughput and lead time).
  void exit(Sim& sim, PartId id) const;
  /// A part is scrapped (leaves the plant, counted apart).
  void scrap(Sim& sim, PartId id) const;
  /// A part is consumed into another (assembly, pack); it leaves without being counted, except
  /// that it has left its order.
  void consume(Sim& sim, PartId id) const;
  /// Good parts out of the plant since the statistics restarted.
  std::int64_t exits(const Sim& sim) const { return state(sim).exits; }

  FlowState& state(Sim& sim) const { return sim.state_at<FlowState>(id_); }
  const FlowState& state(const Sim& sim) const { return sim.state_at<FlowState>(id_); }

 private:
  Flow(int id, bool typed) : id_(id), typed_(typed) {}
  void release(Sim& sim, PartId id) const {
    FlowState& f = state(sim);
    --f.live_parts;
    f.wip.update(sim.now(), static_cast<double>(f.live_parts));
    f.free_parts.push_back(id);
    if (typed_) {
      TypeStats& t =
          f.by_type[static_cast<std::size_t>(f.parts[static_cast<std::size_t>(id)].type)];
      t.wip.update(sim.now(), static_cast<double>(--t.live));
    }
  }
  int id_ = -1;
  bool typed_ = false;  // two or more part types: FlowState::by_type is kept
};

/// The part types of a plant and their attributes.
struct PartCatalogue {
  std::vector<std::string> types;
  /// Per type, its attributes (name -> value as written), from a `products` component.
  std::vector<std::vector<std::pair<std::string, std::string>>> attributes;
  /// Whether a `products` component declares the types (then every other mention must name one
  /// of them) and the name of the first one.
  std::string declared_by;
};

/// Part types of the scenario, in the order they first appear: the `types:` of `products`
/// components, then the keys of sources' `part_types:` maps, then the products of order
/// sources' inline `orders:`; empty when parts are untyped.
const PartCatalogue& part_catalogue(BuildContext& ctx);
const std::vector<std::string>& part_types(BuildContext& ctx);
/// Index of a part type, or -1.
int part_type_index(BuildContext& ctx, const std::string& type);
/// The value of attribute `name` of every part type ("" where a type does not give it).
std::vector<std::string> part_attribute(BuildContext& ctx, const std::string& name);
/// Checks that `type`, written under `key` of `params`, is a part type of the plant; reports
/// "\"x\" is not a part type (types: a, b; did you mean ...)" when a `products` component
/// declares the types and it is not one of them. Returns the index, or -1.
int check_part_type(BuildContext& ctx, ParamReader& params, std::string_view key,
                    const std::string& type);
/// The same for a type written at `location` under `path` (an item of a list, a file line).
int check_part_type_at(BuildContext& ctx, Diagnostics& diag, const SourceLocation& location,
                       const std::string& path, const std::string& type);

/// The summary component's name and type, as front ends find it in a model or a result file.
inline constexpr const char* kSummaryName = "line";
inline constexpr const char* kSummaryType = "line_summary";

void register_line_summary(Registry& registry);
/// `products`: declares the part types and their attributes (flow.cpp).
void register_products(Registry& registry);

}  // namespace plantwin::line
