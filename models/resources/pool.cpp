#include "pool.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace plantwin::resources {

namespace {

struct Request {
  int who;
  int skill;
  int rank;
  std::int32_t tag;
  double since;
};

// Own shift calendars change by events of this kind (arg: the calendar's index).
constexpr int kShiftEvent = 1;

}  // namespace

struct Pool::PoolState : ClonableState<PoolState> {
  std::vector<char> busy, on;  // per worker
  int n_busy = 0, n_on = 0, n_busy_on = 0;
  std::deque<Request> queue;
  TimeWeighted busy_tw;  // workers at work (the crew's utilisation)
  TimeWeighted on_tw, busy_on_tw, busy_off_tw, queue_tw;
  std::int64_t requests = 0;
  Tally wait;
};

Pool::Pool(std::string name, std::string type, PoolParams p)
    : Component(std::move(name), std::move(type)), size_(0), p_(std::move(p)) {
  for (std::size_t g = 0; g < p_.groups.size(); ++g)
    for (int k = 0; k < p_.groups[g].count; ++k) group_of_.push_back(static_cast<int>(g));
  size_ = static_cast<int>(group_of_.size());
}

int Pool::skill_index(const std::string& name) const {
  const auto it = std::find(p_.skills.begin(), p_.skills.end(), name);
  return it == p_.skills.end() ? -1 : static_cast<int>(it - p_.skills.begin());
}

std::unique_ptr<ComponentState> Pool::make_state(const StreamSeed&) const {
  auto s = std::make_unique<PoolState>();
  s->busy.assign(static_cast<std::size_t>(size_), 0);
  s->on.assign(static_cast<std::size_t>(size_), 1);
  s->n_on = size_;
  return s;
}

bool Pool::available(const Sim& sim, const PoolState& s, int w) const {
  const WorkerGroup& g =
      p_.groups[static_cast<std::size_t>(group_of_[static_cast<std::size_t>(w)])];
  // The plant's calendar is read live (as the crew always did): at a shift change the
  // components change one at a time and a request may come before this pool has changed.
  if (g.calendar == WorkerGroup::Calendar::kPlant) return sim.on_shift();
  return s.on[static_cast<std::size_t>(w)] != 0;
}

void Pool::start(Sim& sim) const {
  update_shifts(sim);
  for (std::size_t c = 0; c < p_.calendars.size(); ++c) {
    const double next = p_.calendars[c].next_change(sim.now());
    if (std::isfinite(next)) sim.schedule_at(next, *this, kShiftEvent, static_cast<int>(c));
  }
}

// Brings the per-worker on-shift flags and their time integrals up to date.
void Pool::update_shifts(Sim& sim) const {
  auto& s = sim.state_of<PoolState>(*this);
  for (int w = 0; w < size_; ++w) {
    const WorkerGroup& g =
        p_.groups[static_cast<std::size_t>(group_of_[static_cast<std::size_t>(w)])];
    bool on = true;
    if (g.calendar == WorkerGroup::Calendar::kPlant) on = sim.on_shift();
    if (g.calendar == WorkerGroup::Calendar::kOwn)
      on = p_.calendars[static_cast<std::size_t>(g.own)].on_shift(sim.now());
    auto& flag = s.on[static_cast<std::size_t>(w)];
    if ((flag != 0) == on) continue;
    flag = on ? 1 : 0;
    s.n_on += on ? 1 : -1;
    if (s.busy[static_cast<std::size_t>(w)]) s.n_busy_on += on ? 1 : -1;
  }
  const double t = sim.now();
  s.on_tw.update(t, s.n_on);
  s.busy_on_tw.update(t, s.n_busy_on);
  s.busy_off_tw.update(t, s.n_busy - s.n_busy_on);
}

void Pool::on_event(Sim& sim, int kind, std::int64_t arg) const {
  if (kind != kShiftEvent) return;
  update_shifts(sim);
  const auto c = static_cast<std::size_t>(arg);
  const double next = p_.calendars[c].next_change(sim.now());
  if (std::isfinite(next)) sim.schedule_at(next, *this, kShiftEvent, arg);
  grant(sim);
}

void Pool::on_shift_change(Sim& sim) const {
  if (!p_.crew) update_shifts(sim);
  grant(sim);
}

