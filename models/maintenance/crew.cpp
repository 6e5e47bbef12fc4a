#include "crew.h"

#include <fmt/format.h>

namespace plantwin::maintenance {
namespace {

struct Request {
  int machine;
  int kind;
  double since;
};

struct CrewState : ClonableState<CrewState> {
  int busy = 0;
  std::deque<Request> queue;
  TimeWeighted busy_tw;
  std::int64_t requests = 0;
  Tally wait;
};

}  // namespace

std::unique_ptr<ComponentState> Crew::make_state(const StreamSeed&) const {
  return std::make_unique<CrewState>();
}

void Crew::request(Sim& sim, const Component& machine, RequestKind kind) const {
  auto& s = sim.state_of<CrewState>(*this);
  ++s.requests;
  const Request r{machine.id(), kind, sim.now()};
  // Repairs before services; first come, first served within each.
  auto it = s.queue.end();
  if (kind == kRepair)
    it = std::find_if(s.queue.begin(), s.queue.end(),
                      [](const Request& q) { return q.kind == kService; });
  s.queue.insert(it, r);
  grant(sim);
}

void Crew::release(Sim& sim) const {
  auto& s = sim.state_of<CrewState>(*this);
  --s.busy;
  s.busy_tw.update(sim.now(), s.busy);
  grant(sim);
}

void Crew::grant(Sim& sim) const {
  auto& s = sim.state_of<CrewState>(*this);
  if (plant_calendar_ && !sim.on_shift()) return;
  while (s.busy < size_ && !s.queue.empty()) {
    const Request r = s.queue.front();
    s.queue.pop_front();
    ++s.busy;
    s.busy_tw.update(sim.now(), s.busy);
    s.wait.add(sim.now() - r.since);
    sim.schedule_in(0, sim.model().component(r.machine), kGrantedEvent, r.kind);
  }
}

void Crew::on_shift_change(Sim& sim) const {
  grant(sim);
}

std::vector<SignalSpec> Crew::signals() const {
  return {{"busy", "technicians", "technicians at work"},
          {"waiting", "requests", "requests queued"}};
}

double Crew::signal(const Sim& sim, int index) const {
  const auto& s = sim.state_of<CrewState>(*this);
  return index == 0 ? s.busy : static_cast<double>(s.queue.size());
}

void Crew::reset_statistics(Sim& sim) const {
  auto& s = sim.state_of<CrewState>(*this);
  s.busy_tw.reset(sim.now(), s.busy);
  s.requests = 0;
  s.wait.reset();
}

void Crew::report(const Sim& sim, std::vector<KpiRow>& rows) const {
  const auto& s = sim.state_of<CrewState>(*this);
  const double nan = std::nan("");
  rows.push_back({name(), "utilisation", s.busy_tw.mean(sim.now()) / size_, nan, "share"});
  rows.push_back({name(), "requests", static_cast<double>(s.requests), nan, "count"});
  rows.push_back({name(), "mean_wait", s.wait.count() ? s.wait.mean() : 0.0, nan, "s"});
}

void register_crew(Registry& registry) {
  registry.add("crew", "maintenance technicians shared by machines", [](BuildContext& ctx) {
    ParamReader& p = ctx.params();
    ctx.require_ports(0, 0, 0, 0);
    const int size = static_cast<int>(p.integer("size", 1, 1, 10000));
    const bool plant = p.choice("calendar", {"always", "plant"}, "always") == "plant";
    return std::unique_ptr<Component>(std::make_unique<Crew>(ctx.name(), size, plant));
  });
}

}  // namespace plantwin::maintenance
