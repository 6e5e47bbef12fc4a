// A catalogue of broken scenarios. Each must be refused before the run starts with an error
// that names the file, line and column, the key path, and what was expected and found.

#include <doctest/doctest.h>

#include "support.h"

using namespace plantwin;
using plantwin::test::compile_error;

namespace {

struct Broken {
  const char* what;
  const char* yaml;
  const char* error;  // expected as a substring of the error text
};

// Line numbers below count from the first line of each YAML text.
const Broken kCatalogue[] = {
    {"horizon missing", R"Y(components:
  s: {type: source}
  o: {type: sink}
flow: ["s -> o"]
)Y",
     "test.yaml:1:1: horizon: is required (a duration)"},
    {"horizon without unit", R"Y(horizon: 8
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o"]
)Y",
     "test.yaml:1:10: horizon: expected a duration with a unit (e.g. \"45 s\"), got \"8\""},
    {"horizon not a duration", R"Y(horizon: fast
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o"]
)Y",
     "test.yaml:1:10: horizon: expected a duration (e.g. \"45 s\"), got \"fast\""},
    {"negative horizon", R"Y(horizon: -1 h
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o"]
)Y",
     "test.yaml:1:10: horizon: must be above 0 (SI units), got \"-1 h\""},
    {"warm-up longer than horizon", R"Y(horizon: 1 h
warmup: 2 h
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o"]
)Y",
     "test.yaml:2:9: warmup: must be shorter than the horizon (1 h)"},
    {"unknown top-level key with hint", R"Y(horizon: 1 h
compnents: {}
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o"]
)Y",
     "test.yaml:2:1: compnents: unknown key (did you mean \"components\"?)"},
    {"unknown component type", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machin, process_time: 1 s}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "test.yaml:4:13: components.m.type: unknown component type \"machin\" (did you mean "
     "\"machine\"?)"},
    {"component without type", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {process_time: 1 s}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.type: is required; one of assembly, buffer, conveyor, crew, energy_meter, "
     "machine, sensor, sink, source, split, thermal"},
    {"unknown component key with hint", R"Y(horizon: 1 h
components:
  s: {type: source}
  m:
    type: machine
    proces_time: 1 s
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "test.yaml:6:5: components.m.proces_time: unknown key (did you mean \"process_time\"?)"},
    {"process time missing", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.process_time: is required (a distribution, e.g. \"exponential(45 s)\")"},
    {"process time not a distribution", R"Y(horizon: 1 h
components:
  s: {type: source}
  m:
    type: machine
    process_time: fast
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "test.yaml:6:19: components.m.process_time: expected a distribution such as \"exponential(45 "
     "s)\" or a duration (e.g. \"45 s\"), got \"fast\""},
    {"negative mean", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: exponential(-3 s)}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.process_time: exponential needs a positive mean, got -3"},
    {"negative standard deviation", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: "normal(30 s, -2 s)"}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.process_time: normal needs sd >= 0, got sd=-2"},
    {"misspelt distribution", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: expo(3 s)}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "unknown distribution \"expo\""},
    {"ttf without ttr", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s, ttf: exponential(1 h)}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.ttf: needs a time to repair (ttr) as well"},
    {"scrap above one", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s, scrap: 1.5}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.scrap: must be between 0 and 1, got \"1.5\""},
    {"zero servers", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s, servers: 0}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.servers: must be between 1 and 10000, got 0"},
    {"bad failure clock", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s, ttf: 1 h, ttr: 1 min, failure_clock: operation}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.failure_clock: expected one of operating, calendar, got \"operation\" (did you "
     "mean \"operating\"?)"},
    {"negative buffer capacity", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s}
  b: {type: buffer, capacity: -1}
  m2: {type: machine, process_time: 1 s}
  o: {type: sink}
flow: ["s -> m -> b -> m2 -> o"]
)Y",
     "components.b.capacity: must be at least 0, got -1"},
    {"fractional buffer capacity", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s}
  b: {type: buffer, capacity: 2.5}
  m2: {type: machine, process_time: 1 s}
  o: {type: sink}