void Pool::request(Sim& sim, const Component& who, int skill, Rank rank, std::int32_t tag) const {
  auto& s = sim.state_of<PoolState>(*this);
  ++s.requests;
  const Request r{who.id(), skill, rank, tag, sim.now()};
  // Lower ranks first; first come, first served within a rank.
  auto it =
      std::find_if(s.queue.begin(), s.queue.end(), [&](const Request& q) { return q.rank > rank; });
  s.queue.insert(it, r);
  if (!p_.crew) s.queue_tw.update(sim.now(), static_cast<double>(s.queue.size()));
  grant(sim);
}

void Pool::release(Sim& sim, int worker) const {
  auto& s = sim.state_of<PoolState>(*this);
  const auto w = static_cast<std::size_t>(worker);
  if (worker < 0 || worker >= size_ || !s.busy[w])
    throw std::logic_error(fmt::format("{}: worker {} released but not at work", name(), worker));
  s.busy[w] = 0;
  --s.n_busy;
  if (s.on[w]) --s.n_busy_on;
  s.busy_tw.update(sim.now(), s.n_busy);
  if (!p_.crew) {
    s.busy_on_tw.update(sim.now(), s.n_busy_on);
    s.busy_off_tw.update(sim.now(), s.n_busy - s.n_busy_on);
  }
  grant(sim);
}

void Pool::grant(Sim& sim) const {
  auto& s = sim.state_of<PoolState>(*this);
  bool granted = false;
  for (auto it = s.queue.begin(); it != s.queue.end() && s.n_busy < size_;) {
    int chosen = -1;
    for (int w = 0; w < size_; ++w) {
      if (s.busy[static_cast<std::size_t>(w)] || !available(sim, s, w)) continue;
      if (it->skill >= 0 &&
          !(p_.groups[static_cast<std::size_t>(group_of_[static_cast<std::size_t>(w)])].skills &
            (std::uint64_t{1} << it->skill)))
        continue;
      chosen = w;
      break;
    }
    if (chosen < 0) {
      ++it;
      continue;
    }
    const Request r = *it;
    it = s.queue.erase(it);
    const auto w = static_cast<std::size_t>(chosen);
    s.busy[w] = 1;
    ++s.n_busy;
    if (s.on[w]) ++s.n_busy_on;
    s.busy_tw.update(sim.now(), s.n_busy);
    s.wait.add(sim.now() - r.since);
    granted = true;
    sim.schedule_in(0, sim.model().component(r.who), kGrantedEvent, grant_arg(chosen, r.tag));
  }
  if (granted && !p_.crew) {
    s.busy_on_tw.update(sim.now(), s.n_busy_on);
    s.busy_off_tw.update(sim.now(), s.n_busy - s.n_busy_on);
    s.queue_tw.update(sim.now(), static_cast<double>(s.queue.size()));
  }
}

std::vector<SignalSpec> Pool::signals() const {
  if (p_.crew)
    return {{"busy", "technicians", "technicians at work"},
            {"waiting", "requests", "requests queued"}};
  return {{"busy", "workers", "workers at work"},
          {"waiting", "requests", "requests queued"},
          {"on_shift", "workers", "workers on shift"},
          {"paid_hours", "h", "worker hours on shift since the statistics restart"},
          {"overtime_hours", "h", "worker hours at work off shift since the statistics restart"}};
}

double Pool::signal(const Sim& sim, int index) const {
  const auto& s = sim.state_of<PoolState>(*this);
  switch (index) {
    case 0:
      return s.n_busy;
    case 1:
      return static_cast<double>(s.queue.size());
    case 2:
      return s.n_on;
    case 3:
      return s.on_tw.integral(sim.now()) / 3600.0;
    default:
      return s.busy_off_tw.integral(sim.now()) / 3600.0;
  }
}

void Pool::reset_statistics(Sim& sim) const {
  auto& s = sim.state_of<PoolState>(*this);
  const double t = sim.now();
  s.busy_tw.reset(t, s.n_busy);
  s.on_tw.reset(t, s.n_on);
  s.busy_on_tw.reset(t, s.n_busy_on);
  s.busy_off_tw.reset(t, s.n_busy - s.n_busy_on);
  s.queue_tw.reset(t, static_cast<double>(s.queue.size()));
  s.requests = 0;
  s.wait.reset();
}

