#include "sink.h"

#include <algorithm>

#include <fmt/format.h>

#include "plantwin/models/flow.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

struct SinkState : ClonableState<SinkState> {
  std::int64_t count = 0;  // since the statistics restarted (KPIs)
  std::int64_t total = 0;  // since the start (the signal: never drops at the warm-up's end)
  Tally lead_time;
  std::vector<std::int64_t> count_by_type;  // per part type, with two or more
  std::vector<Tally> lead_time_by_type;
};

class Sink final : public Component {
 public:
  Sink(std::string name, Flow flow, std::vector<std::string> types)
      : Component(std::move(name), "sink"), flow_(flow), types_(std::move(types)) {}
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<SinkState>();
    if (types_.size() >= 2) {
      s->count_by_type.assign(types_.size(), 0);
      s->lead_time_by_type.assign(types_.size(), Tally());
    }
    return s;
  }
  bool can_accept(const Sim&, int) const override { return true; }
  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<SinkState>(*this);
    ++s.count;
    ++s.total;
    const Part& p = flow_.part(sim, part);
    const double created = p.created;
    s.lead_time.add(sim.now() - created);
    if (typed_) {
      ++s.count_by_type[static_cast<std::size_t>(p.type)];
      s.lead_time_by_type[static_cast<std::size_t>(p.type)].add(sim.now() - created);
    }
    if (sim.model().record().exits) sim.log_event(*this, "exit", fmt::format("{:.17g}", created));
    flow_.exit(sim, part);
  }
  std::vector<SignalSpec> signals() const override {
    return {{"count", "parts", "parts received since the start of the run"}};
  }
  double signal(const Sim& sim, int) const override {
    return static_cast<double>(sim.state_of<SinkState>(*this).total);
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<SinkState>(*this);
    s.count = 0;
    s.lead_time.reset();
    std::fill(s.count_by_type.begin(), s.count_by_type.end(), 0);
    for (auto& t : s.lead_time_by_type) t.reset();
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<SinkState>(*this);
    const double span = sim.now() - sim.stats_start();
    rows.push_back({name(), "exits", static_cast<double>(s.count), std::nan(""), "parts"});
    rows.push_back(
        {name(), "throughput", span > 0 ? s.count / span * 3600.0 : 0.0, std::nan(""), "parts/h"});
    rows.push_back({name(), "lead_time", s.lead_time.mean(), std::nan(""), "s"});
    rows.push_back(
        {name(), "lead_time_max", s.count ? s.lead_time.max() : std::nan(""), std::nan(""), "s"});
    for (std::size_t i = 0; i < s.count_by_type.size(); ++i) {
      const auto n = s.count_by_type[i];
      rows.push_back({name(), "exits." + types_[i], static_cast<double>(n), std::nan(""), "parts"});
      rows.push_back({name(), "throughput." + types_[i], span > 0 ? n / span * 3600.0 : 0.0,
                      std::nan(""), "parts/h"});
      rows.push_back(
          {name(), "lead_time." + types_[i], s.lead_time_by_type[i].mean(), std::nan(""), "s"});
    }
  }

 private:
  Flow flow_;
  std::vector<std::string> types_;
  bool typed_ = types_.size() >= 2;  // per-type counts are kept
};

}  // namespace

void register_sink(Registry& registry) {
  registry.add("sink", "parts leave: counts them and their lead time", [](BuildContext& ctx) {
    ctx.require_ports(1, 1 << 30, 0, 0);
    return std::make_unique<Sink>(ctx.name(), Flow::join(ctx), part_types(ctx));
  });
}

}  // namespace plantwin::line
