// The continuous core against exact solutions: a first-order thermal step response and a
// harmonic oscillator; error orders by halving dt; state-event times; stiff stability.

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <cmath>

#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

// x'' = -w^2 x as two states (x, v); x(0) = 1, v(0) = 0; exact x = cos(w t).
class Oscillator final : public Component {
 public:
  Oscillator(std::string name, double w) : Component(std::move(name), "oscillator"), w_(w) {}
  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    struct S : ClonableState<S> {};
    return std::make_unique<S>();
  }
  int continuous_states() const override { return 2; }
  void initial_continuous(const Sim&, double* x) const override {
    x[0] = 1;
    x[1] = 0;
  }
  void derivatives(const Sim&, double, const double* x, double* dx) const override {
    dx[0] = x[1];
    dx[1] = -w_ * w_ * x[0];
  }
  std::vector<SignalSpec> signals() const override { return {{"x", "", ""}}; }
  double signal(const Sim& sim, int) const override { return sim.continuous(*this)[0]; }

 private:
  double w_;
};

const Registry& physics_registry() {
  static const Registry r = [] {
    Registry reg = builtin_registry();
    reg.add("oscillator", "test: harmonic oscillator", [](BuildContext& ctx) {
      const double w = ctx.params().real("omega", 1.0, 0);
      return std::unique_ptr<Component>(std::make_unique<Oscillator>(ctx.name(), w));
    });
    return reg;
  }();
  return r;
}

std::shared_ptr<const Model> compile_physics(const std::string& yaml) {
  return compile(load_scenario_text(yaml, "physics.yaml", PLANTWIN_SOURCE_DIR), physics_registry());
}

// tau = R C = 10 s; 1 kW in; ambient 20 C: T(t) = 20 + 10 (1 - exp(-t / 10)).
std::string thermal_step(const std::string& method, double dt, const std::string& extra = "") {
  return fmt::format(R"Y(horizon: 60 s
physics: {{method: {}, dt: {} s, rtol: 1e-9, atol: 1e-12, event_tolerance: 1e-9 s}}
components:
  winding: {{type: thermal, capacitance: 1 kJ/K, r_ambient: 0.01 K/W, heat: 1 kW, ambient: 20 C{}}}
flow: []
)Y",
                     method, dt, extra);
}

double thermal_exact(double t) {
  return 20 + 10 * (1 - std::exp(-t / 10));
}

double thermal_error(const std::string& method, double dt) {
  Sim sim(compile_physics(thermal_step(method, dt)));
  sim.run_until(30);
  return std::fabs(sim.value("winding.temperature") - thermal_exact(30));
}

std::string oscillator(const std::string& method, double dt) {
  return fmt::format(R"Y(horizon: 100 s
physics: {{method: {}, dt: {} s, rtol: 1e-8, atol: 1e-10}}
components:
  spring: {{type: oscillator, omega: 1.3}}
flow: []
)Y",
                     method, dt);
}

double oscillator_error(const std::string& method, double dt) {
  Sim sim(compile_physics(oscillator(method, dt)));
  sim.run_until(20);
  return std::fabs(sim.value("spring.x") - std::cos(1.3 * 20));
}

}  // namespace

TEST_CASE("RK4 follows the exact thermal step response, with error order four") {
  const double e1 = thermal_error("rk4", 1.0), e2 = thermal_error("rk4", 0.5);
  CHECK(e1 < 1e-5);
  // Halving dt divides a fourth-order error by 16.
  CHECK(e1 / e2 == doctest::Approx(16).epsilon(0.15));
}

TEST_CASE("RK4 follows the harmonic oscillator, with error order four") {
  const double e1 = oscillator_error("rk4", 0.1), e2 = oscillator_error("rk4", 0.05);
  CHECK(e1 < 1e-4);
  CHECK(e1 / e2 == doctest::Approx(16).epsilon(0.15));
}

