#include "station.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "line_common.h"
#include "maintenance/crew.h"
#include "plantwin/sim.h"

namespace plantwin::line {
namespace {

using maintenance::Failure;
using maintenance::FailureCause;
using maintenance::MaintenancePolicy;
using maintenance::Wear;

// Event kinds of the station; the failure part uses 1 to 3 and Crew::kGrantedEvent, the
// policy part MaintenancePolicy::kCheckEvent.
constexpr int kDone = 0;
// An operator's load time is over (the operator leaves, the process starts).
constexpr int kLoaded = 5;
static_assert(Failure::kFailEvent != kDone && Failure::kRepairEvent != kDone &&
              Failure::kServiceDoneEvent != kDone && MaintenancePolicy::kCheckEvent != kDone);
static_assert(MaintenancePolicy::kCheckEvent != kLoaded && Failure::kServiceDoneEvent != kLoaded);
constexpr int kSetupDone = 50;  // a changeover ends (setup.h)
static_assert(kSetupDone != Failure::kFailEvent && kSetupDone != Failure::kRepairEvent &&
              kSetupDone != Failure::kServiceDoneEvent &&
              kSetupDone != MaintenancePolicy::kCheckEvent &&
              kSetupDone != maintenance::Crew::kGrantedEvent && kSetupDone != kLoaded &&
              kSetupDone != resources::Pool::kGrantedEvent);
using resources::OperatorNeed;
using resources::Pool;
// A server's work with an operator: waiting for one, loading with one, or processing with one
// (for: process); kNoOperator otherwise.
// A machine that goes down sends its operators away (they may be the technicians it needs) and
// asks again when it is up (kNeedOperator: no request out); the job resumes where it stopped.
enum OperatorPhase : std::uint8_t {
  kNoOperator,
  kAwaitOperator,
  kLoading,
  kOperated,
  kNeedOperator
};
// Operator grants carry the server's index plus this (the failure part's crew uses 0 and 1).
constexpr std::int32_t kOperatorTag = 2;

enum ServerMode : std::uint8_t { kIdle, kBusy, kHolding };

// 24 bytes: the changeover and operator flags sit in what would be padding (a server is read
// for every part; at 32 bytes the tandem line ran 9 % slower). The operator's worker index is
// kept apart, in the cold part of the state.
struct Server {
  ServerMode mode = kIdle;
  bool in_setup = false;              // `done` ends a changeover, not the job
  std::uint8_t op = kNoOperator;      // OperatorPhase
  std::uint8_t resume = kNoOperator;  // the operator's phase to resume after a stop
  PartId part = -1;
  EventHandle done;
  double remaining = 0;  // service left when interrupted by a failure
};
static_assert(sizeof(Server) <= 24, "a server fits in 24 bytes");

// The servers of a station: the first in place (most machines have one, and a large plant
// reads it for every part without a second cache miss), the others in a vector.
class ServerList {
 public:
  void resize(std::size_t n) {
    size_ = n;
    rest_.resize(n > 0 ? n - 1 : 0);
  }
  std::size_t size() const { return size_; }
  Server& operator[](std::size_t i) { return i == 0 ? first_ : rest_[i - 1]; }
  const Server& operator[](std::size_t i) const { return i == 0 ? first_ : rest_[i - 1]; }

