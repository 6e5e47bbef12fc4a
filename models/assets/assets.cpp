#include "assets.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plantwin/sim.h"
#include "resources/pool.h"
#include "zones.h"

namespace plantwin::assets {
namespace {

using resources::Pool;

class Ward;

enum AssetState : std::uint8_t {
  kFree = 0,
  kFetching = 1,  // reserved for a request: a porter on the way, searching or carrying
  kInUse = 2,
  kDirty = 3,     // used, waiting to be taken to cleaning or on the way there
  kCleaning = 4,  // waiting for or in cleaning
};

// Events of an assets component (arg: the asset).
enum AssetEvent : int {
  kFound = 1,   // the porter has it in hand
  kAtWard = 2,  // delivered
  kUseDone = 3,
  kCollected = 4,  // on its way to cleaning
  kAtCleaning = 5,
  kCleaned = 6,
  kDrift = 7,
};
// Pool grant tags: porter 2 * asset, cleaner 2 * asset + 1.

struct Request {
  int ward;  // component index
  double since;
  double within;
};

struct AssetParams {
  std::string zones, tracker;
  std::vector<std::string> placed_in;
  int count = 1;
  Distribution use_time, collect_time = Distribution::constant(0);
  Distribution clean_time, search_time = Distribution::constant(600);
  std::optional<Distribution> drift;
  std::string clean_zone, clean_pool, clean_skill, porter_pool, porter_skill;
};

struct Asset {
  AssetState state = kFree;
  int zone = 0;
  int tag = -1;
  Request req{};
  double fetch_start = 0;
  double since = 0;
  EventHandle drift;
};

struct AssetsState : ClonableState<AssetsState> {
  bool ready = false;
  int zones = -1, tracker = -1, porters = -1, cleaners = -1;
  int porter_skill = -1, cleaner_skill = -1, clean_zone = -1;
  std::vector<int> placed;
  std::vector<Asset> assets;
  std::deque<Request> queue;
  int counts[5] = {};
  double acc[5] = {};
  double last = 0, stats_start = 0;
  std::int64_t requests = 0, served = 0, within = 0, misplaced = 0;
  Tally response, search;
  Rng use, collect, clean, search_rng, drift;

  void advance(double t) {
    for (int k = 0; k < 5; ++k) acc[k] += counts[k] * (t - last);
    last = t;
  }
};

class Assets final : public Component {
 public:
  Assets(std::string name, AssetParams p)
      : Component(std::move(name), "assets"), p_(std::move(p)) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<AssetsState>();
    seed_streams(*s, seed);
    return s;
  }
  void reseed(Sim& sim, const StreamSeed& seed) const override {
    seed_streams(sim.state_of<AssetsState>(*this), seed);
  }
  void start(Sim& sim) const override { ready(sim); }

  /// Ward `ward` asks for an asset now.
  void request(Sim& sim, const Component& ward, double within) const {
    auto& s = ready(sim);
    ++s.requests;
    const Request r{ward.id(), sim.now(), within};
    const int a = nearest_free(sim, s, r.ward);
    if (a < 0) {
      s.queue.push_back(r);
      return;
    }
    dispatch(sim, s, a, r);
  }

