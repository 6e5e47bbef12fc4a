// Products and orders (issue 14): part types with attributes and their KPIs, changeovers,
// batches, the order source and routing by type, against hand-computed values.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

// One machine, deterministic times, fed by a schedule: every time below is exact.
//   fifo:     A x10 at 2 s: 0..20; setup A->B 10 s, B x5 at 6 s: 30..60; setup B->A 5 s,
//             A x3: 65..71.   Completions 20, 60, 71 against due 30, 100, 60: one late by 11 s.
//   campaign: at 20 the third order (A, released at 20) continues the run of A: 20..26; then
//             setup 10 s and B: 36..66. Completions 20, 66, 26: none late.
const char* kSchedule = R"Y(horizon: 1 h
components:
  formats: {type: products, types: {A: {size: small}, B: {size: large}}}
  orders:
    type: order_source
    orders:
      - {product: A, quantity: 10, release: 0 s, due: 30 s}
      - {product: B, quantity: 5, release: 10 s, due: 100 s}
      - {product: A, quantity: 3, release: 20 s, due: 60 s}
  m: {type: machine, process_time: {A: 2 s, B: 6 s}, setup_time: {A: {B: 10 s}, B: {A: 5 s}}}
  out: {type: sink}
flow: ["orders -> m -> out"]
)Y";

}  // namespace

