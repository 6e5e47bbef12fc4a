// The failure and power parts outside the machine: a `pump` component, defined here, that has no
// servers and no material flow, only a failure process (with a crew) and a power draw. It shows
// what another component needs to reuse the parts: hold them, keep their state, forward their
// events, implement FailureHost.

#include <doctest/doctest.h>

#include <cmath>

#include "energy/power.h"
#include "maintenance/crew.h"
#include "maintenance/failure.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

struct PumpState : ClonableState<PumpState> {
  maintenance::FailureState failure;
  double last = 0, up = 0, down = 0;  // seconds up and down since the statistics restart
};

/// Runs whenever it is up; a failure stops it until the repair.
class Pump final : public Component, private maintenance::FailureHost {
 public:
  Pump(std::string name, maintenance::Failure failure, energy::PowerDraw power)
      : Component(std::move(name), "pump"), failure_(std::move(failure)), power_(power) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override {
    auto s = std::make_unique<PumpState>();
    failure_.init(s->failure, seed, name());
    return s;
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<PumpState>(*this);
    s.last = sim.now();
    failure_.start(sim, *this, s.failure);
    failure_.update_clock(sim, *this, s.failure, true);  // it works from the start
  }
  void on_event(Sim& sim, int kind, std::int64_t arg) const override {
    auto& s = sim.state_of<PumpState>(*this);
    if (!failure_.on_event(sim, *this, s.failure, kind, arg))
      FAIL("an event not the failure part's");
  }
  std::vector<SignalSpec> signals() const override { return {{"power", "kW", "power now"}}; }
  double signal(const Sim& sim, int) const override {
    const auto& s = sim.state_of<PumpState>(*this);
    return power_.power_kw(1, s.failure.down() ? 0 : 1, 0, s.failure.down(), true);
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<PumpState>(*this);
    s.last = sim.now();
    s.up = s.down = 0;
    failure_.reset_statistics(sim, s.failure);
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<PumpState>(*this);
    const double open = sim.now() - s.last;
    const double up = s.up + (s.failure.down() ? 0 : open);
    const double down = s.down + (s.failure.down() ? open : 0);
    const double span = up + down;
    const double nan = std::nan("");
    rows.push_back({name(), "availability", up / span, nan, "share"});
    rows.push_back({name(), "failures", static_cast<double>(s.failure.failures), nan, "count"});
    failure_.report(sim, name(), s.failure, rows);
    const double shares[] = {up / span, 0, 0, down / span, 0};
    power_.report(name(), power_.energy_kwh(shares, span, 1), span, 0, rows);
  }

 private:
  const Component& component() const override { return *this; }
  void stop_work(Sim& sim) const override {
    auto& s = sim.state_of<PumpState>(*this);
    s.up += sim.now() - s.last;
    s.last = sim.now();
  }
  void resume_work(Sim& sim) const override {
    auto& s = sim.state_of<PumpState>(*this);
    s.down += sim.now() - s.last;
    s.last = sim.now();
  }
  void after_up(Sim&) const override {}
  void renew(Sim&) const override {}
  bool working(const Sim& sim) const override {
    return !sim.state_of<PumpState>(*this).failure.down();
  }

  maintenance::Failure failure_;
  energy::PowerDraw power_;
};

const Registry& pump_registry() {
  static const Registry r = [] {
    Registry reg = builtin_registry();
    reg.add("pump", "runs until it fails (a test of the failure part)", [](BuildContext& ctx) {
      ParamReader& p = ctx.params();
      ctx.require_ports(0, 0, 0, 0);
      maintenance::FailureParams fp = maintenance::read_failure(p, false);
      maintenance::read_repair(p, ctx, fp);
      energy::PowerDraw power = energy::read_power(p);
      return std::unique_ptr<Component>(
          std::make_unique<Pump>(ctx.name(), maintenance::Failure(std::move(fp)), power));
    });
    return reg;
  }();
  return r;
}

std::shared_ptr<const Model> compile_pumps(const std::string& yaml) {
  return compile(load_scenario_text(yaml, "pumps.yaml", PLANTWIN_SOURCE_DIR), pump_registry());
}