 private:
  Server first_;
  std::size_t size_ = 0;
  std::vector<Server> rest_;
};

struct StationState : ClonableState<StationState> {
  // Hot: touched by every part (kept together, in the first cache lines).
  ServerList servers;
  std::vector<int> holding_order;  // servers holding a finished part, oldest first
  int busy = 0, holding = 0;
  int setting_up = 0;   // busy servers in a changeover (setup.h), counted among `busy`
  bool enabled = true;  // actuator: a disabled machine starts no new job
  // On shift as this machine last changed: at a shift change the machines change one at a
  // time, the flow settling after each, so one not yet changed keeps its old state. -1 until
  // start(): the calendar's state at time 0.
  signed char shift = -1;
  double speed = 1.0;  // actuator: process times are divided by it
  Rng process;
  PhaseClock clock;
  std::int64_t completed = 0, good = 0;
  std::int64_t completed_total = 0;  // the signal: never drops at the warm-up's end
  double ideal_time = 0;
  maintenance::FailureState failure;  // down, service pending: read for every offered part
  maintenance::PolicyState policy;
  // Cold: scrap and wear.
  std::int64_t scrapped = 0;
  Rng scrap;
  maintenance::WearState wear;
  // Operators: the pool's index and the skill's, found at start(); the load times' stream.
  int op_pool = -1, op_skill = -1;
  Rng load;
  std::vector<std::int32_t> workers;  // per server, the operator with it (-1: none)
  // Cold: changeovers and counts by part type.
  std::vector<std::int32_t> last_type;  // per server, the type it is set up for (-1: none yet)
  std::int64_t setups = 0;
  double setup_s = 0;
  Rng setup;
  std::vector<std::int64_t> completed_by_type, scrapped_by_type;

  bool down() const { return failure.down(); }
};

class Station final : public Component, private maintenance::FailureHost {
 public:
  Station(std::string name, StationParams p, Failure failure, Wear wear, MaintenancePolicy policy,
          energy::PowerDraw power)
      : Component(std::move(name), "machine"),
        servers_(p.servers),
        typed_(p.process.size() > 1),
        operated_(p.op.when != OperatorNeed::When::kNone),
        job_operated_(p.op.when == OperatorNeed::When::kLoad ||
                      p.op.when == OperatorNeed::When::kProcess),
        setup_operated_(p.op.when == OperatorNeed::When::kSetup),
        metered_(power.metered()),
        maintained_(failure.params().ttf.has_value() || wear.enabled() ||
                    policy.kind() != maintenance::PolicyKind::kCorrective),
        preventive_(policy.preventive()),
        failure_clock_(failure.operating_clock()),
        setup_(p.setup.enabled()),
        by_type_(!p.type_names.empty()),
        scrap_(p.scrap),
        ideal0_(p.ideal.front()),
        process0_(p.process.front()),
        p_(std::move(p)),
        failure_(std::move(failure)),
        wear_(std::move(wear)),
        policy_(std::move(policy)),
        power_(power) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<StationState>();
    s->servers.resize(static_cast<std::size_t>(p_.servers));
    s->holding_order.reserve(static_cast<std::size_t>(p_.servers));
    s->process = Rng::stream(seed.seed, seed.replication, name(), "process");
    s->scrap = Rng::stream(seed.seed, seed.replication, name(), "scrap");
    if (operated_) {
      s->load = Rng::stream(seed.seed, seed.replication, name(), "load");
      s->workers.assign(static_cast<std::size_t>(p_.servers), -1);
    }
    s->setup = Rng::stream(seed.seed, seed.replication, name(), "setup");
    if (setup_) s->last_type.assign(static_cast<std::size_t>(p_.servers), -1);
    s->completed_by_type.assign(p_.type_names.size(), 0);
    s->scrapped_by_type.assign(p_.type_names.size(), 0);
    // The parts draw their first values here, not in start(): an upstream source may push a
    // part before start() runs.
    failure_.init(s->failure, seed, name());
    wear_.init(s->wear, seed, name());
    return s;
  }
  void reseed(Sim& sim, const StreamSeed& seed) const override {
    auto& s = sim.state_of<StationState>(*this);
    s.process = Rng::stream(seed.seed, seed.replication, name(), "process");
    s.scrap = Rng::stream(seed.seed, seed.replication, name(), "scrap");
    if (operated_) s.load = Rng::stream(seed.seed, seed.replication, name(), "load");
    s.setup = Rng::stream(seed.seed, seed.replication, name(), "setup");
    failure_.reseed(s.failure, seed, name());
    wear_.reseed(s.wear, seed, name());
  }

  void start(Sim& sim) const override {
    auto& s = sim.state_of<StationState>(*this);
    s.clock.reset(sim.now());
    s.shift = sim.on_shift() ? 1 : 0;
    failure_.start(sim, *this, s.failure);
    policy_.start(sim, *this, s.policy);
    if (operated_) find_pool(sim, s);
  }