TEST_CASE("a schedule with known processing gives the exact makespan and lateness") {
  SUBCASE("fed in schedule order") {
    auto k = run_kpis(kSchedule);
    CHECK(k["orders.orders"] == 3);
    CHECK(k["orders.orders_completed"] == 3);
    CHECK(k["orders.makespan"] == 71);
    CHECK(k["orders.orders_late"] == 1);
    CHECK(k["orders.mean_tardiness"] == doctest::Approx(11.0 / 3).epsilon(1e-12));
    CHECK(k["orders.schedule_adherence"] == doctest::Approx(2.0 / 3).epsilon(1e-12));
    CHECK(k["orders.order_lead_time"] == doctest::Approx((20.0 + 50 + 51) / 3).epsilon(1e-12));
    CHECK(k["orders.released"] == 18);
    CHECK(k["m.setups"] == 2);
    CHECK(k["m.setup_time"] == 15);
  }
  SUBCASE("in campaigns of one product") {
    auto k = run_kpis(kSchedule, {"components.orders.sequence=campaign"});
    CHECK(k["orders.makespan"] == 66);
    CHECK(k["orders.orders_late"] == 0);
    CHECK(k["orders.mean_tardiness"] == 0);
    CHECK(k["orders.schedule_adherence"] == 1);
    CHECK(k["m.setups"] == 1);
    CHECK(k["m.setup_time"] == 10);
  }
  SUBCASE("the same schedule from a CSV file") {
    const std::string dir = write_data_files("plantwin_orders_test", {{"orders.csv", R"(# the plan
product,quantity,release,due
A,10,0 s,30 s
B,5,10 s,100 s
A,3,20 s,1 min
)"}});
    std::string yaml = kSchedule;
    const auto a = yaml.find("    orders:\n");
    const auto b = yaml.find("  m: ");
    yaml.replace(a, b - a, "    file: " + dir + "/orders.csv\n");
    auto k = run_kpis(yaml);
    CHECK(k["orders.makespan"] == 71);
    CHECK(k["orders.orders_late"] == 1);
  }
  SUBCASE("an order still open at the end is late once past its due date") {
    auto k = run_kpis(kSchedule, {"horizon=65 s"});
    CHECK(k["orders.orders_completed"] == 2);
    CHECK(k["orders.orders_late"] == 1);  // due at 60 s, open at 65 s
    CHECK(std::isnan(k["orders.makespan"]));
  }
}

TEST_CASE("bad rows of a schedule file are reported with the file and line") {
  const std::string dir = write_data_files("plantwin_orders_bad",
                                           {{"bad.csv",
                                             "product,quantity,release,due\nA,10,0 s,30 s\nC,5,10 "
                                             "s,100 s\nA,0,0 s,1 h\nA,2,1 h,10 min\nA,2,1 h\n"}});
  const std::string err = compile_error(R"Y(horizon: 1 h
components:
  formats: {type: products, types: {A: {}, B: {}}}
  orders: {type: order_source, file: )Y" +
                                        dir + R"Y(/bad.csv}
  out: {type: sink}
flow: ["orders -> out"]
)Y");
  CAPTURE(err);
  CHECK(err.find("test.yaml:4:38: components.orders.file: " + dir +
                 "/bad.csv:3: product \"C\" is not a part type (types: A, B)") !=
        std::string::npos);
  CHECK(err.find("/bad.csv:4: quantity: expected a whole number of parts from 1, got \"0\"") !=
        std::string::npos);
  CHECK(err.find("/bad.csv:5: due (10 min) is before release (1 h)") != std::string::npos);
  CHECK(err.find("/bad.csv:6: expected 4 cells (product,quantity,release,due), got 3") !=
        std::string::npos);
}

TEST_CASE("a two-product campaign with known setups gives the exact setup time and count") {
  // A x10, B x10, A x5 at 2 s and 3 s, 30 s per changeover: 20 s, setup, 30 s, setup, 10 s.
  auto k = run_kpis(campaign());
  CHECK(k["m.setups"] == 2);
  CHECK(k["m.setup_time"] == 60);
  CHECK(k["m.setup"] == doctest::Approx(60.0 / 3600).epsilon(1e-12));
  CHECK(k["m.working"] == doctest::Approx(60.0 / 3600).epsilon(1e-12));
  CHECK(k["m.starved"] == doctest::Approx(1 - 120.0 / 3600).epsilon(1e-12));
  // A changeover is an availability loss in OEE.
  CHECK(k["m.availability"] == doctest::Approx(1 - 60.0 / 3600).epsilon(1e-12));
  CHECK(k["orders.makespan"] == 120);
}

TEST_CASE("a sequence-dependent matrix gives the values of a hand-computed sequence") {
  // The sequence A A B C A C: A->B 10 s, B->C 20 s, C->A 30 s, A->C 40 s = 100 s in 4 setups.
  const std::string head = R"Y(horizon: 1 h
components:
  formats: {type: products, types: {A: {}, B: {}, C: {}}}
  orders:
    type: order_source
    orders:
      - {product: A, quantity: 2, release: 0 s, due: 1 h}
      - {product: B, quantity: 1, release: 0 s, due: 1 h}
      - {product: C, quantity: 1, release: 0 s, due: 1 h}
      - {product: A, quantity: 1, release: 0 s, due: 1 h}
      - {product: C, quantity: 1, release: 0 s, due: 1 h}
  out: {type: sink}
)Y";
  const std::string flow = "flow: [\"orders -> m -> out\"]\n";
  auto check = [](std::map<std::string, double> k) {
    CHECK(k["m.setups"] == 4);
    CHECK(k["m.setup_time"] == 100);
    CHECK(k["orders.makespan"] == 106);  // six parts of 1 s and 100 s of setups
  };
  SUBCASE("inline") {
    check(run_kpis(head + R"Y(  m:
    type: machine
    process_time: 1 s
    setup_time:
      A: {B: 10 s, C: 40 s}
      B: {A: 1 h, C: 20 s}
      C: {A: 30 s, B: 1 h}
)Y" + flow));
  }
  SUBCASE("from a CSV table") {
    const std::string dir =
        write_data_files("plantwin_changeovers", {{"changeovers.csv", R"(from,A,B,C
A,,10 s,40 s
B,1 h,,20 s
C,30 s,1 h,0 s
)"}});
    check(run_kpis(head + "  m: {type: machine, process_time: 1 s, setup_time: {file: " + dir +
                   "/changeovers.csv}}\n" + flow));
  }
}

TEST_CASE("a machine in a changeover reports state 5, setup") {
  Sim sim(compile_text(kSchedule));
  sim.run_until(25);  // the changeover A -> B runs from 20 s to 30 s
  CHECK(sim.signal(sim.model().find_signal("m.state")) == 5);
  sim.run_until(31);
  CHECK(sim.signal(sim.model().find_signal("m.state")) == 0);
}

TEST_CASE("a batch machine with deterministic times gives the throughput of the hand calculation") {
  // An endless supply and batches of 4 every 10 s: 4 parts / 10 s = 1440 parts/h.
  auto k = run_kpis(R"Y(horizon: 1 h
components:
  src: {type: source}
  oven: {type: batch_machine, process_time: 10 s, max: 4}
  out: {type: sink}
flow: ["src -> oven -> out"]
)Y");
  CHECK(k["oven.batches"] == 360);
  CHECK(k["oven.mean_batch_size"] == 4);
  CHECK(k["oven.throughput"] == 1440);
  CHECK(k["out.exits"] == 1440);
  CHECK(k["oven.working"] == 1);
}

TEST_CASE("a time-out releases an incomplete batch") {
  // Parts every 10 s from 10 s; the oven waits 15 s from the first for a batch of 4, then goes
  // with what it has: 2 parts at 25 s, 45 s, 65 s, 85 s, each out 5 s later.
  auto k = run_kpis(R"Y(horizon: 100 s
components:
  src: {type: source, interarrival: 10 s}
  oven: {type: batch_machine, process_time: 5 s, min: 1, max: 4, timeout: 15 s}
  out: {type: sink}
flow: ["src -> oven -> out"]
)Y");
  CHECK(k["oven.batches"] == 4);
  CHECK(k["oven.mean_batch_size"] == 2);
  CHECK(k["out.exits"] == 8);
  CHECK(k["out.lead_time"] == 15);  // 20 s for the first of a pair, 10 s for the second
  CHECK(k["oven.working"] == doctest::Approx(0.2).epsilon(1e-12));
}

TEST_CASE("pack makes cases of n parts and unpack makes n parts of one") {
  auto k = run_kpis(R"Y(horizon: 1 h
components:
  src: {type: source, interarrival: 10 s}
  case_packer: {type: pack, size: 12}
  pallets: {type: source, interarrival: 1 min}
  depal: {type: unpack, size: 12}
  cases: {type: sink}
  bottles: {type: sink}
flow: ["src -> case_packer -> cases", "pallets -> depal -> bottles"]
)Y");
  CHECK(k["case_packer.made"] == 30);  // 360 parts
  CHECK(k["cases.exits"] == 30);
  CHECK(k["cases.lead_time"] == 110);  // the case entered with its oldest part, 11 parts ago
  CHECK(k["depal.made"] == 720);       // 60 pallets
  CHECK(k["bottles.exits"] == 720);
}

TEST_CASE("per-type KPIs sum to the totals") {
  Sim sim(compile_text(R"Y(horizon: 2 d
warmup: 2 h
components:
  formats: {type: products, types: {small: {colour: green}, large: {colour: brown}, mid: {colour: brown}}}
  src: {type: source, interarrival: exponential(1 min), part_types: {small: 3, large: 2, mid: 1}}
  m: {type: machine, process_time: {small: exponential(30 s), large: exponential(40 s), mid: 20 s}, scrap: 0.05,
      setup_time: "normal(20 s, 5 s)"}
  q: {type: buffer, capacity: 5}
  sp: {type: split, routing: by_attribute, attribute: colour, map: {green: o1, brown: o2}}
  o1: {type: sink}
  o2: {type: sink}
flow: ["src -> m -> q -> sp", "sp -> o1", "sp -> o2"]
)Y"),
          5);
  sim.run();
  auto k = kpi_map(sim);
  double exits = 0, scrapped = 0, wip = 0, th = 0, completed = 0, sink_exits = 0;
  for (const char* t : {"small", "large", "mid"}) {
    const std::string ty = t;
    exits += k["line.exits." + ty];
    scrapped += k["line.scrapped." + ty];
    wip += k["line.wip." + ty];
    th += k["line.throughput." + ty];
    completed += k["m.completed." + ty];
    sink_exits += k["o1.exits." + ty] + k["o2.exits." + ty];
  }
  CHECK(exits == k["line.exits"]);
  CHECK(scrapped == k["line.scrapped"]);
  CHECK(completed == k["m.completed"]);
  double machine_th = 0;
  for (const char* t : {"small", "large", "mid"}) machine_th += k["m.throughput." + std::string(t)];
  CHECK(machine_th == doctest::Approx(k["m.throughput"]).epsilon(1e-12));
  CHECK(sink_exits == k["line.exits"]);
  CHECK(th == doctest::Approx(k["line.throughput"]).epsilon(1e-12));
  CHECK(wip == doctest::Approx(k["line.wip"]).epsilon(1e-12));
  // The lead time is the exits' weighted mean of the types'.
  double lt = 0;
  for (const char* t : {"small", "large", "mid"})
    lt += k["line.lead_time." + std::string(t)] * k["line.exits." + std::string(t)];
  CHECK(lt / k["line.exits"] == doctest::Approx(k["line.lead_time"]).epsilon(1e-9));
  CHECK(k["line.exits.small"] > 0);
  CHECK(k["m.setups"] > 0);
}

TEST_CASE("by_type routing sends each type where the map says") {
  const std::string yaml = R"Y(horizon: 4 h
components:
  formats: {type: products, types: {small: {colour: green}, large: {colour: brown}, mid: {colour: brown}}}
  src: {type: source, interarrival: 10 s, part_types: {small: 1, large: 1, mid: 1}}
  sp: {type: split, routing: by_type, map: {small: m1, large: m2, default: m3}}
  m1: {type: machine, process_time: 5 s}
  m2: {type: machine, process_time: 5 s}
  m3: {type: machine, process_time: 5 s}
  out: {type: sink}
flow: ["src -> sp", "sp -> m1 -> out", "sp -> m2 -> out", "sp -> m3 -> out"]
)Y";
  auto k = run_kpis(yaml);
  CHECK(k["m1.completed"] == k["m1.completed.small"]);
  CHECK(k["m2.completed"] == k["m2.completed.large"]);
  CHECK(k["m3.completed"] == k["m3.completed.mid"]);
  // Routed minus out: the part on m1 at the end, if any.
  CHECK(k["sp.routed_m1"] - k["line.exits.small"] >= 0);
  CHECK(k["sp.routed_m1"] - k["line.exits.small"] <= 1);
  CHECK(k["m1.completed"] > 0);
  CHECK(k["m2.completed"] > 0);
  CHECK(k["m3.completed"] > 0);
  SUBCASE("by attribute") {
    auto a = run_kpis(yaml, {"components.sp.routing=by_attribute", "components.sp.attribute=colour",
                             "components.sp.map={green: m1, brown: m2, default: m3}"});
    CHECK(a["m1.completed"] == a["m1.completed.small"]);
    CHECK(a["m2.completed"] == a["m2.completed.large"] + a["m2.completed.mid"]);
    CHECK(a["m3.completed"] == 0);
  }
  SUBCASE("a by-type split holds the part whose next station is full") {
    // m1 takes 25 s a part and every part is small: one part waits in the split, one on m1.
    auto h =
        run_kpis(yaml, {"components.src.part_types={small: 1}", "components.m1.process_time=25 s"});
    CHECK(h["m1.working"] == doctest::Approx(1).epsilon(1e-3));
    CHECK(h["src.created"] == doctest::Approx(4 * 3600 / 25.0).epsilon(0.01));
  }
}

TEST_CASE("a failure interrupts a changeover, which resumes after the repair") {
  // A (2 s) then B (6 s) after a 10 s changeover; the machine fails every 5 s of calendar time
  // for 4 s: A 0..2; setup 2..5, down 5..9, setup 9..14, down 14..18, setup 18..20; B 20..23,
  // down 23..27, B 27..30. Over 31 s: working 8 s, setup 10 s, down 12 s, starved 1 s.
  auto k = run_kpis(R"Y(horizon: 31 s
components:
  orders:
    type: order_source
    orders:
      - {product: A, quantity: 1, release: 0 s, due: 1 h}
      - {product: B, quantity: 1, release: 0 s, due: 1 h}
  m: {type: machine, process_time: {A: 2 s, B: 6 s}, setup_time: {A: {B: 10 s}, B: {A: 10 s}},
      ttf: 5 s, ttr: 4 s, failure_clock: calendar}
  out: {type: sink}
flow: ["orders -> m -> out"]
)Y");
  CHECK(k["orders.makespan"] == 30);
  CHECK(k["m.failures"] == 3);
  CHECK(k["m.setups"] == 1);
  CHECK(k["m.setup_time"] == 10);
  CHECK(k["m.working"] == doctest::Approx(8.0 / 31).epsilon(1e-12));
  CHECK(k["m.setup"] == doctest::Approx(10.0 / 31).epsilon(1e-12));
  CHECK(k["m.down"] == doctest::Approx(12.0 / 31).epsilon(1e-12));
  CHECK(k["m.starved"] == doctest::Approx(1.0 / 31).epsilon(1e-12));
  CHECK(k["m.availability"] == doctest::Approx(9.0 / 31).epsilon(1e-12));
}

TEST_CASE("a changeover draws working power") {
  // 13 A at 2 s and 5 B at 6 s are 56 s of work, the two changeovers 15 s: 71 s at 10 kW.
  auto k = run_kpis(kSchedule, {"components.m.power={working: 10 kW, idle: 0 kW}"});
  CHECK(k["m.energy"] == doctest::Approx(71 * 10.0 / 3600).epsilon(1e-12));
}

TEST_CASE("a machine that scraps counts its scrap by part type, summing to its scrap") {
  auto k = run_kpis(R"Y(horizon: 10 h
seed: 3
components:
  formats: {type: products, types: {A: {}, B: {}}}
  src: {type: source, interarrival: 30 s, part_types: {A: 0.3, B: 0.7}}
  m: {type: machine, process_time: 20 s, scrap: 0.2}
  out: {type: sink}
flow: ["src -> m -> out"]
)Y");
  CHECK(k["m.scrapped"] > 0);
  CHECK(k["m.scrapped.A"] + k["m.scrapped.B"] == k["m.scrapped"]);
  CHECK(k["m.completed.A"] - k["m.scrapped.A"] == k["out.exits.A"]);
  CHECK(k["m.completed.B"] - k["m.scrapped.B"] == k["out.exits.B"]);
}

TEST_CASE("expectations name the changeover state: m.state == setup") {
  // The campaign of the changeover test: setups 20..50 s and 80..110 s.
  const auto outcomes = judge(campaign("", "",
                                       "expectations:\n  - eventually: m.state == setup\n"
                                       "  - always: m.state != setup\n"))
                            .outcomes;
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[0].passed);
  CHECK_FALSE(outcomes[1].passed);
  CHECK(outcomes[1].time == 20);
}
