// Expectations (plantwin test): the expression language's errors, and each kind of expectation
// judged against runs whose trajectories are known exactly.
//
// The plant for the timing checks is one thermal node cooling freely:
//   T(t) = Ta + (T0 - Ta) exp(-t / RC),  RC = 1000 s, Ta = 20 C, T0 = 60 C,
// recorded every 10 s: an expectation is checked at every sample, so a crossing at time tc is
// seen at the first sample at or after tc.

#include <doctest/doctest.h>

#include <unistd.h>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "plantwin/expectations.h"
#include "plantwin/results.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

std::string cooling(const std::string& expectations, const std::string& extra = "") {
  return fmt::format(R"Y(horizon: 3000 s
physics: {{dt: 1 s}}
record: {{period: 10 s, signals: [room.temperature]}}
components:
  room: {{type: thermal, capacitance: 1e5 J/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         initial: 60 degC, alarm: 50 degC}}
{}expectations:
{})Y",
                     extra, expectations);
}

std::string parse_error(const std::string& yaml) {
  try {
    Scenario s = load_scenario_text(yaml, "test.yaml", PLANTWIN_SOURCE_DIR);
    auto model = compile(s, registry());
    parse_expectations(s, *model);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

// The first 10 s sample at or after the node reaches `temp` while cooling.
double first_sample_at_or_below(double temp) {
  const double tc = 1000 * std::log((60.0 - 20) / (temp - 20));
  return std::ceil(tc / 10) * 10;
}

}  // namespace

TEST_CASE("expressions are refused with the column of the token at fault") {
  auto err = [](const std::string& cond) {
    return parse_error(cooling(fmt::format("  - always: {}\n", cond)));
  };
  CHECK(err("room.temperature = 3") ==
        "test.yaml:8:30: expectations[0].always: \"room.temperature = 3\": use == to compare");
  CHECK(err("room.temperature < 3 degC") ==
        "test.yaml:8:34: expectations[0].always: \"room.temperature < 3 degC\": numbers take no "
        "unit here: write them in the unit plantwin lists for the quantity (plantwin info)");
  CHECK(err("1 < room.temperature < 3") ==
        "test.yaml:8:34: expectations[0].always: \"1 < room.temperature < 3\": comparisons do not "
        "chain: join them with and");
  CHECK(err("(room.temperature < 3") ==
        "test.yaml:8:34: expectations[0].always: \"(room.temperature < 3\": expected \")\", got "
        "\"the end\"");
  CHECK(err("sqrt(room.temperature) < 3") ==
        "test.yaml:8:13: expectations[0].always: \"sqrt(room.temperature) < 3\": unknown function "
        "\"sqrt\"; known: abs, min, max, count, mean, lower, upper");
  CHECK(err("room.temprature < 3") ==
        "test.yaml:8:13: expectations[0].always: no signal \"room.temprature\" (did you mean "
        "\"room.temperature\"?) (KPIs such as line.throughput are read by at_end)");
  CHECK(err("lower(room.temperature) < 3") ==
        "test.yaml:8:19: expectations[0].always: lower(room.temperature) is over replications: "
        "only in at_end");
  CHECK(err("count(rooom.over_temperature) < 3") ==
        "test.yaml:8:19: expectations[0].always: count(rooom.over_temperature): no component "
        "\"rooom\"");
  SUBCASE("deep nesting and long text end in an error, not a crash") {
    CHECK(err(std::string(5000, '(') + "1" + std::string(5000, ')'))
              .find("is longer than 4096 characters") != std::string::npos);
    CHECK(err(std::string(1000, '(') + "1" + std::string(1000, ')'))
              .find("nests deeper than 64 levels") != std::string::npos);
    CHECK(err(std::string(1000, '-') + "1").find("nests deeper than 64 levels") !=
          std::string::npos);
  }
  CHECK(parse_error(cooling("  - always: room.temperature > 0\n    never: x\n")) ==
        "test.yaml:8:5: expectations[0]: gives always and never: one expectation per item");
  CHECK(parse_error(cooling("  - sometimes: x\n")) ==
        "test.yaml:8:5: expectations[0]: needs one of always, never, eventually, at_end, golden");
  CHECK(parse_error(cooling("  - eventually: {within: 1 h}\n")) ==
        "test.yaml:8:17: expectations[0].eventually.that: is required: the condition to reach");
}

TEST_CASE("always fails at the first check that sees the condition false") {
  const auto j = judge(cooling("  - always: room.temperature > 30\n"));
  REQUIRE(j.outcomes.size() == 1);
  const auto& o = j.outcomes[0];
  CHECK_FALSE(o.passed);
  CHECK(o.time == doctest::Approx(first_sample_at_or_below(30)));
  CHECK(o.message.find("room.temperature = 29.") != std::string::npos);
  // The table of the last checks ends with the failing one.
  REQUIRE_FALSE(o.recent.empty());
  CHECK(o.recent.back().first == o.time);
  CHECK(o.recent.back().second[0] <= 30);
  CHECK(o.recent.front().second[0] > 30);
}

TEST_CASE("never, eventually and at_end judge the same trajectory") {
  const auto j = judge(cooling(R"Y(  - never: room.temperature > 60.5
  - never: room.temperature < 21
  - eventually: {within: 400 s, that: room.temperature < 50}
  - eventually: {within: 200 s, that: room.temperature < 50}
  - at_end: room.temperature < 22.1 and room.temperature > 21.9
  - at_end: count(over_temperature) == 0 and count(room.temperature_normal) == 0
)Y"));
  REQUIRE(j.outcomes.size() == 6);
  CHECK(j.outcomes[0].passed);
  // T(3000) = 20 + 40 exp(-3) = 21.99: never below 21.
  CHECK(j.outcomes[1].passed);
  // T reaches 50 C at 1000 ln(4/3) = 287.7 s: seen at 290 s.
  CHECK(j.outcomes[2].passed);
  CHECK(j.outcomes[2].time == 290);
  CHECK_FALSE(j.outcomes[3].passed);
  CHECK(j.outcomes[3].time == 200);
  CHECK(j.outcomes[4].passed);
  // Falling through the 50 C alarm level raises no alarm, and none clears.
  CHECK(j.outcomes[5].passed);
}

TEST_CASE("watching a run does not change it") {
  const std::string yaml = R"Y(horizon: 8 h
warmup: 1 h
components:
  src: {type: source, interarrival: exponential(1 min)}
  m: {type: machine, process_time: exponential(50 s), ttf: exponential(1 h), ttr: 5 min}
  out: {type: sink}
flow:
  - src -> m -> out
expectations:
  - always: m.state != off
  - at_end: line.throughput > 0
)Y";
  const auto a = judge(yaml, 3, true), b = judge(yaml, 3, false);
  REQUIRE(a.kpis.size() == b.kpis.size());
  for (std::size_t i = 0; i < a.kpis.size(); ++i) {
    CAPTURE(a.kpis[i].name);
    CHECK((a.kpis[i].value == b.kpis[i].value ||
           (std::isnan(a.kpis[i].value) && std::isnan(b.kpis[i].value))));
  }
  CHECK(a.outcomes[0].passed);
  CHECK(a.outcomes[1].passed);
}

TEST_CASE("at_end reads KPIs and names an unknown one with a hint") {
  const std::string base = R"Y(horizon: 8 h
components:
  src: {type: source, interarrival: 1 min}
  m: {type: machine, process_time: 30 s}
  out: {type: sink}
flow:
  - src -> m -> out
expectations:
)Y";
  // Deterministic: one part a minute, 480 in 8 h (the last one still in the machine: 479 out).
  auto j = judge(base + "  - at_end: line.exits == 479 and out.exits == 479\n");
  CHECK(j.outcomes[0].passed);
  // Busy from the first arrival at 60 s on, failing after every 2 h of operation, repairs of
  // 10 min: failures at 7260 s, 15060 s and 22860 s.
  Scenario s = load_scenario_text(base +
                                      "  - at_end: count(failure) == 3 and count(m.repaired) == 3\n"
                                      "  - always: count(m.failure) <= 2\n",
                                  "test.yaml", PLANTWIN_SOURCE_DIR);
  apply_override(s, "components.m.process_time=60 s");
  apply_override(s, "components.m.ttf=2 h");
  apply_override(s, "components.m.ttr=10 min");
  auto model = compile(s, registry());
  const auto es = parse_expectations(s, *model);
  Sim sim(model);
  ExpectationMonitor m(es, *model, 0);
  m.attach(sim);
  sim.run();
  const auto out = m.finish(sim);
  CHECK(out[0].passed);
  CHECK_FALSE(out[1].passed);
  CHECK(out[1].time == 22860);
  CHECK_THROWS_WITH_AS(judge(base + "  - at_end: line.throughput > 0 and line.thruput > 1\n"),
                       "test.yaml:9:37: expectations[0].at_end: no KPI or signal "
                       "\"line.thruput\" (did you mean \"line.throughput\"?)",
                       ScenarioError);
}

