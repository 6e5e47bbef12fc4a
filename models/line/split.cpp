#include "split.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plantwin/models/flow.h"

#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

enum class Routing { kProbability, kRoundRobin, kShortestQueue, kByType };

struct SplitState : ClonableState<SplitState> {
  Rng rng;
  int next = 0;
  std::vector<std::int64_t> routed;  // per output, since the statistics restarted (KPIs)
  std::int64_t routed_total = 0;     // since the start (the signal)
  PartId held = -1;                  // by type: a part whose output had no room
};

class Split final : public Component {
 public:
  Split(std::string name, Routing routing, std::optional<Distribution> choice, int outputs,
        std::vector<std::string> output_names, Flow flow = {}, std::vector<int> type_out = {})
      : Component(std::move(name), "split"),
        routing_(routing),
        choice_(std::move(choice)),
        outputs_(outputs),
        output_names_(std::move(output_names)),
        flow_(flow),
        type_out_(std::move(type_out)) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<SplitState>();
    s->rng = Rng::stream(seed.seed, seed.replication, name(), "routing");
    s->routed.assign(static_cast<std::size_t>(outputs_), 0);
    if (routing_ == Routing::kProbability) s->next = static_cast<int>(choice_->sample(s->rng));
    return s;
  }
  void reseed(Sim& sim, const StreamSeed& seed) const override {
    sim.state_of<SplitState>(*this).rng =
        Rng::stream(seed.seed, seed.replication, name(), "routing");
  }

  bool can_accept(const Sim& sim, int) const override {
    // By type, the output depends on the part, which the split sees only when it arrives: it
    // takes one part and holds it while its output has no room (a diverter's single place).
    if (routing_ == Routing::kByType) return sim.state_of<SplitState>(*this).held < 0;
    if (routing_ != Routing::kShortestQueue)
      return sim.can_push(*this, sim.state_of<SplitState>(*this).next);
    for (int o = 0; o < outputs_; ++o)
      if (sim.can_push(*this, o)) return true;
    return false;
  }

  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<SplitState>(*this);
    int out = s.next;
    if (routing_ == Routing::kByType) {
      out = type_out_[static_cast<std::size_t>(flow_.part(sim, part).type)];
      ++s.routed[static_cast<std::size_t>(out)];
      ++s.routed_total;
      if (!sim.try_push(*this, out, part)) s.held = part;
      return;
    }
    if (routing_ == Routing::kShortestQueue) {
      double best = HUGE_VAL;
      for (int o = 0; o < outputs_; ++o) {
        if (!sim.can_push(*this, o)) continue;
        const double q = sim.occupancy_downstream(*this, o);
        if (q < best) {
          best = q;
          out = o;
        }
      }
    } else if (routing_ == Routing::kRoundRobin) {
      s.next = (s.next + 1) % outputs_;
    } else {
      s.next = static_cast<int>(choice_->sample(s.rng));
    }
    ++s.routed[static_cast<std::size_t>(out)];
    ++s.routed_total;
    sim.try_push(*this, out, part);
  }

  void on_space(Sim& sim, int) const override {
    if (routing_ == Routing::kByType) {
      auto& s = sim.state_of<SplitState>(*this);
      if (s.held < 0) return;
      const PartId part = s.held;
      s.held = -1;
      if (!sim.try_push(*this, type_out_[static_cast<std::size_t>(flow_.part(sim, part).type)],
                        part)) {
        s.held = part;
        return;
      }
      sim.notify_space_all(*this);
      return;
    }
    sim.forward_space_all(*this);
  }
  double occupancy(const Sim& sim) const override {
    return sim.state_of<SplitState>(*this).held >= 0 ? 1.0 : 0.0;
  }

  std::vector<SignalSpec> signals() const override {
    return {{"routed", "parts", "parts routed since the start of the run"}};
  }
  double signal(const Sim& sim, int) const override {
    return static_cast<double>(sim.state_of<SplitState>(*this).routed_total);
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<SplitState>(*this);
    std::fill(s.routed.begin(), s.routed.end(), 0);
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<SplitState>(*this);
    for (int o = 0; o < outputs_; ++o)
      rows.push_back({name(), "routed_" + output_names_[static_cast<std::size_t>(o)],
                      static_cast<double>(s.routed[static_cast<std::size_t>(o)]), std::nan(""),
                      "parts"});
  }

 private:
  Routing routing_;
  std::optional<Distribution> choice_;  // draws an output index
  int outputs_;
  std::vector<std::string> output_names_;
  Flow flow_;                  // by type: the parts' types
  std::vector<int> type_out_;  // by type: output per part type
};

