#include <doctest/doctest.h>

#include "support.h"

using namespace plantwin;
using plantwin::test::compile_error;
using plantwin::test::compile_text;

namespace {
const char* kLine = R"Y(name: small
horizon: 1 h
components:
  src: {type: source}
  m1:
    type: machine
    process_time: exponential(1 min)
  out: {type: sink}
flow:
  - src -> m1 -> out
)Y";
}

TEST_CASE("every parsed value remembers its file, line and column") {
  Scenario s = load_scenario_text(kLine, "line.yaml");
  const Node* pt = s.root.find("components")->find("m1")->find("process_time");
  REQUIRE(pt);
  CHECK(pt->location.str() == "line.yaml:7:19");
  CHECK(s.root.find("horizon")->location.str() == "line.yaml:2:10");
}

TEST_CASE("a YAML syntax error names its location") {
  try {
    load_scenario_text("name: x\ncomponents: [a, b\n", "bad.yaml");
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).rfind("bad.yaml:", 0) == 0);
    CHECK(std::string(e.what()).find("YAML syntax") != std::string::npos);
  }
}

TEST_CASE("--set overrides any value and is validated like the file") {
  auto m = compile_text(kLine, {"components.m1.process_time=exponential(2 min)", "horizon=2 h"});
  CHECK(m->horizon() == 7200);
  CHECK(compile_error(kLine, {"components.m1.process_time=fast"}) ==
        "--set components.m1.process_time=fast: components.m1.process_time: expected a "
        "distribution such as \"exponential(45 s)\" or a duration (e.g. \"45 s\"), got \"fast\"");
  CHECK(compile_error(kLine, {"components.m1.servrs=2"}) ==
        "--set components.m1.servrs=2: components.m1.servrs: unknown key (did you mean "
        "\"servers\"?)");
  SUBCASE("a new key under an existing component is added") {
    auto m2 = compile_text(kLine, {"components.m1.servers=2"});
    // The scenario's three components, then the material flow's summary "line".
    CHECK(m2->size() == 4);
    CHECK(m2->component(3).name() == "line");
  }
  SUBCASE("malformed assignments are refused") {
    Scenario s = load_scenario_text(kLine, "line.yaml");
    CHECK_THROWS_WITH_AS(apply_override(s, "horizon"), "--set horizon: expected key.path=value",
                         ScenarioError);
    CHECK_THROWS_WITH_AS(apply_override(s, "name.x=1"),
                         "--set name.x=1: name.x: cannot set a key inside a value", ScenarioError);
  }
}

TEST_CASE("the flow wires ports in the order links are written") {
  auto m = compile_text(R"Y(horizon: 1 h
components:
  a: {type: source}
  b: {type: source}
  asm: {type: assembly, process_time: 1 min}
  out: {type: sink}
flow:
  - b -> asm
  - a -> asm -> out
)Y");
  const Component& asm_ = m->component(m->find_component("asm"));
  REQUIRE(asm_.num_inputs() == 2);
  CHECK(m->component(asm_.input(0).component).name() == "b");
  CHECK(m->component(asm_.input(1).component).name() == "a");
  CHECK(m->find_signal("asm.state") >= 0);
}

TEST_CASE("did-you-mean hints pick the closest known word") {
  CHECK(closest_match("procss_time", {"process_time", "servers", "scrap"}) == "process_time");
  CHECK(closest_match("zzzz", {"process_time", "servers"}).empty());
  CHECK(edit_distance("kitten", "sitting") == 3);
}
