#pragma once
/// The failure part: what takes a component down and brings it back up. Random failures
/// (`ttf`, `ttr`), failures its host reports (a wear limit), planned stops (services) that a
/// maintenance policy asks for, and the crew whose technicians repair and serve.
///
/// A component that can fail holds a Failure (its parameters, immutable) and keeps a
/// FailureState inside its own state; it forwards the events of the kinds listed below to
/// on_event() and implements FailureHost, so the part decides when the component is down and
/// the host stops and resumes its own work. The machine uses it; any component with work to
/// interrupt can.
///
/// Parameters (keys of the component, read by read_failure() and read_repair()):
///   ttf            time to failure, a distribution (no random failures when absent)
///   ttr            time to repair, a distribution (required with ttf)
///   failure_clock  operating (default): the time to failure counts only while the host works;
///                  calendar: it counts all the time
///   repair_cost    cost of a repair (default 0)
///   crew           the `crew` or `pool` whose technicians repair and serve (none: work starts at
///                  once)
///   repair_skill   with a `pool`: the skill a technician needs for repairs and services (default:
///                  any worker of the pool)
/// A policy's service (duration, cost) and a wear model's repair come in FailureParams too.
/// Events: the host's event kinds kFailEvent, kRepairEvent, kServiceDoneEvent and
///   Crew::kGrantedEvent belong to the part.
/// Log: failure, repair_started, repaired, service_due, service_started, serviced.
/// KPIs (report()): unplanned_downtime, planned_downtime (s), maintenance_actions,
///   wear_failures (count), maintenance_cost.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plantwin/registry.h"
#include "plantwin/sim.h"

namespace plantwin::resources {
class Pool;
}

namespace plantwin::maintenance {

/// Why a component is down.
enum class DownReason : std::uint8_t { kUp = 0, kFailed = 1, kServicing = 2 };

/// What caused a failure: a draw from `ttf`, or the host's wear limit.
enum class FailureCause : std::uint8_t { kRandom = 0, kWear = 1 };

struct FailureParams {
  std::optional<Distribution> ttf, ttr;
  bool calendar_clock = false;  // failure_clock: calendar
  double repair_cost = 0;
  /// Repair of a failure at the wear limit (wear.ttr, default ttr; wear.repair_cost).
  std::optional<Distribution> wear_ttr;
  double wear_repair_cost = 0;
  /// A planned stop a policy asks for (maintenance.duration, maintenance.cost).
  std::optional<Distribution> service_time;
  double service_cost = 0;
  std::string crew;   // empty: no crew
  std::string skill;  // repair_skill: "" for any worker
};

/// Per-run data of the part, kept in the host's state.
struct FailureState {
  DownReason reason = DownReason::kUp;
  bool service_pending = false;  // a service is due: the host finishes its work, then stops
  bool wear_failure = false;     // the current failure came from the wear limit
  int crew = -1;                 // component index of the crew
  int skill = -1;                // index of repair_skill in the pool (-1: any worker)
  int worker = -1;               // the technician at work (the pool's worker index)
  EventHandle failure;           // the next random failure, when its clock runs
  double ttf_left = 0;           // time to failure left while the clock is stopped
  double down_since = 0, planned_down = 0, unplanned_down = 0, cost = 0;
  double stats_start = 0;
  std::int64_t failures = 0, wear_failures = 0, services = 0;
  Rng fail, repair, service;
  EventHandle work;            // the repair or service under way (its end)
  bool reported = false;       // the plant reported the host down: it stays down until reported up
  bool awaiting_crew = false;  // a technician is asked for and not there yet
  bool abandoned = false;      // reported up while the crew was on its way: send it back on arrival

  bool down() const { return reason != DownReason::kUp; }
};

/// What the part asks of the component it takes down. Calls come in this order: stop_work()
/// when it goes down; renew() (after a service or the repair of a wear failure), then
/// resume_work() and, once the failure clock runs again, after_up().
class FailureHost {
 public:
  virtual ~FailureHost() = default;
  /// The component the part's events go to and its log names.
  virtual const Component& component() const = 0;
  /// Down from now: interrupt the work under way (it resumes where it stopped).
  virtual void stop_work(Sim& sim) const = 0;
  /// Up again: restart the interrupted work.
  virtual void resume_work(Sim& sim) const = 0;
  /// Up again with the failure clock restarted: hand on what waited, take new work.
  virtual void after_up(Sim& sim) const = 0;
  /// As good as new: a service, or the repair of a wear failure.
  virtual void renew(Sim& sim) const = 0;
  /// Whether it works now: an operating failure clock runs only then.
  virtual bool working(const Sim& sim) const = 0;
};

class Failure {
 public:
  /// Event kinds the part schedules on its host (the host keeps them free).
  static constexpr int kFailEvent = 1, kRepairEvent = 2, kServiceDoneEvent = 3;

