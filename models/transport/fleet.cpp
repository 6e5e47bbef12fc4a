#include "fleet.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "line/line_common.h"

namespace plantwin::transport {

namespace {

// Vehicle states, in the order of the time accounts.
enum VehicleState : int {
  kIdle = 0,
  kEmpty = 1,  // travelling to a pick-up
  kLoading = 2,
  kLoaded = 3,  // travelling with a part
  kUnloading = 4,
  kBlocked = 5,  // waiting for the next component to take the part
  kCharging = 6,
  kStates = 7
};

// Fleet events (arg: the vehicle).
enum FleetEvent : int { kAtPickup = 1, kLoadDone = 2, kAtDrop = 3, kUnloadDone = 4, kCharged = 5 };

struct Vehicle {
  int state = kIdle;
  int loc = 0;
  int link = -1;  // component index of the link served
  PartId part = -1;
  double since = 0;  // in the current state since
  double used = 0;   // time at work since the last charge
};

struct Waiting {
  int link;
  double since;
};

}  // namespace

struct Fleet::FleetState : ClonableState<FleetState> {
  std::vector<Vehicle> vehicles;
  std::deque<Waiting> queue;
  std::vector<double> request_since;  // per vehicle: when its current request was made
  int counts[kStates] = {};
  double acc[kStates] = {};
  double last = 0, stats_start = 0;
  std::int64_t trips = 0;
  Tally wait;
  Rng load, unload;

