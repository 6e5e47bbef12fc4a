#pragma once
/// `crew`: maintenance technicians shared by machines. A machine that fails, or that is due for a
/// service, asks its crew for a technician and waits (down) until one is free; repairs go before
/// services, then first come, first served.
///
/// Parameters:
///   size       technicians (default 1)
///   calendar   always (default) or plant: the crew works only on the plant's shifts
/// Ports: none.
/// Signals: busy (technicians at work), waiting (requests queued).
/// KPIs: utilisation (share of technician time at work), requests, mean_wait (s).

#include <cstdint>
#include <deque>

#include "plantwin/registry.h"
#include "plantwin/sim.h"

namespace plantwin::maintenance {

/// The crew's interface to machines (in models, used through the model's component table).
class Crew final : public Component {
 public:
  /// Event kind a granted machine receives; `arg` is the kind it asked with.
  static constexpr int kGrantedEvent = 100;
  enum RequestKind : int { kRepair = 0, kService = 1 };

  Crew(std::string name, int size, bool plant_calendar)
      : Component(std::move(name), "crew"), size_(size), plant_calendar_(plant_calendar) {}

  /// Queues a request from `machine`; it receives kGrantedEvent when a technician is free.
  void request(Sim& sim, const Component& machine, RequestKind kind) const;
  /// A technician finishes the work granted earlier.
  void release(Sim& sim) const;

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override;
  void on_shift_change(Sim& sim) const override;
  std::vector<SignalSpec> signals() const override;
  double signal(const Sim& sim, int index) const override;
  void reset_statistics(Sim& sim) const override;
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override;

 private:
  void grant(Sim& sim) const;
  int size_;
  bool plant_calendar_;
};

void register_crew(Registry& registry);

}  // namespace plantwin::maintenance
