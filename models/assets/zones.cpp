#include "zones.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace plantwin::assets {

namespace {
struct Empty : ClonableState<Empty> {};
constexpr int kPresenceEvent = 1;
}  // namespace

int Zones::index(const std::string& zone) const {
  const auto it = std::find(zones_.begin(), zones_.end(), zone);
  return it == zones_.end() ? -1 : static_cast<int>(it - zones_.begin());
}

std::unique_ptr<ComponentState> Zones::make_state(const StreamSeed&) const {
  return std::make_unique<Empty>();
}

struct Rfid::RfidState : ClonableState<RfidState> {
  int zones = -1;              // component index of the zones
  std::vector<char> reader;    // per zone
  std::vector<int> actual;     // per tag: where it is
  std::vector<int> seen_zone;  // per tag: where it was last read (-1: never)
  std::vector<double> seen_at;
  std::int64_t reads = 0, misses = 0;
  double lost_sum = 0;
  std::int64_t lost_checks = 0;
  Rng rng;
};

std::unique_ptr<ComponentState> Rfid::make_state(const StreamSeed& seed) const {
  auto s = std::make_unique<RfidState>();
  s->rng = Rng::stream(seed.seed, seed.replication, name(), "reads");
  return s;
}

void Rfid::reseed(Sim& sim, const StreamSeed& seed) const {
  sim.state_of<RfidState>(*this).rng = Rng::stream(seed.seed, seed.replication, name(), "reads");
}

void Rfid::resolve(const Sim& sim, RfidState& s) const {
  if (s.zones >= 0) return;
  const Model& m = sim.model();
  const int id = m.find_component(zones_name_);
  const auto* z = id < 0 ? nullptr : dynamic_cast<const Zones*>(&m.component(id));
  if (!z)  // compile() checked it
    throw std::logic_error(fmt::format("{}: \"{}\" is not a zones component", name(), zones_name_));
  s.zones = id;
  s.reader.assign(z->names().size(), reader_names_.empty() ? 1 : 0);
  for (const auto& r : reader_names_)
    if (const int i = z->index(r); i >= 0) s.reader[static_cast<std::size_t>(i)] = 1;
}

const Zones& Rfid::zones(const Sim& sim) const {
  const Model& m = sim.model();
  const int id = m.find_component(zones_name_);
  return static_cast<const Zones&>(m.component(id));  // checked in resolve()
}

int Rfid::attach(Sim& sim, int n, const std::vector<int>& zones) const {
  auto& s = sim.state_of<RfidState>(*this);
  resolve(sim, s);
  const int first = static_cast<int>(s.actual.size());
  for (int i = 0; i < n; ++i) {
    s.actual.push_back(zones[static_cast<std::size_t>(i)]);
    s.seen_zone.push_back(-1);
    s.seen_at.push_back(sim.now());  // lost counts from the start, not from the epoch
    read(sim, s, first + i, zones[static_cast<std::size_t>(i)]);
  }
  return first;
}

void Rfid::read(Sim& sim, RfidState& s, int tag, int zone) const {
  if (!s.reader[static_cast<std::size_t>(zone)]) return;
  if (miss_ > 0 && s.rng.uniform() < miss_) {
    ++s.misses;
    return;
  }
  ++s.reads;
  s.seen_zone[static_cast<std::size_t>(tag)] = zone;
  s.seen_at[static_cast<std::size_t>(tag)] = sim.now();
}

void Rfid::zone_change(Sim& sim, int tag, int zone) const {
  auto& s = sim.state_of<RfidState>(*this);
  s.actual[static_cast<std::size_t>(tag)] = zone;
  read(sim, s, tag, zone);
}

int Rfid::believed_zone(const Sim& sim, int tag) const {
  return sim.state_of<RfidState>(*this).seen_zone[static_cast<std::size_t>(tag)];
}

