// Controllers in scenario files (`controllers:`): PID and hysteresis against exact references.
//
// The plant is one thermal node, C dT/dt = u - (T - Ta) / R, which between two scans (u held
// constant by the zero-order hold of a PLC output) has the exact solution
//   T(t + h) = Ta + R u + (T(t) - Ta - R u) exp(-h / RC).
// A reference written here from that formula and the PID law of docs (models/control/pid.cpp)
// gives the temperature at every scan; plantwin integrates the node with RK4 (dt = 1 s, RC =
// 1000 s: local error ~ (dt/RC)^5), so both agree far below the tolerance used.

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

constexpr double kR = 0.01, kC = 1e5, kTau = kR * kC, kTa = 20;  // K/W, J/K, s, C

std::string pid_plant(double kp, double ti, double lo, double hi, const std::string& extra = "",
                      double horizon_s = 3000) {
  return fmt::format(R"Y(horizon: {} s
physics: {{dt: 1 s}}
record: {{period: 1 s, signals: [room.temperature, tc.output]}}
components:
  room: {{type: thermal, capacitance: {} J/K, r_ambient: {} K/W, ambient: {} degC, initial: {} degC}}
controllers:
  tc: {{type: pid, scan: 1 s, measure: room.temperature, setpoint: 30, output: room.heat_input,
       kp: {}, ti: {} s, limits: [{}, {}]{}}}
)Y",
                     horizon_s, kC, kR, kTa, kTa, kp, ti, lo, hi, extra);
}

// The reference: temperatures at scans 0, h, 2h, ... for a PI loop with setpoint sp.
std::vector<double> reference_pi(double kp, double ti, double lo, double hi, bool anti_windup,
                                 double sp, double h, int scans) {
  std::vector<double> temps;
  double t = kTa, integral = 0;
  for (int k = 0; k < scans; ++k) {
    temps.push_back(t);
    const double e = sp - t;
    if (k > 0) integral += kp * h / ti * e;  // the first scan has no interval behind it
    double u = kp * e + integral;
    if (u > hi || u < lo) {
      u = std::clamp(u, lo, hi);
      if (anti_windup) integral = u - kp * e;
    }
    t = kTa + kR * u + (t - kTa - kR * u) * std::exp(-h / kTau);
  }
  return temps;
}

std::vector<double> recorded(const Sim& sim, const std::string& signal) {
  const auto& rec = sim.model().record().signals;
  for (std::size_t k = 0; k < rec.size(); ++k)
    if (sim.model().signals()[static_cast<std::size_t>(rec[k])].name == signal)
      return sim.state().trace.values[k];
  return {};
}

}  // namespace

TEST_CASE("a PI loop with ti = RC follows the exact sampled-data response") {
  // Pole-zero cancellation: the closed loop is first order with time constant RC / (kp R),
  // here 1000 / (10 * 0.01 * ... ) -> kp = 500 W/K gives tau_cl = 1000 / 5 = 200 s.
  const double kp = 500, ti = kTau;
  auto model = compile_text(pid_plant(kp, ti, -1e9, 1e9));
  Sim sim(model);
  sim.run();
  const auto temps = recorded(sim, "room.temperature");
  const auto ref = reference_pi(kp, ti, -1e9, 1e9, true, 30, 1.0, 3001);
  REQUIRE(temps.size() == ref.size());
  double worst = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(temps[i] - ref[i]));
  CHECK(worst < 1e-6);
  // And the continuous-time theory: no overshoot, 2 % settling after ln(50) tau_cl = 782 s, to
  // within a scan or two of sampling delay.
  const double tau_cl = kTau / (kp * kR);
  double settled = -1;
  for (std::size_t i = ref.size(); i-- > 0;)
    if (std::abs(temps[i] - 30) > 0.2) {
      settled = static_cast<double>(i + 1);
      break;
    }
  CHECK(settled == doctest::Approx(std::log(50.0) * tau_cl).epsilon(0.01));
  CHECK(*std::max_element(temps.begin(), temps.end()) <= 30 + 1e-9);
}

