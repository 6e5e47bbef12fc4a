#include "pack.h"

#include <cmath>

#include <fmt/format.h>

#include "line_common.h"
#include "plantwin/models/flow.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

struct PackState : ClonableState<PackState> {
  PartRing collected;
  PartId held = -1;          // pack: a case waiting for room; unpack: the next part out
  std::int64_t to_make = 0;  // unpack: parts still to hand on (the held one included)
  std::int64_t made = 0, made_total = 0;
};

class Pack final : public Component {
 public:
  Pack(std::string name, Flow flow, bool unpack, int size, int part_type)
      : Component(std::move(name), unpack ? "unpack" : "pack"),
        flow_(flow),
        unpack_(unpack),
        size_(size),
        part_type_(part_type) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<PackState>();
  }
  bool can_accept(const Sim& sim, int) const override {
    const auto& s = sim.state_of<PackState>(*this);
    return s.held < 0 && s.to_make == 0;
  }
  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<PackState>(*this);
    if (unpack_) {
      if (part_type_ >= 0) retype(sim, part);
      s.held = part;
      s.to_make = size_;
      hand_on(sim, s);
      return;
    }
    s.collected.push_back(part);
    if (static_cast<int>(s.collected.size()) < size_) return;
    // The last part carries the case, from the time the oldest came.
    double earliest = flow_.part(sim, part).created;
    while (s.collected.size() > 1) {
      const PartId p = s.collected.pop_front();
      earliest = std::min(earliest, flow_.part(sim, p).created);
      flow_.consume(sim, p);
    }
    s.collected.pop_front();
    flow_.part(sim, part).created = earliest;
    if (part_type_ >= 0) retype(sim, part);
    s.held = part;
    s.to_make = 1;
    hand_on(sim, s);
  }
  void on_space(Sim& sim, int) const override {
    auto& s = sim.state_of<PackState>(*this);
    if (s.held >= 0) hand_on(sim, s);
  }
  double occupancy(const Sim& sim) const override {
    const auto& s = sim.state_of<PackState>(*this);
    return static_cast<double>(s.collected.size() + static_cast<std::size_t>(s.to_make));
  }
  std::vector<SignalSpec> signals() const override {
    return {{"made", "parts",
             unpack_ ? "parts made since the start of the run"
                     : "cases made since the start of the run"}};
  }
  double signal(const Sim& sim, int) const override {
    return static_cast<double>(sim.state_of<PackState>(*this).made_total);
  }
  void reset_statistics(Sim& sim) const override { sim.state_of<PackState>(*this).made = 0; }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    rows.push_back({name(), "made", static_cast<double>(sim.state_of<PackState>(*this).made),
                    std::nan(""), "parts"});
  }

 private:
  // A part changes type: the plant's WIP by type follows it.
  void retype(Sim& sim, PartId part) const {
    FlowState& f = flow_.state(sim);
    Part& p = flow_.part(sim, part);
    if (!f.by_type.empty() && p.type != part_type_) {
      TypeStats& from = f.by_type[static_cast<std::size_t>(p.type)];
      from.wip.update(sim.now(), static_cast<double>(--from.live));
      TypeStats& to = f.by_type[static_cast<std::size_t>(part_type_)];
      to.wip.update(sim.now(), static_cast<double>(++to.live));
    }
    p.type = part_type_;
  }
  // Hands the held part on and, unpacking, makes the next until `to_make` are out or the next
  // component has no room. The state is settled before each push.
  void hand_on(Sim& sim, PackState& s) const {
    while (s.held >= 0) {
      const PartId p = s.held;
      s.held = -1;
      if (!sim.try_push(*this, 0, p)) {
        s.held = p;
        return;
      }
      ++s.made;
      ++s.made_total;
      if (--s.to_make > 0) {
        const Part& from = flow_.part(sim, p);
        const Part copy = from;
        const PartId q = flow_.create(sim, copy.type);
        Part& np = flow_.part(sim, q);
        np.created = copy.created;
        np.order = copy.order;
        if (copy.order >= 0) ++flow_.state(sim).orders[static_cast<std::size_t>(copy.order)].left;
        s.held = q;
      }
    }
    sim.notify_space_all(*this);
  }

  Flow flow_;
  bool unpack_;
  int size_;
  int part_type_;
};

std::unique_ptr<Component> build(BuildContext& ctx, bool unpack) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, unpack ? 1 : (1 << 30), 1, 1);
  const int size = static_cast<int>(p.integer("size", std::nullopt, 2, 1000000));
  int type = -1;
  if (p.has("part_type")) {
    const std::string t = p.text("part_type", std::nullopt);
    type = check_part_type(ctx, p, "part_type", t);
    if (type < 0) return nullptr;
  }
  return std::make_unique<Pack>(ctx.name(), Flow::join(ctx), unpack, size, type);
}

}  // namespace

void register_pack(Registry& registry) {
  registry.add("pack", "collects n parts into one (12 bottles -> a case)",
               [](BuildContext& ctx) { return build(ctx, false); });
  registry.add("unpack", "turns one part into n (a pallet -> 12 parts)",
               [](BuildContext& ctx) { return build(ctx, true); });
}

}  // namespace plantwin::line