std::string pump_error(const std::string& yaml) {
  try {
    compile_pumps(yaml);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a component other than the machine fails and is repaired through the failure part") {
  // Up 10 h, down 2 h, twice in a day: failures at 10 h and 22 h, repairs done at 12 h and 24 h.
  Sim sim(compile_pumps(R"Y(horizon: 24 h
record: {events: true}
components:
  p: {type: pump, ttf: 10 h, ttr: 2 h, repair_cost: 100, power: {working: 5 kW}}
)Y"));
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["p.failures"] == 2);
  CHECK(k["p.availability"] == doctest::Approx(20.0 / 24).epsilon(1e-12));
  CHECK(k["p.unplanned_downtime"] == doctest::Approx(4 * 3600.0).epsilon(1e-12));
  CHECK(k["p.maintenance_cost"] == 200);
  CHECK(k["p.energy"] == doctest::Approx(20 * 5.0).epsilon(1e-12));  // 20 h up at 5 kW
  std::vector<std::string> kinds;
  for (const auto& e : sim.state().trace.events) kinds.emplace_back(e.kind);
  CHECK(kinds == std::vector<std::string>{"failure", "repair_started", "repaired", "failure",
                                          "repair_started", "repaired"});
}

TEST_CASE("a crew of one makes the second failed pump wait, as it does for machines") {
  // a fails at 10 h and is repaired from 10 h to 12 h; b fails at 11 h and waits for the one
  // technician until 12 h; at 13 h its repair is still under way.
  Sim sim(compile_pumps(R"Y(horizon: 13 h
components:
  fitters: {type: crew, size: 1}
  a: {type: pump, ttf: 10 h, ttr: 2 h, crew: fitters, power: {working: 5 kW}}
  b: {type: pump, ttf: 11 h, ttr: 2 h, crew: fitters, power: {working: 5 kW}}
)Y"));
  sim.run_until(11.5 * 3600);
  CHECK(sim.value("a.power") == 0);  // down, without a down power
  CHECK(sim.value("fitters.waiting") == 1);
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["a.unplanned_downtime"] == doctest::Approx(2 * 3600.0).epsilon(1e-12));
  CHECK(k["b.unplanned_downtime"] == doctest::Approx(2 * 3600.0).epsilon(1e-12));  // still down
  CHECK(k["fitters.requests"] == 2);
  CHECK(k["fitters.mean_wait"] == doctest::Approx(1800.0).epsilon(1e-12));  // (0 + 1 h) / 2
  CHECK(sim.value("a.power") == 5);
}

TEST_CASE("the failure part's availability matches the alternating renewal process") {
  // Exponential up (mean 1/lambda) and down (mean 1/mu) times from an up start: the expected
  // availability over [0, T] is mu/(lambda+mu) + lambda/(lambda+mu)^2 (1 - e^{-(lambda+mu)T})/T.
  const double lambda = 1.0 / 10, mu = 1.0, horizon_h = 2000;
  const double truth = mu / (lambda + mu) + lambda / ((lambda + mu) * (lambda + mu)) *
                                                (1 - std::exp(-(lambda + mu) * horizon_h)) /
                                                horizon_h;
  auto model = compile_pumps(R"Y(horizon: 2000 h
components:
  p: {type: pump, ttf: exponential(10 h), ttr: exponential(1 h)}
)Y");
  check_covers(replicate(model, 40, [](const Sim& s) { return kpi_map(s)["p.availability"]; }),
               truth, "availability");
}

TEST_CASE("the failure part's keys are checked with the machine's error texts") {
  CHECK(pump_error(R"Y(horizon: 1 h
components:
  p: {type: pump, ttf: 10 h}
)Y") == "pumps.yaml:3:24: components.p.ttf: needs a time to repair (ttr) as well");
  CHECK(pump_error(R"Y(horizon: 1 h
components:
  q: {type: pump, ttf: 10 h, ttr: 1 h}
  p: {type: pump, ttf: 10 h, ttr: 1 h, crew: q}
)Y") == "pumps.yaml:4:46: components.p.crew: \"q\" is a pump; expected a crew (there is no crew in "
        "this scenario)");
  CHECK(pump_error(R"Y(horizon: 1 h
components:
  p: {type: pump, ttf: 10 h, ttr: 1 h, failure_clock: sometimes}
)Y") == "pumps.yaml:3:55: components.p.failure_clock: expected one of operating, calendar, got "
        "\"sometimes\"");
}