TEST_CASE("anti-windup limits the overshoot after the output saturates") {
  // kp = 2000 W/K, ti = 100 s and a heater of at most 1500 W: the output saturates for the
  // first part of the rise, and an integrator that winds up meanwhile overshoots far more.
  const double kp = 2000, ti = 100, lo = 0, hi = 1500;
  double overshoot[2];
  for (int aw = 0; aw < 2; ++aw) {
    auto model = compile_text(pid_plant(kp, ti, lo, hi, aw ? "" : ", anti_windup: none", 6000));
    Sim sim(model);
    sim.run();
    const auto temps = recorded(sim, "room.temperature");
    const auto ref = reference_pi(kp, ti, lo, hi, aw == 1, 30, 1.0, 6001);
    REQUIRE(temps.size() == ref.size());
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i)
      worst = std::max(worst, std::abs(temps[i] - ref[i]));
    CHECK(worst < 1e-6);
    overshoot[aw] = *std::max_element(temps.begin(), temps.end()) - 30;
    const auto out = recorded(sim, "tc.output");
    CHECK(*std::max_element(out.begin(), out.end()) == hi);
    CHECK(*std::min_element(out.begin(), out.end()) >= lo);
  }
  CAPTURE(overshoot[0]);
  CAPTURE(overshoot[1]);
  CHECK(overshoot[1] < 0.5 * overshoot[0]);
}

TEST_CASE("manual to automatic is bumpless and the setpoint is an actuator") {
  // 8000 s: the switch leaves the integrator off the cancellation, so the plant's own mode
  // (RC = 1000 s) decays too, to exp(-7.4) of a few kelvin by the end.
  auto model =
      compile_text(pid_plant(500, kTau, -1e9, 1e9, ", mode: manual, manual_output: 700", 8000));
  Sim sim(model);
  sim.run_until(600);
  CHECK(sim.value("tc.output") == 700);
  CHECK(sim.value("tc.auto") == 0);
  sim.set("tc.auto", 1);
  sim.run_until(601);
  // The first automatic scan continues from the manual output (the temperature barely moved in
  // one second): no jump.
  CHECK(sim.value("tc.output") == doctest::Approx(700).epsilon(0.01));
  sim.set("tc.setpoint", 25);
  sim.run();
  CHECK(sim.value("room.temperature") == doctest::Approx(25).epsilon(1e-3));
  CHECK_THROWS_WITH_AS(sim.set("tc.auto", 0.5), "tc.auto: must be 0 or 1, got 0.5",
                       std::invalid_argument);
}

TEST_CASE("a thermostat cycles with the period the exponentials give") {
  // Heating with hysteresis: on below 19 C, off above 21 C, 2500 W into a node with Ta = 10 C.
  // On: T rises towards Ta + R Q = 35 C; off: it falls towards 10 C. One cycle takes
  //   tau ln((35 - 19) / (35 - 21)) + tau ln((21 - 10) / (19 - 10)) = 133.5 + 200.7 = 334.2 s,
  // plus up to one scan (1 s) of delay at each switch.
  auto model = compile_text(R"Y(horizon: 20000 s
physics: {dt: 0.5 s}
record: {events: true}
components:
  room: {type: thermal, capacitance: 1e5 J/K, r_ambient: 0.01 K/W, ambient: 10 degC, initial: 20 degC}
controllers:
  stat: {type: hysteresis, scan: 1 s, measure: room.temperature, on_below: 19, off_above: 21,
         output: room.heat_input, on_value: 2500, off_value: 0}
)Y");
  Sim sim(model);
  sim.run();
  std::vector<double> on_times;
  for (const auto& e : sim.state().trace.events)
    if (std::string(e.kind) == "on") on_times.push_back(e.time);
  REQUIRE(on_times.size() > 20);
  const double cycle = (on_times.back() - on_times[1]) / static_cast<double>(on_times.size() - 2);
  const double theory = kTau * (std::log(16.0 / 14.0) + std::log(11.0 / 9.0));
  CHECK(cycle >= theory - 1e-6);
  CHECK(cycle <= theory + 2.0);
  CHECK(sim.value("stat.switches") ==
        static_cast<double>(2 * on_times.size() - 1) + (sim.value("stat.on") == 1 ? 0 : 1));
}

