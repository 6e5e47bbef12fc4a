// Energy per machine state and shift calendars.

#include <doctest/doctest.h>

#include "plantwin/shifts.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

TEST_CASE("an energy meter equals the sum over states of time times power") {
  auto m = compile_text(R"Y(horizon: 20000 s
components:
  arrivals: {type: source, interarrival: exponential(10 s)}
  q: {type: buffer, capacity: 2}
  press:
    type: machine
    process_time: exponential(7 s)
    ttf: exponential(500 s)
    ttr: exponential(60 s)
    power: {working: 40 kW, idle: 6 kW, blocked: 8 kW, down: 1.5 kW}
  b: {type: buffer, capacity: 1}
  trim: {type: machine, process_time: exponential(8 s), power: {working: 5 kW, idle: 1 kW}}
  out: {type: sink}
flow: ["arrivals -> q -> press -> b -> trim -> out"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  const double hours = 20000.0 / 3600;
  const double press = hours * (k["press.working"] * 40 + k["press.starved"] * 6 +
                                k["press.blocked"] * 8 + k["press.down"] * 1.5);
  CHECK(k["press.energy"] == doctest::Approx(press).epsilon(1e-12));
  const double trim = hours * (k["trim.working"] * 5 + (k["trim.starved"] + k["trim.blocked"]) * 1);
  CHECK(k["trim.energy"] == doctest::Approx(trim).epsilon(1e-12));
  CHECK(k["line.energy"] == doctest::Approx(press + trim).epsilon(1e-12));
  CHECK(k["line.energy_per_good_part"] == doctest::Approx((press + trim) / k["line.exits"]));
  CHECK(k["press.mean_power"] == doctest::Approx(press / hours));
}

TEST_CASE("a shift calendar knows when the plant works, across midnight and the week") {
  Diagnostics diag;
  Scenario s = load_scenario_text(R"Y(shifts:
  days: [mon, tue, wed, thu, fri]
  periods: ["06:00-14:00", "22:00-06:00"]
  breaks: ["10:00-10:30"]
)Y");
  ShiftCalendar cal = parse_shifts(*s.root.find("shifts"), diag);
  REQUIRE(diag.empty());
  const double h = 3600;
  CHECK_FALSE(cal.on_shift(5 * h));      // Monday 05:00: the night shift starts Monday 22:00
  CHECK(cal.on_shift(6 * h));            // Monday 06:00
  CHECK_FALSE(cal.on_shift(10.25 * h));  // break
  CHECK(cal.on_shift(23 * h));           // Monday night
  CHECK(cal.on_shift(24 * h + 5 * h));   // into Tuesday morning
  CHECK(cal.next_change(6 * h) == 10 * h);
  CHECK_FALSE(cal.on_shift(5 * 86400 + 12 * h));  // Saturday noon
  CHECK(cal.on_shift(5 * 86400 + 3 * h));         // Friday night shift runs into Saturday
  // Per working day: 7.5 h morning + 8 h night.
  CHECK(cal.planned_time(0, ShiftCalendar::kWeek) == doctest::Approx(5 * 15.5 * h));
}

TEST_CASE("bad shift calendars are refused with their location") {
  CHECK(compile_error(R"Y(horizon: 1 d
shifts: {days: [mon, tues], periods: ["06:00-14:00", "6-14"]}
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o"]
)Y")
            .find("test.yaml:2:22: shifts.days[1]: expected a day (mon ... sun or monday ... "
                  "sunday), got "
                  "\"tues\" (did "
                  "you mean \"tue\"?)") != std::string::npos);
  CHECK(compile_error(R"Y(horizon: 1 d
shifts: {periods: ["06:00-14:00", "6-14"]}
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o"]
)Y")
            .find("shifts.periods[1]: expected a period such as \"06:00-14:00\", got \"6-14\"") !=
        std::string::npos);
  CHECK(compile_error(R"Y(horizon: 1 d
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s, power: {working: 15 kg}}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y")
            .find("components.m.power.working: unknown unit \"kg\" for a power (e.g. \"15 kW\")") !=
        std::string::npos);
}

TEST_CASE("machines work only on shift, and OEE counts only planned time") {
  // One 8-hour shift a day, every day; 1 s per part, endless supply: 28,800 parts a day.
  const char* yaml = R"Y(horizon: 2 d
shifts: {periods: ["06:00-14:00"]}
components:
  supply: {type: source}
  m:
    type: machine
    process_time: 1 s
    power: {working: 10 kW, idle: 2 kW, standby: 0.5 kW}
    off_shift: standby
  out: {type: sink}
flow: ["supply -> m -> out"]
)Y";
  Sim sim(compile_text(yaml));
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["out.exits"] == doctest::Approx(2 * 28800).epsilon(1e-4));
  CHECK(k["m.off"] == doctest::Approx(16.0 / 24).epsilon(1e-4));
  CHECK(k["m.availability"] == doctest::Approx(1.0));
  CHECK(k["m.performance"] == doctest::Approx(1.0).epsilon(1e-4));
  CHECK(k["m.oee"] == doctest::Approx(1.0).epsilon(1e-4));
  // 16 h working at 10 kW and 32 h standby at 0.5 kW.
  CHECK(k["m.energy"] == doctest::Approx(16 * 10 + 32 * 0.5).epsilon(1e-4));
  Sim idle(compile_text(yaml, {"components.m.off_shift=idle"}));
  idle.run();
  CHECK(kpi_map(idle)["m.energy"] == doctest::Approx(16 * 10 + 32 * 2).epsilon(1e-4));
}

