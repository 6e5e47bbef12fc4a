#include "failure.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "crew.h"

namespace plantwin::maintenance {

void Failure::init(FailureState& s, const StreamSeed& seed, const std::string& name) const {
  s.fail = Rng::stream(seed.seed, seed.replication, name, "failure");
  s.repair = Rng::stream(seed.seed, seed.replication, name, "repair");
  s.service = Rng::stream(seed.seed, seed.replication, name, "service");
  if (p_.ttf) s.ttf_left = p_.ttf->sample(s.fail);
}

void Failure::start(Sim& sim, const FailureHost& host, FailureState& s) const {
  const Component& self = host.component();
  s.stats_start = sim.now();
  if (p_.ttf && p_.calendar_clock) s.failure = sim.schedule_in(s.ttf_left, self, kFailEvent);
  if (!p_.crew.empty()) {
    // compile() checked the kind; a demand, not an assert, keeps the cast in crew() safe.
    const Model& m = sim.model();
    s.crew = m.find_component(p_.crew);
    const auto* pool = s.crew < 0 ? nullptr : dynamic_cast<const Crew*>(&m.component(s.crew));
    if (!pool)
      throw std::logic_error(fmt::format("{}: crew \"{}\" is not a crew", self.name(), p_.crew));
    s.skill = p_.skill.empty() ? -1 : pool->skill_index(p_.skill);
  }
}

bool Failure::on_event(Sim& sim, const FailureHost& host, FailureState& s, int kind,
                       std::int64_t arg) const {
  switch (kind) {
    case kFailEvent:
      fail(sim, host, s, FailureCause::kRandom, "");
      return true;
    case kRepairEvent:
      repaired(sim, host, s);
      return true;
    case kServiceDoneEvent:
      end_service(sim, host, s);
      return true;
    case Crew::kGrantedEvent:
      s.worker = Crew::grant_worker(arg);
      crew_arrived(sim, host, s, Crew::grant_tag(arg));
      return true;
    default:
      return false;
  }
}

const resources::Pool& Failure::crew(const Sim& sim, const FailureState& s) const {
  return static_cast<const Crew&>(sim.model().component(s.crew));
}

void Failure::fail(Sim& sim, const FailureHost& host, FailureState& s, FailureCause cause,
                   const char* detail) const {
  s.wear_failure = cause == FailureCause::kWear;
  if (s.wear_failure) ++s.wear_failures;
  sim.cancel(s.failure);  // the clock to the next failure restarts after the repair
  s.reason = DownReason::kFailed;
  s.down_since = sim.now();
  s.service_pending = false;
  ++s.failures;
  host.stop_work(sim);
  sim.log_event(host.component(), "failure", detail);
  if (s.crew >= 0) {
    s.awaiting_crew = true;
    crew(sim, s).request(sim, host.component(), s.skill, Crew::kRepair, Crew::kRepair);
  } else {
    start_repair(sim, host, s);
  }
}

void Failure::start_repair(Sim& sim, const FailureHost& host, FailureState& s) const {
  const Distribution& d = s.wear_failure && p_.wear_ttr ? *p_.wear_ttr : *p_.ttr;
  const double ttr = d.sample(s.repair);
  s.work = sim.schedule_in(ttr, host.component(), kRepairEvent);
  sim.log_event(host.component(), "repair_started", fmt::format("takes {:.1f} s", ttr));
}

void Failure::crew_arrived(Sim& sim, const FailureHost& host, FailureState& s, int kind) const {
  s.awaiting_crew = false;
  if (s.abandoned) {  // reported up while it was on its way: nothing left to do
    s.abandoned = false;
    crew(sim, s).release(sim, s.worker);
    return;
  }
  if (kind == Crew::kRepair) {
    start_repair(sim, host, s);
  } else {
    const double d = p_.service_time->sample(s.service);
    s.work = sim.schedule_in(d, host.component(), kServiceDoneEvent);
    sim.log_event(host.component(), "service_started", fmt::format("takes {:.1f} s", d));
  }
}

void Failure::request_service(Sim& sim, const FailureHost& host, FailureState& s, const char* why,
                              bool idle) const {
  if (s.down() || s.service_pending) return;
  s.service_pending = true;
  sim.log_event(host.component(), "service_due", why);
  if (idle) begin_service(sim, host, s);
}

void Failure::begin_service(Sim& sim, const FailureHost& host, FailureState& s) const {
  sim.cancel(s.failure);  // renewed when the service ends
  s.service_pending = false;
  s.reason = DownReason::kServicing;
  s.down_since = sim.now();
  host.stop_work(sim);
  if (s.crew >= 0) {
    s.awaiting_crew = true;
    crew(sim, s).request(sim, host.component(), s.skill, Crew::kService, Crew::kService);
  } else {
    crew_arrived(sim, host, s, Crew::kService);
  }
}

void Failure::end_service(Sim& sim, const FailureHost& host, FailureState& s) const {
  s.planned_down += sim.now() - std::max(s.down_since, s.stats_start);
  ++s.services;
  s.cost += p_.service_cost;
  if (s.crew >= 0) crew(sim, s).release(sim, s.worker);
  host.renew(sim);
  sim.log_event(host.component(), "serviced");
  back_up(sim, host, s);
}

void Failure::repaired(Sim& sim, const FailureHost& host, FailureState& s) const {
  if (s.reported) {  // the model's repair is done, but the plant still reports it down
    if (s.crew >= 0) crew(sim, s).release(sim, s.worker);
    s.cost += s.wear_failure ? p_.wear_repair_cost : p_.repair_cost;
    sim.log_event(host.component(), "repaired", "still reported down by the plant");
    return;
  }
  s.unplanned_down += sim.now() - std::max(s.down_since, s.stats_start);
  s.cost += s.wear_failure ? p_.wear_repair_cost : p_.repair_cost;
  if (s.crew >= 0) crew(sim, s).release(sim, s.worker);
  if (s.wear_failure) host.renew(sim);  // the worn part is replaced
  s.wear_failure = false;
  sim.log_event(host.component(), "repaired");
  back_up(sim, host, s);
}

void Failure::back_up(Sim& sim, const FailureHost& host, FailureState& s) const {
  s.reason = DownReason::kUp;
  host.resume_work(sim);
  if (p_.ttf) {
    // A repair or a service renews the failure clock.
    s.ttf_left = p_.ttf->sample(s.fail);
    if (p_.calendar_clock) {
      sim.cancel(s.failure);
      s.failure = sim.schedule_in(s.ttf_left, host.component(), kFailEvent);
    } else {
      update_clock(sim, host.component(), s, host.working(sim));
    }
  }
  host.after_up(sim);
}

void Failure::report(Sim& sim, const FailureHost& host, FailureState& s, bool down) const {
  if (down) {
    if (!s.down()) {
      sim.cancel(s.failure);  // the clock to the next failure restarts once it is up
      s.reason = DownReason::kFailed;
      s.wear_failure = false;
      s.down_since = sim.now();
      s.service_pending = false;
      ++s.failures;
      host.stop_work(sim);
      sim.log_event(host.component(), "failure", "reported down by the plant");
    }
    s.reported = true;
    return;
  }
  s.reported = false;
  if (!s.down()) return;
  // Whatever the model was doing about it ends now.
  if (sim.pending(s.work)) {
    sim.cancel(s.work);
    if (s.crew >= 0) crew(sim, s).release(sim, s.worker);
  } else if (s.awaiting_crew) {
    s.abandoned = true;  // the technician asked for goes back when it arrives
  }
  const double down_for = sim.now() - std::max(s.down_since, s.stats_start);
  if (s.reason == DownReason::kServicing) {
    s.planned_down += down_for;
  } else {
    s.unplanned_down += down_for;
  }
  s.wear_failure = false;
  sim.log_event(host.component(), "repaired", "reported up by the plant");
  back_up(sim, host, s);
}

void Failure::reset_statistics(const Sim& sim, FailureState& s) const {
  s.stats_start = sim.now();
  s.failures = s.wear_failures = s.services = 0;
  s.planned_down = s.unplanned_down = s.cost = 0;
}

void Failure::report(const Sim& sim, const std::string& name, const FailureState& s,
                     std::vector<KpiRow>& rows) const {
  const double nan = std::nan("");
  const double open = s.down() ? sim.now() - std::max(s.down_since, s.stats_start) : 0.0;
  rows.push_back({name, "unplanned_downtime",
                  s.unplanned_down + (s.reason == DownReason::kFailed ? open : 0.0), nan, "s"});
  rows.push_back({name, "planned_downtime",
                  s.planned_down + (s.reason == DownReason::kServicing ? open : 0.0), nan, "s"});
  rows.push_back({name, "maintenance_actions", static_cast<double>(s.services), nan, "count"});
  rows.push_back({name, "wear_failures", static_cast<double>(s.wear_failures), nan, "count"});
  rows.push_back({name, "maintenance_cost", s.cost, nan, "cost"});
}

FailureParams read_failure(ParamReader& p, bool wear_key) {
  FailureParams fp;
  fp.ttf = p.distribution("ttf", Dimension::kTime, false);
  fp.ttr = p.distribution("ttr", Dimension::kTime, false);
  if (fp.ttf && !fp.ttr && !p.has("ttr")) p.error("ttf", "needs a time to repair (ttr) as well");
  if (fp.ttr && !fp.ttf && !p.has("ttf") && !(wear_key && p.has("wear")))
    p.error("ttr", "is given without a time to failure (ttf) or a wear model (wear)");
  if (fp.ttf && fp.ttf->mean() <= 0) p.error("ttf", "must have a positive mean");
  fp.calendar_clock =
      p.choice("failure_clock", {"operating", "calendar"}, "operating") == "calendar";
  return fp;
}

void read_repair(ParamReader& p, BuildContext& ctx, FailureParams& fp) {
  fp.repair_cost = p.real("repair_cost", 0.0, 0);
  if (const Node* crew = p.raw("crew")) {
    fp.crew = crew->scalar;
    if (ctx.component_type(fp.crew) != "pool") ctx.check_component(p, "crew", fp.crew, "crew");
  }
  if (const Node* skill = p.raw("repair_skill")) {
    fp.skill = skill->scalar;
    if (fp.crew.empty()) {
      p.error("repair_skill", "needs a crew: a pool whose workers have the skill");
    } else if (ctx.component_type(fp.crew) != "pool") {
      p.error("repair_skill", fmt::format("needs a pool with skills; \"{}\" is a {}", fp.crew,
                                          ctx.component_type(fp.crew)));
    } else if (const auto skills = resources::declared_skills(ctx, fp.crew);
               skills && std::find(skills->begin(), skills->end(), fp.skill) == skills->end()) {
      p.error("repair_skill",
              fmt::format("pool \"{}\" has no skill \"{}\" (its skills: {})", fp.crew, fp.skill,
                          skills->empty() ? std::string("none named")
                                          : fmt::format("{}", fmt::join(*skills, ", "))));
    }
  }
}

}  // namespace plantwin::maintenance
