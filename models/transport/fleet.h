#pragma once
/// Transport between stations: a `fleet` of vehicles (AGVs, forklifts, porters) and the
/// `transport` links in the flow that call them.
///
/// `fleet` parameters (no flow ports):
///   vehicles      number of vehicles (default 1)
///   travel_times  map from -> {to: duration}: the travel time between locations (symmetric: one
///                 direction is enough); or
///   distances     the same with lengths, and `speed`; or
///   positions     map location -> [x, y] in metres, and `speed` (straight lines)
///   speed         vehicle speed (with distances or positions)
///   load_time     distribution (default 0 s); unload_time: distribution (default 0 s)
///   home          where the vehicles start (default: the first location)
///   battery       {run_time: 4 h, charge_time: 45 min}: after run_time at work (travelling,
///                 loading, unloading, waiting to unload) a vehicle that comes free charges where
///                 it is for charge_time
/// Dispatching: a request goes to the nearest idle vehicle (shortest travel time to the pick-up,
///   the lowest-numbered on a tie); a vehicle that comes free takes the oldest waiting request
///   (first come, first served), wherever it is.
/// A trip: empty travel to the pick-up, load (the part leaves the link's pick-up place when
///   loading starts), loaded travel, unload; then the part is offered to the next component and
///   the vehicle waits with it (blocked) until it is taken. The vehicle stays where it unloaded.
/// Signals: busy (vehicles at work), waiting (requests for a vehicle), charging.
/// KPIs: utilisation (share of vehicle time at work: travelling, loading, unloading, blocked),
///   empty_travel_share (empty travel / all travel time), blocked_share, charging_share, trips,
///   mean_wait (s from a request to the vehicle's arrival at the pick-up).
///
/// `transport` parameters (in the flow: one input, one output):
///   fleet      the fleet that moves its parts (required)
///   from, to   locations of the fleet (default: the names of the upstream and downstream
///              components)
///   capacity   parts waiting for pick-up (default 1)
/// Signals: waiting (parts at the pick-up). KPIs: moved, mean_wait (s, waiting for a vehicle).

#include <optional>
#include <string>
#include <vector>

#include "plantwin/registry.h"
#include "plantwin/sim.h"

namespace plantwin::transport {

class TransportLink;

struct FleetParams {
  int vehicles = 1;
  std::vector<std::string> locations;
  std::vector<double> travel;  // locations x locations, seconds
  Distribution load_time = Distribution::constant(0), unload_time = Distribution::constant(0);
  int home = 0;
  double run_time = 0, charge_time = 0;  // battery; run_time 0: none
};

class Fleet final : public Component {
 public:
  Fleet(std::string name, FleetParams p) : Component(std::move(name), "fleet"), p_(std::move(p)) {}

  /// Index of a location, or -1.
  int location(const std::string& name) const;
  double travel_time(int from, int to) const {
    return p_.travel[static_cast<std::size_t>(from) * p_.locations.size() +
                     static_cast<std::size_t>(to)];
  }
  /// `link` has a part waiting at its pick-up: a vehicle comes for it.
  void request(Sim& sim, const TransportLink& link) const;
  /// Vehicle `v` handed its part on: it is free where it is.
  void delivered(Sim& sim, int v) const;

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override;
  void reseed(Sim& sim, const StreamSeed& seed) const override;
  void on_event(Sim& sim, int kind, std::int64_t arg) const override;
  std::vector<SignalSpec> signals() const override;
  double signal(const Sim& sim, int index) const override;
  void reset_statistics(Sim& sim) const override;
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override;

 private:
  struct FleetState;
  void assign(Sim& sim, FleetState& s, int v, int link, double since) const;
  void set_state(Sim& sim, FleetState& s, int v, int state) const;
  FleetParams p_;
};

/// A `transport` link: parts wait at its pick-up for a vehicle of its fleet.
class TransportLink final : public Component {
 public:
  TransportLink(std::string name, std::string fleet, std::string from, std::string to, int capacity)
      : Component(std::move(name), "transport"),
        fleet_(std::move(fleet)),
        from_name_(std::move(from)),
        to_name_(std::move(to)),
        capacity_(capacity) {}

  int from(const Sim& sim) const;
  int to(const Sim& sim) const;
  /// A vehicle starts loading: the oldest waiting part leaves the pick-up place.
  PartId pick(Sim& sim) const;
  /// Vehicle `v` unloaded `part`: offered downstream now, or when there is room.
  void deliver(Sim& sim, int v, PartId part) const;

  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override;
  void start(Sim& sim) const override;
  bool can_accept(const Sim& sim, int port) const override;
  void accept(Sim& sim, int port, PartId part) const override;
  void on_space(Sim& sim, int port) const override;
  double occupancy(const Sim& sim) const override;
  double display_capacity() const override { return capacity_; }
  std::vector<SignalSpec> signals() const override;
  double signal(const Sim& sim, int index) const override;
  void reset_statistics(Sim& sim) const override;
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override;

 private:
  struct LinkState;
  const Fleet& fleet(const Sim& sim) const;
  void resolve(Sim& sim) const;
  std::string fleet_, from_name_, to_name_;
  int capacity_;
};

/// The locations a fleet named `fleet` declares in the scenario, or nullopt when it is not a
/// fleet.
std::optional<std::vector<std::string>> declared_locations(BuildContext& ctx,
                                                           const std::string& fleet);

void register_transport(Registry& registry);

}  // namespace plantwin::transport