  void on_event(Sim& sim, int kind, std::int64_t arg) const override {
    auto& s = ready(sim);
    if (kind == Pool::kGrantedEvent) {
      const int tag = Pool::grant_tag(arg);
      const int a = tag / 2;
      if (tag % 2 == 0) {
        fetch(sim, s, a, Pool::grant_worker(arg));
      } else {
        sim.schedule_in(p_.clean_time.sample(s.clean), *this, kCleaned,
                        (static_cast<std::int64_t>(Pool::grant_worker(arg)) << 32) | a);
      }
      return;
    }
    const int a = static_cast<int>(arg & 0xffffffff);
    Asset& as = s.assets[static_cast<std::size_t>(a)];
    const Zones& z = zones(sim, s);
    switch (kind) {
      case kFound: {
        const int porter = static_cast<int>(arg >> 32) - 1;
        s.search.add(sim.now() - as.fetch_start);
        const int ward_zone = ward_zone_of(sim, as.req.ward);
        sim.schedule_in(z.travel_time(as.zone, ward_zone), *this, kAtWard,
                        (static_cast<std::int64_t>(porter + 1) << 32) | a);
        break;
      }
      case kAtWard: {
        const int porter = static_cast<int>(arg >> 32) - 1;
        move(sim, s, a, ward_zone_of(sim, as.req.ward));
        if (porter >= 0) pool(sim, s.porters).release(sim, porter);
        const double response = sim.now() - as.req.since;
        ++s.served;
        s.response.add(response);
        if (response <= as.req.within) ++s.within;
        ward_served(sim, as.req.ward, response);
        set_state(sim, s, a, kInUse);
        sim.schedule_in(p_.use_time.sample(s.use), *this, kUseDone, a);
        break;
      }
      case kUseDone:
        set_state(sim, s, a, kDirty);
        sim.schedule_in(p_.collect_time.sample(s.collect), *this, kCollected, a);
        break;
      case kCollected:
        sim.schedule_in(z.travel_time(as.zone, s.clean_zone), *this, kAtCleaning, a);
        break;
      case kAtCleaning:
        move(sim, s, a, s.clean_zone);
        set_state(sim, s, a, kCleaning);
        if (s.cleaners >= 0)
          pool(sim, s.cleaners).request(sim, *this, s.cleaner_skill, Pool::kOperate, 2 * a + 1);
        else
          sim.schedule_in(p_.clean_time.sample(s.clean), *this, kCleaned, a);
        break;
      case kCleaned: {
        if (s.cleaners >= 0) pool(sim, s.cleaners).release(sim, static_cast<int>(arg >> 32));
        set_state(sim, s, a, kFree);
        free_asset(sim, s, a);
        break;
      }
      case kDrift: {
        if (as.state != kFree) break;
        const int to = s.placed[static_cast<std::size_t>(s.drift.uniform() *
                                                         static_cast<double>(s.placed.size()))];
        move(sim, s, a, to);
        as.drift = sim.schedule_in(p_.drift->sample(s.drift), *this, kDrift, a);
        break;
      }
      default:
        break;
    }
  }

