#include "assembly.h"

#include "plantwin/models/flow.h"

#include "line_common.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

struct AssemblyState : ClonableState<AssemblyState> {
  std::vector<PartId> slots;
  PartId part = -1;  // the assembled part, processing or waiting to leave
  bool busy = false, holding = false;
  Rng process;
  PhaseClock clock;
  std::int64_t completed = 0;        // since the statistics restarted (KPIs)
  std::int64_t completed_total = 0;  // since the start (the signal)
};

class Assembly final : public Component {
 public:
  Assembly(std::string name, Flow flow, Distribution process, int inputs)
      : Component(std::move(name), "assembly"),
        flow_(flow),
        process_(std::move(process)),
        inputs_(inputs) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<AssemblyState>();
    s->slots.assign(static_cast<std::size_t>(inputs_), -1);
    s->process = Rng::stream(seed.seed, seed.replication, name(), "process");
    return s;
  }
  void reseed(Sim& sim, const StreamSeed& seed) const override {
    sim.state_of<AssemblyState>(*this).process =
        Rng::stream(seed.seed, seed.replication, name(), "process");
  }
  void start(Sim& sim) const override { sim.state_of<AssemblyState>(*this).clock.reset(sim.now()); }

  bool can_accept(const Sim& sim, int port) const override {
    return sim.state_of<AssemblyState>(*this).slots[static_cast<std::size_t>(port)] < 0;
  }
  void accept(Sim& sim, int port, PartId part) const override {
    auto& s = sim.state_of<AssemblyState>(*this);
    s.slots[static_cast<std::size_t>(port)] = part;
    try_start(sim, s);
  }
  void on_event(Sim& sim, int, std::int64_t) const override {
    auto& s = sim.state_of<AssemblyState>(*this);
    touch(sim, s);
    s.busy = false;
    ++s.completed;
    ++s.completed_total;
    s.holding = true;
    release(sim, s);
  }
  void on_space(Sim& sim, int) const override {
    auto& s = sim.state_of<AssemblyState>(*this);
    if (!s.holding) return;
    touch(sim, s);
    release(sim, s);
  }
  double occupancy(const Sim& sim) const override {
    const auto& s = sim.state_of<AssemblyState>(*this);
    double n = s.part >= 0 ? 1 : 0;
    for (PartId p : s.slots) n += p >= 0 ? 1 : 0;
    return n;
  }

  std::vector<SignalSpec> signals() const override {
    return {{"state", "", "0 working, 1 starved, 2 blocked"},
            {"completed", "parts", "assemblies done since the start of the run"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<AssemblyState>(*this);
    if (index == 1) return static_cast<double>(s.completed_total);
    return s.busy ? kWorking : s.holding ? kBlocked : kStarved;
  }
  std::vector<std::string> active_kpis() const override { return {"working"}; }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<AssemblyState>(*this);
    s.clock.reset(sim.now());
    s.completed = 0;
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<AssemblyState>(*this);
    const double nan = std::nan("");
    for (int k = 0; k < 3; ++k)
      rows.push_back({name(), kPhaseNames[k],
                      s.clock.share(k, sim.now(), s.busy ? 1 : 0, s.holding ? 1 : 0, 1, false), nan,
                      "share"});
    const double span = sim.now() - s.clock.start;
    rows.push_back({name(), "completed", static_cast<double>(s.completed), nan, "parts"});
    rows.push_back(
        {name(), "throughput", span > 0 ? s.completed / span * 3600.0 : nan, nan, "parts/h"});
  }

 private:
  void touch(Sim& sim, AssemblyState& s) const {
    s.clock.advance(sim.now(), s.busy ? 1 : 0, s.holding ? 1 : 0, 1, false);
  }
  // The finished part leaves before the next component takes it, and comes back if the push
  // fails (a failed push changes nothing), so a loop back to this assembly sees it empty.
  void release(Sim& sim, AssemblyState& s) const {
    const PartId part = s.part;
    s.part = -1;
    s.holding = false;
    if (!sim.try_push(*this, 0, part)) {
      s.part = part;
      s.holding = true;
      return;
    }
    try_start(sim, s);
  }

  void try_start(Sim& sim, AssemblyState& s) const {
    if (s.busy || s.holding) return;
    for (PartId p : s.slots)
      if (p < 0) return;
    touch(sim, s);
    PartId keep = s.slots[0];
    double earliest = flow_.part(sim, keep).created;
    for (std::size_t i = 1; i < s.slots.size(); ++i) {
      earliest = std::min(earliest, flow_.part(sim, s.slots[i]).created);
      flow_.consume(sim, s.slots[i]);
    }
    flow_.part(sim, keep).created = earliest;
    std::fill(s.slots.begin(), s.slots.end(), -1);
    s.part = keep;
    s.busy = true;
    sim.schedule_in(process_.sample(s.process), *this, 0);
    sim.notify_space_all(*this);
  }

  Flow flow_;
  Distribution process_;
  int inputs_;
};

}  // namespace

void register_assembly(Registry& registry) {
  registry.add("assembly", "joins one part from each input into one", [](BuildContext& ctx) {
    ctx.require_ports(2, 1 << 30, 1, 1);
    auto d = ctx.params().distribution("process_time", Dimension::kTime, true);
    if (!d) return std::unique_ptr<Component>();
    return std::unique_ptr<Component>(std::make_unique<Assembly>(
        ctx.name(), Flow::join(ctx), *d, static_cast<int>(ctx.inputs().size())));
  });
}

}  // namespace plantwin::line