TEST_CASE("controllers are checked like components before the run") {
  const std::string plant =
      "horizon: 1 h\ncomponents:\n  room: {type: thermal, capacitance: 1 MJ/K, r_ambient: 0.01 "
      "K/W}\ncontrollers:\n";
  CHECK(compile_error(plant +
                      "  tc: {type: pid, scan: 1 s, measure: room.temprature, setpoint: 30, "
                      "output: room.temperature, kp: 5}\n") ==
        "test.yaml:5:39: controllers.tc.measure: no signal \"room.temprature\" (did you mean "
        "\"room.temperature\"?)\n"
        "test.yaml:5:78: controllers.tc.output: no actuator \"room.temperature\" (it is a signal, "
        "an output; settable here: room.heat_input, tc.setpoint, tc.auto, tc.manual_output)");
  CHECK(compile_error(plant + "  x: {type: thermal}\n") ==
        "test.yaml:5:13: controllers.x.type: a thermal is a component, not a controller: put it "
        "under components");
  CHECK(compile_error(plant + "  room: {type: pid}\n")
            .find("controllers.room: \"room\" is already the name of a component") !=
        std::string::npos);
  CHECK(compile_error(plant + "  s: {type: hysteresis, scan: 1 s, measure: room.temperature, "
                              "output: room.heat_input, on_above: 5, off_below: 6}\n") ==
        "test.yaml:5:112: controllers.s.off_below: must be below on_above (5)");
  CHECK(compile_error(plant + "  s: {type: pidd}\n") ==
        "test.yaml:5:13: controllers.s.type: unknown controller type \"pidd\" (did you mean "
        "\"pid\"?); known: alarm, export_limit, hysteresis, pid, plugin, sequence, st");
}

TEST_CASE("a fork keeps the controllers or leaves them behind") {
  auto model = compile_text(pid_plant(500, kTau, 0, 5000));
  Sim sim(model);
  sim.run_until(100);
  Sim with(sim.model_ptr(), sim.state(), sim.control_plan());
  Sim without(sim.model_ptr(), sim.state());
  with.run();
  without.run();
  CHECK(with.value("room.temperature") == doctest::Approx(30).epsilon(1e-3));
  // Without its controller the heater holds its last output: the node's exact response to a
  // constant input from t = 100 s on.
  const double held = sim.value("tc.output"), t100 = sim.value("room.temperature");
  const double exact = kTa + kR * held + (t100 - kTa - kR * held) * std::exp(-2900 / kTau);
  CHECK(without.value("room.temperature") == doctest::Approx(exact).epsilon(1e-7));
  CHECK(without.value("tc.output") == held);
}

TEST_CASE("a sequence steps on conditions and timers at the scans the exponentials give") {
  // Heat with 2000 W (towards 40 C) until above 30 C, then hold (towards 20 C) until below 25 C
  // and at least 60 s in the step. RC = 1000 s: heating 20 -> 30 takes 1000 ln 2 = 693.1 s,
  // cooling 30 -> 25 the same, heating 25 -> 30 1000 ln 1.5 = 405.5 s; each transition fires at
  // the first 1 s scan after the crossing.
  auto model = compile_text(R"Y(horizon: 2000 s
physics: {dt: 0.25 s}
components:
  room: {type: thermal, capacitance: 1e5 J/K, r_ambient: 0.01 K/W, ambient: 20 degC, initial: 20 degC}
controllers:
  s:
    type: sequence
    scan: 1 s
    steps:
      heat:
        on_entry: {room.heat_input: 2000}
        transitions:
          - {to: hold, when: "room.temperature > 30"}
      hold:
        on_entry: {room.heat_input: 0}
        transitions:
          - {to: heat, when: "room.temperature < 25", after: 60 s}
)Y");
  Sim sim(model);
  sim.run();
  std::vector<std::pair<double, std::string>> steps;
  for (const auto& e : sim.state().trace.events) steps.emplace_back(e.time, e.detail);
  REQUIRE(steps.size() == 3);
  CHECK(steps[0] == std::pair<double, std::string>(694, "heat -> hold"));
  CHECK(steps[1] == std::pair<double, std::string>(1388, "hold -> heat"));
  CHECK(steps[2] == std::pair<double, std::string>(1794, "heat -> hold"));
  CHECK(sim.value("s.step") == 1);
  CHECK(sim.value("s.transitions") == 3);
  CHECK(sim.value("s.step_time") == doctest::Approx(2000 - 1794));
}

