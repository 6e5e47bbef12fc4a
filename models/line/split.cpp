#include "split.h"

#include <fmt/format.h>

#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

enum class Routing { kProbability, kRoundRobin, kShortestQueue };

struct SplitState : ClonableState<SplitState> {
  Rng rng;
  int next = 0;
  std::vector<std::int64_t> routed;  // per output, since the statistics restarted (KPIs)
  std::int64_t routed_total = 0;     // since the start (the signal)
};

class Split final : public Component {
 public:
  Split(std::string name, Routing routing, std::optional<Distribution> choice, int outputs,
        std::vector<std::string> output_names)
      : Component(std::move(name), "split"),
        routing_(routing),
        choice_(std::move(choice)),
        outputs_(outputs),
        output_names_(std::move(output_names)) {}

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
    if (routing_ != Routing::kShortestQueue)
      return sim.can_push(*this, sim.state_of<SplitState>(*this).next);
    for (int o = 0; o < outputs_; ++o)
      if (sim.can_push(*this, o)) return true;
    return false;
  }

  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<SplitState>(*this);
    int out = s.next;
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

  void on_space(Sim& sim, int) const override { sim.forward_space_all(*this); }

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
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, 1 << 30, 2, 1 << 30);
  const bool has_weights = p.has("weights");
  const std::string r = p.choice("routing", {"probability", "round_robin", "shortest_queue"},
                                 has_weights ? "probability" : "round_robin");
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