// `map:` of a by_type or by_attribute split: key (a type or an attribute value) -> next station.
// Returns the output of every part type, or an empty vector after reporting errors.
std::vector<int> read_type_map(BuildContext& ctx, ParamReader& p, bool by_attribute) {
  const auto& outs = ctx.outputs();
  const auto& types = part_types(ctx);
  const std::string attribute = by_attribute ? p.text("attribute", std::nullopt) : "";
  const Node* map = p.raw("map");
  const std::size_t errors_before = p.diagnostics().size();
  if (types.empty()) {
    p.error("routing",
            "by_type and by_attribute need part types (a products component, or "
            "sources with part_types)");
    return {};
  }
  if (!map || !map->is_map() || map->entries.empty()) {
    p.error("map",
            fmt::format("is required: a map of {} -> next station (next: {})",
                        by_attribute ? "attribute value" : "part type", fmt::join(outs, ", ")));
    return {};
  }
  std::vector<std::string> keys(types);  // what a part is routed by, per type
  if (by_attribute) {
    if (attribute.empty()) return {};
    keys = part_attribute(ctx, attribute);
    for (std::size_t t = 0; t < keys.size(); ++t)
      if (keys[t].empty())
        p.error("attribute",
                fmt::format("part type \"{}\" has no attribute \"{}\"", types[t], attribute));
  }
  std::vector<int> out(types.size(), -1);
  int fallback = -1;
  for (std::size_t e = 0; e < map->entries.size(); ++e) {
    const auto& [key, dest] = map->entries[e];
    const std::string path = p.key_path("map") + "." + key;
    const SourceLocation& at = map->key_locations[e];
    if (!dest.is_scalar()) {
      p.diagnostics().error(dest.location, path,
                            fmt::format("expected a next station, got {}", dest.kind_phrase()));
      continue;
    }
    const auto it = std::find(outs.begin(), outs.end(), dest.scalar);
    if (it == outs.end()) {
      const std::string hint = closest_match(dest.scalar, outs);
      p.diagnostics().error(
          dest.location, path,
          fmt::format("\"{}\" is not a next station of {} (next: {}){}", dest.scalar, ctx.name(),
                      fmt::join(outs, ", "),
                      hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
      continue;
    }
    const int o = static_cast<int>(it - outs.begin());
    if (key == "default") {
      fallback = o;
      continue;
    }
    bool found = false;
    for (std::size_t t = 0; t < types.size(); ++t)
      if (keys[t] == key) {
        out[t] = o;
        found = true;
      }
    if (!found) {
      if (by_attribute) {
        p.diagnostics().error(at, path, fmt::format("no part type has {} \"{}\"", attribute, key));
      } else {
        const std::string hint = closest_match(key, types);
        p.diagnostics().error(
            at, path,
            fmt::format("\"{}\" is not a part type (types: {}){}", key, fmt::join(types, ", "),
                        hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
      }
    }
  }
  // A type left out because its entry was wrong is not reported twice.
  for (std::size_t t = 0; t < types.size() && p.diagnostics().size() == errors_before; ++t) {
    if (out[t] >= 0) continue;
    if (fallback >= 0) {
      out[t] = fallback;
    } else if (!by_attribute || !keys[t].empty()) {
      p.error("map",
              by_attribute
                  ? fmt::format("sends parts with {} \"{}\" nowhere (add it or a default)",
                                attribute, keys[t])
                  : fmt::format("sends part type \"{}\" nowhere (add it or a default)", types[t]));
    }
  }
  if (p.diagnostics().size() != errors_before) return {};
  return out;
}

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, 1 << 30, 2, 1 << 30);
  const bool has_weights = p.has("weights");
  const std::string r = p.choice(
      "routing", {"probability", "round_robin", "shortest_queue", "by_type", "by_attribute"},
      has_weights ? "probability" : "round_robin");
  if (r == "by_type" || r == "by_attribute") {
    if (has_weights) {
      p.allow("weights");
      p.error("weights", fmt::format("only apply to probability routing, not {}", r));
    }
    if (r == "by_type" && p.has("attribute")) {
      p.allow("attribute");
      p.error("attribute", "only applies to by_attribute routing");
    }
    std::vector<int> type_out = read_type_map(ctx, p, r == "by_attribute");
    if (type_out.empty()) return nullptr;
    const auto& outs = ctx.outputs();
    return std::make_unique<Split>(ctx.name(), Routing::kByType, std::nullopt,
                                   static_cast<int>(outs.size()), outs, Flow::join(ctx),
                                   std::move(type_out));
  }
  for (const char* k : {"map", "attribute"}) {
    if (!p.has(k)) continue;
    p.allow(k);
    p.error(k, fmt::format("only applies to by_type or by_attribute routing, not {}", r));
  }
  const Routing routing = r == "probability"   ? Routing::kProbability
                          : r == "round_robin" ? Routing::kRoundRobin
                                               : Routing::kShortestQueue;
  const auto weights = p.weights("weights");
  std::optional<Distribution> choice;
  const auto& outs = ctx.outputs();
  if (routing == Routing::kProbability) {
    if (!has_weights) {
      p.error("weights",
              fmt::format("probability routing needs weights for {}", fmt::join(outs, ", ")));
    } else {
      std::vector<double> idx, w(outs.size(), 0.0);
      for (std::size_t o = 0; o < outs.size(); ++o) idx.push_back(static_cast<double>(o));
      std::vector<bool> given(outs.size(), false);
      for (const auto& [dest, wt] : weights) {
        const auto it = std::find(outs.begin(), outs.end(), dest);
        if (it == outs.end()) {
          const std::string hint = closest_match(dest, outs);
          p.error("weights",
                  fmt::format("\"{}\" is not a next station of {} (next: {}){}", dest, ctx.name(),
                              fmt::join(outs, ", "),
                              hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
          continue;
        }
        w[static_cast<std::size_t>(it - outs.begin())] = wt;
        given[static_cast<std::size_t>(it - outs.begin())] = true;
      }
      for (std::size_t o = 0; o < outs.size(); ++o)
        if (!given[o] && outs.size() >= 2)
          p.error("weights", fmt::format("gives no weight for next station \"{}\"", outs[o]));
      try {
        choice = Distribution::empirical(idx, w);
      } catch (const std::invalid_argument& e) {
        p.error("weights", e.what());
      }
    }
  } else if (has_weights) {
    p.error("weights", fmt::format("only apply to probability routing, not {}", r));
  }
  if (routing == Routing::kProbability && !choice) return nullptr;
  return std::make_unique<Split>(ctx.name(), routing, choice, static_cast<int>(outs.size()), outs);
}

}  // namespace

void register_split(Registry& registry) {
  registry.add("split", "routes parts by probability, round robin or shortest queue", build);
}

}  // namespace plantwin::line