  // ---- Wear: the part's continuous state, growing with the servers' load ----------------
  int continuous_states() const override { return wear_.continuous_states(); }
  void derivatives(const Sim& sim, double, const double*, double* dx) const override {
    const auto& s = sim.state_of<StationState>(*this);
    double load = 0;
    if (!s.down())
      load = s.busy > 0 ? static_cast<double>(s.busy) / p_.servers
                        : (on_shift(sim, s) ? wear_.idle_factor() : 0.0);
    dx[0] = wear_.derivative(s.wear, load);
  }
  int guards() const override { return wear_.continuous_states(); }
  void guard_values(const Sim&, double, const double* x, double* g) const override {
    g[0] = wear_.guard(x[0]);
  }
  void on_guard(Sim& sim, int) const override {
    auto& s = sim.state_of<StationState>(*this);
    if (s.down()) return;
    touch(sim, s);
    failure_.fail(sim, *this, s.failure, FailureCause::kWear, "wear limit");
  }

  bool can_accept(const Sim& sim, int) const override {
    const auto& s = sim.state_of<StationState>(*this);
    // A busy machine, the common refusal, answers from the first lines of its state, without
    // the failure part's further out.
    return s.busy + s.holding < servers_ && !s.down() && !s.failure.service_pending && s.enabled &&
           on_shift(sim, s);
  }

  void on_shift_change(Sim& sim) const override {
    auto& s = sim.state_of<StationState>(*this);
    const bool was_on = on_shift(sim, s);
    s.shift = sim.on_shift() ? 1 : 0;
    touch_phase(sim, s, was_on);
    if (s.shift == 1 && !s.down() && s.busy + s.holding < p_.servers) sim.notify_space_all(*this);
  }

  void accept(Sim& sim, int, PartId part) const override {
    auto& s = sim.state_of<StationState>(*this);
    touch(sim, s);
    int i = 0;
    while (s.servers[static_cast<std::size_t>(i)].mode != kIdle) ++i;
    Server& srv = s.servers[static_cast<std::size_t>(i)];
    srv.mode = kBusy;
    srv.part = part;
    ++s.busy;
    if (job_operated_) {  // the job (and a changeover before it) starts when an operator comes
      if (s.op_pool < 0) find_pool(sim, s);  // a source may push before start()
      srv.op = kAwaitOperator;
      pool(sim, s).request(sim, *this, s.op_skill, Pool::kOperate, kOperatorTag + i);
    } else if (const double t = setup_ ? changeover(sim, s, srv, i) : 0.0; t > 0) {
      if (setup_operated_) {  // the changeover waits for its operator (counted as setup)
        if (s.op_pool < 0) find_pool(sim, s);
        srv.in_setup = true;
        ++s.setting_up;
        srv.remaining = t;
        srv.op = kAwaitOperator;
        pool(sim, s).request(sim, *this, s.op_skill, Pool::kOperate, kOperatorTag + i);
      } else {
        begin_setup(sim, s, srv, i, t);
      }
    } else {
      const Distribution& d =
          typed_ ? p_.process[static_cast<std::size_t>(p_.flow.part(sim, part).type)] : process0_;
      srv.done = sim.schedule_in(d.sample(s.process) / s.speed, *this, kDone, i);
    }
    if (failure_clock_) failure_.update_clock(sim, *this, s.failure, s.busy > 0);
  }