  void advance(double t) {
    for (int k = 0; k < kStates; ++k) acc[k] += counts[k] * (t - last);
    last = t;
  }
};

int Fleet::location(const std::string& name) const {
  const auto it = std::find(p_.locations.begin(), p_.locations.end(), name);
  return it == p_.locations.end() ? -1 : static_cast<int>(it - p_.locations.begin());
}

std::unique_ptr<ComponentState> Fleet::make_state(const StreamSeed& seed) const {
  auto s = std::make_unique<FleetState>();
  s->vehicles.resize(static_cast<std::size_t>(p_.vehicles));
  for (auto& v : s->vehicles) v.loc = p_.home;
  s->request_since.assign(static_cast<std::size_t>(p_.vehicles), 0.0);
  s->counts[kIdle] = p_.vehicles;
  s->load = Rng::stream(seed.seed, seed.replication, name(), "load");
  s->unload = Rng::stream(seed.seed, seed.replication, name(), "unload");
  return s;
}

void Fleet::reseed(Sim& sim, const StreamSeed& seed) const {
  auto& s = sim.state_of<FleetState>(*this);
  s.load = Rng::stream(seed.seed, seed.replication, name(), "load");
  s.unload = Rng::stream(seed.seed, seed.replication, name(), "unload");
}

void Fleet::set_state(Sim& sim, FleetState& s, int v, int state) const {
  Vehicle& veh = s.vehicles[static_cast<std::size_t>(v)];
  s.advance(sim.now());
  if (veh.state != kIdle && veh.state != kCharging) veh.used += sim.now() - veh.since;
  --s.counts[veh.state];
  ++s.counts[state];
  veh.state = state;
  veh.since = sim.now();
}

void Fleet::request(Sim& sim, const TransportLink& link) const {
  auto& s = sim.state_of<FleetState>(*this);
  const int from = link.from(sim);
  int best = -1;
  double best_t = HUGE_VAL;
  for (int v = 0; v < p_.vehicles; ++v) {
    const Vehicle& veh = s.vehicles[static_cast<std::size_t>(v)];
    if (veh.state != kIdle) continue;
    const double t = travel_time(veh.loc, from);
    if (t < best_t) {
      best_t = t;
      best = v;
    }
  }
  if (best < 0) {
    s.queue.push_back({link.id(), sim.now()});
    return;
  }
  assign(sim, s, best, link.id(), sim.now());
}

void Fleet::assign(Sim& sim, FleetState& s, int v, int link, double since) const {
  Vehicle& veh = s.vehicles[static_cast<std::size_t>(v)];
  const auto& l = static_cast<const TransportLink&>(sim.model().component(link));
  veh.link = link;
  s.request_since[static_cast<std::size_t>(v)] = since;
  set_state(sim, s, v, kEmpty);
  sim.schedule_in(travel_time(veh.loc, l.from(sim)), *this, kAtPickup, v);
}

void Fleet::delivered(Sim& sim, int v) const {
  auto& s = sim.state_of<FleetState>(*this);
  Vehicle& veh = s.vehicles[static_cast<std::size_t>(v)];
  veh.link = -1;
  veh.part = -1;
  ++s.trips;
  set_state(sim, s, v, kIdle);
  if (p_.run_time > 0 && veh.used >= p_.run_time) {
    set_state(sim, s, v, kCharging);
    sim.schedule_in(p_.charge_time, *this, kCharged, v);
    return;
  }
  if (!s.queue.empty()) {
    const Waiting w = s.queue.front();
    s.queue.pop_front();
    assign(sim, s, v, w.link, w.since);
  }
}

void Fleet::on_event(Sim& sim, int kind, std::int64_t arg) const {
  auto& s = sim.state_of<FleetState>(*this);
  const int v = static_cast<int>(arg);
  Vehicle& veh = s.vehicles[static_cast<std::size_t>(v)];
  const auto* link =
      veh.link >= 0 ? &static_cast<const TransportLink&>(sim.model().component(veh.link)) : nullptr;
  switch (kind) {
    case kAtPickup:
      veh.loc = link->from(sim);
      s.wait.add(sim.now() - s.request_since[static_cast<std::size_t>(v)]);
      veh.part = link->pick(sim);
      set_state(sim, s, v, kLoading);
      sim.schedule_in(p_.load_time.sample(s.load), *this, kLoadDone, v);
      break;
    case kLoadDone:
      set_state(sim, s, v, kLoaded);
      sim.schedule_in(travel_time(veh.loc, link->to(sim)), *this, kAtDrop, v);
      break;
    case kAtDrop:
      veh.loc = link->to(sim);
      set_state(sim, s, v, kUnloading);
      sim.schedule_in(p_.unload_time.sample(s.unload), *this, kUnloadDone, v);
      break;
    case kUnloadDone:
      set_state(sim, s, v, kBlocked);
      link->deliver(sim, v, veh.part);
      break;
    case kCharged:
      veh.used = 0;
      set_state(sim, s, v, kIdle);
      if (!s.queue.empty()) {
        const Waiting w = s.queue.front();
        s.queue.pop_front();
        assign(sim, s, v, w.link, w.since);
      }
      break;
    default:
      break;
  }
}

std::vector<SignalSpec> Fleet::signals() const {
  return {{"busy", "vehicles", "vehicles at work"},
          {"waiting", "requests", "requests waiting for a vehicle"},
          {"charging", "vehicles", "vehicles charging"}};
}

double Fleet::signal(const Sim& sim, int index) const {
  const auto& s = sim.state_of<FleetState>(*this);
  if (index == 0) return p_.vehicles - s.counts[kIdle] - s.counts[kCharging];
  if (index == 1) return static_cast<double>(s.queue.size());
  return s.counts[kCharging];
}

void Fleet::reset_statistics(Sim& sim) const {
  auto& s = sim.state_of<FleetState>(*this);
  s.advance(sim.now());
  for (double& a : s.acc) a = 0;
  s.stats_start = sim.now();
  s.trips = 0;
  s.wait.reset();
}

void Fleet::report(const Sim& sim, std::vector<KpiRow>& rows) const {
  FleetState s = sim.state_of<FleetState>(*this);
  s.advance(sim.now());
  const double nan = std::nan("");
  const double total = (sim.now() - s.stats_start) * p_.vehicles;
  const double travel = s.acc[kEmpty] + s.acc[kLoaded];
  const double idle = s.acc[kIdle] + s.acc[kCharging];
  rows.push_back({name(), "utilisation", total > 0 ? 1 - idle / total : nan, nan, "share"});
  rows.push_back(
      {name(), "empty_travel_share", travel > 0 ? s.acc[kEmpty] / travel : nan, nan, "share"});
  rows.push_back(
      {name(), "blocked_share", total > 0 ? s.acc[kBlocked] / total : nan, nan, "share"});
  rows.push_back(
      {name(), "charging_share", total > 0 ? s.acc[kCharging] / total : nan, nan, "share"});
  rows.push_back({name(), "trips", static_cast<double>(s.trips), nan, "count"});
  rows.push_back({name(), "mean_wait", s.wait.count() ? s.wait.mean() : 0.0, nan, "s"});
}

// ---- The transport link --------------------------------------------------------------

struct TransportLink::LinkState : ClonableState<LinkState> {
  line::PartRing parts;                        // waiting at the pick-up
  std::deque<std::pair<int, PartId>> blocked;  // vehicles waiting to hand on their part
  std::deque<double> since;                    // when each waiting part came
  int fleet = -1, from = 0, to = 0;
  std::int64_t moved = 0;
  Tally wait;
};

std::unique_ptr<ComponentState> TransportLink::make_state(const StreamSeed&) const {
  return std::make_unique<LinkState>();
}

void TransportLink::start(Sim& sim) const {
  if (sim.state_of<LinkState>(*this).fleet < 0) resolve(sim);
}

// Finds the fleet and the locations (at start(), or at the first part: a source may push first).
void TransportLink::resolve(Sim& sim) const {
  auto& s = sim.state_of<LinkState>(*this);
  const Model& m = sim.model();
  const int id = m.find_component(fleet_);
  const auto* f = id < 0 ? nullptr : dynamic_cast<const Fleet*>(&m.component(id));
  if (!f)  // compile() checked it
    throw std::logic_error(fmt::format("{}: \"{}\" is not a fleet", name(), fleet_));
  s.fleet = id;
  s.from = f->location(from_name_);
  s.to = f->location(to_name_);
  if (s.from < 0 || s.to < 0)
    throw std::logic_error(fmt::format("{}: unknown location of fleet {}", name(), fleet_));
}

const Fleet& TransportLink::fleet(const Sim& sim) const {
  return static_cast<const Fleet&>(
      sim.model().component(sim.state_of<LinkState>(*this).fleet));  // checked in start()
}
int TransportLink::from(const Sim& sim) const {
  return sim.state_of<LinkState>(*this).from;
}
int TransportLink::to(const Sim& sim) const {
  return sim.state_of<LinkState>(*this).to;
}

bool TransportLink::can_accept(const Sim& sim, int) const {
  return static_cast<int>(sim.state_of<LinkState>(*this).parts.size()) < capacity_;
}

void TransportLink::accept(Sim& sim, int, PartId part) const {
  auto& s = sim.state_of<LinkState>(*this);
  if (s.fleet < 0) resolve(sim);
  s.parts.push_back(part);
  s.since.push_back(sim.now());
  fleet(sim).request(sim, *this);
}

PartId TransportLink::pick(Sim& sim) const {
  auto& s = sim.state_of<LinkState>(*this);
  s.wait.add(sim.now() - s.since.front());
  s.since.pop_front();
  const PartId p = s.parts.pop_front();
  sim.notify_space_all(*this);
  return p;
}

void TransportLink::deliver(Sim& sim, int v, PartId part) const {
  auto& s = sim.state_of<LinkState>(*this);
  if (s.blocked.empty() && sim.try_push(*this, 0, part)) {
    ++s.moved;
    fleet(sim).delivered(sim, v);
    return;
  }
  s.blocked.emplace_back(v, part);
}

void TransportLink::on_space(Sim& sim, int) const {
  auto& s = sim.state_of<LinkState>(*this);
  while (!s.blocked.empty()) {
    const auto [v, part] = s.blocked.front();
    s.blocked.pop_front();
    if (!sim.try_push(*this, 0, part)) {
      s.blocked.emplace_front(v, part);
      return;
    }
    ++s.moved;
    fleet(sim).delivered(sim, v);
  }
}

double TransportLink::occupancy(const Sim& sim) const {
  const auto& s = sim.state_of<LinkState>(*this);
  return static_cast<double>(s.parts.size() + s.blocked.size());
}

std::vector<SignalSpec> TransportLink::signals() const {
  return {{"waiting", "parts", "parts waiting for a vehicle"}};
}
double TransportLink::signal(const Sim& sim, int) const {
  return static_cast<double>(sim.state_of<LinkState>(*this).parts.size());
}
void TransportLink::reset_statistics(Sim& sim) const {
  auto& s = sim.state_of<LinkState>(*this);
  s.moved = 0;
  s.wait.reset();
}
void TransportLink::report(const Sim& sim, std::vector<KpiRow>& rows) const {
  const auto& s = sim.state_of<LinkState>(*this);
  const double nan = std::nan("");
  rows.push_back({name(), "moved", static_cast<double>(s.moved), nan, "parts"});
  rows.push_back({name(), "mean_wait", s.wait.count() ? s.wait.mean() : 0.0, nan, "s"});
}

// ---- Building -------------------------------------------------------------------------

namespace {

// Reads a map from -> {to: value} into the matrix (symmetric where one direction is given).
void read_pairs(ParamReader& p, const char* key, Dimension dim, double scale, FleetParams& fp,
                std::vector<char>& given) {
  const Node* n = p.raw(key);
  if (!n->is_map()) {
    p.error(key, fmt::format("expected a map from -> {{to: {}}}", dimension_example(dim)));
    return;
  }
  auto loc = [&](const std::string& name) {
    auto it = std::find(fp.locations.begin(), fp.locations.end(), name);
    if (it != fp.locations.end()) return static_cast<int>(it - fp.locations.begin());
    fp.locations.push_back(name);
    return static_cast<int>(fp.locations.size() - 1);
  };
  struct Pair {
    int a, b;
    double v;
  };
  std::vector<Pair> pairs;
  for (std::size_t i = 0; i < n->entries.size(); ++i) {
    const auto& [from, inner] = n->entries[i];
    const int a = loc(from);
    const std::string path = p.key_path(key) + "." + from;
    if (!inner.is_map()) {
      p.diagnostics().error(inner.location, path,
                            fmt::format("expected a map {{to: {}}}", dimension_example(dim)));
      continue;
    }
    for (const auto& [to, val] : inner.entries) {
      const int b = loc(to);
      std::string why;
      const auto v = val.is_scalar() ? parse_quantity(val.scalar, dim, &why) : std::nullopt;
      if (!v || *v < 0 || !std::isfinite(*v)) {
        p.diagnostics().error(val.location, path + "." + to,
                              fmt::format("expected {} such as {}{}", dimension_phrase(dim),
                                          dimension_example(dim), why.empty() ? "" : ": " + why));
        pairs.push_back({a, b, 0.0});  // reported: not "no way" as well
        continue;
      }
      pairs.push_back({a, b, *v * scale});
    }
  }
  const std::size_t n_loc = fp.locations.size();
  fp.travel.assign(n_loc * n_loc, 0.0);
  given.assign(n_loc * n_loc, 0);
  for (std::size_t i = 0; i < n_loc; ++i) given[i * n_loc + i] = 1;
  for (const auto& q : pairs) {
    const auto ab = static_cast<std::size_t>(q.a) * n_loc + static_cast<std::size_t>(q.b);
    const auto ba = static_cast<std::size_t>(q.b) * n_loc + static_cast<std::size_t>(q.a);
    fp.travel[ab] = q.v;
    given[ab] = 1;
    if (given[ba] != 2) {  // one direction given: the other the same, unless given itself
      if (!given[ba]) fp.travel[ba] = q.v;
      given[ba] = given[ba] ? given[ba] : 1;
    }
    given[ab] = 2;
  }
}

std::unique_ptr<Component> build_fleet(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  FleetParams fp;
  fp.vehicles = static_cast<int>(p.integer("vehicles", 1, 1, 100000));
  const int ways = p.has("travel_times") + p.has("distances") + p.has("positions");
  std::vector<char> given;
  bool ok = true;
  if (ways != 1) {
    p.error(ways == 0 ? "travel_times" : "positions",
            ways == 0 ? "is required: travel_times, distances (with speed) or positions (with "
                        "speed) give the travel between locations"
                      : "give one of travel_times, distances and positions");
    ok = false;
  }
  const bool needs_speed = p.has("distances") || p.has("positions");
  const double speed =
      needs_speed ? p.quantity("speed", Dimension::kSpeed, std::nullopt, 0, HUGE_VAL, true) : 0.0;
  if (!needs_speed && p.has("speed")) p.error("speed", "is used with distances or positions only");
  if (p.has("distances") && !(speed > 0)) p.allow("distances");  // the missing speed is the error
  if (ok && p.has("travel_times")) read_pairs(p, "travel_times", Dimension::kTime, 1.0, fp, given);
  if (ok && p.has("distances") && speed > 0)
    read_pairs(p, "distances", Dimension::kLength, 1.0 / speed, fp, given);
  if (ok && p.has("positions")) {
    const Node* n = p.raw("positions");
    std::vector<std::pair<double, double>> xy;
    if (!n->is_map()) {
      p.error("positions", "expected a map location -> [x, y] (metres)");
    } else {
      for (const auto& [loc, val] : n->entries) {
        std::optional<double> x, y;
        if (val.is_seq() && val.items.size() == 2 && val.items[0].is_scalar() &&
            val.items[1].is_scalar()) {
          x = parse_quantity(val.items[0].scalar, Dimension::kDimensionless);
          y = parse_quantity(val.items[1].scalar, Dimension::kDimensionless);
        }
        if (!x || !y) {
          p.diagnostics().error(val.location, p.key_path("positions") + "." + loc,
                                "expected [x, y] in metres, such as [12, 3.5]");
          continue;
        }
        fp.locations.push_back(loc);
        xy.emplace_back(*x, *y);
      }
      const std::size_t n_loc = xy.size();
      fp.travel.assign(n_loc * n_loc, 0.0);
      given.assign(n_loc * n_loc, 1);
      if (speed > 0)
        for (std::size_t a = 0; a < n_loc; ++a)
          for (std::size_t b = 0; b < n_loc; ++b)
            fp.travel[a * n_loc + b] =
                std::hypot(xy[a].first - xy[b].first, xy[a].second - xy[b].second) / speed;
    }
  }
  // Every pair must be known: a missing one is named.
  const std::size_t n_loc = fp.locations.size();
  for (std::size_t a = 0; a < n_loc && !given.empty(); ++a)
    for (std::size_t b = a + 1; b < n_loc; ++b)
      if (!given[a * n_loc + b]) {
        p.error(p.has("travel_times") ? "travel_times" : "distances",
                fmt::format("gives no way between {} and {}", fp.locations[a], fp.locations[b]));
        a = n_loc;
        break;
      }
  if (auto d = p.distribution("load_time", Dimension::kTime, false)) fp.load_time = *d;
  if (auto d = p.distribution("unload_time", Dimension::kTime, false)) fp.unload_time = *d;
  if (const Node* home = p.raw("home")) {
    const auto it = std::find(fp.locations.begin(), fp.locations.end(), home->scalar);
    if (it == fp.locations.end() && n_loc > 0)
      p.error("home", fmt::format("\"{}\" is not a location of the fleet (locations: {})",
                                  home->scalar, fmt::join(fp.locations, ", ")));
    else
      fp.home = static_cast<int>(it - fp.locations.begin());
  }
  if (const Node* b = p.raw("battery")) {
    if (!b->is_map()) {
      p.error("battery", "expected a map {run_time: 4 h, charge_time: 45 min}");
    } else {
      ParamReader r(*b, p.key_path("battery"), p.diagnostics(), p.base_dir());
      fp.run_time = r.quantity("run_time", Dimension::kTime, std::nullopt, 0, HUGE_VAL, true);
      fp.charge_time = r.duration("charge_time", std::nullopt);
      r.finish();
    }
  }
  if (fp.locations.empty()) return nullptr;  // errors reported
  return std::make_unique<Fleet>(ctx.name(), std::move(fp));
}

std::unique_ptr<Component> build_link(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, 1, 1, 1);
  std::string fleet;
  if (const Node* f = p.raw("fleet")) {
    if (ctx.check_component(p, "fleet", f->scalar, "fleet")) fleet = f->scalar;
  } else {
    p.error("fleet", "is required: the fleet whose vehicles move the parts");
  }
  const std::string from = p.text("from", ctx.inputs().empty() ? "" : ctx.inputs()[0]);
  const std::string to = p.text("to", ctx.outputs().empty() ? "" : ctx.outputs()[0]);
  const int capacity = static_cast<int>(p.integer("capacity", 1, 1, 1000000));
  if (!fleet.empty()) {
    const auto locs = declared_locations(ctx, fleet);
    for (const auto& [key, loc] : {std::pair{"from", from}, std::pair{"to", to}}) {
      if (locs && !locs->empty() && std::find(locs->begin(), locs->end(), loc) == locs->end())
        p.error(key, fmt::format("\"{}\" is not a location of fleet {} (locations: {}){}", loc,
                                 fleet, fmt::join(*locs, ", "),
                                 p.has(key) ? "" : fmt::format("; give {} explicitly", key)));
    }
  }
  if (fleet.empty()) return nullptr;
  return std::make_unique<TransportLink>(ctx.name(), fleet, from, to, capacity);
}

}  // namespace

std::optional<std::vector<std::string>> declared_locations(BuildContext& ctx,
                                                           const std::string& fleet) {
  if (ctx.component_type(fleet) != "fleet") return std::nullopt;
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  const Node* node = ctx.scenario_components().find(fleet);
  if (!node || !node->is_map()) return out;
  for (const char* key : {"travel_times", "distances", "positions"}) {
    const Node* m = node->find(key);
    if (!m || !m->is_map()) continue;
    for (const auto& [from, inner] : m->entries) {
      add(from);
      if (inner.is_map())
        for (const auto& [to, v] : inner.entries) add(to);
    }
  }
  return out;
}

void register_transport(Registry& registry) {
  registry.add("fleet", "vehicles (AGVs, forklifts) that move parts between locations",
               build_fleet);
  registry.add("transport", "parts wait here for a vehicle of a fleet to move them", build_link);
}

}  // namespace plantwin::transport
