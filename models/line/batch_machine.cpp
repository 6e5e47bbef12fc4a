#include "batch_machine.h"

#include <cmath>

#include <fmt/format.h>

#include "line_common.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

constexpr int kDone = 0, kTimeout = 1;

struct BatchMachineState : ClonableState<BatchMachineState> {
  PartRing waiting, in_process, out;
  double first_wait = 0;  // when the first waiting part came
  bool busy = false;
  Rng process;
  PhaseClock clock;
  std::int64_t batches = 0, batched = 0, completed = 0, completed_total = 0;
};

class BatchMachine final : public Component {
 public:
  BatchMachine(std::string name, Distribution process, int min, int max, double timeout)
      : Component(std::move(name), "batch_machine"),
        process_(std::move(process)),
        min_(min),
        max_(max),
        timeout_(timeout) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<BatchMachineState>();
    s->process = Rng::stream(seed.seed, seed.replication, name(), "process");
    return s;
  }
  void reseed(Sim& sim, const StreamSeed& seed) const override {
    sim.state_of<BatchMachineState>(*this).process =
        Rng::stream(seed.seed, seed.replication, name(), "process");
  }
  void start(Sim& sim) const override {
    sim.state_of<BatchMachineState>(*this).clock.reset(sim.now());
  }

  bool can_accept(const Sim& sim, int) const override {
    return static_cast<int>(sim.state_of<BatchMachineState>(*this).waiting.size()) < max_;
  }
  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<BatchMachineState>(*this);
    if (s.waiting.empty()) {
      s.first_wait = sim.now();
      if (timeout_ > 0 && min_ < max_) sim.schedule_in(timeout_, *this, kTimeout);
    }
    s.waiting.push_back(part);
    try_start(sim, s);
  }
  void on_event(Sim& sim, int kind, std::int64_t) const override {
    auto& s = sim.state_of<BatchMachineState>(*this);
    if (kind == kTimeout) {
      try_start(sim, s);
      return;
    }
    touch(sim, s);
    s.busy = false;
    ++s.batches;
    s.batched += static_cast<std::int64_t>(s.in_process.size());
    s.completed += static_cast<std::int64_t>(s.in_process.size());
    s.completed_total += static_cast<std::int64_t>(s.in_process.size());
    while (!s.in_process.empty()) s.out.push_back(s.in_process.pop_front());
    push_out(sim, s);
  }
  void on_space(Sim& sim, int) const override {
    auto& s = sim.state_of<BatchMachineState>(*this);
    if (!s.out.empty()) push_out(sim, s);
  }
  double occupancy(const Sim& sim) const override {
    const auto& s = sim.state_of<BatchMachineState>(*this);
    return static_cast<double>(s.waiting.size() + s.in_process.size() + s.out.size());
  }

  std::vector<SignalSpec> signals() const override {
    return {{"state", "", "0 working, 1 starved, 2 blocked"},
            {"waiting", "parts", "parts waiting for the next batch"},
            {"completed", "parts", "parts processed since the start of the run"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<BatchMachineState>(*this);
    if (index == 0) return s.busy ? kWorking : !s.out.empty() ? kBlocked : kStarved;
    if (index == 1) return static_cast<double>(s.waiting.size());
    return static_cast<double>(s.completed_total);
  }
  std::vector<std::string> active_kpis() const override { return {"working"}; }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<BatchMachineState>(*this);
    s.clock.reset(sim.now());
    s.batches = s.batched = s.completed = 0;
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<BatchMachineState>(*this);
    const double nan = std::nan("");
    for (int k = 0; k < 3; ++k)
      rows.push_back(
          {name(), kPhaseNames[k],
           s.clock.share(k, sim.now(), s.busy ? 1 : 0, !s.busy && !s.out.empty(), 1, false), nan,
           "share"});
    const double span = sim.now() - s.clock.start;
    rows.push_back({name(), "batches", static_cast<double>(s.batches), nan, "count"});
    rows.push_back({name(), "mean_batch_size",
                    s.batches ? static_cast<double>(s.batched) / s.batches : nan, nan, "parts"});
    rows.push_back({name(), "completed", static_cast<double>(s.completed), nan, "parts"});
    rows.push_back(
        {name(), "throughput", span > 0 ? s.completed / span * 3600.0 : nan, nan, "parts/h"});
  }

 private:
  void touch(Sim& sim, BatchMachineState& s) const {
    s.clock.advance(sim.now(), s.busy ? 1 : 0, !s.busy && !s.out.empty() ? 1 : 0, 1, false);
  }
  void try_start(Sim& sim, BatchMachineState& s) const {
    if (s.busy || !s.out.empty() || s.waiting.empty()) return;
    const int n = static_cast<int>(s.waiting.size());
    if (n < max_ && (n < min_ || sim.now() < s.first_wait + timeout_)) return;
    touch(sim, s);
    s.busy = true;
    while (!s.waiting.empty()) s.in_process.push_back(s.waiting.pop_front());
    sim.log_event(*this, "batch", fmt::format("{} parts", n));
    sim.schedule_in(process_.sample(s.process), *this, kDone);
    sim.notify_space_all(*this);
  }
  // The finished parts leave oldest first; the part leaves the ring before the push, so that
  // a part routed straight back finds a consistent state.
  void push_out(Sim& sim, BatchMachineState& s) const {
    while (!s.out.empty()) {
      if (s.out.size() == 1) touch(sim, s);  // the last part: blocked until now
      const PartId p = s.out.pop_front();
      if (!sim.try_push(*this, 0, p)) {
        s.out.push_front(p);
        break;
      }
    }
    if (s.out.empty()) try_start(sim, s);
  }

  Distribution process_;
  int min_, max_;
  double timeout_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, 1 << 30, 1, 1);
  auto d = p.distribution("process_time", Dimension::kTime, true);
  const int max = static_cast<int>(p.integer("max", std::nullopt, 1, 100000));
  const int min = static_cast<int>(p.integer("min", max, 1, 100000));
  if (min > max && p.has("max")) p.error("min", fmt::format("is {}, more than max ({})", min, max));
  const double timeout = p.duration("timeout", 0.0);
  if (p.has("timeout") && min == max)
    p.error("timeout", "has no effect when min equals max (a batch then always waits for max)");
  if (d && !(d->mean() < HUGE_VAL)) p.error("process_time", "must be finite");
  if (!d) return nullptr;
  return std::make_unique<BatchMachine>(ctx.name(), *d, min, max, timeout);
}

}  // namespace

void register_batch_machine(Registry& registry) {
  registry.add("batch_machine", "processes parts together in batches of min..max (an oven)", build);
}

}  // namespace plantwin::line