  std::vector<SignalSpec> signals() const override {
    return {{"free", "assets", "assets clean and free"},
            {"in_use", "assets", "assets in use by a patient"},
            {"waiting", "requests", "requests waiting for an asset"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<AssetsState>(*this);
    if (index == 0) return s.counts[kFree];
    if (index == 1) return s.counts[kInUse];
    return static_cast<double>(s.queue.size());
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<AssetsState>(*this);
    s.advance(sim.now());
    for (double& x : s.acc) x = 0;
    s.stats_start = sim.now();
    s.requests = s.served = s.within = s.misplaced = 0;
    s.response.reset();
    s.search.reset();
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    AssetsState s = sim.state_of<AssetsState>(*this);
    s.advance(sim.now());
    const double nan = std::nan("");
    const double total = (sim.now() - s.stats_start) * static_cast<double>(s.assets.size());
    const double served = static_cast<double>(s.served);
    rows.push_back({name(), "requests", static_cast<double>(s.requests), nan, "count"});
    rows.push_back({name(), "served", served, nan, "count"});
    rows.push_back({name(), "served_within", served > 0 ? s.within / served : nan, nan, "share"});
    rows.push_back(
        {name(), "mean_response", s.response.count() ? s.response.mean() : nan, nan, "s"});
    rows.push_back({name(), "mean_search", s.search.count() ? s.search.mean() : nan, nan, "s"});
    rows.push_back({name(), "misplaced_share",
                    s.search.count() ? s.misplaced / static_cast<double>(s.search.count()) : nan,
                    nan, "share"});
    rows.push_back({name(), "utilisation", total > 0 ? s.acc[kInUse] / total : nan, nan, "share"});
    rows.push_back(
        {name(), "busy_share", total > 0 ? 1 - s.acc[kFree] / total : nan, nan, "share"});
    rows.push_back({name(), "unserved", static_cast<double>(s.queue.size()), nan, "count"});
  }

 private:
  void seed_streams(AssetsState& s, const StreamSeed& seed) const {
    s.use = Rng::stream(seed.seed, seed.replication, name(), "use");
    s.collect = Rng::stream(seed.seed, seed.replication, name(), "collect");
    s.clean = Rng::stream(seed.seed, seed.replication, name(), "clean");
    s.search_rng = Rng::stream(seed.seed, seed.replication, name(), "search");
    s.drift = Rng::stream(seed.seed, seed.replication, name(), "drift");
  }
  // Finds the components it works with and places the assets (at start(), or at the first
  // request: a ward may ask first).
  AssetsState& ready(Sim& sim) const {
    auto& s = sim.state_of<AssetsState>(*this);
    if (s.ready) return s;
    s.ready = true;
    const Model& m = sim.model();
    auto find = [&](const std::string& n) { return n.empty() ? -1 : m.find_component(n); };
    s.zones = find(p_.zones);
    s.tracker = find(p_.tracker);
    s.porters = find(p_.porter_pool);
    s.cleaners = find(p_.clean_pool);
    const auto* z = dynamic_cast<const Zones*>(&m.component(s.zones));
    if (!z || (s.tracker >= 0 && !dynamic_cast<const Rfid*>(&m.component(s.tracker))) ||
        (s.porters >= 0 && !dynamic_cast<const Pool*>(&m.component(s.porters))) ||
        (s.cleaners >= 0 && !dynamic_cast<const Pool*>(&m.component(s.cleaners))))
      throw std::logic_error(fmt::format("{}: a reference of the wrong kind", name()));
    if (s.porters >= 0) s.porter_skill = pool(sim, s.porters).skill_index(p_.porter_skill);
    if (s.cleaners >= 0) s.cleaner_skill = pool(sim, s.cleaners).skill_index(p_.clean_skill);
    s.clean_zone = z->index(p_.clean_zone);
    for (const auto& zn : p_.placed_in) s.placed.push_back(z->index(zn));
    std::vector<int> start_zones;
    for (int zone : s.placed)
      for (int k = 0; k < p_.count; ++k) start_zones.push_back(zone);
    s.assets.resize(start_zones.size());
    s.counts[kFree] = static_cast<int>(start_zones.size());
    s.last = s.stats_start = sim.now();
    int first = -1;
    if (s.tracker >= 0)
      first = tracker(sim, s).attach(sim, static_cast<int>(start_zones.size()), start_zones);
    for (std::size_t a = 0; a < s.assets.size(); ++a) {
      Asset& as = s.assets[a];
      as.zone = start_zones[a];
      as.tag = first < 0 ? -1 : first + static_cast<int>(a);
      if (p_.drift)
        as.drift =
            sim.schedule_in(p_.drift->sample(s.drift), *this, kDrift, static_cast<std::int64_t>(a));
    }
    return s;
  }
  const Zones& zones(const Sim& sim, const AssetsState& s) const {
    return static_cast<const Zones&>(sim.model().component(s.zones));
  }
  const Rfid& tracker(const Sim& sim, const AssetsState& s) const {
    return static_cast<const Rfid&>(sim.model().component(s.tracker));
  }
  const Pool& pool(const Sim& sim, int id) const {
    return static_cast<const Pool&>(sim.model().component(id));
  }
  int ward_zone_of(const Sim& sim, int ward) const;
  void ward_served(Sim& sim, int ward, double response) const;

  int believed(const Sim& sim, const AssetsState& s, const Asset& as) const {
    return s.tracker >= 0 ? tracker(sim, s).believed_zone(sim, as.tag) : as.zone;
  }
  int nearest_free(const Sim& sim, const AssetsState& s, int ward) const {
    const int wz = ward_zone_of(sim, ward);
    const Zones& z = zones(sim, s);
    int best = -1;
    double best_t = HUGE_VAL;
    for (std::size_t a = 0; a < s.assets.size(); ++a) {
      const Asset& as = s.assets[a];
      if (as.state != kFree) continue;
      const int b = believed(sim, s, as);
      // Never seen: the porter would have to search from the ward.
      const double t = b < 0 ? 1e300 : z.travel_time(wz, b);
      if (t < best_t) {
        best_t = t;
        best = static_cast<int>(a);
      }
    }
    return best;
  }
  void set_state(Sim& sim, AssetsState& s, int a, AssetState st) const {
    Asset& as = s.assets[static_cast<std::size_t>(a)];
    s.advance(sim.now());
    --s.counts[as.state];
    ++s.counts[st];
    as.state = st;
  }
  void move(Sim& sim, AssetsState& s, int a, int zone) const {
    Asset& as = s.assets[static_cast<std::size_t>(a)];
    if (as.zone == zone) return;
    as.zone = zone;
    if (s.tracker >= 0) tracker(sim, s).zone_change(sim, as.tag, zone);
  }
  void dispatch(Sim& sim, AssetsState& s, int a, const Request& r) const {
    Asset& as = s.assets[static_cast<std::size_t>(a)];
    as.req = r;
    sim.cancel(as.drift);
    set_state(sim, s, a, kFetching);
    if (s.porters >= 0)
      pool(sim, s.porters).request(sim, *this, s.porter_skill, Pool::kOperate, 2 * a);
    else
      fetch(sim, s, a, -1);
  }
  // The porter (or a nurse: -1) sets out from the ward to where the asset is believed to be.
  void fetch(Sim& sim, AssetsState& s, int a, int porter) const {
    Asset& as = s.assets[static_cast<std::size_t>(a)];
    as.fetch_start = sim.now();
    const Zones& z = zones(sim, s);
    const int wz = ward_zone_of(sim, as.req.ward);
    const int b = believed(sim, s, as);
    double t = 0;
    if (b == as.zone) {
      t = z.travel_time(wz, as.zone);
    } else {  // not there: search, then go to it
      ++s.misplaced;
      t = (b >= 0 ? z.travel_time(wz, b) : 0.0) + p_.search_time.sample(s.search_rng) +
          z.travel_time(b >= 0 ? b : wz, as.zone);
    }
    sim.schedule_in(t, *this, kFound, (static_cast<std::int64_t>(porter + 1) << 32) | a);
  }
  void free_asset(Sim& sim, AssetsState& s, int a) const {
    if (!s.queue.empty()) {
      const Request r = s.queue.front();
      s.queue.pop_front();
      dispatch(sim, s, a, r);
      return;
    }
    if (p_.drift)
      s.assets[static_cast<std::size_t>(a)].drift =
          sim.schedule_in(p_.drift->sample(s.drift), *this, kDrift, a);
  }

  AssetParams p_;
};

// ---- The ward ----------------------------------------------------------------------------

struct WardParams {
  std::string zone;
  std::vector<std::pair<std::string, double>> requests;  // assets component, mean rate (/s)
  double weight[24];
  double max_weight = 1;
  double within = 900;
};

struct WardState : ClonableState<WardState> {
  std::vector<int> assets;  // component indices, per request class
  std::vector<Rng> arrivals;
  std::int64_t requests = 0, served = 0, within = 0;
  Tally response;
};

class Ward final : public Component {
 public:
  Ward(std::string name, WardParams p) : Component(std::move(name), "ward"), p_(std::move(p)) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<WardState>();
    for (const auto& [assets, rate] : p_.requests)
      s->arrivals.push_back(Rng::stream(seed.seed, seed.replication, name(), assets));
    return s;
  }
  void reseed(Sim& sim, const StreamSeed& seed) const override {
    auto& s = sim.state_of<WardState>(*this);
    for (std::size_t i = 0; i < p_.requests.size(); ++i)
      s.arrivals[i] = Rng::stream(seed.seed, seed.replication, name(), p_.requests[i].first);
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<WardState>(*this);
    for (const auto& [assets, rate] : p_.requests)
      s.assets.push_back(sim.model().find_component(assets));
    for (std::size_t i = 0; i < p_.requests.size(); ++i) next(sim, s, static_cast<int>(i));
  }
  int zone_of(const Sim&) const { return zone_index_; }
  void set_zone_index(int z) { zone_index_ = z; }
  // Thinning: candidates at the highest rate, each kept with the share of the hour's weight.
  void next(Sim& sim, WardState& s, int i) const {
    const double max_rate = p_.requests[static_cast<std::size_t>(i)].second * p_.max_weight;
    Rng& rng = s.arrivals[static_cast<std::size_t>(i)];
    double t = sim.now();
    for (int guard = 0; guard < 1000000; ++guard) {
      t += -std::log(rng.uniform_pos()) / max_rate;
      const int hour = static_cast<int>(std::fmod(t, 86400.0) / 3600.0) % 24;
      if (rng.uniform() * p_.max_weight < p_.weight[hour]) break;
    }
    sim.schedule_at(t, *this, 1, i);
  }
  void on_event(Sim& sim, int, std::int64_t arg) const override {
    auto& s = sim.state_of<WardState>(*this);
    ++s.requests;
    const int i = static_cast<int>(arg);
    static_cast<const Assets&>(sim.model().component(s.assets[static_cast<std::size_t>(i)]))
        .request(sim, *this, p_.within);
    next(sim, s, i);
  }
  void served(Sim& sim, double response) const {
    auto& s = sim.state_of<WardState>(*this);
    ++s.served;
    if (response <= p_.within) ++s.within;
    s.response.add(response);
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<WardState>(*this);
    s.requests = s.served = s.within = 0;
    s.response.reset();
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<WardState>(*this);
    const double nan = std::nan("");
    rows.push_back({name(), "requests", static_cast<double>(s.requests), nan, "count"});
    rows.push_back({name(), "served_within",
                    s.served ? s.within / static_cast<double>(s.served) : nan, nan, "share"});
    rows.push_back(
        {name(), "mean_response", s.response.count() ? s.response.mean() : nan, nan, "s"});
  }

 private:
  WardParams p_;
  int zone_index_ = -1;
};

int Assets::ward_zone_of(const Sim& sim, int ward) const {
  return static_cast<const Ward&>(sim.model().component(ward)).zone_of(sim);
}
void Assets::ward_served(Sim& sim, int ward, double response) const {
  static_cast<const Ward&>(sim.model().component(ward)).served(sim, response);
}

// ---- Building ----------------------------------------------------------------------------

// A zone name under `key` of `r`, checked against the zones component `zones`.
std::string read_zone(ParamReader& r, BuildContext& ctx, const std::string& zones, const char* key,
                      std::optional<std::string> fallback) {
  const std::string zone = r.text(key, fallback);
  if (zone.empty() || zones.empty()) return zone;
  const auto known = declared_zones(ctx, zones);
  if (known && std::find(known->begin(), known->end(), zone) == known->end())
    r.error(key, fmt::format("\"{}\" is not a zone of {} (zones: {})", zone, zones,
                             fmt::join(*known, ", ")));
  return zone;
}

// {pool: name, skill: name} under `key`.
void read_pool_ref(ParamReader& r, BuildContext& ctx, std::string& pool, std::string& skill) {
  const Node* n = r.raw("pool");
  if (!n) return;
  if (!ctx.check_component(r, "pool", n->scalar, "pool")) return;
  pool = n->scalar;
  if (const Node* sk = r.raw("skill")) {
    const auto skills = resources::declared_skills(ctx, pool);
    if (skills && std::find(skills->begin(), skills->end(), sk->scalar) == skills->end())
      r.error("skill", fmt::format("pool \"{}\" has no skill \"{}\"", pool, sk->scalar));
    skill = sk->scalar;
  }
}

std::unique_ptr<Component> build_assets(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  AssetParams ap;
  bool ok = true;
  if (const Node* z = p.raw("zones")) {
    if (ctx.check_component(p, "zones", z->scalar, "zones")) ap.zones = z->scalar;
  } else {
    p.error("zones", "is required: the zones component with the floor plan");
  }
  if (const Node* t = p.raw("tracker"))
    if (ctx.check_component(p, "tracker", t->scalar, "rfid")) ap.tracker = t->scalar;
  ap.count = static_cast<int>(p.integer("count", 1, 0, 100000));
  if (const Node* pl = p.raw("placed_in")) {
    const auto known = ap.zones.empty() ? std::nullopt : declared_zones(ctx, ap.zones);
    if (!pl->is_seq() || pl->items.empty()) {
      p.error("placed_in", "expected a list of zones, such as [ward_a, ward_b]");
      ok = false;
    } else {
      for (std::size_t i = 0; i < pl->items.size(); ++i) {
        const std::string& zn = pl->items[i].scalar;
        if (known && std::find(known->begin(), known->end(), zn) == known->end()) {
          p.diagnostics().error(pl->items[i].location,
                                fmt::format("{}[{}]", p.key_path("placed_in"), i),
                                fmt::format("\"{}\" is not a zone of {} (zones: {})", zn, ap.zones,
                                            fmt::join(*known, ", ")));
          ok = false;
        }
        ap.placed_in.push_back(zn);
      }
    }
  } else {
    p.error("placed_in", "is required: the zones where the assets start");
    ok = false;
  }
  auto use = p.distribution("use_time", Dimension::kTime, true);
  if (auto d = p.distribution("collect_time", Dimension::kTime, false)) ap.collect_time = *d;
  if (auto d = p.distribution("search_time", Dimension::kTime, false)) ap.search_time = *d;
  ap.drift = p.distribution("drift", Dimension::kTime, false);
  if (ap.drift && ap.drift->mean() <= 0) p.error("drift", "must have a positive mean");
  std::optional<Distribution> clean;
  if (const Node* c = p.raw("cleaning")) {
    if (!c->is_map()) {
      p.error("cleaning", "expected a map {zone: sterile, time: 30 min, pool: cleaners}");
    } else {
      ParamReader r(*c, p.key_path("cleaning"), p.diagnostics(), p.base_dir());
      ap.clean_zone = read_zone(r, ctx, ap.zones, "zone", std::nullopt);
      clean = r.distribution("time", Dimension::kTime, true);
      read_pool_ref(r, ctx, ap.clean_pool, ap.clean_skill);
      r.finish();
    }
  } else {
    p.error("cleaning",
            "is required: {zone: sterile, time: 30 min}, where and how long assets "
            "are cleaned after each use");
  }
  if (const Node* c = p.raw("porters")) {
    if (!c->is_map()) {
      p.error("porters", "expected a map {pool: porters, skill: transport}");
    } else {
      ParamReader r(*c, p.key_path("porters"), p.diagnostics(), p.base_dir());
      read_pool_ref(r, ctx, ap.porter_pool, ap.porter_skill);
      if (!r.has("pool")) r.error("pool", "is required: the pool whose workers fetch assets");
      r.finish();
    }
  }
  if (!ok || !use || !clean || ap.zones.empty() || ap.clean_zone.empty()) return nullptr;
  ap.use_time = *use;
  ap.clean_time = *clean;
  return std::make_unique<Assets>(ctx.name(), std::move(ap));
}

std::unique_ptr<Component> build_ward(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  WardParams wp;
  std::string zones;
  const Node* req = p.raw("requests");
  if (!req || !req->is_map() || req->entries.empty()) {
    p.error("requests", "expected a map assets -> mean rate, such as {pumps: 1.2 /h}");
    return nullptr;
  }
  for (const auto& [assets, rate] : req->entries) {
    const std::string path = p.key_path("requests") + "." + assets;
    if (!ctx.check_component_at(p.diagnostics(), rate.location, path, assets, "assets")) continue;
    std::string why;
    const auto v =
        rate.is_scalar() ? parse_quantity(rate.scalar, Dimension::kRate, &why) : std::nullopt;
    if (!v || !(*v > 0) || !std::isfinite(*v)) {
      p.diagnostics().error(
          rate.location, path,
          fmt::format("expected a positive rate such as 1.2 /h{}", why.empty() ? "" : ": " + why));
      continue;
    }
    wp.requests.emplace_back(assets, *v);
    if (zones.empty())
      if (const Node* a = ctx.scenario_components().find(assets))
        if (const Node* z = a->find("zones"); z && z->is_scalar()) zones = z->scalar;
  }
  wp.zone = read_zone(p, ctx, zones, "zone", ctx.name());
  for (double& w : wp.weight) w = 1;
  if (const Node* bh = p.raw("by_hour")) {
    bool good = bh->is_seq() && bh->items.size() == 24;
    double sum = 0;
    for (std::size_t h = 0; good && h < 24; ++h) {
      const auto v = bh->items[h].is_scalar()
                         ? parse_quantity(bh->items[h].scalar, Dimension::kDimensionless)
                         : std::nullopt;
      if (!v || *v < 0 || !std::isfinite(*v))
        good = false;
      else
        wp.weight[h] = *v, sum += *v;
    }
    if (!good || !(sum > 0)) {
      p.error("by_hour", "expected 24 weights >= 0 (00:00-01:00 first), not all zero");
    } else {
      for (double& w : wp.weight) w *= 24 / sum;  // mean 1: the rates stay the mean rates
    }
  }
  wp.max_weight = *std::max_element(std::begin(wp.weight), std::end(wp.weight));
  wp.within = p.quantity("within", Dimension::kTime, 900.0, 0, HUGE_VAL, true);
  if (wp.requests.empty()) return nullptr;
  const std::string zone_name = wp.zone;
  auto ward = std::make_unique<Ward>(ctx.name(), std::move(wp));
  if (!zones.empty()) {
    const auto known = declared_zones(ctx, zones);
    if (known) {
      const auto it = std::find(known->begin(), known->end(), zone_name);
      if (it != known->end()) ward->set_zone_index(static_cast<int>(it - known->begin()));
    }
  }
  return ward;
}

}  // namespace

void register_assets(Registry& registry) {
  registry.add("assets", "mobile equipment shared between wards, fetched, used and cleaned",
               build_assets);
  registry.add("ward", "asks for mobile equipment by hour of day", build_ward);
}

}  // namespace plantwin::assets
