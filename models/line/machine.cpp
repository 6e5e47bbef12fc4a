#include "machine.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "line_common.h"
#include "maintenance/crew.h"
#include "plantwin/models/flow.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

enum EventKind { kDone = 0, kFail = 1, kRepair = 2, kServiceDone = 3, kCheck = 4 };
enum DownReason : std::uint8_t { kUp = 0, kFailed = 1, kServicing = 2 };
using maintenance::Crew;
enum ServerMode : std::uint8_t { kIdle, kBusy, kHolding };

struct Server {
  ServerMode mode = kIdle;
  PartId part = -1;
  EventHandle done;
  double remaining = 0;  // service left when interrupted by a failure
};

struct MachineState : ClonableState<MachineState> {
  // Hot: touched by every part (kept together, in the first cache lines).
  std::vector<Server> servers;
  std::vector<int> holding_order;  // servers holding a finished part, oldest first
  int busy = 0, holding = 0;
  bool down = false;
  bool enabled = true;  // actuator: a disabled machine starts no new job
  bool service_pending = false;
  // On shift as this machine last changed: at a shift change the machines change one at a
  // time, the flow settling after each, so one not yet changed keeps its old state. -1 until
  // start(): the calendar's state at time 0.
  signed char shift = -1;
  double speed = 1.0;  // actuator: process times are divided by it
  Rng process;
  PhaseClock clock;
  std::int64_t completed = 0, good = 0, parts_since_renewal = 0;
  std::int64_t completed_total = 0;  // the signal: never drops at the warm-up's end
  double ideal_time = 0;
  double op_time = 0, op_last = 0;  // operating (busy) time since the last renewal
  EventHandle failure;
  double ttf_left = 0;
  // Cold: failures, scrap and maintenance.
  std::int64_t scrapped = 0, failures = 0;
  Rng fail, repair, scrap;
  DownReason reason = kUp;
  bool wear_failure = false;  // the current failure came from the wear limit
  bool waiting_for_crew = false;
  std::int64_t wear_failures = 0, services = 0;
  double down_since = 0, planned_down = 0, unplanned_down = 0, cost = 0;
  double wear_rate = 0;  // per second of full load, drawn each life
  Rng wear, service_rng;
  int crew = -1, sensor_signal = -1;
  int checks_without_reading = 0;
  std::vector<std::pair<double, double>> trend;  // (time, wear estimate) for predictive policy
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
    // Wear and vibration (continuous state: wear, 0 at renewal, failure at `limit`).
    std::optional<Distribution> wear_rate;  // per second at full load
    std::optional<Distribution> wear_ttr;   // repair at the wear limit (default: ttr)
    double wear_repair_cost = 0;
    double wear_limit = 1, idle_wear = 0;
    double vib_base = 0, vib_limit = 0, vib_exponent = 2;
    // Maintenance.
    enum class Policy {
      kCorrective,
      kPreventive,
      kCondition,
      kPredictive
    } policy = Policy::kCorrective;
    double every_s = 0;
    long long every_parts = 0;
    std::string sensor;
    double threshold = 0, lead_time = 0, window = 0, check_every = 600;
    int min_samples = 6;
    std::optional<Distribution> service_time;
    double service_cost = 0, repair_cost = 0;
    std::string crew;
    Flow flow;
  };

  Machine(std::string name, Params p)
      : Component(std::move(name), "machine"),
        servers_(p.servers),
        typed_(p.process.size() > 1),
        metered_(std::any_of(std::begin(p.power_kw), std::end(p.power_kw),
                             [](double w) { return w != 0; })),
        maintained_(p.ttf.has_value() || p.wear_rate.has_value() ||
                    p.policy != Params::Policy::kCorrective),
        preventive_(p.policy == Params::Policy::kPreventive),
        ideal0_(p.ideal.front()),
        process0_(p.process.front()),
        p_(std::move(p)) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<MachineState>();
    s->servers.resize(static_cast<std::size_t>(p_.servers));
    s->holding_order.reserve(static_cast<std::size_t>(p_.servers));
    s->process = Rng::stream(seed.seed, seed.replication, name(), "process");
    s->fail = Rng::stream(seed.seed, seed.replication, name(), "failure");
    s->repair = Rng::stream(seed.seed, seed.replication, name(), "repair");
    s->scrap = Rng::stream(seed.seed, seed.replication, name(), "scrap");
    s->wear = Rng::stream(seed.seed, seed.replication, name(), "wear");
    s->service_rng = Rng::stream(seed.seed, seed.replication, name(), "service");
    // Drawn here, not in start(): an upstream source may push a part before start() runs.
    if (p_.ttf) s->ttf_left = p_.ttf->sample(s->fail);
    if (p_.wear_rate) s->wear_rate = p_.wear_rate->sample(s->wear);
    return s;
  }

  void start(Sim& sim) const override {
    auto& s = sim.state_of<MachineState>(*this);
    s.clock.reset(sim.now());
    s.shift = sim.on_shift() ? 1 : 0;
    if (p_.ttf && p_.calendar_failures) s.failure = sim.schedule_in(s.ttf_left, *this, kFail);
    const Model& m = sim.model();
    if (!p_.crew.empty()) {
      // compile() checked the kind; a demand, not an assert, keeps the cast below safe.
      s.crew = m.find_component(p_.crew);
      if (s.crew < 0 || !dynamic_cast<const Crew*>(&m.component(s.crew)))
        throw std::logic_error(fmt::format("{}: crew \"{}\" is not a crew", name(), p_.crew));
    }
    if (!p_.sensor.empty()) s.sensor_signal = m.find_signal(p_.sensor + ".value");
    if (p_.policy == Params::Policy::kCondition || p_.policy == Params::Policy::kPredictive)
      sim.schedule_in(p_.check_every, *this, kCheck, 0, 1);
  }

  // ---- Wear: one continuous state, growing with load, failing the machine at its limit ---
  int continuous_states() const override { return p_.wear_rate ? 1 : 0; }
  void derivatives(const Sim& sim, double, const double*, double* dx) const override {
    const auto& s = sim.state_of<MachineState>(*this);
    double load = 0;
    if (!s.down)
      load = s.busy > 0 ? static_cast<double>(s.busy) / p_.servers
                        : (on_shift(sim, s) ? p_.idle_wear : 0.0);
    dx[0] = s.wear_rate * load;
  }
  int guards() const override { return p_.wear_rate ? 1 : 0; }
  void guard_values(const Sim&, double, const double* x, double* g) const override {
    g[0] = x[0] - p_.wear_limit;
  }
  void on_guard(Sim& sim, int) const override {
    auto& s = sim.state_of<MachineState>(*this);
    if (s.down) return;
    touch(sim, s);
    s.wear_failure = true;
    ++s.wear_failures;
    fail(sim, s, "wear limit");
  }

  bool can_accept(const Sim& sim, int) const override {
    const auto& s = sim.state_of<MachineState>(*this);
    return !s.down && !s.service_pending && s.busy + s.holding < servers_ && s.enabled &&
           on_shift(sim, s);
  }

  void on_shift_change(Sim& sim) const override {
    auto& s = sim.state_of<MachineState>(*this);
    const bool was_on = on_shift(sim, s);
    s.shift = sim.on_shift() ? 1 : 0;
    touch_phase(sim, s, was_on);
    if (s.shift == 1 && !s.down && s.busy + s.holding < p_.servers) sim.notify_space_all(*this);
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
        typed_ ? p_.process[static_cast<std::size_t>(p_.flow.part(sim, part).type)] : process0_;
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
        s.wear_failure = false;
        fail(sim, s, "");
        break;
      case kRepair:
        repair(sim, s);
        break;
      case kServiceDone:
        end_service(sim, s);
        break;
      case kCheck:
        check_condition(sim, s);
        sim.schedule_in(p_.check_every, *this, kCheck, 0, 1);
        break;
      case Crew::kGrantedEvent:
        crew_arrived(sim, s, static_cast<int>(arg));
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
            {"completed", "parts", "parts completed since the start of the run"},
            {"power", "kW", "electric power drawn now (0 without a power map)"},
            {"energy", "kWh", "energy drawn since the statistics restart"},
            {"wear", "", "wear since the last renewal (failure at the wear limit)"},
            {"vibration", "mm/s", "vibration velocity RMS, rising with wear"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<MachineState>(*this);
    if (index == 0) {
      if (s.down) return kDown;
      if (s.busy > 0) return kWorking;
      if (!on_shift(sim, s)) return kOff;
      return s.holding > 0 ? kBlocked : kStarved;
    }
    if (index == 1) return s.busy;
    if (index >= 2 && index <= 5) return share(sim, s, index - 2);
    if (index == 6) return static_cast<double>(s.completed_total);
    if (index == 7) return power_now(sim, s);
    if (index == 8) return metered_ ? energy_kwh(sim, s) : 0.0;
    const double w = p_.wear_rate ? sim.continuous(*this)[0] : 0.0;
    if (index == 9) return w;
    return vibration(w);
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

  std::vector<std::string> active_kpis() const override { return {"working", "down"}; }

  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<MachineState>(*this);
    s.clock.reset(sim.now());
    s.completed = s.good = s.scrapped = s.failures = 0;
    s.ideal_time = 0;
    s.planned_down = s.unplanned_down = s.cost = 0;
    s.services = s.wear_failures = 0;
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
    if (maintained_) {
      const double open = s.down ? sim.now() - std::max(s.down_since, s.clock.start) : 0.0;
      rows.push_back({name(), "unplanned_downtime",
                      s.unplanned_down + (s.reason == kFailed ? open : 0.0), nan, "s"});
      rows.push_back({name(), "planned_downtime",
                      s.planned_down + (s.reason == kServicing ? open : 0.0), nan, "s"});
      rows.push_back(
          {name(), "maintenance_actions", static_cast<double>(s.services), nan, "count"});
      rows.push_back({name(), "wear_failures", static_cast<double>(s.wear_failures), nan, "count"});
      rows.push_back({name(), "maintenance_cost", s.cost, nan, "cost"});
    }
    if (metered_) {
      const double e = energy_kwh(sim, s);
      rows.push_back({name(), "energy", e, nan, "kWh"});
      rows.push_back({name(), "mean_power", span > 0 ? e * 3600.0 / span : nan, nan, "kW"});
      rows.push_back({name(), "energy_per_good_part", s.good ? e / s.good : nan, nan, "kWh/part"});
    }
  }

 private:
  static bool on_shift(const Sim& sim, const MachineState& s) {
    return s.shift < 0 ? sim.on_shift() : s.shift == 1;
  }
  void touch(Sim& sim, MachineState& s) const {
    s.clock.advance(sim.now(), s.busy, s.holding, servers_, s.down, !on_shift(sim, s));
    if (preventive_) {  // only preventive maintenance needs the operating time
      if (s.busy > 0 && !s.down) s.op_time += sim.now() - s.op_last;
      s.op_last = sim.now();
    }
  }
  double vibration(double w) const {
    if (!p_.wear_rate) return 0.0;
    const double r = std::max(0.0, w / p_.wear_limit);
    return p_.vib_base + (p_.vib_limit - p_.vib_base) * std::pow(r, p_.vib_exponent);
  }
  // At a shift change the interval just ended belongs to the previous shift state.
  void touch_phase(Sim& sim, MachineState& s, bool was_on) const {
    s.clock.advance(sim.now(), s.busy, s.holding, p_.servers, s.down, !was_on);
  }
  double share(const Sim& sim, const MachineState& s, int phase) const {
    return s.clock.share(phase, sim.now(), s.busy, s.holding, p_.servers, s.down,
                         !on_shift(sim, s));
  }
  double power_now(const Sim& sim, const MachineState& s) const {
    if (s.down) return p_.power_kw[kDown];
    if (!on_shift(sim, s))  // off shift a server not finishing a job is off (see PhaseClock)
      return (s.busy * p_.power_kw[kWorking] + (p_.servers - s.busy) * p_.power_kw[kOff]) /
             p_.servers;
    const int idle = p_.servers - s.busy - s.holding;
    return (s.busy * p_.power_kw[kWorking] + s.holding * p_.power_kw[kBlocked] +
            idle * p_.power_kw[kStarved]) /
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
    ++s.completed_total;
    const PartId part = srv.part;
    s.ideal_time +=
        typed_ ? p_.ideal[static_cast<std::size_t>(p_.flow.part(sim, part).type)] : ideal0_;
    if (p_.scrap > 0 && s.scrap.uniform() < p_.scrap) {
      ++s.scrapped;
      p_.flow.scrap(sim, part);
      free_server(sim, s, srv);
    } else {
      ++s.good;
      if (s.holding == 0) {
        // The common case, without the holding queue: the part leaves first (the server is
        // free when the next component takes it) and comes back if the push fails.
        srv.mode = kIdle;
        srv.part = -1;
        if (sim.try_push(*this, 0, part)) {
          sim.notify_space_all(*this);
        } else {
          srv.mode = kHolding;
          srv.part = part;
          ++s.holding;
          s.holding_order.push_back(i);
        }
      } else {  // it waits behind the older finished parts
        srv.mode = kHolding;
        ++s.holding;
        s.holding_order.push_back(i);
      }
    }
    ++s.parts_since_renewal;
    update_failure_clock(sim, s);
    if (preventive_ && ((p_.every_s > 0 && s.op_time >= p_.every_s) ||
                        (p_.every_parts > 0 && s.parts_since_renewal >= p_.every_parts)))
      request_service(sim, s, "preventive");
    if (s.service_pending && s.busy == 0 && !s.down) begin_service(sim, s);
  }

  void free_server(Sim& sim, MachineState&, Server& srv) const {
    srv.mode = kIdle;
    srv.part = -1;
    sim.notify_space_all(*this);
  }

  // Hands finished parts on, oldest first. A part leaves before the next component takes it:
  // the server is freed first and taken back if the push fails (a failed push changes
  // nothing), so a part routed straight back to this machine finds a consistent state.
  void push_holding(Sim& sim, MachineState& s) const {
    while (!s.holding_order.empty()) {
      const int i = s.holding_order.front();
      Server& srv = s.servers[static_cast<std::size_t>(i)];
      const PartId part = srv.part;
      s.holding_order.erase(s.holding_order.begin());
      --s.holding;
      srv.mode = kIdle;
      srv.part = -1;
      if (!sim.try_push(*this, 0, part)) {
        srv.mode = kHolding;
        srv.part = part;
        ++s.holding;
        s.holding_order.insert(s.holding_order.begin(), i);
        return;
      }
      sim.notify_space_all(*this);
    }
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

  void stop_servers(Sim& sim, MachineState& s) const {
    for (auto& srv : s.servers) {
      if (srv.mode != kBusy) continue;
      srv.remaining = sim.time_of(srv.done) - sim.now();
      sim.cancel(srv.done);
    }
  }

  void fail(Sim& sim, MachineState& s, const char* cause) const {
    sim.cancel(s.failure);  // the clock to the next failure restarts after the repair
    s.down = true;
    s.reason = kFailed;
    s.down_since = sim.now();
    s.service_pending = false;
    ++s.failures;
    stop_servers(sim, s);
    sim.log_event(*this, "failure", cause);
    if (s.crew >= 0) {
      s.waiting_for_crew = true;
      crew(sim).request(sim, *this, Crew::kRepair);
    } else {
      start_repair(sim, s);
    }
  }

  const Crew& crew(const Sim& sim) const {
    return static_cast<const Crew&>(sim.model().component(sim.state_of<MachineState>(*this).crew));
  }

  void start_repair(Sim& sim, MachineState& s) const {
    const Distribution& d = s.wear_failure && p_.wear_ttr ? *p_.wear_ttr : *p_.ttr;
    const double ttr = d.sample(s.repair);
    sim.schedule_in(ttr, *this, kRepair);
    sim.log_event(*this, "repair_started", fmt::format("takes {:.1f} s", ttr));
  }

  void crew_arrived(Sim& sim, MachineState& s, int kind) const {
    s.waiting_for_crew = false;
    if (kind == Crew::kRepair) {
      start_repair(sim, s);
    } else {
      const double d = p_.service_time->sample(s.service_rng);
      sim.schedule_in(d, *this, kServiceDone);
      sim.log_event(*this, "service_started", fmt::format("takes {:.1f} s", d));
    }
  }

  void request_service(Sim& sim, MachineState& s, const char* why) const {
    if (s.down || s.service_pending) return;
    s.service_pending = true;
    sim.log_event(*this, "service_due", why);
    if (s.busy == 0) begin_service(sim, s);
  }

  void begin_service(Sim& sim, MachineState& s) const {
    touch(sim, s);
    sim.cancel(s.failure);  // renewed when the service ends
    s.service_pending = false;
    s.down = true;
    s.reason = kServicing;
    s.down_since = sim.now();
    stop_servers(sim, s);
    if (s.crew >= 0) {
      s.waiting_for_crew = true;
      crew(sim).request(sim, *this, Crew::kService);
    } else {
      crew_arrived(sim, s, Crew::kService);
    }
  }

  /// As good as new: wear back to zero with a fresh wear rate, and a fresh time to failure.
  void renew(Sim& sim, MachineState& s) const {
    if (p_.wear_rate) {
      sim.continuous_mut(*this)[0] = 0.0;
      s.wear_rate = p_.wear_rate->sample(s.wear);
    }
    s.op_time = 0;
    s.parts_since_renewal = 0;
    s.trend.clear();
  }

  void end_service(Sim& sim, MachineState& s) const {
    s.planned_down += sim.now() - std::max(s.down_since, s.clock.start);
    ++s.services;
    s.cost += p_.service_cost;
    if (s.crew >= 0) crew(sim).release(sim);
    renew(sim, s);
    sim.log_event(*this, "serviced");
    back_up(sim, s);
  }

  void check_condition(Sim& sim, MachineState& s) const {
    if (s.down || s.service_pending || s.sensor_signal < 0) return;
    const double v = sim.signal(s.sensor_signal);
    if (std::isnan(v)) {  // a dropped reading, or none yet
      if (++s.checks_without_reading == 10)
        sim.warn(*this,
                 fmt::format("maintenance sensor {} gave no reading at 10 checks in a row: "
                             "the {} policy cannot act (check its period and dropout)",
                             p_.sensor,
                             p_.policy == Params::Policy::kCondition ? "condition" : "predictive"));
      return;
    }
    s.checks_without_reading = 0;
    if (p_.policy == Params::Policy::kCondition) {
      if (v >= p_.threshold) request_service(sim, s, "condition");
      return;
    }
    // Predictive: invert the vibration model into a wear estimate, fit a line to the recent
    // estimates, and serve before the line reaches the wear limit, `lead_time` ahead.
    const double r = std::max(0.0, (v - p_.vib_base) / (p_.vib_limit - p_.vib_base));
    const double w = p_.wear_limit * std::pow(r, 1.0 / p_.vib_exponent);
    s.trend.emplace_back(sim.now(), w);
    while (!s.trend.empty() && s.trend.front().first < sim.now() - p_.window)
      s.trend.erase(s.trend.begin());
    if (static_cast<int>(s.trend.size()) < p_.min_samples) return;
    double st = 0, sw = 0, stt = 0, stw = 0;
    const double n = static_cast<double>(s.trend.size());
    for (const auto& [t, e] : s.trend) {
      st += t;
      sw += e;
      stt += t * t;
      stw += t * e;
    }
    const double sxx = stt - st * st / n;
    if (sxx <= 0) return;
    const double slope = (stw - st * sw / n) / sxx;
    if (slope <= 0) return;
    const double intercept = (sw - slope * st) / n;
    const double t_fail = (p_.wear_limit - intercept) / slope;
    if (t_fail - sim.now() <= p_.lead_time) request_service(sim, s, "predictive");
  }

  void repair(Sim& sim, MachineState& s) const {
    s.unplanned_down += sim.now() - std::max(s.down_since, s.clock.start);
    s.cost += s.wear_failure ? p_.wear_repair_cost : p_.repair_cost;
    if (s.crew >= 0) crew(sim).release(sim);
    if (s.wear_failure) renew(sim, s);  // the worn part is replaced
    s.wear_failure = false;
    sim.log_event(*this, "repaired");
    back_up(sim, s);
  }

  void back_up(Sim& sim, MachineState& s) const {
    s.down = false;
    s.reason = kUp;
    for (std::size_t i = 0; i < s.servers.size(); ++i) {
      Server& srv = s.servers[i];
      if (srv.mode == kBusy)
        srv.done = sim.schedule_in(srv.remaining, *this, kDone, static_cast<std::int64_t>(i));
    }
    if (p_.ttf) {
      // A repair or a service renews the failure clock.
      s.ttf_left = p_.ttf->sample(s.fail);
      if (p_.calendar_failures) {
        sim.cancel(s.failure);
        s.failure = sim.schedule_in(s.ttf_left, *this, kFail);
      } else {
        update_failure_clock(sim, s);
      }
    }
    push_holding(sim, s);
    if (s.busy + s.holding < p_.servers) sim.notify_space_all(*this);
  }

  // Read for every part: kept next to the vtable pointer, ahead of the (large) parameters.
  int servers_;
  bool typed_;
  bool metered_;
  bool maintained_;
  bool preventive_;
  double ideal0_;
  Distribution process0_;  // the common untyped case reads it inline
  Params p_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, 1 << 30, 1, 1);
  Machine::Params mp;
  mp.flow = Flow::join(ctx);
  const Node* pt = p.raw("process_time");
  if (!pt) {
    p.error("process_time", "is required (a distribution, e.g. \"exponential(45 s)\")");
  } else if (pt->is_map()) {
    ParamReader types(*pt, p.key_path("process_time"), p.diagnostics(), p.base_dir());
    const auto& known = part_types(ctx);
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
  // Without a process time there is no machine to build, but the other keys are still read
  // and checked, so that each error is reported once and no key looks unknown.
  const bool no_process_time = mp.process.empty();
  mp.servers = static_cast<int>(p.integer("servers", 1, 1, 10000));
  mp.ttf = p.distribution("ttf", Dimension::kTime, false);
  mp.ttr = p.distribution("ttr", Dimension::kTime, false);
  if (mp.ttf && !mp.ttr && !p.has("ttr")) p.error("ttf", "needs a time to repair (ttr) as well");
  if (mp.ttr && !mp.ttf && !p.has("ttf") && !p.has("wear"))
    p.error("ttr", "is given without a time to failure (ttf) or a wear model (wear)");
  if (mp.ttf && mp.ttf->mean() <= 0) p.error("ttf", "must have a positive mean");
  mp.calendar_failures =
      p.choice("failure_clock", {"operating", "calendar"}, "operating") == "calendar";
  mp.scrap = p.probability("scrap", 0.0);
  if (const Node* wear = p.raw("wear")) {
    ParamReader w(*wear, p.key_path("wear"), p.diagnostics(), p.base_dir());
    // The rate is wear (1 = the limit) per hour of full load; written "0.01 /h".
    mp.wear_rate = w.distribution("rate", Dimension::kRate, true);
    if (mp.wear_rate && mp.wear_rate->lower_bound() < 0)
      w.error("rate", "must not draw negative rates (use lognormal, gamma, uniform ...)");
    mp.wear_limit = w.real("limit", 1.0, 0);
    if (mp.wear_limit <= 0) w.error("limit", "must be positive");
    mp.idle_wear = w.real("idle_factor", 0.0, 0, 1);
    mp.wear_ttr = w.distribution("ttr", Dimension::kTime, false);
    mp.wear_repair_cost = w.has("repair_cost") ? w.real("repair_cost", 0.0, 0) : -1.0;
    if (!w.has("repair_cost")) w.allow("repair_cost");
    if (const Node* vib = w.raw("vibration")) {
      ParamReader v(*vib, w.key_path("vibration"), p.diagnostics());
      mp.vib_base = v.quantity("base", Dimension::kVelocity, 1.0, 0);
      mp.vib_limit = v.quantity("at_limit", Dimension::kVelocity, 7.1, 0);
      mp.vib_exponent = v.real("exponent", 2.0, 0.1, 10);
      if (mp.vib_limit <= mp.vib_base) v.error("at_limit", "must be above base");
      v.finish();
    } else {
      mp.vib_base = 1.0;
      mp.vib_limit = 7.1;
    }
    w.finish();
    if (!p.has("ttr") && !mp.wear_ttr)
      p.error(
          "wear",
          "needs a time to repair (wear.ttr, or the machine's ttr) for failures at the wear limit");
  }
  mp.repair_cost = p.real("repair_cost", 0.0, 0);
  if (mp.wear_repair_cost < 0) mp.wear_repair_cost = mp.repair_cost;  // default: the machine's
  if (const Node* crew = p.raw("crew")) {
    mp.crew = crew->scalar;
    ctx.check_component(p, "crew", mp.crew, "crew");
  }
  if (const Node* m = p.raw("maintenance")) {
    ParamReader r(*m, p.key_path("maintenance"), p.diagnostics(), p.base_dir());
    const std::string policy =
        r.choice("policy", {"corrective", "preventive", "condition", "predictive"}, "corrective");
    using Policy = Machine::Params::Policy;
    mp.policy = policy == "corrective"   ? Policy::kCorrective
                : policy == "preventive" ? Policy::kPreventive
                : policy == "condition"  ? Policy::kCondition
                                         : Policy::kPredictive;
    mp.every_s = r.quantity("every", Dimension::kTime, 0.0, 0);
    mp.every_parts = r.integer("every_parts", 0, 0, std::numeric_limits<int>::max());
    mp.sensor = r.text("sensor", "");
    mp.threshold = r.quantity("threshold", Dimension::kVelocity, 0.0, 0);
    mp.lead_time = r.quantity("lead_time", Dimension::kTime, 0.0, 0);
    mp.window = r.quantity("window", Dimension::kTime, 86400.0, 0, HUGE_VAL, true);
    mp.check_every = r.quantity("check_every", Dimension::kTime, 600.0, 0, HUGE_VAL, true);
    if (const std::string err = periodic_work_error(mp.check_every, ctx.horizon()); !err.empty())
      r.error("check_every", err);
    mp.min_samples = static_cast<int>(r.integer("min_samples", 6, 2, 100000));
    mp.service_time =
        r.distribution("duration", Dimension::kTime, mp.policy != Policy::kCorrective);
    mp.service_cost = r.real("cost", 0.0, 0);
    if (mp.policy == Policy::kPreventive && mp.every_s <= 0 && mp.every_parts <= 0)
      r.error("every", "preventive maintenance needs every (operating time) or every_parts");
    if ((mp.policy == Policy::kCondition || mp.policy == Policy::kPredictive)) {
      if (mp.sensor.empty()) {
        r.error("sensor",
                fmt::format("{} maintenance needs the sensor that watches this machine", policy));
      } else {
        ctx.check_component(r, "sensor", mp.sensor, "sensor");
      }
      if (!mp.wear_rate)
        r.error("policy", fmt::format("{} maintenance needs a wear model (wear:)", policy));
    }
    if (mp.policy == Policy::kCondition && mp.threshold <= 0)
      r.error("threshold", "condition maintenance needs a vibration threshold (e.g. \"4.5 mm/s\")");
    r.finish();
  }
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
  if (no_process_time) return nullptr;  // errors already reported
  return std::make_unique<Machine>(ctx.name(), std::move(mp));
}

}  // namespace

void register_machine(Registry& registry) {
  registry.add("machine", "processes parts on n servers, with failures and scrap", build);
}

}  // namespace plantwin::line