void Rfid::start(Sim& sim) const {
  resolve(sim, sim.state_of<RfidState>(*this));
  // Presence reads (and the lost count) after the moves of the same time (priority 1).
  sim.schedule_in(period_ > 0 ? period_ : 600.0, *this, kPresenceEvent, 0, 1);
}

void Rfid::on_event(Sim& sim, int, std::int64_t) const {
  auto& s = sim.state_of<RfidState>(*this);
  if (period_ > 0)
    for (std::size_t t = 0; t < s.actual.size(); ++t)
      read(sim, s, static_cast<int>(t), s.actual[t]);
  s.lost_sum += lost(sim, s);
  ++s.lost_checks;
  sim.schedule_in(period_ > 0 ? period_ : 600.0, *this, kPresenceEvent, 0, 1);
}

int Rfid::lost(const Sim& sim, const RfidState& s) const {
  int n = 0;
  for (double at : s.seen_at)
    if (sim.now() - at >= lost_after_) ++n;
  return n;
}

std::vector<SignalSpec> Rfid::signals() const {
  return {{"reads", "reads", "tag reads since the statistics restart"},
          {"misses", "reads", "missed reads since the statistics restart"},
          {"lost", "tags", "tags not read for lost_after"},
          {"read", "", "a read event from a live reader: tag * 1000 + zone (state sync)"}};
}

double Rfid::signal(const Sim& sim, int index) const {
  const auto& s = sim.state_of<RfidState>(*this);
  if (index == 0) return static_cast<double>(s.reads);
  if (index == 1) return static_cast<double>(s.misses);
  if (index == 2) return lost(sim, s);
  return std::nan("");
}

void Rfid::measure(Sim& sim, int, double value) const {
  auto& s = sim.state_of<RfidState>(*this);
  resolve(sim, s);
  if (!std::isfinite(value) || value < 0 || value != std::floor(value))
    throw std::invalid_argument(
        fmt::format("a read is tag * 1000 + zone, a whole number >= 0, got {}", value));
  const auto tag = static_cast<std::int64_t>(value) / 1000;
  const auto zone = static_cast<int>(static_cast<std::int64_t>(value) % 1000);
  if (tag >= static_cast<std::int64_t>(s.actual.size()))
    throw std::invalid_argument(
        fmt::format("no tag {} (tags 0 to {})", tag, static_cast<int>(s.actual.size()) - 1));
  if (zone >= static_cast<int>(s.reader.size()))
    throw std::invalid_argument(
        fmt::format("no zone {} (zones 0 to {})", zone, static_cast<int>(s.reader.size()) - 1));
  ++s.reads;
  s.seen_zone[static_cast<std::size_t>(tag)] = zone;
  s.seen_at[static_cast<std::size_t>(tag)] = sim.now();
}

void Rfid::reset_statistics(Sim& sim) const {
  auto& s = sim.state_of<RfidState>(*this);
  s.reads = s.misses = 0;
  s.lost_sum = 0;
  s.lost_checks = 0;
}

void Rfid::report(const Sim& sim, std::vector<KpiRow>& rows) const {
  const auto& s = sim.state_of<RfidState>(*this);
  const double nan = std::nan("");
  const double all = static_cast<double>(s.reads + s.misses);
  rows.push_back({name(), "reads", static_cast<double>(s.reads), nan, "count"});
  rows.push_back({name(), "misses", static_cast<double>(s.misses), nan, "count"});
  rows.push_back({name(), "miss_share", all > 0 ? s.misses / all : nan, nan, "share"});
  rows.push_back({name(), "lost_mean",
                  s.lost_checks ? s.lost_sum / static_cast<double>(s.lost_checks) : 0.0, nan,
                  "tags"});
  rows.push_back({name(), "lost_end", static_cast<double>(lost(sim, s)), nan, "tags"});
}

// ---- Building -------------------------------------------------------------------------