TEST_CASE("Dormand-Prince meets its tolerance on both exact solutions") {
  CHECK(thermal_error("dopri45", 1.0) < 1e-7);
  CHECK(oscillator_error("dopri45", 0.1) < 1e-6);
  // Tightening the tolerance tightens the result: the error control works.
  auto m = compile_physics(fmt::format(R"Y(horizon: 100 s
physics: {{method: dopri45, dt: 0.1 s, rtol: 1e-4, atol: 1e-6}}
components:
  spring: {{type: oscillator, omega: 1.3}}
flow: []
)Y"));
  Sim coarse(m);
  coarse.run_until(20);
  const double coarse_err = std::fabs(coarse.value("spring.x") - std::cos(1.3 * 20));
  CHECK(coarse_err > oscillator_error("dopri45", 0.1));
  CHECK(coarse_err < 1e-2);
}

TEST_CASE("backward Euler is first order and stays stable on a stiff system") {
  const double e1 = thermal_error("implicit_euler", 0.2), e2 = thermal_error("implicit_euler", 0.1);
  CHECK(e1 / e2 == doctest::Approx(2).epsilon(0.1));
  // tau = 1 ms integrated with dt = 1 s: RK4 diverges, backward Euler settles at the steady state.
  const std::string stiff = R"Y(horizon: 100 s
physics: {method: METHOD, dt: 1 s}
components:
  chip: {type: thermal, capacitance: 1 J/K, r_ambient: 0.001 K/W, heat: 1 kW, ambient: 20 C}
flow: []
)Y";
  auto with = [&](const std::string& method) {
    std::string y = stiff;
    y.replace(y.find("METHOD"), 6, method);
    return compile_physics(y);
  };
  Sim implicit(with("implicit_euler"));
  implicit.run();
  CHECK(implicit.value("chip.temperature") == doctest::Approx(21.0).epsilon(1e-9));
  Sim explicit_(with("rk4"));
  CHECK_THROWS_WITH(explicit_.run(), doctest::Contains("chip: continuous state 0 is not finite"));
}

TEST_CASE("a state event fires within tolerance of the analytic crossing time") {
  // T crosses 25 C at t = 10 ln 2 = 6.93 s, where it rises at 0.5 K/s. The located time is the
  // crossing of the numerical solution, so its error is the solution's error over that slope
  // (RK4, dt = 1 s: about 1e-6 K, so a few microseconds) plus the bisection tolerance (1e-9 s).
  const double exact = 10 * std::log(2.0);
  for (const auto& [method, tolerance] :
       {std::pair{std::string("rk4"), 1e-5}, {std::string("dopri45"), 1e-7}}) {
    CAPTURE(method);
    Sim sim(compile_physics(thermal_step(method, 1.0, ", alarm: 25 C")));
    sim.run();
    const auto& ev = sim.state().trace.events;
    REQUIRE(!ev.empty());
    CHECK(std::string(ev[0].kind) == "over_temperature");
    CHECK(std::fabs(ev[0].time - exact) < tolerance);
    auto k = kpi_map(sim);
    CHECK(k["winding.alarms"] == 1);
    CHECK(k["winding.time_above_alarm"] == doctest::Approx(60 - exact).epsilon(1e-5));
    // The crossing is the run's only event, and it is counted like any other.
    CHECK(sim.state().events_executed == 1);
  }
  // With a smaller step the RK4 event time converges on the analytic one.
  Sim fine(compile_physics(thermal_step("rk4", 0.25, ", alarm: 25 C")));
  fine.run();
  CHECK(std::fabs(fine.state().trace.events[0].time - exact) < 1e-7);
}

