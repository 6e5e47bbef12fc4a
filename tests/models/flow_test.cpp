// The material flow lives in models/ (plantwin/models/flow.h), not in the kernel: a plant
// without material has no `line` anywhere, and the `line` KPIs come from a component that
// reports them as any component reports its own.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "plantwin/models/flow.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

const char* kRoomAlone = R"Y(name: a cold room alone
horizon: 2 d
warmup: 12 h
record: {period: 1 h, signals: all}
components:
  room: {type: thermal, capacitance: 5 MJ/K, r_ambient: 0.005 K/W, ambient: 30 degC, initial: 4 degC, heat: -4 kW}
)Y";

const char* kLine = R"Y(horizon: 10 h
warmup: 1 h
components:
  src: {type: source, interarrival: exponential(1 min)}
  m: {type: machine, process_time: exponential(45 s)}
  out: {type: sink}
flow:
  - src -> m -> out
)Y";

}  // namespace

TEST_CASE("a plant without material flow has no line, no parts and needs no flow") {
  auto model = compile_text(kRoomAlone);
  CHECK(model->size() == 1);
  CHECK(model->find_component("line") < 0);
  for (const auto& s : model->signals()) CHECK(s.name.rfind("line.", 0) != 0);
  Sim sim(model);
  sim.run();
  const auto rows = sim.kpis();
  REQUIRE_FALSE(rows.empty());
  for (const auto& r : rows) {
    CAPTURE(r.component + "." + r.name);
    CHECK(r.component == "room");
    CHECK(r.unit.find("part") == std::string::npos);
  }
}

TEST_CASE("the line summary is added after the scenario's components, once") {
  auto model = compile_text(kLine);
  REQUIRE(model->size() == 4);
  CHECK(model->component(0).name() == "src");
  CHECK(model->component(2).name() == "out");
  CHECK(model->component(3).name() == "line");
  CHECK(model->component(3).type() == "line_summary");
  CHECK_FALSE(model->component(3).material());
  CHECK(model->find_signal("line.wip") >= 0);
  CHECK(model->find_signal("line.exits") >= 0);
}

TEST_CASE("the line rows come first and agree with the parts' own counts") {
  auto model = compile_text(kLine);
  Sim sim(model, 3);
  SUBCASE("before the warm-up ends only the throughput is listed, unknown") {
    sim.run_until(1800);
    const auto rows = sim.kpis();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].component == "line");
    CHECK(rows[0].name == "throughput");
    CHECK(std::isnan(rows[0].value));
  }
  SUBCASE("after it, the line's rows lead the table") {
    sim.run();
    const auto rows = sim.kpis();
    REQUIRE(rows.size() > 5);
    const char* head[] = {"throughput", "wip", "lead_time", "exits", "scrapped"};
    for (int i = 0; i < 5; ++i) {
      CHECK(rows[static_cast<std::size_t>(i)].component == "line");
      CHECK(rows[static_cast<std::size_t>(i)].name == head[i]);
    }
    auto k = kpi_map(sim);
    const auto& f = sim.state_at<line::FlowState>(model->find_component("line"));
    // Every good part left through the one sink: the line and the sink count the same.
    CHECK(k["line.exits"] == k["out.exits"]);
    CHECK(k["line.exits"] == static_cast<double>(f.exits));
    CHECK(k["line.lead_time"] == doctest::Approx(k["out.lead_time"]).epsilon(1e-12));
    // The signals count since the start; WIP is what was created and has not left.
    CHECK(sim.value("line.exits") == doctest::Approx(sim.value("out.count")));
    CHECK(sim.value("line.wip") == sim.value("src.created") - sim.value("out.count"));
    CHECK(sim.value("line.wip") == static_cast<double>(f.live_parts));
  }
}

TEST_CASE("a flow is required as soon as one component takes part in it") {
  CHECK(compile_error("horizon: 1 h\ncomponents:\n  src: {type: source}\n  m: {type: machine, "
                      "process_time: 1 s}\n") ==
        "test.yaml:1:1: flow: is required: a list such as [\"source -> m1 -> sink\"] (src is a "
        "source, which takes part in the material flow)");
}

TEST_CASE("the name line is reserved for the material flow's summary") {
  CHECK(compile_error("horizon: 1 h\ncomponents:\n  src: {type: source}\n  line: {type: sink}\n"
                      "flow:\n  - src -> line\n") ==
        "test.yaml:4:3: components.line: the name \"line\" is reserved: plantwin adds a "
        "component of that name (line_summary) to this plant; rename this one");
  SUBCASE("but free in a plant without material flow") {
    auto model = compile_text(
        "horizon: 1 h\ncomponents:\n  line: {type: thermal, capacitance: 1 MJ/K, r_ambient: "
        "0.01 K/W}\n");
    CHECK(model->find_component("line") == 0);
  }
  SUBCASE("and scenarios cannot write its type") {
    CHECK(compile_error("horizon: 1 h\ncomponents:\n  x: {type: line_summary}\n")
              .find("unknown component type \"line_summary\"") != std::string::npos);
  }
}