TEST_CASE("lower and upper read the KPI's 95 % interval over the replications") {
  const std::string yaml = R"Y(horizon: 8 h
warmup: 1 h
components:
  src: {type: source, interarrival: exponential(1 min)}
  m: {type: machine, process_time: exponential(45 s)}
  out: {type: sink}
flow:
  - src -> m -> out
expectations:
  - at_end: lower(line.throughput) > 55 and upper(line.throughput) < 65
  - at_end: mean(line.throughput) > 1000
)Y";
  Scenario s = load_scenario_text(yaml, "test.yaml", PLANTWIN_SOURCE_DIR);
  auto model = compile(s, registry());
  const auto es = parse_expectations(s, *model);
  std::vector<std::vector<KpiRow>> kpis;
  std::vector<double> th;
  for (std::uint64_t r = 0; r < 10; ++r) {
    Sim sim(model, r);
    sim.run();
    kpis.push_back(sim.kpis());
    th.push_back(kpi_map(sim)["line.throughput"]);
  }
  const auto out = judge_aggregates(es, kpis);
  REQUIRE(out.size() == 2);
  const Estimate e = t_interval(th, 0.95);
  // The message carries the values the test computes independently.
  CHECK(out[0].message.find(fmt::format("lower(line.throughput) = {:.6g}",
                                        e.mean - e.half_width)) != std::string::npos);
  CHECK(out[0].passed == (e.mean - e.half_width > 55 && e.mean + e.half_width < 65));
  CHECK_FALSE(out[1].passed);
  // One replication has no interval: the aggregate fails and says why.
  const auto one = judge_aggregates(es, {kpis[0]});
  CHECK_FALSE(one[0].passed);
  CHECK(one[0].message.find("an interval needs 2 or more: plantwin test -r N") !=
        std::string::npos);
}