void Pool::report(const Sim& sim, std::vector<KpiRow>& rows) const {
  const auto& s = sim.state_of<PoolState>(*this);
  const double nan = std::nan("");
  const double t = sim.now();
  if (p_.crew) {
    rows.push_back({name(), "utilisation", s.busy_tw.mean(t) / size_, nan, "share"});
    rows.push_back({name(), "requests", static_cast<double>(s.requests), nan, "count"});
    rows.push_back({name(), "mean_wait", s.wait.count() ? s.wait.mean() : 0.0, nan, "s"});
    return;
  }
  const double on = s.on_tw.integral(t);
  rows.push_back(
      {name(), "utilisation", on > 0 ? s.busy_on_tw.integral(t) / on : nan, nan, "share"});
  rows.push_back({name(), "requests", static_cast<double>(s.requests), nan, "count"});
  rows.push_back({name(), "mean_wait", s.wait.count() ? s.wait.mean() : 0.0, nan, "s"});
  rows.push_back({name(), "waiting", s.queue_tw.mean(t), nan, "requests"});
  rows.push_back({name(), "wait_time", s.wait.sum() / 3600.0, nan, "h"});
  rows.push_back({name(), "overtime", s.busy_off_tw.integral(t) / 3600.0, nan, "h"});
  rows.push_back({name(), "paid_hours", on / 3600.0, nan, "h"});
}

// ---- Building -------------------------------------------------------------------------

namespace {

// Reads a group's `shifts`: always, plant or a map of its own.
void read_group_shifts(ParamReader& r, WorkerGroup& g, PoolParams& p) {
  const Node* n = r.raw("shifts");
  if (!n) return;
  if (n->is_scalar()) {
    if (n->scalar == "always") return;
    if (n->scalar == "plant") {
      g.calendar = WorkerGroup::Calendar::kPlant;
      return;
    }
    r.error("shifts", fmt::format("expected always, plant or a shift map (periods: "
                                  "[\"06:00-14:00\"]), got \"{}\"",
                                  n->scalar));
    return;
  }
  g.calendar = WorkerGroup::Calendar::kOwn;
  g.own = static_cast<int>(p.calendars.size());
  p.calendars.push_back(parse_shifts(*n, r.diagnostics()));
}

void read_group_skills(ParamReader& r, WorkerGroup& g, PoolParams& p) {
  const Node* n = r.raw("skills");
  if (!n) return;
  if (!n->is_seq() || n->items.empty()) {
    r.error("skills", "expected a list of skill names, such as [operate, repair]");
    return;
  }
  g.skills = 0;
  for (const Node& item : n->items) {
    if (!item.is_scalar() || item.scalar.empty()) {
      r.diagnostics().error(item.location, r.key_path("skills"), "expected a skill name");
      continue;
    }
    auto it = std::find(p.skills.begin(), p.skills.end(), item.scalar);
    if (it == p.skills.end()) {
      if (p.skills.size() == 64) {
        r.diagnostics().error(item.location, r.key_path("skills"), "a pool has at most 64 skills");
        continue;
      }
      p.skills.push_back(item.scalar);
      it = p.skills.end() - 1;
    }
    g.skills |= std::uint64_t{1} << (it - p.skills.begin());
  }
}

std::unique_ptr<Component> build_pool(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  PoolParams pp;
  if (const Node* workers = p.raw("workers")) {
    if (p.has("size") || p.has("skills") || p.has("shifts"))
      p.error("workers", "give either workers (a list of groups) or size, skills and shifts");
    for (const char* k : {"size", "skills", "shifts"}) p.allow(k);  // one error, not four
    if (!workers->is_seq() || workers->items.empty()) {
      p.error("workers", "expected a list of groups such as [{count: 2, skills: [operate]}]");
    } else {
      for (std::size_t i = 0; i < workers->items.size(); ++i) {
        const Node& item = workers->items[i];
        const std::string path = fmt::format("{}[{}]", p.key_path("workers"), i);
        if (!item.is_map()) {
          p.diagnostics().error(item.location, path,
                                "expected a group such as {count: 2, skills: [operate]}");
          continue;
        }
        ParamReader r(item, path, p.diagnostics(), p.base_dir());
        WorkerGroup g;
        g.count = static_cast<int>(r.integer("count", 1, 1, 10000));
        read_group_skills(r, g, pp);
        read_group_shifts(r, g, pp);
        r.allow("name");
        r.finish();
        pp.groups.push_back(g);
      }
    }
  } else {
    WorkerGroup g;
    g.count = static_cast<int>(p.integer("size", 1, 1, 10000));
    read_group_skills(p, g, pp);
    read_group_shifts(p, g, pp);
    pp.groups.push_back(g);
  }
  if (pp.groups.empty()) return nullptr;
  return std::make_unique<Pool>(ctx.name(), "pool", std::move(pp));
}

}  // namespace