TEST_CASE("a sequence's steps, actions and conditions are checked before the run") {
  const std::string plant =
      "horizon: 1 h\ncomponents:\n  room: {type: thermal, capacitance: 1 MJ/K, r_ambient: 0.01 "
      "K/W}\ncontrollers:\n  s:\n    type: sequence\n    scan: 1 s\n";
  CHECK(compile_error(plant + "    initial: hat\n    steps:\n      heat:\n        transitions:\n"
                              "          - {to: hod, when: room.temperature > 30}\n"
                              "      hold: {on_entry: {room.heat: 0}}\n") ==
        "test.yaml:8:14: controllers.s.initial: no step \"hat\" (did you mean \"heat\"?)\n"
        "test.yaml:12:18: controllers.s.steps.heat.transitions[0].to: no step \"hod\" (did you "
        "mean \"hold\"?)");
  CHECK(compile_error(plant + "    steps:\n      hold: {on_entry: {room.heat: 0}}\n") ==
        "test.yaml:9:25: controllers.s.steps.hold.on_entry.room.heat: no actuator \"room.heat\" "
        "(it is a signal, an output; settable here: room.heat_input)");
  CHECK(
      compile_error(plant + "    steps:\n      a:\n        transitions:\n          - {to: a}\n") ==
      "test.yaml:11:13: controllers.s.steps.a.transitions[0]: needs when (a condition), after "
      "(a time) or both");
  CHECK(compile_error(plant + "    steps:\n      a:\n        transitions:\n"
                              "          - {to: a, when: room.temprature > 3}\n") ==
        "test.yaml:11:27: controllers.s.steps.a.transitions[0].when: no signal "
        "\"room.temprature\" (did you mean \"room.temperature\"?)");
}

TEST_CASE("a Structured Text controller is checked against its program before the run") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("plantwin_st_{}", ::getpid());
  fs::create_directories(dir);
  {
    std::ofstream(dir / "ok.st") << "PROGRAM p\nVAR_INPUT\n  t : REAL;\nEND_VAR\nVAR_OUTPUT\n"
                                    "  q : REAL;\nEND_VAR\nq := 100.0 * (30.0 - t);\nEND_PROGRAM\n";
    std::ofstream(dir / "bad.st") << "PROGRAM p\nVAR\n  x : REAL;\nEND_VAR\nx := y;\nEND_PROGRAM\n";
  }
  auto scenario = [&](const std::string& plc) {
    return fmt::format(
        "horizon: 1 h\ncomponents:\n  room: {{type: thermal, capacitance: 1 MJ/K, r_ambient: 0.01 "
        "K/W, initial: 20 degC, ambient: 20 degC}}\ncontrollers:\n  plc: {{type: st, scan: 1 s, "
        "{}}}\n",
        plc);
  };
  const std::string ok = (dir / "ok.st").string(), bad = (dir / "bad.st").string();
  CHECK(compile_error(scenario(fmt::format("program: {}", bad))).rfind(bad + ":5:6: ", 0) == 0);
  CHECK(compile_error(scenario(fmt::format("program: {}", ok))) ==
        "test.yaml:5:8: controllers.plc.inputs: the program's VAR_INPUT \"t\" is not bound to a "
        "signal");
  CHECK(compile_error(scenario(fmt::format(
            "program: {}, inputs: {{tt: room.temperature}}, outputs: {{q: room.heat}}", ok))) ==
        fmt::format("test.yaml:5:{0}: controllers.plc.inputs.tt: {1} has no VAR_INPUT \"tt\" (did "
                    "you mean \"t\"?)\n"
                    "test.yaml:5:{2}: controllers.plc.inputs: the program's VAR_INPUT \"t\" is not "
                    "bound to a signal",
                    50 + ok.size(), ok, 49 + ok.size()));
  // A proportional heater written in ST: C dT/dt = 100 (30 - T) - (T - 20) / 0.01 settles at
  // 25 C with time constant C / 200 = 5000 s: T(1 h) = 25 - 5 exp(-0.72).
  auto model = compile_text(scenario(fmt::format(
      "program: {}, inputs: {{t: room.temperature}}, outputs: {{q: room.heat_input}}", ok)));
  Sim sim(model);
  sim.run();
  CHECK(sim.value("room.temperature") == doctest::Approx(25 - 5 * std::exp(-0.72)).epsilon(1e-4));
  CHECK(sim.value("plc.q") ==
        doctest::Approx(100 * (30 - sim.value("room.temperature"))).epsilon(1e-3));
  CHECK(sim.value("plc.scans") == 3601);
  fs::remove_all(dir);
}