  explicit Failure(FailureParams p)
      : operating_clock_(p.ttf.has_value() && !p.calendar_clock), p_(std::move(p)) {}

  const FailureParams& params() const { return p_; }
  /// Whether the failure clock runs on operating time (update_clock() has work to do).
  bool operating_clock() const { return operating_clock_; }

  /// Fills a fresh state: the random streams of component `name` and its first time to failure
  /// (drawn here, before start(): work may arrive before the host starts).
  void init(FailureState& s, const StreamSeed& seed, const std::string& name) const;
  /// New streams for a fork's replication (Component::reseed); the life left stays.
  void reseed(FailureState& s, const StreamSeed& seed, const std::string& name) const {
    s.fail = Rng::stream(seed.seed, seed.replication, name, "failure");
    s.repair = Rng::stream(seed.seed, seed.replication, name, "repair");
    s.service = Rng::stream(seed.seed, seed.replication, name, "service");
  }
  /// At time 0: starts a calendar failure clock and finds the crew. Throws std::logic_error when
  /// the crew named is not a crew (compile() checks it first).
  void start(Sim& sim, const FailureHost& host, FailureState& s) const;
  /// Handles one of the part's events; returns false for an event kind that is not its own.
  bool on_event(Sim& sim, const FailureHost& host, FailureState& s, int kind,
                std::int64_t arg) const;

  /// An operating failure clock runs while the host works: call after the host's work changed.
  void update_clock(Sim& sim, const Component& host, FailureState& s, bool working) const {
    if (!operating_clock_ || s.down()) return;
    const bool pending = sim.pending(s.failure);
    if (working && !pending) {
      s.failure = sim.schedule_in(s.ttf_left, host, kFailEvent);
    } else if (!working && pending) {
      s.ttf_left = sim.time_of(s.failure) - sim.now();
      sim.cancel(s.failure);
    }
  }

  /// Fails the host now (`detail` goes to the event log) and starts the repair, or asks the
  /// crew for it.
  void fail(Sim& sim, const FailureHost& host, FailureState& s, FailureCause cause,
            const char* detail) const;
  /// A policy asks for a service (`why` goes to the log); it starts at once when `idle`,
  /// otherwise the host calls begin_service() when its work is done. Ignored while down or
  /// already pending.
  void request_service(Sim& sim, const FailureHost& host, FailureState& s, const char* why,
                       bool idle) const;
  /// Takes the host down for the pending service.
  void begin_service(Sim& sim, const FailureHost& host, FailureState& s) const;

  /// The plant reports its machine down (`down`) or up (state sync, Component::measure): the twin
  /// follows. Down: the host stops now, as at a failure, but no repair starts: it stays down
  /// until the plant reports it up (a repair of the model's own that ends meanwhile keeps it
  /// down). Up: a repair or service under way ends now (its technician goes back; one still on
  /// the way is sent back when it arrives) and the host works again. A report that agrees with
  /// the model changes nothing but whether the plant holds it down.
  void report(Sim& sim, const FailureHost& host, FailureState& s, bool down) const;
  /// Restarts the statistics at the current time.
  void reset_statistics(const Sim& sim, FailureState& s) const;
  /// Appends the downtime and maintenance KPIs of component `name`.
  void report(const Sim& sim, const std::string& name, const FailureState& s,
              std::vector<KpiRow>& rows) const;

 private:
  void start_repair(Sim& sim, const FailureHost& host, FailureState& s) const;
  void crew_arrived(Sim& sim, const FailureHost& host, FailureState& s, int kind) const;
  void repaired(Sim& sim, const FailureHost& host, FailureState& s) const;
  void end_service(Sim& sim, const FailureHost& host, FailureState& s) const;
  void back_up(Sim& sim, const FailureHost& host, FailureState& s) const;
  const resources::Pool& crew(const Sim& sim, const FailureState& s) const;

  bool operating_clock_;
  FailureParams p_;
};

/// Reads ttf, ttr and failure_clock from a component's parameters, with their errors.
/// `wear_key`: the component also offers a `wear` model, which may stand in for ttf.
FailureParams read_failure(ParamReader& p, bool wear_key);
/// Reads repair_cost, crew (checked to name a crew or a pool) and repair_skill into `fp`.
void read_repair(ParamReader& p, BuildContext& ctx, FailureParams& fp);

}  // namespace plantwin::maintenance