  void on_event(Sim& sim, int kind, std::int64_t arg) const override {
    auto& s = sim.state_of<StationState>(*this);
    touch(sim, s);
    if (kind == kDone) {
      if (operated_) operator_leaves(sim, s, static_cast<int>(arg), kOperated);
      finish_part(sim, s, static_cast<int>(arg));
    } else if (operated_ && kind == kLoaded) {
      const int i = static_cast<int>(arg);
      operator_leaves(sim, s, i, kLoading);
      s.servers[static_cast<std::size_t>(i)].done =
          sim.schedule_in(process_time(sim, s, i), *this, kDone, i);
    } else if (operated_ && kind == Pool::kGrantedEvent && Pool::grant_tag(arg) >= kOperatorTag) {
      operator_arrives(sim, s, Pool::grant_tag(arg) - kOperatorTag, Pool::grant_worker(arg));
    } else if (kind == kSetupDone) {
      end_setup(sim, s, static_cast<int>(arg));
    } else if (kind == MaintenancePolicy::kCheckEvent) {
      check_condition(sim, s);
      policy_.schedule_check(sim, *this);
    } else {
      failure_.on_event(sim, *this, s.failure, kind, arg);
    }
  }

  void on_space(Sim& sim, int) const override {
    auto& s = sim.state_of<StationState>(*this);
    if (s.down() || s.holding == 0) return;
    touch(sim, s);
    push_holding(sim, s);
  }

  double occupancy(const Sim& sim) const override {
    const auto& s = sim.state_of<StationState>(*this);
    return s.busy + s.holding;
  }