TEST_CASE("golden traces compare with absolute, relative and time-shift tolerances") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("plantwin_golden_{}", ::getpid());
  fs::create_directories(dir);
  const std::string ref = (dir / "ref.h5").string();
  {
    // The reference starts 1 K warmer: 20 + 41 exp(-t/RC), against the run's 20 + 40 exp(-t/RC).
    Scenario s = load_scenario_text(cooling("  - always: room.temperature > 0\n"), "test.yaml",
                                    PLANTWIN_SOURCE_DIR);
    apply_override(s, "components.room.initial=61 degC");
    Sim sim(compile(s, registry()));
    sim.run();
    write_result_file(ref, sim, RunInfo{});
  }
  auto golden = [&](const std::string& tol) {
    return judge(cooling(fmt::format(
                     "  - golden: {{file: {}, signals: {{room.temperature: {}}}}}\n", ref, tol)))
        .outcomes.at(0);
  };
  // The difference is exp(-t/RC) K, 1 K at the start.
  const auto tight = golden("{abs: 0.5}");
  CHECK_FALSE(tight.passed);
  CHECK(tight.time == 0);
  CHECK(tight.message.rfind("room.temperature = 60 at 0 s, the reference has 61", 0) == 0);
  CHECK(golden("{abs: 1.0001}").passed);
  // Relative to the reference: exp(-t/RC) / (20 + 41 exp(-t/RC)) is largest at 0: 1/61 = 1.639 %.
  CHECK(golden("{rel: 0.0164}").passed);
  CHECK_FALSE(golden("{rel: 0.0163}").passed);
  // The run is the reference 1000 ln(41/40) = 24.7 s later: a shift of 30 s covers it, 20 s
  // does not; at the end, where the reference has no later samples, abs covers the 0.05 K.
  CHECK_FALSE(golden("{abs: 0.06}").passed);
  CHECK_FALSE(golden("{abs: 0.06, shift: 20 s}").passed);
  CHECK(golden("{abs: 0.06, shift: 30 s}").passed);
  SUBCASE("a reference that is missing or lacks the signal is a bad suite") {
    CHECK(parse_error(cooling("  - golden: {file: nope.h5, signals: {room.temperature: {}}}\n"))
              .find("expectations[0].golden.file: ") != std::string::npos);
    CHECK(parse_error(cooling(fmt::format(
              "  - golden: {{file: {}, signals: {{room.ambient: {{abs: 1}}}}}}\n", ref))) ==
          fmt::format("test.yaml:8:{}: expectations[0].golden.signals.room.ambient: is not "
                      "recorded by this scenario: add it to record.signals (with a period)",
                      32 + ref.size()));
  }
  fs::remove_all(dir);
}