flow: ["s -> m -> b -> m2 -> o"]
)Y",
     "components.b.capacity: expected a whole number, got \"2.5\""},
    {"flow names a missing component", R"Y(horizon: 1 h
components:
  src: {type: source}
  press: {type: machine, process_time: 1 s}
  out: {type: sink}
flow:
  - src -> pres -> out
)Y",
     "test.yaml:7:12: flow[0]: unknown component \"pres\" (did you mean \"press\"?)"},
    {"flow is not a list", R"Y(horizon: 1 h
components: {s: {type: source}, o: {type: sink}}
flow: s -> o
)Y",
     "test.yaml:3:7: flow: expected a list of chains such as \"a -> b -> c\", got a value"},
    {"flow entry without arrow", R"Y(horizon: 1 h
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o", "s o"]
)Y",
     "flow[1]: expected a chain such as \"a -> b\", got \"s o\""},
    {"a link given twice", R"Y(horizon: 1 h
components: {s: {type: source}, o: {type: sink}}
flow: ["s -> o", "s -> o"]
)Y",
     "flow[1]: the link s -> o is given twice"},
    {"component feeding itself", R"Y(horizon: 1 h
components:
  s: {type: source}
  b: {type: buffer}
  o: {type: sink}
flow: ["s -> b -> b -> o"]
)Y",
     "flow[0]: \"b\" cannot feed itself"},
    {"source with an input", R"Y(horizon: 1 h
components:
  a: {type: source}
  b: {type: source}
  o: {type: sink}
flow: ["a -> b -> o"]
)Y",
     "components.b: a source has no inputs, but the flow gives it 1"},
    {"machine with two outputs", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s}
  o1: {type: sink}
  o2: {type: sink}
flow: ["s -> m -> o1", "m -> o2"]
)Y",
     "components.m: needs exactly 1 output in the flow, got 2"},
    {"component not in the flow", R"Y(horizon: 1 h
components:
  s: {type: source}
  lonely: {type: buffer}
  o: {type: sink}
flow: ["s -> o"]
)Y",
     "test.yaml:4:3: components.lonely: is not connected: name it in the flow"},
    {"source with both rate and interarrival", R"Y(horizon: 1 h
components:
  s: {type: source, rate: 10 /h, interarrival: exponential(6 min)}
  o: {type: sink}
flow: ["s -> o"]
)Y",
     "components.s.rate: give either interarrival or rate, not both"},
    {"rate with a time unit", R"Y(horizon: 1 h
components:
  s: {type: source, rate: 10 h}
  o: {type: sink}
flow: ["s -> o"]
)Y",
     "components.s.rate: unknown unit \"h\" for a rate (e.g. \"12 /h\")"},
    {"split weights naming a stranger", R"Y(horizon: 1 h
components:
  s: {type: source, rate: 10 /h}
  r: {type: split, weights: {a: 1, c: 2}}
  a: {type: sink}
  b: {type: sink}
flow: ["s -> r -> a", "r -> b"]
)Y",
     "components.r.weights: \"c\" is not a next station of r (next: a, b)"},
    {"conveyor without speed", R"Y(horizon: 1 h
components:
  s: {type: source}
  c: {type: conveyor, length: 10 m, spacing: 1 m}
  o: {type: sink}
flow: ["s -> c -> o"]
)Y",
     "components.c.speed: is required (a speed)"},
    {"conveyor spacing longer than the belt", R"Y(horizon: 1 h
components:
  s: {type: source}
  c: {type: conveyor, length: 1 m, spacing: 2 m, speed: 1 m/s}
  o: {type: sink}
flow: ["s -> c -> o"]
)Y",
     "components.c.spacing: must not exceed the length"},
    {"assembly with a single input", R"Y(horizon: 1 h
components:
  s: {type: source}
  a: {type: assembly, process_time: 1 min}
  o: {type: sink}
flow: ["s -> a -> o"]
)Y",
     "components.a: needs at least 2 inputs in the flow, got 1"},
    {"recording an unknown signal", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 s}
  o: {type: sink}
flow: ["s -> m -> o"]
record: {period: 1 min, signals: [m.stat]}
)Y",
     "test.yaml:7:35: record.signals[0]: unknown signal \"m.stat\" (did you mean \"m.state\"?)"},
    {"process time map missing a part type", R"Y(horizon: 1 h
components:
  s: {type: source, rate: 10 /h, part_types: {sedan: 1, suv: 1}}
  m: {type: machine, process_time: {sedan: 1 min}}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "components.m.process_time: gives no time for part type \"suv\" (add it or a default)"},
    {"empirical data file missing", R"Y(horizon: 1 h
components:
  s: {type: source}
  m: {type: machine, process_time: "empirical(file=\"data/none.csv\")"}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y",
     "cannot read data file"},
};

}  // namespace

TEST_CASE("every broken scenario in the catalogue is refused with its error text") {
  CHECK(std::size(kCatalogue) >= 25);
  for (const auto& b : kCatalogue) {
    CAPTURE(b.what);
    const std::string err = compile_error(b.yaml);
    CAPTURE(err);
    CHECK(err.find(b.error) != std::string::npos);
  }
}

TEST_CASE("all errors of a scenario are reported together, in one pass") {
  const std::string err = compile_error(R"Y(horizon: 1 h
components:
  s: {type: source, rate: fast}
  m: {type: machine, process_time: exponential(-1 s), scrap: 2}
  o: {type: sink}
flow: ["s -> m -> o"]
)Y");
  CHECK(err.find("components.s.rate") != std::string::npos);
  CHECK(err.find("components.m.process_time") != std::string::npos);
  CHECK(err.find("components.m.scrap") != std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 2);
}
