#include "source.h"

#include <algorithm>

#include <fmt/format.h>

#include "line_common.h"
#include "plantwin/models/flow.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

struct SourceState : ClonableState<SourceState> {
  Rng arrivals, types;
  PartId held = -1;
  std::int64_t created = 0, lost = 0;              // since the statistics restarted (KPIs)
  std::int64_t created_total = 0, lost_total = 0;  // since the start (signals)
};

class Source final : public Component {
 public:
  Source(std::string name, Flow flow, std::optional<Distribution> interarrival, bool drop,
         std::vector<int> type_index, std::optional<Distribution> type_mix)
      : Component(std::move(name), "source"),
        flow_(flow),
        interarrival_(std::move(interarrival)),
        drop_(drop),
        type_index_(std::move(type_index)),
        type_mix_(std::move(type_mix)) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<SourceState>();
    s->arrivals = Rng::stream(seed.seed, seed.replication, name(), "arrivals");
    s->types = Rng::stream(seed.seed, seed.replication, name(), "part_types");
    return s;
  }

  void reseed(Sim& sim, const StreamSeed& seed) const override {
    auto& s = sim.state_of<SourceState>(*this);
    s.arrivals = Rng::stream(seed.seed, seed.replication, name(), "arrivals");
    s.types = Rng::stream(seed.seed, seed.replication, name(), "part_types");
  }

  void start(Sim& sim) const override {
    if (interarrival_)
      schedule_next(sim, sim.state_of<SourceState>(*this));
    else
      on_space(sim, 0);
  }

  void on_event(Sim& sim, int, std::int64_t) const override {
    auto& s = sim.state_of<SourceState>(*this);
    if (!sim.can_push(*this, 0)) {
      if (drop_) {
        ++s.lost;
        ++s.lost_total;
        sim.log_event(*this, "lost");
        schedule_next(sim, s);
        return;
      }
      s.held = new_part(sim, s);
      return;  // arrivals pause until the held part leaves
    }
    const PartId p = new_part(sim, s);
    sim.try_push(*this, 0, p);
    schedule_next(sim, s);
  }

  void on_space(Sim& sim, int) const override {
    auto& s = sim.state_of<SourceState>(*this);
    if (interarrival_) {
      if (s.held >= 0 && sim.try_push(*this, 0, s.held)) {
        s.held = -1;
        schedule_next(sim, s);
      }
      return;
    }
    // Endless supply: fill whatever room there is.
    std::int64_t pushed = 0;
    while (sim.can_push(*this, 0)) {
      sim.try_push(*this, 0, new_part(sim, s));
      if (++pushed > 1'000'000)
        throw std::runtime_error(fmt::format(
            "{}: an endless source feeds a component with unlimited room; give the next buffer a "
            "capacity or the source an interarrival time",
            name()));
    }
  }

  std::vector<SignalSpec> signals() const override {
    return {{"created", "parts", "parts created since the start of the run"},
            {"lost", "parts", "arrivals lost because there was no room"},
            {"blocked", "", "1 while an arrival waits for room"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<SourceState>(*this);
    switch (index) {
      case 0:
        return static_cast<double>(s.created_total);
      case 1:
        return static_cast<double>(s.lost_total);
      default:
        return s.held >= 0 ? 1.0 : 0.0;
    }
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<SourceState>(*this);
    s.created = s.lost = 0;
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<SourceState>(*this);
    rows.push_back({name(), "created", static_cast<double>(s.created), std::nan(""), "parts"});
    if (interarrival_) {
      rows.push_back({name(), "lost", static_cast<double>(s.lost), std::nan(""), "parts"});
      const double arrivals = static_cast<double>(s.created + s.lost);
      rows.push_back(
          {name(), "lost_share", arrivals > 0 ? s.lost / arrivals : 0.0, std::nan(""), "share"});
    }
  }

 private:
  PartId new_part(Sim& sim, SourceState& s) const {
    int type = type_index_.empty() ? 0 : type_index_[0];
    if (type_mix_) type = type_index_[static_cast<std::size_t>(type_mix_->sample(s.types))];
    ++s.created;
    ++s.created_total;
    return flow_.create(sim, type);
  }
  void schedule_next(Sim& sim, SourceState& s) const {
    sim.schedule_in(interarrival_->sample(s.arrivals), *this, 0);
  }

  Flow flow_;
  std::optional<Distribution> interarrival_;
  bool drop_;
  std::vector<int> type_index_;
  std::optional<Distribution> type_mix_;  // draws an index into type_index_
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 1, 1);
  std::optional<Distribution> ia = p.distribution("interarrival", Dimension::kTime, false);
  if (p.has("rate")) {
    const double rate = p.quantity("rate", Dimension::kRate, std::nullopt, 0, HUGE_VAL, true);
    if (ia)
      p.error("rate", "give either interarrival or rate, not both");
    else if (rate > 0 && std::isfinite(rate))
      ia = Distribution::exponential(1.0 / rate);
  } else {
    p.allow("rate");
  }
  if (ia && ia->mean() <= 0) {
    p.error("interarrival", "must have a positive mean");
  } else if (ia && ctx.horizon() / ia->mean() > kMaxArrivals) {
    p.error(p.has("rate") ? "rate" : "interarrival",
            fmt::format("gives about {:.3g} arrivals over the horizon of {}, more than the limit "
                        "of {:g}; the mean time between arrivals must be at least {}",
                        ctx.horizon() / ia->mean(), format_duration(ctx.horizon()), kMaxArrivals,
                        format_duration(ctx.horizon() / kMaxArrivals)));
  }
  const std::string when = p.choice("when_blocked", {"block", "drop"}, "block");
  if (!ia && p.has("when_blocked"))
    p.error("when_blocked", "only applies to a source with interarrival or rate");
  std::vector<int> index;
  std::optional<Distribution> mix;
  const auto weights = p.weights("part_types");
  if (!weights.empty()) {
    std::vector<double> idx, w;
    for (const auto& [t, wt] : weights) {
      idx.push_back(static_cast<double>(index.size()));
      index.push_back(std::max(0, check_part_type(ctx, p, "part_types", t)));
      w.push_back(wt);
    }
    try {
      mix = Distribution::empirical(idx, w);
    } catch (const std::invalid_argument& e) {
      p.error("part_types", e.what());
    }
  }
  return std::make_unique<Source>(ctx.name(), Flow::join(ctx), ia, when == "drop", index, mix);
}

}  // namespace

void register_source(Registry& registry) {
  registry.add("source", "parts enter: endless supply or arrivals from a distribution", build);
}

}  // namespace plantwin::line