  std::vector<Relation> relations() const override {
    std::vector<Relation> out;
    if (!failure_.params().crew.empty()) out.push_back({"served_by", failure_.params().crew});
    if (!p_.op.pool.empty() && p_.op.pool != failure_.params().crew)
      out.push_back({"served_by", p_.op.pool});
    return out;
  }
  std::vector<SignalSpec> signals() const override {
    return {{"state", "",
             setup_ ? "0 working, 1 starved, 2 blocked, 3 down, 4 off shift, 5 setup"
                    : "0 working, 1 starved, 2 blocked, 3 down, 4 off shift"},
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
    const auto& s = sim.state_of<StationState>(*this);
    if (index == 0) {
      if (s.down()) return kDown;
      if (s.busy > 0) return s.setting_up == s.busy ? kSetup : kWorking;
      if (!on_shift(sim, s)) return kOff;
      return s.holding > 0 ? kBlocked : kStarved;
    }
    if (index == 1) return s.busy;
    if (index >= 2 && index <= 5) return share(sim, s, index - 2);
    if (index == 6) return static_cast<double>(s.completed_total);
    if (index == 7)
      return power_.power_kw(p_.servers, s.busy, s.holding, s.down(), on_shift(sim, s));
    if (index == 8) return metered_ ? energy_kwh(sim, s) : 0.0;
    const double w = wear_.enabled() ? sim.continuous(*this)[0] : 0.0;
    if (index == 9) return w;
    return wear_.vibration(w);
  }

  std::vector<SignalSpec> actuators() const override {
    return {{"speed", "", "process-time factor for jobs started from now on (1 = nominal)"},
            {"enabled", "", "1: works; 0: starts no new job (a job under way finishes)"}};
  }
  void set_actuator(Sim& sim, int index, double value) const override {
    auto& s = sim.state_of<StationState>(*this);
    if (index == 0) {
      if (!(value > 0) || !std::isfinite(value))
        throw std::invalid_argument(fmt::format("speed must be positive, got {}", value));
      s.speed = value;
      return;
    }
    if (value != 0 && value != 1)
      throw std::invalid_argument(fmt::format("enabled must be 0 or 1, got {}", value));
    s.enabled = value == 1;
    if (s.enabled && !s.down() && s.busy + s.holding < p_.servers) sim.notify_space_all(*this);
  }

  // State sync: the plant's state and counter, as its PLC or MES reports them.
  bool measurable(int index) const override { return index == 0 || index == 6; }
  void measure(Sim& sim, int index, double value) const override {
    auto& s = sim.state_of<StationState>(*this);
    if (value != std::floor(value) || !std::isfinite(value))
      throw std::invalid_argument(fmt::format("expected a whole number, got {}", value));
    if (index == 0) {
      if (value < 0 || value > 3)
        throw std::invalid_argument(
            fmt::format("a reported state is 0 working, 1 starved, 2 blocked or 3 down, got {}{}",
                        value, value == 4 ? " (off shift follows the shift calendar)" : ""));
      touch(sim, s);  // the time until now belongs to the state before the report
      failure_.report(sim, *this, s.failure, value == static_cast<double>(kDown));
      return;
    }
    if (value < 0)
      throw std::invalid_argument(fmt::format("a part count cannot be negative, got {}", value));
    // The PLC's counter corrects the model's: the run total takes the reported value, and the
    // statistics period's counts move by the same number of parts.
    const auto delta = static_cast<std::int64_t>(value) - s.completed_total;
    s.completed_total += delta;
    s.completed = std::max<std::int64_t>(0, s.completed + delta);
    s.good = std::max<std::int64_t>(0, s.good + delta);
  }

  std::vector<std::string> active_kpis() const override {
    if (setup_) return {"working", "down", "setup"};
    return {"working", "down"};
  }

  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<StationState>(*this);
    s.clock.reset(sim.now());
    s.completed = s.good = s.scrapped = 0;
    s.ideal_time = 0;
    s.setups = 0;
    s.setup_s = 0;
    std::fill(s.completed_by_type.begin(), s.completed_by_type.end(), 0);
    std::fill(s.scrapped_by_type.begin(), s.scrapped_by_type.end(), 0);
    failure_.reset_statistics(sim, s.failure);
  }

  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<StationState>(*this);
    const double nan = std::nan("");
    const double span = sim.now() - s.clock.start;
    for (int k = 0; k < 4; ++k)
      rows.push_back({name(), kPhaseNames[k], share(sim, s, k), nan, "share"});
    rows.push_back({name(), "off", share(sim, s, kOff), nan, "share"});
    // Planned time excludes off-shift time: OEE does not count planned downtime. A changeover
    // is an availability loss, as a breakdown is.
    const double planned_share = 1.0 - share(sim, s, kOff);
    double down = share(sim, s, kDown);
    if (setup_) {
      const double setup = share(sim, s, kSetup);
      rows.push_back({name(), "setup", setup, nan, "share"});
      rows.push_back({name(), "setups", static_cast<double>(s.setups), nan, "count"});
      rows.push_back({name(), "setup_time", s.setup_s, nan, "s"});
      down += setup;
    }
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
    rows.push_back({name(), "failures", static_cast<double>(s.failure.failures), nan, "count"});
    rows.push_back({name(), "throughput", span > 0 ? s.good / span * 3600.0 : nan, nan, "parts/h"});
    for (std::size_t k = 0; k < s.completed_by_type.size(); ++k) {
      const std::string& ty = p_.type_names[k];
      rows.push_back(
          {name(), "completed." + ty, static_cast<double>(s.completed_by_type[k]), nan, "parts"});
      rows.push_back(
          {name(), "throughput." + ty,
           span > 0
               ? static_cast<double>(s.completed_by_type[k] - s.scrapped_by_type[k]) / span * 3600.0
               : nan,
           nan, "parts/h"});
      if (scrap_ > 0)
        rows.push_back(
            {name(), "scrapped." + ty, static_cast<double>(s.scrapped_by_type[k]), nan, "parts"});
    }
    if (maintained_) failure_.report(sim, name(), s.failure, rows);
    if (metered_)
      power_.report(name(), energy_kwh(sim, s), span, static_cast<double>(s.good), rows);
  }

