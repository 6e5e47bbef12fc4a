#include "machine.h"

#include <algorithm>

#include <fmt/format.h>

#include "line_common.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

enum EventKind { kDone = 0, kFail = 1, kRepair = 2 };
enum ServerMode : std::uint8_t { kIdle, kBusy, kHolding };

struct Server {
  ServerMode mode = kIdle;
  PartId part = -1;
  EventHandle done;
  double remaining = 0;  // service left when interrupted by a failure
};

struct MachineState : ClonableState<MachineState> {
  std::vector<Server> servers;
  std::vector<int> holding_order;  // servers holding a finished part, oldest first
  int busy = 0, holding = 0;
  bool down = false;
  EventHandle failure;
  double ttf_left = 0;
  Rng process, fail, repair, scrap;
  PhaseClock clock;
  std::int64_t completed = 0, good = 0, scrapped = 0, failures = 0;
  double ideal_time = 0;
  double speed = 1.0;   // actuator: process times are divided by it
  bool enabled = true;  // actuator: a disabled machine starts no new job
};

class Machine final : public Component {
 public:
  struct Params {
    std::vector<Distribution> process;  // per part type (index), or one for all
    std::vector<double> ideal;          // mean process time per part type
    int servers = 1;
    std::optional<Distribution> ttf, ttr;
    bool calendar_failures = false;
    double scrap = 0;
    double power_kw[5] = {0, 0, 0, 0, 0};  // by phase; kOff holds the off-shift power
  };