TEST_CASE("an energy meter sums its machines and finds the peak demand window") {
  // One part every 100 s from t = 100 s, 30 s of work at 10 kW, idle at 2 kW. With 100-second
  // windows: the first holds only idling (2 kW), every later one 30 s working + 70 s idle.
  auto m = compile_text(R"Y(horizon: 1000 s
components:
  arrivals: {type: source, interarrival: 100 s}
  m: {type: machine, process_time: 30 s, power: {working: 10 kW, idle: 2 kW}}
  out: {type: sink}
  meter: {type: energy_meter, window: 100 s}
flow: ["arrivals -> m -> out"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["meter.peak_demand"] == doctest::Approx((30 * 10 + 70 * 2) / 100.0));
  CHECK(k["meter.metered_energy"] == doctest::Approx(k["m.energy"]));
  CHECK(k["meter.metered_energy"] == doctest::Approx((100 * 2 + 9 * (30 * 10 + 70 * 2)) / 3600.0));
  CHECK(sim.value("m.power") == doctest::Approx(10.0));  // a part arrived at 1000 s
}

TEST_CASE("a machine's energy signal is 0, not NaN, at the warm-up's end itself") {
  // Recorded every 10 s from 0, so one sample falls on the restart at 100 s: the energy since
  // the restart is none yet there, and grows by 10 s x 2 kW (working all the time) per sample.
  auto m = compile_text(R"Y(horizon: 200 s
warmup: 100 s
record: {period: 10 s, signals: [press.energy]}
components:
  supply: {type: source}
  press: {type: machine, process_time: 1 s, power: {working: 2 kW, idle: 1 kW}}
  out: {type: sink}
flow: ["supply -> press -> out"]
)Y");
  Sim sim(m);
  sim.run();
  const auto& times = sim.state().trace.times;
  const auto& energy = sim.state().trace.values[0];
  REQUIRE(times.size() == energy.size());
  bool saw_restart = false;
  for (std::size_t i = 0; i < times.size(); ++i) {
    INFO("t = " << times[i]);
    CHECK_FALSE(std::isnan(energy[i]));
    if (times[i] == 100) {
      saw_restart = true;
      CHECK(energy[i] == 0);
    }
    if (times[i] > 100) CHECK(energy[i] == doctest::Approx((times[i] - 100) * 2 / 3600));
  }
  CHECK(saw_restart);
}