namespace {

std::unique_ptr<Component> build_zones(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  const double speed = p.quantity("speed", Dimension::kSpeed, 1.0, 0, HUGE_VAL, true);
  std::vector<std::string> names;
  std::vector<std::pair<double, double>> xy;
  const Node* n = p.raw("positions");
  if (!n) {
    p.error("positions", "is required: a map zone -> [x, y] in metres");
    return nullptr;
  }
  if (!n->is_map() || n->entries.empty()) {
    p.error("positions", "expected a map zone -> [x, y] in metres, such as {ward_a: [0, 40]}");
    return nullptr;
  }
  for (const auto& [zone, val] : n->entries) {
    std::optional<double> x, y;
    if (val.is_seq() && val.items.size() == 2 && val.items[0].is_scalar() &&
        val.items[1].is_scalar()) {
      x = parse_quantity(val.items[0].scalar, Dimension::kDimensionless);
      y = parse_quantity(val.items[1].scalar, Dimension::kDimensionless);
    }
    if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y)) {
      p.diagnostics().error(val.location, p.key_path("positions") + "." + zone,
                            "expected [x, y] in metres, such as [12, 3.5]");
      continue;
    }
    names.push_back(zone);
    xy.emplace_back(*x, *y);
  }
  if (names.size() > 999) p.error("positions", "at most 999 zones");
  std::vector<double> travel(names.size() * names.size());
  for (std::size_t a = 0; a < names.size(); ++a)
    for (std::size_t b = 0; b < names.size(); ++b)
      travel[a * names.size() + b] =
          std::hypot(xy[a].first - xy[b].first, xy[a].second - xy[b].second) / speed;
  return std::make_unique<Zones>(ctx.name(), std::move(names), std::move(travel));
}

std::unique_ptr<Component> build_rfid(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  std::string zones;
  if (const Node* z = p.raw("zones")) {
    if (ctx.check_component(p, "zones", z->scalar, "zones")) zones = z->scalar;
  } else {
    p.error("zones", "is required: the zones component with the floor plan");
  }
  std::vector<std::string> readers;
  if (const Node* r = p.raw("readers")) {
    const auto known =
        zones.empty() ? std::optional<std::vector<std::string>>{} : declared_zones(ctx, zones);
    if (!r->is_seq()) {
      p.error("readers", "expected a list of zones with a reader, such as [ward_a, store]");
    } else {
      for (std::size_t i = 0; i < r->items.size(); ++i) {
        const Node& item = r->items[i];
        if (known && std::find(known->begin(), known->end(), item.scalar) == known->end()) {
          p.diagnostics().error(item.location, fmt::format("{}[{}]", p.key_path("readers"), i),
                                fmt::format("\"{}\" is not a zone of {} (zones: {})", item.scalar,
                                            zones, fmt::join(*known, ", ")));
          continue;
        }
        readers.push_back(item.scalar);
      }
      if (readers.empty() && r->items.empty()) readers.push_back("");  // no reader at all
    }
  }
  const double miss = p.probability("miss", 0.0);
  const double period = p.has("period") ? ctx.period("period", std::nullopt) : 0.0;
  const double lost_after =
      p.quantity("lost_after", Dimension::kTime, 8 * 3600.0, 0, HUGE_VAL, true);
  if (zones.empty()) return nullptr;
  return std::make_unique<Rfid>(ctx.name(), zones, std::move(readers), miss, period, lost_after);
}

}  // namespace

std::optional<std::vector<std::string>> declared_zones(BuildContext& ctx,
                                                       const std::string& zones) {
  if (ctx.component_type(zones) != "zones") return std::nullopt;
  std::vector<std::string> out;
  const Node* node = ctx.scenario_components().find(zones);
  if (!node || !node->is_map()) return out;
  if (const Node* pos = node->find("positions"); pos && pos->is_map())
    for (const auto& [z, v] : pos->entries) out.push_back(z);
  return out;
}

void register_zones(Registry& registry) {
  registry.add("zones", "a floor plan: named zones and walking times between them", build_zones);
  registry.add("rfid", "RFID readers on zones: where tagged things were last seen", build_rfid);
}

}  // namespace plantwin::assets
