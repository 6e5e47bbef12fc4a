// References between components are resolved when the scenario compiles, with the kind they
// must have: a wrong kind is an error that names the place, the kind found, the kind expected
// and the candidates, never a crash or a policy that silently never acts.

#include <doctest/doctest.h>

#include "support.h"

using namespace plantwin;
using plantwin::test::compile_error;

namespace {

const char* kPlant = R"Y(horizon: 8 h
components:
  src: {type: source, interarrival: 1 min}
  press1: {type: machine, process_time: 50 s, wear: {rate: 0.01 /h, ttr: 1 h}}
  press2: {type: machine, process_time: 40 s}
  out: {type: sink}
  mechanics: {type: crew, size: 1}
  vib1: {type: sensor, signal: press1.vibration, period: 10 min}
  meter: {type: energy_meter}
  oven: {type: thermal, capacitance: 1 MJ/K, r_ambient: 0.01 K/W, ambient: 20 C}
flow: ["src -> press1 -> press2 -> out"]
)Y";

}  // namespace

TEST_CASE("a crew reference must name a crew") {
  CHECK(compile_error(kPlant, {"components.press1.crew=press2"}) ==
        "--set components.press1.crew=press2: components.press1.crew: \"press2\" is a machine; "
        "expected a crew (crews here: mechanics)");
  CHECK(compile_error(kPlant, {"components.press1.crew=mechanic"})
            .find("no component \"mechanic\" (did you mean \"mechanics\"?)") != std::string::npos);
  CHECK(compile_error(kPlant, {"components.press1.crew=mechanics"}).empty());
}

TEST_CASE("a maintenance policy's sensor must be a sensor") {
  const std::string policy =
      "components.press1.maintenance={policy: condition, sensor: press2, threshold: 5 mm/s, "
      "duration: 1 h}";
  CHECK(
      compile_error(kPlant, {policy})
          .find("components.press1.maintenance.sensor: \"press2\" is a machine; expected a sensor "
                "(sensors here: vib1)") != std::string::npos);
}

TEST_CASE("a sensor's signal must exist when the scenario compiles") {
  CHECK(compile_error(kPlant, {"components.vib1.signal=press1.vibraton"}) ==
        "--set components.vib1.signal=press1.vibraton: components.vib1.signal: no signal "
        "\"press1.vibraton\" (did you mean \"press1.vibration\"?)");
}

TEST_CASE("heat from a machine and metered machines must be machines") {
  CHECK(compile_error(kPlant, {"components.oven.heat_from={machine: mechanics, working: 1 kW}"})
            .find("components.oven.heat_from.machine: \"mechanics\" is a crew; expected a "
                  "machine (machines here: press1, press2)") != std::string::npos);
  CHECK(compile_error(kPlant, {"components.meter.machines=[press1, oven]"})
            .find("components.meter.machines[1]: \"oven\" is a thermal; expected a machine") !=
        std::string::npos);
}

TEST_CASE("a reference to a kind the scenario lacks says so") {
  CHECK(compile_error(R"Y(horizon: 1 h
components:
  src: {type: source}
  m: {type: machine, process_time: 1 min, crew: out}
  out: {type: sink}
flow: ["src -> m -> out"]
)Y") == "test.yaml:4:49: components.m.crew: \"out\" is a sink; expected a crew (there is no "
        "crew in this scenario)");
}
