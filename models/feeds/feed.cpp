// The feed component: a feed's counters as signals and KPIs (plantwin/models/feed.h).

#include "plantwin/models/feed.h"

#include <cmath>
#include <stdexcept>

#include "feed_component.h"

namespace plantwin {
namespace {

struct FeedState : ClonableState<FeedState> {
  FeedCounts counts;
};

class FeedComponent final : public Component {
 public:
  explicit FeedComponent(std::string name) : Component(std::move(name), kFeedComponentType) {}
  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<FeedState>();
  }
  std::vector<SignalSpec> signals() const override {
    return {{"received", "count", "messages, polls or file values that arrived"},
            {"applied", "count", "values the twin applied"},
            {"rejected", "count", "values refused: malformed + out_of_range + unknown"},
            {"malformed", "count", "messages that could not be decoded"},
            {"out_of_range", "count", "values outside the mapped range"},
            {"unknown", "count", "messages with no mapping, or for a target the plant lacks"},
            {"late", "count", "values older than the newest one for their target"},
            {"connected", "", "1 while connected (always 1 for a file)"},
            {"lag", "s", "how far simulated time is behind the wall clock in a paced run"}};
  }
  double signal(const Sim& sim, int index) const override {
    const FeedCounts& c = sim.state_of<FeedState>(*this).counts;
    switch (index) {
      case 0:
        return c.received;
      case 1:
        return c.applied;
      case 2:
        return c.malformed + c.out_of_range + c.unknown;
      case 3:
        return c.malformed;
      case 4:
        return c.out_of_range;
      case 5:
        return c.unknown;
      case 6:
        return c.late;
      case 7:
        return c.connected ? 1 : 0;
      default:
        return c.lag;
    }
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const FeedCounts& c = sim.state_of<FeedState>(*this).counts;
    const double nan = std::nan("");
    rows.push_back({name(), "received", c.received, nan, "count"});
    rows.push_back({name(), "applied", c.applied, nan, "count"});
    rows.push_back({name(), "malformed", c.malformed, nan, "count"});
    rows.push_back({name(), "out_of_range", c.out_of_range, nan, "count"});
    rows.push_back({name(), "unknown", c.unknown, nan, "count"});
    rows.push_back({name(), "late", c.late, nan, "count"});
    rows.push_back({name(), "reconnects", c.reconnects, nan, "count"});
  }
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  return std::make_unique<FeedComponent>(ctx.name());
}

}  // namespace

void set_feed_counts(Sim& sim, int component, const FeedCounts& counts) {
  const Component& c = sim.model().component(component);
  if (c.type() != kFeedComponentType)
    throw std::invalid_argument(c.name() + " is not a feed component");
  sim.state_of<FeedState>(c).counts = counts;
}

namespace feeds {
void register_feed(Registry& registry) {
  registry.add_implicit(kFeedComponentType, "a feed's counters (added for each entry of feeds:)",
                        build);
}
}  // namespace feeds

}  // namespace plantwin
