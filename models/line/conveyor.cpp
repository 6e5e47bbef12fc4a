#include "conveyor.h"

#include <deque>

#include <fmt/format.h>

#include "line_common.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

enum EventKind { kHeadArrives = 0, kEntryOpens = 1 };

struct Item {
  PartId part;
  double ready;  // when it reaches the end: wall time (accumulating) or belt time (not)
};

struct ConveyorState : ClonableState<ConveyorState> {
  std::deque<Item> items;
  double last_entry = -HUGE_VAL;  // entry clock: wall time (accumulating) or belt time
  double open_at = -HUGE_VAL;     // entry clock at which the next part may enter
  bool entry_open = true;         // set by the entry event itself, so no rounding can lose it
  double last_leave = -HUGE_VAL;  // wall time
  bool head_waiting = false;      // head reached the end and the next station refused it
  double stopped_total = 0;       // non-accumulating: wall time the belt stood still
  double stop_start = 0;
  EventHandle head_event, entry_event;
  TimeWeighted level, stopped;
  double transit = 0, gap = 0;  // from the belt speed, an actuator
};

class Conveyor final : public Component {
 public:
  Conveyor(std::string name, double length, double speed, double spacing, std::size_t capacity,
           bool accumulating)
      : Component(std::move(name), "conveyor"),
        length_(length),
        spacing_(spacing),
        speed_(speed),
        capacity_(capacity),
        accumulating_(accumulating) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<ConveyorState>();
    s->transit = length_ / speed_;
    s->gap = spacing_ / speed_;
    return s;
  }

  std::vector<SignalSpec> actuators() const override {
    return {{"speed", "m/s", "belt speed for parts entering from now on"}};
  }
  void set_actuator(Sim& sim, int, double value) const override {
    if (!(value > 0) || !std::isfinite(value))
      throw std::invalid_argument(fmt::format("speed must be positive (m/s), got {}", value));
    auto& s = sim.state_of<ConveyorState>(*this);
    s.transit = length_ / value;
    s.gap = spacing_ / value;
    // The next entry keeps its distance from the last one, at the new speed.
    s.open_at = s.last_entry + s.gap;
    s.entry_open = entry_clock(sim, s) >= s.open_at;
    schedule_entry(sim, s);
    sim.notify_space_all(*this);
  }
  void start(Sim& sim) const override { reset_statistics(sim); }

  bool can_accept(const Sim& sim, int) const override {
    const auto& s = sim.state_of<ConveyorState>(*this);
    if (s.items.size() >= capacity_) return false;
    return s.entry_open || entry_clock(sim, s) >= s.open_at;
  }

  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<ConveyorState>(*this);
    const double clock = entry_clock(sim, s);
    s.items.push_back(Item{part, clock + s.transit});
    s.last_entry = clock;
    s.open_at = clock + s.gap;
    s.entry_open = s.gap <= 0;
    record(sim, s);
    if (s.items.size() == 1 && !s.head_waiting) schedule_head(sim, s);
    schedule_entry(sim, s);
  }

  void on_event(Sim& sim, int kind, std::int64_t) const override {
    auto& s = sim.state_of<ConveyorState>(*this);
    if (kind == kEntryOpens) {
      s.entry_open = true;
      sim.notify_space_all(*this);
      return;
    }
    s.head_event = EventHandle{};
    try_release(sim, s);
  }

  void on_space(Sim& sim, int) const override {
    auto& s = sim.state_of<ConveyorState>(*this);
    if (s.head_waiting) try_release(sim, s);
  }

  double display_capacity() const override { return static_cast<double>(capacity_); }
  double occupancy(const Sim& sim) const override {
    return static_cast<double>(sim.state_of<ConveyorState>(*this).items.size());
  }

  std::vector<SignalSpec> signals() const override {
    return {{"level", "parts", "parts on the belt"},
            {"stopped", "", "1 while the head part waits for the next station"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<ConveyorState>(*this);
    return index == 0 ? static_cast<double>(s.items.size()) : (s.head_waiting ? 1.0 : 0.0);
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<ConveyorState>(*this);
    s.level.reset(sim.now(), static_cast<double>(s.items.size()));
    s.stopped.reset(sim.now(), s.head_waiting ? 1.0 : 0.0);
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<ConveyorState>(*this);
    const double nan = std::nan("");
    rows.push_back({name(), "mean_level", s.level.mean(sim.now()), nan, "parts"});
    rows.push_back({name(), "transit_time", s.transit, nan, "s"});
    rows.push_back({name(), "capacity", static_cast<double>(capacity_), nan, "parts"});
    rows.push_back({name(), "stopped_share", s.stopped.mean(sim.now()), nan, "share"});
  }

 private:
  // Accumulating belts measure entries in wall time; a non-accumulating belt in belt time,
  // which stands still while the belt is stopped.
  double entry_clock(const Sim& sim, const ConveyorState& s) const {
    if (accumulating_) return sim.now();
    const double wall = s.head_waiting ? s.stop_start : sim.now();
    return wall - s.stopped_total;
  }

  void schedule_head(Sim& sim, ConveyorState& s) const {
    if (s.items.empty() || sim.pending(s.head_event)) return;
    double at = s.items.front().ready + (accumulating_ ? 0.0 : s.stopped_total);
    at = std::max({at, s.last_leave + s.gap, sim.now()});
    s.head_event = sim.schedule_at(at, *this, kHeadArrives);
  }

  void try_release(Sim& sim, ConveyorState& s) const {
    if (s.items.empty()) return;
    // The head leaves before the next component takes it, and comes back if the push fails.
    const Item head = s.items.front();
    s.items.pop_front();
    if (!sim.try_push(*this, 0, head.part)) {
      s.items.push_front(head);
      if (!s.head_waiting) {
        s.head_waiting = true;
        s.stop_start = sim.now();
        if (!accumulating_) {
          // The belt, and its entry clock, stop. If the entry opens at this very instant, it
          // opens: the belt has moved its spacing since the last entry. A full belt makes the
          // two instants equal by construction (the head arrives as the entry opens), and their
          // floating-point sums can differ in the last bits: within a relative 1e-9 they are one
          // instant.
          sim.cancel(s.entry_event);
          const double clock = entry_clock(sim, s);
          if (!s.entry_open && clock >= s.open_at - 1e-9 * std::max(1.0, std::fabs(clock))) {
            s.entry_open = true;
            sim.notify_space_all(*this);
          }
        }
        record(sim, s);
      }
      return;
    }
    if (s.head_waiting) {
      s.head_waiting = false;
      if (!accumulating_) s.stopped_total += sim.now() - s.stop_start;
    }
    s.last_leave = sim.now();
    record(sim, s);
    sim.notify_space_all(*this);
    schedule_head(sim, s);
    // A restarted belt opens its entry once it has moved one spacing since the last entry.
    if (!accumulating_) schedule_entry(sim, s);
  }

  // Keeps exactly one entry event pending, at the wall time the entry opens, while the entry
  // is closed and the belt moves (a stopped non-accumulating belt's entry clock stands still).
  void schedule_entry(Sim& sim, ConveyorState& s) const {
    sim.cancel(s.entry_event);
    if (s.entry_open) return;
    if (entry_clock(sim, s) >= s.open_at) {
      s.entry_open = true;
      return;
    }
    if (!accumulating_ && s.head_waiting) return;  // opened when the belt restarts
    const double wall = accumulating_ ? s.open_at : s.open_at + s.stopped_total;
    s.entry_event = sim.schedule_at(std::max(wall, sim.now()), *this, kEntryOpens);
  }

  void record(Sim& sim, ConveyorState& s) const {
    const double n = static_cast<double>(s.items.size());
    if (n != s.level.value()) s.level.update(sim.now(), n);
    const double w = s.head_waiting ? 1.0 : 0.0;
    if (w != s.stopped.value()) s.stopped.update(sim.now(), w);
  }

  double length_, spacing_, speed_;
  std::size_t capacity_;
  bool accumulating_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, 1 << 30, 1, 1);
  const double length = p.quantity("length", Dimension::kLength, std::nullopt, 0, HUGE_VAL, true);
  const double speed = p.quantity("speed", Dimension::kSpeed, std::nullopt, 0, HUGE_VAL, true);
  const bool accumulating = p.boolean("accumulating", true);
  std::size_t capacity = 1;
  double spacing = 0;  // from the capacity when not given
  const bool has_spacing = p.has("spacing"), has_capacity = p.has("capacity");
  if (has_spacing && has_capacity) {
    p.error("capacity", "give either spacing or capacity, not both");
    p.allow("spacing");
  } else if (has_spacing) {
    spacing = p.quantity("spacing", Dimension::kLength, std::nullopt, 0, HUGE_VAL, true);
    if (spacing > 0 && length > 0) {
      const double places = std::floor(length / spacing + 1e-9);
      if (spacing > length) {
        p.error("spacing", "must not exceed the length");
      } else if (!(places <= 1'000'000)) {
        p.error("spacing", fmt::format("gives {:.3g} places on the belt (length / spacing), more "
                                       "than the limit of 1000000",
                                       places));
      } else {
        capacity = std::max<std::size_t>(1, static_cast<std::size_t>(places));
      }
    }
  } else if (has_capacity) {
    capacity = static_cast<std::size_t>(p.integer("capacity", 1, 1, 1'000'000));
  } else {
    p.error("spacing", "is required: the minimum distance between parts (or give capacity)");
    p.allow("capacity");
  }
  if (!std::isfinite(length)) p.error("length", "must be finite");
  if (!std::isfinite(speed)) p.error("speed", "must be finite");
  if (!(length > 0 && speed > 0 && std::isfinite(length) && std::isfinite(speed))) return nullptr;
  if (!has_spacing) spacing = length / static_cast<double>(capacity);
  return std::make_unique<Conveyor>(ctx.name(), length, speed, spacing, capacity, accumulating);
}

}  // namespace

void register_conveyor(Registry& registry) {
  registry.add("conveyor", "moves parts over a length at a speed, accumulating or not", build);
}

}  // namespace plantwin::line