 private:
  // ---- FailureHost: what the failure part asks of the station ---------------------------
  const Component& component() const override { return *this; }
  // Preempt: every busy server keeps the service it has left.
  void stop_work(Sim& sim) const override {
    auto& s = sim.state_of<StationState>(*this);
    for (std::size_t i = 0; i < s.servers.size(); ++i) {
      Server& srv = s.servers[i];
      if (srv.mode != kBusy || srv.op == kAwaitOperator || srv.op == kNeedOperator) continue;
      srv.remaining = sim.time_of(srv.done) - sim.now();
      sim.cancel(srv.done);
      if (srv.op == kLoading || srv.op == kOperated) {
        srv.resume = srv.op;
        operator_leaves(sim, s, static_cast<int>(i), static_cast<OperatorPhase>(srv.op));
        srv.op = kNeedOperator;
      }
    }
  }
  // Resume: the interrupted parts finish after the service they had left.
  void resume_work(Sim& sim) const override {
    auto& s = sim.state_of<StationState>(*this);
    for (std::size_t i = 0; i < s.servers.size(); ++i) {
      Server& srv = s.servers[i];
      if (srv.mode != kBusy || srv.op == kAwaitOperator) continue;
      if (srv.op == kNeedOperator) {
        srv.op = kAwaitOperator;
        pool(sim, s).request(sim, *this, s.op_skill, Pool::kOperate,
                             kOperatorTag + static_cast<std::int32_t>(i));
        continue;
      }
      srv.done = sim.schedule_in(srv.remaining, *this, srv.in_setup ? kSetupDone : kDone,
                                 static_cast<std::int64_t>(i));
    }
  }
  void after_up(Sim& sim) const override {
    auto& s = sim.state_of<StationState>(*this);
    push_holding(sim, s);
    if (s.busy + s.holding < p_.servers) sim.notify_space_all(*this);
  }
  /// As good as new: wear back to zero with a fresh wear rate, and the policy's counts restart.
  void renew(Sim& sim) const override {
    auto& s = sim.state_of<StationState>(*this);
    if (wear_.enabled()) wear_.renew(sim.continuous_mut(*this), s.wear);
    policy_.renew(s.policy);
  }
  bool working(const Sim& sim) const override { return sim.state_of<StationState>(*this).busy > 0; }

  static bool on_shift(const Sim& sim, const StationState& s) {
    return s.shift < 0 ? sim.on_shift() : s.shift == 1;
  }
  void touch(Sim& sim, StationState& s) const {
    // Without changeovers the clock is advanced as it always was (no setup count to read).
    if (setup_)
      s.clock.advance(sim.now(), s.busy - s.setting_up, s.holding, servers_, s.down(),
                      !on_shift(sim, s), s.setting_up);
    else
      s.clock.advance(sim.now(), s.busy, s.holding, servers_, s.down(), !on_shift(sim, s));
    // Only preventive maintenance needs the operating time.
    if (preventive_) policy_.advance(sim.now(), s.policy, s.busy > 0 && !s.down());
  }
  // At a shift change the interval just ended belongs to the previous shift state.
  void touch_phase(Sim& sim, StationState& s, bool was_on) const {
    s.clock.advance(sim.now(), s.busy - s.setting_up, s.holding, p_.servers, s.down(), !was_on,
                    s.setting_up);
  }
  double share(const Sim& sim, const StationState& s, int phase) const {
    return s.clock.share(phase, sim.now(), s.busy - s.setting_up, s.holding, p_.servers, s.down(),
                         !on_shift(sim, s), s.setting_up);
  }
  /// Energy in kWh since the statistics restart: time in each phase times its power.
  double energy_kwh(const Sim& sim, const StationState& s) const {
    const double span = (sim.now() - s.clock.start) * p_.servers;
    if (!(span > 0)) return 0.0;  // at the restart itself (the shares are 0 / 0): none yet
    double shares[energy::PowerDraw::kStates];
    for (int k = 0; k < energy::PowerDraw::kStates; ++k) shares[k] = share(sim, s, k);
    if (setup_) shares[kWorking] += share(sim, s, kSetup);  // a changeover draws working power
    return power_.energy_kwh(shares, span, p_.servers);
  }

