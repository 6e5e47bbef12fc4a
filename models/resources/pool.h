#pragma once
/// `pool`: workers with skills and shift patterns, shared by the components that need them
/// (machines that need an operator, repairs and services that need a technician). `crew` is the
/// same pool with one skill and its old keys (maintenance/crew.h).
///
/// Parameters (`pool`):
///   workers   list of groups: {count: 2, skills: [operate, repair], shifts: ...}; or, for one
///             group, the keys size (default 1), skills and shifts at the top
///   skills    names of the skills the group's workers have (default: one skill, "any")
///   shifts    always (default), plant (the plant's `shifts:`) or a shift map of the group's own
///             (days, periods, breaks: as the scenario's `shifts:`)
/// Requests: a component asks for a worker with a skill (or any), in a rank (repairs 0 before
///   services 1 before operating 2), first come first served within a rank. A free worker on
///   shift with the skill is granted at once, the lowest-numbered first; a request no free worker
///   can serve waits, and later requests of other skills may pass it. A worker whose shift ends
///   finishes the work under way (overtime) and takes no new one.
/// Events: the requester receives kGrantedEvent with an argument that grant_worker() and
///   grant_tag() decode; it gives the worker back with release().
/// Signals: busy (workers at work), waiting (requests queued), on_shift (workers on shift).
/// KPIs: utilisation (busy on-shift worker time / on-shift worker time), requests, mean_wait (s),
///   waiting (mean requests queued), wait_time (h waited by all requests), overtime (h worked
///   off shift), paid_hours (h on shift, the cost model's labour hours).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plantwin/registry.h"
#include "plantwin/shifts.h"
#include "plantwin/sim.h"

namespace plantwin::resources {

/// One group of workers as the scenario gives it.
struct WorkerGroup {
  int count = 1;
  std::uint64_t skills = ~std::uint64_t{0};  // bit i: skill i
  enum class Calendar : std::uint8_t { kAlways, kPlant, kOwn } calendar = Calendar::kAlways;
  int own = -1;  // index into PoolParams::calendars
};

struct PoolParams {
  std::vector<std::string> skills;  // names; a request names one by index
  std::vector<WorkerGroup> groups;
  std::vector<ShiftCalendar> calendars;
  /// `crew`: the signals and KPIs of the repair crew, unchanged.
  bool crew = false;
};

class Pool final : public Component {
 public:
  /// Event kind a granted requester receives.
  static constexpr int kGrantedEvent = 100;
  /// Ranks of requests: lower first.
  enum Rank : int { kRepair = 0, kService = 1, kOperate = 2 };

  static std::int64_t grant_arg(int worker, std::int32_t tag) {
    return (static_cast<std::int64_t>(worker) << 32) | static_cast<std::uint32_t>(tag);
  }
  static int grant_worker(std::int64_t arg) { return static_cast<int>(arg >> 32); }
  static std::int32_t grant_tag(std::int64_t arg) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(arg & 0xffffffff));
  }

  Pool(std::string name, std::string type, PoolParams p);

  /// Index of skill `name`, or -1 (any worker) for "" or a pool without named skills.
  int skill_index(const std::string& name) const;
  /// Queues a request of `who` for a worker with skill `skill` (-1: any) in `rank`; `who`
  /// receives kGrantedEvent with grant_arg(worker, tag) when one is free.
  void request(Sim& sim, const Component& who, int skill, Rank rank, std::int32_t tag) const;
  /// The crew's call: a repair (tag 0, rank 0) or a service (tag 1, rank 1) by any technician.
  void request(Sim& sim, const Component& who, int kind) const {
    request(sim, who, -1, kind == 0 ? kRepair : kService, kind);
  }
  /// Worker `worker` finishes the work granted earlier.
  void release(Sim& sim, int worker) const;
  int size() const { return size_; }

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override;
  void start(Sim& sim) const override;
  void on_event(Sim& sim, int kind, std::int64_t arg) const override;
  void on_shift_change(Sim& sim) const override;
  std::vector<SignalSpec> signals() const override;
  double signal(const Sim& sim, int index) const override;
  void reset_statistics(Sim& sim) const override;
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override;

 private:
  struct PoolState;
  void grant(Sim& sim) const;
  void update_shifts(Sim& sim) const;
  bool available(const Sim& sim, const PoolState& s, int worker) const;
  int size_;
  PoolParams p_;
  std::vector<int> group_of_;  // per worker
};

/// The skills a pool named `pool` declares in the scenario (read from its map before it is
/// built), or nullopt when `pool` is not a pool.
std::optional<std::vector<std::string>> declared_skills(BuildContext& ctx, const std::string& pool);

/// A machine's need for an operator (key `operator`).
struct OperatorNeed {
  enum class When : std::uint8_t { kNone, kLoad, kProcess, kSetup } when = When::kNone;
  std::string pool, skill;
  std::optional<Distribution> load_time;  // added before the process time (load: the only time)
};

/// Reads `operator: {pool: operators, skill: press, for: process, load_time: 20 s}`.
OperatorNeed read_operator(ParamReader& p, BuildContext& ctx);

void register_pool(Registry& registry);
/// Builds the crew: the pool with the keys size and calendar (maintenance/crew.h).
std::unique_ptr<Component> build_crew(BuildContext& ctx);

}  // namespace plantwin::resources