TEST_CASE("a machine's state changes the heat input exactly at its events") {
  // The first part arrives at 1000 s; the press works on it until 1100 s (1 kW), then idles.
  auto m = compile_physics(R"Y(horizon: 1150 s
components:
  arrivals: {type: source, interarrival: 1000 s}
  press: {type: machine, process_time: 100 s}
  out: {type: sink}
  motor:
    type: thermal
    capacitance: 1 kJ/K
    r_ambient: 0.01 K/W
    ambient: 20 C
    heat_from: {machine: press, working: 1 kW}
flow: ["arrivals -> press -> out"]
)Y");
  Sim sim(m);
  sim.run_until(1000);
  CHECK(sim.value("motor.temperature") == doctest::Approx(20).epsilon(1e-12));
  sim.run_until(1100);
  const double at_stop = 20 + 10 * (1 - std::exp(-10.0));
  CHECK(sim.value("motor.temperature") == doctest::Approx(at_stop).epsilon(1e-7));
  sim.run();
  CHECK(sim.value("motor.temperature") ==
        doctest::Approx(20 + (at_stop - 20) * std::exp(-5.0)).epsilon(1e-7));
}

TEST_CASE("thermal parameters are checked with their units") {
  auto err = [](const std::string& y) {
    try {
      compile_physics(y);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(err(R"Y(horizon: 1 h
components:
  t: {type: thermal, capacitance: 1 kJ, r_ambient: 0.01 K/W}
flow: []
)Y")
            .find("components.t.capacitance: unknown unit \"kJ\" for a heat capacity (e.g. \"50 "
                  "kJ/K\")") != std::string::npos);
  CHECK(
      err(R"Y(horizon: 1 h
components:
  t: {type: thermal, capacitance: 1 kJ/K, r_ambient: 0.01 K/W, heat_from: {machine: pres}}
  press: {type: machine, process_time: 1 s}
  s: {type: source}
  o: {type: sink}
flow: ["s -> press -> o"]
)Y")
          .find(
              "components.t.heat_from.machine: no component \"pres\" (did you mean \"press\"?)") !=
      std::string::npos);
  CHECK(err(R"Y(horizon: 1 h
components:
  t: {type: thermal, capacitance: 1 kJ/K, r_ambient: 0.01 K/W}
  s: {type: source}
  o: {type: sink}
flow: ["s -> t -> o"]
)Y")
            .find("a thermal takes no part in the material flow") != std::string::npos);
  CHECK(err(R"Y(horizon: 1 h
physics: {method: euler}
components:
  t: {type: thermal, capacitance: 1 kJ/K, r_ambient: 0.01 K/W}
flow: []
)Y")
            .find("physics.method: expected one of rk4, dopri45, implicit_euler, got \"euler\"") !=
        std::string::npos);
}

TEST_CASE("ambient temperature follows a constant, a daily profile or a data file") {
  auto at_noon = [](const std::string& ambient) {
    Sim sim(compile_physics(fmt::format(R"Y(horizon: 2 d
components:
  room: {{type: thermal, capacitance: 1 kJ/K, r_ambient: 0.01 K/W, ambient: '{}'}}
flow: []
)Y",
                                        ambient)));
    sim.run_until(12 * 3600);
    return std::pair{sim.value("room.ambient"), sim.value("room.temperature")};
  };
  CHECK(at_noon("18 C").first == 18);
  // daily(min, max, peak): a cosine peaking at 15:00; at noon a quarter period before the peak.
  const auto daily = at_noon("daily(min=14 C, max=26 C, peak=15:00)");
  CHECK(daily.first == doctest::Approx(20 + 6 * std::cos(2 * M_PI * -3 / 24)));
  // tau = 10 s: the room follows the ambient closely.
  CHECK(daily.second == doctest::Approx(daily.first).epsilon(1e-3));
  // The file holds hourly values; at 12:00 exactly the 12th row.
  CHECK(at_noon("file(\"data/ambient_summer_day.csv\", unit=C, repeat=day)").first ==
        doctest::Approx(25.8));
  CHECK_THROWS_WITH_AS(at_noon("file(\"data/none.csv\")"),
                       doctest::Contains("cannot read data file"), ScenarioError);
}