  // ---- Operators (resources/pool.h): where a job starts and ends ---------------------------
  void find_pool(const Sim& sim, StationState& s) const {
    const Model& m = sim.model();
    s.op_pool = m.find_component(p_.op.pool);
    const auto* pool = s.op_pool < 0 ? nullptr : dynamic_cast<const Pool*>(&m.component(s.op_pool));
    if (!pool)  // compile() checked the kind
      throw std::logic_error(fmt::format("{}: \"{}\" is not a pool", name(), p_.op.pool));
    s.op_skill = p_.op.skill.empty() ? -1 : pool->skill_index(p_.op.skill);
  }
  const Pool& pool(const Sim& sim, const StationState& s) const {
    return static_cast<const Pool&>(sim.model().component(s.op_pool));  // checked in start()
  }
  double process_time(Sim& sim, StationState& s, int i) const {
    const PartId part = s.servers[static_cast<std::size_t>(i)].part;
    const Distribution& d =
        typed_ ? p_.process[static_cast<std::size_t>(p_.flow.part(sim, part).type)] : process0_;
    return d.sample(s.process) / s.speed;
  }
  // The operator granted to server i comes: loading (for: load), or the whole job.
  void operator_arrives(Sim& sim, StationState& s, int i, int worker) const {
    Server& srv = s.servers[static_cast<std::size_t>(i)];
    s.workers[static_cast<std::size_t>(i)] = worker;
    if (s.down()) {  // sent back; asked for again when the machine is up
      srv.op = kAwaitOperator;
      operator_leaves(sim, s, i, kAwaitOperator);
      srv.op = kNeedOperator;
      return;
    }
    if (srv.resume != kNoOperator) {  // back to a job a stop interrupted
      srv.op = srv.resume;
      srv.resume = kNoOperator;
      srv.done = sim.schedule_in(srv.remaining, *this,
                                 srv.in_setup         ? kSetupDone
                                 : srv.op == kLoading ? kLoaded
                                                      : kDone,
                                 i);
      return;
    }
    if (srv.in_setup) {  // for: setup: the changeover the machine waited for starts now
      srv.op = kOperated;
      srv.done = sim.schedule_in(srv.remaining, *this, kSetupDone, i);
      return;
    }
    // An operator for the job sets the machine up first when the part's type changes.
    if (const double t = setup_ ? changeover(sim, s, srv, i) : 0.0; t > 0) {
      srv.op = kOperated;
      begin_setup(sim, s, srv, i, t);
      return;
    }
    start_operated_job(sim, s, i);
  }
  // The job of server i with its operator there: loading (for: load), or the whole job.
  void start_operated_job(Sim& sim, StationState& s, int i) const {
    Server& srv = s.servers[static_cast<std::size_t>(i)];
    const double load = p_.op.load_time ? p_.op.load_time->sample(s.load) : 0.0;
    double t = load;
    int kind = kLoaded;
    if (p_.op.when == OperatorNeed::When::kLoad) {
      srv.op = kLoading;
    } else {
      srv.op = kOperated;
      t += process_time(sim, s, i);
      kind = kDone;
    }
    srv.done = sim.schedule_in(t, *this, kind, i);
  }
  void operator_leaves(Sim& sim, StationState& s, int i, OperatorPhase phase) const {
    Server& srv = s.servers[static_cast<std::size_t>(i)];
    if (srv.op != phase) return;
    srv.op = kNoOperator;
    const int w = s.workers[static_cast<std::size_t>(i)];
    s.workers[static_cast<std::size_t>(i)] = -1;
    pool(sim, s).release(sim, w);
  }