TEST_CASE("a controller plugin is loaded, checked and scanned; a fork clones its state") {
  auto scenario = [](const std::string& plugin) {
    return fmt::format(
        "horizon: 4000 s\nphysics: {{dt: 1 s}}\ncomponents:\n  room: {{type: thermal, "
        "capacitance: 1e5 J/K, r_ambient: 0.01 K/W, ambient: 20 degC, initial: 20 degC}}\n"
        "controllers:\n  pi: {{type: plugin, scan: 1 s, {}}}\n",
        plugin);
  };
  const std::string ok = fmt::format(
      "library: {}, config: \"kp=500;ti=1000;setpoint=30\", inputs: [room.temperature], "
      "outputs: [room.heat_input]",
      PLANTWIN_SAMPLE_PLUGIN);
  // The same PI law and plant as "a PI loop with ti = RC follows the exact sampled-data
  // response": 20 C -> 30 C with a 200 s closed-loop time constant.
  auto model = compile_text(scenario(ok));
  Sim sim(model);
  sim.run_until(1000);
  Sim fork(sim.model_ptr(), sim.state(), sim.control_plan());
  sim.run();
  fork.run();
  // The built-in pid with the same law gives the same trajectory.
  auto builtin = compile_text(pid_plant(500, kTau, -1e9, 1e9, "", 4000));
  Sim b(builtin);
  b.run();
  CHECK(sim.value("room.temperature") ==
        doctest::Approx(b.value("room.temperature")).epsilon(1e-12));
  CHECK(sim.value("room.temperature") == doctest::Approx(30).epsilon(1e-4));
  CHECK(fork.value("room.temperature") == sim.value("room.temperature"));
  CHECK(sim.value("pi.scans") == 4001);
  CHECK(compile_error(scenario("library: nope.so, inputs: [], outputs: []"))
            .find("controllers.pi.library: cannot load \"") != std::string::npos);
  CHECK(compile_error(scenario("library: /lib/x86_64-linux-gnu/libm.so.6")) ==
        "test.yaml:6:42: controllers.pi.library: \"/lib/x86_64-linux-gnu/libm.so.6\" does not "
        "export plantwin_plugin_abi, plantwin_plugin_init, plantwin_plugin_clone, "
        "plantwin_plugin_scan, plantwin_plugin_teardown (see plantwin/models/controller_plugin.h)");
  // A plugin that refuses its configuration stops the run with its reason.
  auto refusing = compile_text(scenario(fmt::format(
      "library: {}, config: nonsense, inputs: [room.temperature], outputs: [room.heat_input]",
      PLANTWIN_SAMPLE_PLUGIN)));
  Sim r(refusing);
  CHECK_THROWS_WITH_AS(r.run(),
                       fmt::format("pi: {} refused to start: config must be "
                                   "\"kp=...;ti=...;setpoint=...\"",
                                   PLANTWIN_SAMPLE_PLUGIN)
                           .c_str(),
                       std::runtime_error);
}
