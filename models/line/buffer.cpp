#include "buffer.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "line_common.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

struct BufferState : ClonableState<BufferState> {
  std::size_t capacity = 0;  // starts at the parameter; an actuator may change it
  PartRing queue;
  TimeWeighted level;
  TimeWeighted full;
};

class Buffer final : public Component {
 public:
  Buffer(std::string name, std::size_t capacity)
      : Component(std::move(name), "buffer"), capacity_(capacity) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<BufferState>();
    s->capacity = capacity_;
    return s;
  }
  void start(Sim& sim) const override { reset_statistics(sim); }

  bool can_accept(const Sim& sim, int) const override {
    const auto& s = sim.state_of<BufferState>(*this);
    if (s.capacity == 0) return s.queue.empty() && sim.can_push(*this, 0);
    return s.queue.size() < s.capacity;
  }
  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<BufferState>(*this);
    if (s.capacity == 0) {
      sim.try_push(*this, 0, part);
      return;
    }
    s.queue.push_back(part);
    drain(sim, s);
    record(sim, s);
  }
  void on_space(Sim& sim, int) const override {
    auto& s = sim.state_of<BufferState>(*this);
    if (s.capacity == 0 && s.queue.empty()) {
      sim.forward_space_all(*this);
      return;
    }
    drain(sim, s);
    record(sim, s);
  }
  std::vector<SignalSpec> actuators() const override {
    return {{"capacity", "parts", "places; lowering it below the level only stops inflow"}};
  }
  void set_actuator(Sim& sim, int, double value) const override {
    if (!(value >= 0) || value != std::floor(value) || value > 2147483647.0)
      throw std::invalid_argument(
          fmt::format("capacity must be a whole number >= 0, got {}", value));
    auto& s = sim.state_of<BufferState>(*this);
    s.capacity = static_cast<std::size_t>(value);
    drain(sim, s);
    record(sim, s);
    sim.notify_space_all(*this);
  }
  double display_capacity() const override {
    return capacity_ == std::numeric_limits<std::size_t>::max()
               ? std::numeric_limits<double>::infinity()
               : static_cast<double>(capacity_);
  }
  double occupancy(const Sim& sim) const override {
    return static_cast<double>(sim.state_of<BufferState>(*this).queue.size());
  }

  std::vector<SignalSpec> signals() const override {
    return {{"level", "parts", "parts in the buffer"}};
  }
  double signal(const Sim& sim, int) const override { return occupancy(sim); }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<BufferState>(*this);
    s.level.reset(sim.now(), static_cast<double>(s.queue.size()));
    s.full.reset(sim.now(), s.queue.size() >= s.capacity ? 1.0 : 0.0);
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<BufferState>(*this);
    rows.push_back({name(), "mean_level", s.level.mean(sim.now()), std::nan(""), "parts"});
    rows.push_back({name(), "max_level", s.level.max(), std::nan(""), "parts"});
    rows.push_back({name(), "full_share", s.full.mean(sim.now()), std::nan(""), "share"});
  }

 private:
  void drain(Sim& sim, BufferState& s) const {
    const bool was_full = s.queue.size() >= s.capacity;
    bool moved = false;
    // The part leaves the queue before the next component takes it (see Machine::push_holding).
    while (!s.queue.empty()) {
      const PartId part = s.queue.pop_front();
      if (!sim.try_push(*this, 0, part)) {
        s.queue.push_front(part);
        break;
      }
      moved = true;
    }
    if (moved && was_full) sim.notify_space_all(*this);
  }
  void record(Sim& sim, BufferState& s) const {
    const double n = static_cast<double>(s.queue.size());
    if (n != s.level.value()) s.level.update(sim.now(), n);
    const double f = s.queue.size() >= s.capacity ? 1.0 : 0.0;
    if (f != s.full.value()) s.full.update(sim.now(), f);
  }

  std::size_t capacity_;
};

}  // namespace

void register_buffer(Registry& registry) {
  registry.add("buffer", "first-in-first-out store with a capacity", [](BuildContext& ctx) {
    ctx.require_ports(1, 1 << 30, 1, 1);
    ParamReader& p = ctx.params();
    std::size_t cap = std::numeric_limits<std::size_t>::max();
    if (const Node* n = p.raw("capacity")) {
      if (n->is_scalar() && (n->scalar == "unlimited" || n->scalar == "inf")) {
        // default
      } else {
        cap =
            static_cast<std::size_t>(p.integer("capacity", 0, 0, std::numeric_limits<int>::max()));
      }
    }
    return std::make_unique<Buffer>(ctx.name(), cap);
  });
}

}  // namespace plantwin::line