  void finish_part(Sim& sim, StationState& s, int i) const {
    Server& srv = s.servers[static_cast<std::size_t>(i)];
    srv.done = EventHandle{};
    --s.busy;
    ++s.completed;
    ++s.completed_total;
    const PartId part = srv.part;
    s.ideal_time +=
        typed_ ? p_.ideal[static_cast<std::size_t>(p_.flow.part(sim, part).type)] : ideal0_;
    if (by_type_) ++s.completed_by_type[static_cast<std::size_t>(p_.flow.part(sim, part).type)];
    if (scrap_ > 0 && s.scrap.uniform() < scrap_) {
      ++s.scrapped;
      if (by_type_) ++s.scrapped_by_type[static_cast<std::size_t>(p_.flow.part(sim, part).type)];
      p_.flow.scrap(sim, part);
      srv.mode = kIdle;
      srv.part = -1;
      sim.notify_space_all(*this);
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
    // The parameters of the policy and the failure part are read only when they have work.
    // (Only a preventive policy counts parts.)
    const bool service_due = preventive_ && policy_.part_done(s.policy);
    if (failure_clock_) failure_.update_clock(sim, *this, s.failure, s.busy > 0);
    if (service_due) request_service(sim, s, "preventive");
    if (s.failure.service_pending && s.busy == 0 && !s.down())
      failure_.begin_service(sim, *this, s.failure);
  }

  // Hands finished parts on, oldest first. A part leaves before the next component takes it:
  // the server is freed first and taken back if the push fails (a failed push changes
  // nothing), so a part routed straight back to this machine finds a consistent state.
  void push_holding(Sim& sim, StationState& s) const {
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

  // A job starts on a server set up for another part type: the changeover comes first.
  // Returns whether it did (the job's process time then starts when it ends).
  // A changeover before the part on server i when its type differs from the one the server was
  // set up for: counted and logged; its duration, 0 when there is none.
  double changeover(Sim& sim, StationState& s, Server& srv, int i) const {
    const int type = p_.flow.part(sim, srv.part).type;
    const int from = s.last_type[static_cast<std::size_t>(i)];
    s.last_type[static_cast<std::size_t>(i)] = type;
    const double t = p_.setup.sample(from, type, s.setup);
    if (from < 0 || !(t > 0)) return 0.0;
    ++s.setups;
    s.setup_s += t;
    if (!p_.type_names.empty())
      sim.log_event(*this, "setup",
                    fmt::format("{} -> {}", p_.type_names[static_cast<std::size_t>(from)],
                                p_.type_names[static_cast<std::size_t>(type)]));
    return t;
  }
  void begin_setup(Sim& sim, StationState& s, Server& srv, int i, double t) const {
    srv.in_setup = true;
    ++s.setting_up;
    srv.done = sim.schedule_in(t, *this, kSetupDone, i);
  }
  void end_setup(Sim& sim, StationState& s, int i) const {
    Server& srv = s.servers[static_cast<std::size_t>(i)];
    srv.in_setup = false;
    --s.setting_up;
    if (setup_operated_) operator_leaves(sim, s, i, kOperated);
    if (job_operated_) {  // the operator stays for the job
      start_operated_job(sim, s, i);
      return;
    }
    const Distribution& d =
        typed_ ? p_.process[static_cast<std::size_t>(s.last_type[static_cast<std::size_t>(i)])]
               : process0_;
    srv.done = sim.schedule_in(d.sample(s.process) / s.speed, *this, kDone, i);
  }

  void request_service(Sim& sim, StationState& s, const char* why) const {
    failure_.request_service(sim, *this, s.failure, why, s.busy == 0);
  }

  void check_condition(Sim& sim, StationState& s) const {
    if (s.down() || s.failure.service_pending) return;
    if (const char* why = policy_.check(sim, *this, s.policy, wear_)) request_service(sim, s, why);
  }

  // Read for every part: kept next to the vtable pointer, ahead of the (large) parameters, so
  // that a part's way through a machine of a large plant touches as few cache lines as it can.
  int servers_;
  bool typed_;
  bool operated_;        // an operator of a pool: for the job, its loading or a changeover
  bool job_operated_;    // for the job or its loading (a changeover before it too)
  bool setup_operated_;  // for changeovers only
  bool metered_;
  bool maintained_;
  bool preventive_;
  bool failure_clock_;  // failure_.operating_clock(): update_clock() has work to do
  bool setup_;          // p_.setup.enabled()
  bool by_type_;        // counts by part type (two or more types)
  double scrap_;        // p_.scrap
  double ideal0_;
  Distribution process0_;  // the common untyped case reads it inline
  StationParams p_;
  Failure failure_;
  Wear wear_;
  MaintenancePolicy policy_;
  energy::PowerDraw power_;
};

}  // namespace

std::unique_ptr<Component> make_station(std::string name, StationParams p, Failure failure,
                                        Wear wear, MaintenancePolicy policy,
                                        energy::PowerDraw power) {
  return std::make_unique<Station>(std::move(name), std::move(p), std::move(failure),
                                   std::move(wear), std::move(policy), power);
}

}  // namespace plantwin::line