std::unique_ptr<Component> build_crew(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 0, 0);
  PoolParams pp;
  pp.crew = true;
  WorkerGroup g;
  g.count = static_cast<int>(p.integer("size", 1, 1, 10000));
  if (p.choice("calendar", {"always", "plant"}, "always") == "plant")
    g.calendar = WorkerGroup::Calendar::kPlant;
  pp.groups.push_back(g);
  return std::make_unique<Pool>(ctx.name(), "crew", std::move(pp));
}

std::optional<std::vector<std::string>> declared_skills(BuildContext& ctx,
                                                        const std::string& pool) {
  const std::string& type = ctx.component_type(pool);
  if (type == "crew") return std::vector<std::string>{};
  if (type != "pool") return std::nullopt;
  std::vector<std::string> out;
  auto add = [&](const Node* skills) {
    if (!skills || !skills->is_seq()) return;
    for (const Node& s : skills->items)
      if (s.is_scalar() && std::find(out.begin(), out.end(), s.scalar) == out.end())
        out.push_back(s.scalar);
  };
  const Node* node = ctx.scenario_components().find(pool);
  if (!node || !node->is_map()) return out;
  add(node->find("skills"));
  if (const Node* workers = node->find("workers"); workers && workers->is_seq())
    for (const Node& g : workers->items)
      if (g.is_map()) add(g.find("skills"));
  return out;
}

OperatorNeed read_operator(ParamReader& p, BuildContext& ctx) {
  OperatorNeed need;
  const Node* n = p.raw("operator");
  if (!n) return need;
  if (!n->is_map()) {
    p.error("operator", "expected a map such as {pool: operators, skill: press, for: process}");
    return need;
  }
  ParamReader r(*n, p.key_path("operator"), p.diagnostics(), p.base_dir());
  const Node* pool = r.raw("pool");
  if (!pool) {
    r.error("pool", "is required: the pool whose workers operate the machine");
  } else if (ctx.check_component(r, "pool", pool->scalar, "pool")) {
    need.pool = pool->scalar;
  }
  if (const Node* skill = r.raw("skill")) {
    need.skill = skill->scalar;
    if (!need.pool.empty()) {
      const auto skills = declared_skills(ctx, need.pool);
      if (skills && std::find(skills->begin(), skills->end(), need.skill) == skills->end())
        r.error(
            "skill",
            fmt::format("pool \"{}\" has no skill \"{}\" (its skills: {})", need.pool, need.skill,
                        skills->empty() ? std::string("none named")
                                        : fmt::format("{}", fmt::join(*skills, ", "))));
    }
  }
  const std::string when = r.choice("for", {"process", "load", "setup"}, "process");
  need.load_time = r.distribution("load_time", Dimension::kTime, false);
  if (when == "load" && !need.load_time && !r.has("load_time"))
    r.error("for", "load needs a load_time (the time the operator takes to load a part)");
  if (when == "setup" && !p.has("setup_time"))
    r.error("for", "setup needs the machine's setup phase: give the machine a setup_time");
  r.finish();
  if (need.pool.empty()) return need;
  need.when = when == "load"    ? OperatorNeed::When::kLoad
              : when == "setup" ? OperatorNeed::When::kSetup
                                : OperatorNeed::When::kProcess;
  return need;
}

void register_pool(Registry& registry) {
  registry.add("pool", "workers with skills and shifts, shared by machines and repairs",
               build_pool);
}

}  // namespace plantwin::resources