  Machine(std::string name, Params p)
      : Component(std::move(name), "machine"),
        p_(std::move(p)),
        typed_(p_.process.size() > 1),
        metered_(std::any_of(std::begin(p_.power_kw), std::end(p_.power_kw),
                             [](double w) { return w != 0; })),
        process0_(p_.process.front()),
        ideal0_(p_.ideal.front()) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<MachineState>();
    s->servers.resize(static_cast<std::size_t>(p_.servers));
    s->holding_order.reserve(static_cast<std::size_t>(p_.servers));
    s->process = Rng::stream(seed.seed, seed.replication, name(), "process");
    s->fail = Rng::stream(seed.seed, seed.replication, name(), "failure");
    s->repair = Rng::stream(seed.seed, seed.replication, name(), "repair");
    s->scrap = Rng::stream(seed.seed, seed.replication, name(), "scrap");
    // Drawn here, not in start(): an upstream source may push a part before start() runs.
    if (p_.ttf) s->ttf_left = p_.ttf->sample(s->fail);
    return s;
  }

  void start(Sim& sim) const override {
    auto& s = sim.state_of<MachineState>(*this);
    s.clock.reset(sim.now());
    if (p_.ttf && p_.calendar_failures) s.failure = sim.schedule_in(s.ttf_left, *this, kFail);
  }

  bool can_accept(const Sim& sim, int) const override {
    const auto& s = sim.state_of<MachineState>(*this);
    return !s.down && s.busy + s.holding < p_.servers && s.enabled && sim.on_shift();
  }

  void on_shift_change(Sim& sim) const override {
    auto& s = sim.state_of<MachineState>(*this);
    touch_phase(sim, s, !sim.on_shift());
    if (sim.on_shift() && !s.down && s.busy + s.holding < p_.servers) sim.notify_space_all(*this);
  }

  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<MachineState>(*this);
    touch(sim, s);
    int i = 0;
    while (s.servers[static_cast<std::size_t>(i)].mode != kIdle) ++i;
    Server& srv = s.servers[static_cast<std::size_t>(i)];
    srv.mode = kBusy;
    srv.part = part;
    const Distribution& d =
        typed_ ? p_.process[static_cast<std::size_t>(sim.part(part).type)] : process0_;
    srv.done = sim.schedule_in(d.sample(s.process) / s.speed, *this, kDone, i);
    ++s.busy;
    update_failure_clock(sim, s);
  }

  void on_event(Sim& sim, int kind, std::int64_t arg) const override {
    auto& s = sim.state_of<MachineState>(*this);
    touch(sim, s);
    switch (kind) {
      case kDone:
        finish_part(sim, s, static_cast<int>(arg));
        break;
      case kFail:
        fail(sim, s);
        break;
      case kRepair:
        repair(sim, s);
        break;
    }
  }

  void on_space(Sim& sim, int) const override {
    auto& s = sim.state_of<MachineState>(*this);
    if (s.down || s.holding == 0) return;
    touch(sim, s);
    push_holding(sim, s);
  }

  double occupancy(const Sim& sim) const override {
    const auto& s = sim.state_of<MachineState>(*this);
    return s.busy + s.holding;
  }

  std::vector<SignalSpec> signals() const override {
    return {{"state", "", "0 working, 1 starved, 2 blocked, 3 down, 4 off shift"},
            {"busy", "servers", "servers processing a part"},
            {"working_share", "share", "share of server time working since the statistics restart"},
            {"starved_share", "share", "share of server time starved"},
            {"blocked_share", "share", "share of server time blocked"},
            {"down_share", "share", "share of server time down"},
            {"completed", "parts", "parts completed since the statistics restart"},
            {"power", "kW", "electric power drawn now (0 without a power map)"},
            {"energy", "kWh", "energy drawn since the statistics restart"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<MachineState>(*this);
    if (index == 0) {
      if (s.down) return kDown;
      if (s.busy > 0) return kWorking;
      if (s.holding > 0) return kBlocked;
      return sim.on_shift() ? kStarved : kOff;
    }
    if (index == 1) return s.busy;
    if (index >= 2 && index <= 5) return share(sim, s, index - 2);
    if (index == 6) return static_cast<double>(s.completed);
    if (index == 7) return power_now(sim, s);
    return metered_ ? energy_kwh(sim, s) : 0.0;
  }

  std::vector<SignalSpec> actuators() const override {
    return {{"speed", "", "process-time factor for jobs started from now on (1 = nominal)"},
            {"enabled", "", "1: works; 0: starts no new job (a job under way finishes)"}};
  }
  void set_actuator(Sim& sim, int index, double value) const override {
    auto& s = sim.state_of<MachineState>(*this);
    if (index == 0) {
      if (!(value > 0) || !std::isfinite(value))
        throw std::invalid_argument(fmt::format("speed must be positive, got {}", value));
      s.speed = value;
      return;
    }
    if (value != 0 && value != 1)
      throw std::invalid_argument(fmt::format("enabled must be 0 or 1, got {}", value));
    s.enabled = value == 1;
    if (s.enabled && !s.down && s.busy + s.holding < p_.servers) sim.notify_space_all(*this);
  }

  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<MachineState>(*this);
    s.clock.reset(sim.now());
    s.completed = s.good = s.scrapped = s.failures = 0;
    s.ideal_time = 0;
  }

  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<MachineState>(*this);
    const double nan = std::nan("");
    const double span = sim.now() - s.clock.start;
    for (int k = 0; k < 4; ++k)
      rows.push_back({name(), kPhaseNames[k], share(sim, s, k), nan, "share"});
    rows.push_back({name(), "off", share(sim, s, kOff), nan, "share"});
    // Planned time excludes off-shift time: OEE does not count planned downtime.
    const double planned_share = 1.0 - share(sim, s, kOff);
    const double down = share(sim, s, kDown);
    const double availability = planned_share > 0 ? (planned_share - down) / planned_share : nan;
    const double operating = span * p_.servers * (planned_share - down);
    const double performance = operating > 0 ? s.ideal_time / operating : nan;
    const double quality = s.completed ? static_cast<double>(s.good) / s.completed : nan;
    rows.push_back({name(), "availability", availability, nan, "share"});
    rows.push_back({name(), "performance", performance, nan, "share"});
    rows.push_back({name(), "quality", quality, nan, "share"});
    rows.push_back({name(), "oee", availability * performance * quality, nan, "share"});
    rows.push_back({name(), "completed", static_cast<double>(s.completed), nan, "parts"});
    rows.push_back({name(), "good", static_cast<double>(s.good), nan, "parts"});
    rows.push_back({name(), "scrapped", static_cast<double>(s.scrapped), nan, "parts"});
    rows.push_back({name(), "failures", static_cast<double>(s.failures), nan, "count"});
    rows.push_back({name(), "throughput", span > 0 ? s.good / span * 3600.0 : nan, nan, "parts/h"});
    if (metered_) {
      const double e = energy_kwh(sim, s);
      rows.push_back({name(), "energy", e, nan, "kWh"});
      rows.push_back({name(), "mean_power", span > 0 ? e * 3600.0 / span : nan, nan, "kW"});
      rows.push_back({name(), "energy_per_good_part", s.good ? e / s.good : nan, nan, "kWh/part"});
    }
  }

 private:
  void touch(Sim& sim, MachineState& s) const {
    s.clock.advance(sim.now(), s.busy, s.holding, p_.servers, s.down, !sim.on_shift());
  }
  // At a shift change the interval just ended belongs to the previous shift state.
  void touch_phase(Sim& sim, MachineState& s, bool was_on) const {
    s.clock.advance(sim.now(), s.busy, s.holding, p_.servers, s.down, !was_on);
  }
  double share(const Sim& sim, const MachineState& s, int phase) const {
    return s.clock.share(phase, sim.now(), s.busy, s.holding, p_.servers, s.down, !sim.on_shift());
  }
  double power_now(const Sim& sim, const MachineState& s) const {
    if (s.down) return p_.power_kw[kDown];
    const int idle = p_.servers - s.busy - s.holding;
    return (s.busy * p_.power_kw[kWorking] + s.holding * p_.power_kw[kBlocked] +
            idle * p_.power_kw[sim.on_shift() ? kStarved : kOff]) /
           p_.servers;
  }
  /// Energy in kWh since the statistics restart: time in each phase times its power.
  double energy_kwh(const Sim& sim, const MachineState& s) const {
    const double span = (sim.now() - s.clock.start) * p_.servers;
    double e = 0;
    for (int k = 0; k < 5; ++k) e += share(sim, s, k) * span / p_.servers * p_.power_kw[k];
    return e / 3600.0;
  }

  void finish_part(Sim& sim, MachineState& s, int i) const {
    Server& srv = s.servers[static_cast<std::size_t>(i)];
    srv.done = EventHandle{};
    --s.busy;
    ++s.completed;
    const PartId part = srv.part;
    s.ideal_time += typed_ ? p_.ideal[static_cast<std::size_t>(sim.part(part).type)] : ideal0_;
    if (p_.scrap > 0 && s.scrap.uniform() < p_.scrap) {
      ++s.scrapped;
      sim.part_scrapped(part);
      free_server(sim, s, srv);
    } else {
      ++s.good;
      if (s.holding == 0 && sim.try_push(*this, 0, part)) {
        free_server(sim, s, srv);
      } else {
        srv.mode = kHolding;
        ++s.holding;
        s.holding_order.push_back(i);
      }
    }
    update_failure_clock(sim, s);
  }

  void free_server(Sim& sim, MachineState&, Server& srv) const {
    srv.mode = kIdle;
    srv.part = -1;
    sim.notify_space_all(*this);
  }

  void push_holding(Sim& sim, MachineState& s) const {
    std::size_t moved = 0;
    while (moved < s.holding_order.size()) {
      Server& srv = s.servers[static_cast<std::size_t>(s.holding_order[moved])];
      if (!sim.try_push(*this, 0, srv.part)) break;
      --s.holding;
      free_server(sim, s, srv);
      ++moved;
    }
    s.holding_order.erase(s.holding_order.begin(),
                          s.holding_order.begin() + static_cast<std::ptrdiff_t>(moved));
  }

  // Operating-time failures: the clock to failure runs only while a server processes a part.
  void update_failure_clock(Sim& sim, MachineState& s) const {
    if (!p_.ttf || p_.calendar_failures || s.down) return;
    const bool running = s.busy > 0;
    const bool pending = sim.pending(s.failure);
    if (running && !pending) {
      s.failure = sim.schedule_in(s.ttf_left, *this, kFail);
    } else if (!running && pending) {
      s.ttf_left = sim.time_of(s.failure) - sim.now();
      sim.cancel(s.failure);
    }
  }

  void fail(Sim& sim, MachineState& s) const {
    s.failure = EventHandle{};
    s.down = true;
    ++s.failures;
    for (auto& srv : s.servers) {
      if (srv.mode != kBusy) continue;
      srv.remaining = sim.time_of(srv.done) - sim.now();
      sim.cancel(srv.done);
    }
    const double ttr = p_.ttr->sample(s.repair);
    sim.schedule_in(ttr, *this, kRepair);
    sim.log_event(*this, "failure", fmt::format("repair takes {:.1f} s", ttr));
  }

  void repair(Sim& sim, MachineState& s) const {
    s.down = false;
    sim.log_event(*this, "repaired");
    for (std::size_t i = 0; i < s.servers.size(); ++i) {
      Server& srv = s.servers[i];
      if (srv.mode == kBusy)
        srv.done = sim.schedule_in(srv.remaining, *this, kDone, static_cast<std::int64_t>(i));
    }
    s.ttf_left = p_.ttf->sample(s.fail);
    if (p_.calendar_failures)
      s.failure = sim.schedule_in(s.ttf_left, *this, kFail);
    else
      update_failure_clock(sim, s);
    push_holding(sim, s);
    if (s.busy + s.holding < p_.servers) sim.notify_space_all(*this);
  }

  Params p_;
  // The common untyped case reads these inline, sparing an indirection per part.
  bool typed_;
  bool metered_;
  Distribution process0_;
  double ideal0_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, 1 << 30, 1, 1);
  Machine::Params mp;
  const Node* pt = p.raw("process_time");
  if (!pt) {
    p.error("process_time", "is required (a distribution, e.g. \"exponential(45 s)\")");
  } else if (pt->is_map()) {
    ParamReader types(*pt, p.key_path("process_time"), p.diagnostics(), p.base_dir());
    const auto& known = ctx.part_types();
    std::optional<Distribution> fallback = types.distribution("default", Dimension::kTime, false);
    if (known.empty()) {
      p.error("process_time", "a map by part type needs sources with part_types");
    }
    for (const auto& t : known) {
      auto d = types.distribution(t, Dimension::kTime, false);
      if (!d && !fallback && !types.has(t)) {
        p.error("process_time", fmt::format("gives no time for part type \"{}\" (add it or a "
                                            "default)",
                                            t));
        continue;
      }
      if (d)
        mp.process.push_back(*d);
      else if (fallback)
        mp.process.push_back(*fallback);
    }
    types.finish();
  } else {
    if (auto d = p.distribution("process_time", Dimension::kTime, true)) mp.process.push_back(*d);
  }
  for (const auto& d : mp.process) mp.ideal.push_back(d.mean());
  if (mp.process.empty()) return nullptr;  // errors already reported
  mp.servers = static_cast<int>(p.integer("servers", 1, 1, 10000));
  mp.ttf = p.distribution("ttf", Dimension::kTime, false);
  mp.ttr = p.distribution("ttr", Dimension::kTime, false);
  if (mp.ttf && !mp.ttr && !p.has("ttr")) p.error("ttf", "needs a time to repair (ttr) as well");
  if (mp.ttr && !mp.ttf && !p.has("ttf"))
    p.error("ttr", "is given without a time to failure (ttf)");
  if (mp.ttf && mp.ttf->mean() <= 0) p.error("ttf", "must have a positive mean");
  mp.calendar_failures =
      p.choice("failure_clock", {"operating", "calendar"}, "operating") == "calendar";
  mp.scrap = p.probability("scrap", 0.0);
  const std::string off_shift = p.choice("off_shift", {"idle", "standby", "off"}, "idle");
  if (const Node* power = p.raw("power")) {
    if (!power->is_map()) {
      p.error("power", "expected a map of state: power, e.g. {working: 15 kW, idle: 3 kW}");
    } else {
      ParamReader w(*power, p.key_path("power"), p.diagnostics());
      auto kw = [&](const char* key, double fallback) {
        return w.quantity(key, Dimension::kPower, fallback, 0);
      };
      const double idle = kw("idle", 0);
      mp.power_kw[kWorking] = kw("working", 0);
      mp.power_kw[kStarved] = idle;
      mp.power_kw[kBlocked] = kw("blocked", idle);
      mp.power_kw[kDown] = kw("down", 0);
      const double standby = kw("standby", idle);
      const double off = kw("off", 0);
      mp.power_kw[kOff] = off_shift == "idle" ? idle : off_shift == "standby" ? standby : off;
      w.finish();
    }
  }
  return std::make_unique<Machine>(ctx.name(), std::move(mp));
}

}  // namespace

void register_machine(Registry& registry) {
  registry.add("machine", "processes parts on n servers, with failures and scrap", build);
}

}  // namespace plantwin::line
