#include <doctest/doctest.h>

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "plantwin/experiment.h"
#include "plantwin/result_file.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

Scenario scenario(const std::string& yaml) {
  return load_scenario_text(yaml, "exp.yaml", PLANTWIN_SOURCE_DIR);
}

double kpi(const CaseResult& c, const std::string& comp, const std::string& name,
           double* hw = nullptr) {
  for (const auto& s : c.summary)
    if (s.component == comp && s.name == name) {
      if (hw) *hw = s.half_width;
      return s.mean;
    }
  FAIL("no KPI " << comp << "." << name);
  return 0;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* kMM1 = R"Y(horizon: 2000 s
warmup: 200 s
components:
  arrivals: {type: source, interarrival: exponential(2 s)}
  q: {type: buffer}
  m: {type: machine, process_time: exponential(1 s)}
  out: {type: sink}
flow: ["arrivals -> q -> m -> out"]
experiments:
  replications: 10
)Y";

}  // namespace

TEST_CASE("about 95% of independent 95% confidence intervals cover the true M/M/1 time in system") {
  // 200 experiments of 10 replications; W = 1 / (mu - lambda) = 2 s. Coverage is binomial: at a
  // true 95% the count lies in [180, 198] with probability 0.999; at 80% it would be about 160.
  const int experiments = 200;
  int covered = 0;
  for (int e = 0; e < experiments; ++e) {
    Scenario s = scenario(kMM1);
    apply_override(s, "seed=" + std::to_string(1000 + e));
    const auto spec = parse_experiment(s);
    const auto res = run_experiment(s, spec, registry());
    double hw = 0;
    const double w = kpi(res.cases[0], "line", "lead_time", &hw);
    if (std::fabs(w - 2.0) <= hw) ++covered;
  }
  INFO("covered " << covered << " of " << experiments);
  CHECK(covered >= 180);
  CHECK(covered <= 198);
}

TEST_CASE("two identical variants differ by exactly zero on common random numbers") {
  Scenario s = scenario(std::string(kMM1) + R"Y(  variants:
    same_again: {components.m.servers: 1}
    faster: {components.m.process_time: exponential(0.8 s)}
)Y");
  const auto res = run_experiment(s, parse_experiment(s), registry());
  REQUIRE(res.cases.size() == 3);
  for (const auto& d : res.cases[1].versus_base) {
    CAPTURE(d.component + "." + d.name);
    CHECK(d.mean == 0.0);
    CHECK(d.half_width == 0.0);
  }
  // A faster machine shortens the time in system, and the paired interval says so sharply.
  for (const auto& d : res.cases[2].versus_base)
    if (d.component == "line" && d.name == "lead_time") {
      CHECK(d.mean < 0);
      CHECK(d.mean + d.half_width < 0);
    }
}

TEST_CASE("results are bit-identical with 1 and 2 threads") {
  Scenario s = scenario(std::string(kMM1) + R"Y(  sweep:
    components.m.servers: [1, 2]
    components.q.capacity: [2, unlimited]
)Y");
  const auto spec = parse_experiment(s);
  REQUIRE(spec.cases.size() == 4);
  const auto dir = std::filesystem::temp_directory_path();
  omp_set_num_threads(1);
  const auto one = run_experiment(s, spec, registry());
  write_experiment_csv((dir / "pw_t1.csv").string(), spec, one);
  omp_set_num_threads(2);
  const auto two = run_experiment(s, spec, registry());
  write_experiment_csv((dir / "pw_t2.csv").string(), spec, two);
  CHECK(one.threads == 1);
  CHECK(two.threads == 2);
  CHECK(slurp((dir / "pw_t1.csv").string()) == slurp((dir / "pw_t2.csv").string()));
  for (std::size_t c = 0; c < one.cases.size(); ++c)
    for (std::size_t r = 0; r < one.cases[c].replications.size(); ++r)
      for (std::size_t k = 0; k < one.cases[c].replications[r].size(); ++k) {
        const double a = one.cases[c].replications[r][k].value;
        const double b = two.cases[c].replications[r][k].value;
        CHECK(std::memcmp(&a, &b, sizeof a) == 0);
      }
}

TEST_CASE("sequential replications stop once the chosen KPI is precise enough") {
  Scenario s = scenario(
      std::string(kMM1) +
      R"Y(  sequential: {kpi: line.throughput, relative_half_width: 0.005, max_replications: 200}
)Y");
  const auto spec = parse_experiment(s);
  omp_set_num_threads(2);
  const auto res = run_experiment(s, spec, registry());
  double hw = 0;
  const double th = kpi(res.cases[0], "line", "throughput", &hw);
  CHECK(hw / th <= 0.005);
  CHECK(res.replications_run > 10);
  CHECK(res.replications_run < 200);
  omp_set_num_threads(1);
  CHECK(run_experiment(s, spec, registry()).replications_run == res.replications_run);
}

TEST_CASE("buffer allocation finds the same smallest buffer space as an exhaustive search") {
  const std::string line = R"Y(horizon: 3000 s
warmup: 300 s
components:
  supply: {type: source}
  m1: {type: machine, process_time: exponential(1 s)}
  b1: {type: buffer, capacity: 0}
  m2: {type: machine, process_time: exponential(1 s)}
  b2: {type: buffer, capacity: 0}
  m3: {type: machine, process_time: exponential(1 s)}
  out: {type: sink}
flow: ["supply -> m1 -> b1 -> m2 -> b2 -> m3 -> out"]
experiments:
  replications: 4
  sweep:
    components.b1.capacity: [0, 1, 2, 3, 4]
    components.b2.capacity: [0, 1, 2, 3, 4]
)Y";
  Scenario s = scenario(line);
  const auto spec = parse_experiment(s);
  const auto all = run_experiment(s, spec, registry());
  const double target = 0.70 * 3600;  // parts per hour
  int best_total = 1 << 30;
  double best_th = 0;
  std::vector<int> best;
  for (const auto& c : all.cases) {
    const int b1 = std::stoi(c.spec.parameters[0].second),
              b2 = std::stoi(c.spec.parameters[1].second);
    const double th = kpi(c, "line", "throughput");
    if (th < target) continue;
    if (b1 + b2 < best_total || (b1 + b2 == best_total && th > best_th)) {
      best_total = b1 + b2;
      best_th = th;
      best = {b1, b2};
    }
  }
  REQUIRE(!best.empty());
  BufferAllocationSpec ba{{"b1", "b2"}, target, 4};
  const auto found = allocate_buffers(s, ba, 4, registry());
  REQUIRE(found.found);
  CHECK(found.capacities == best);
  CHECK(found.throughput_per_h == doctest::Approx(best_th).epsilon(1e-12));
}

TEST_CASE("a bad variant is bad input, named by its case, before anything runs") {
  Scenario s = scenario(std::string(kMM1) + R"Y(  variants:
    typo: {components.m.servrs: 2}
)Y");
  CHECK_THROWS_WITH_AS(
      run_experiment(s, parse_experiment(s), registry()),
      doctest::Contains("in case \"typo\": unknown key (did you mean \"servers\"?)"),
      ScenarioError);
  Scenario t = scenario(std::string(kMM1) + "  replicatons: 3\n");
  CHECK_THROWS_WITH_AS(
      parse_experiment(t),
      doctest::Contains("experiments.replicatons: unknown key (did you mean \"replications\"?)"),
      ScenarioError);
}

TEST_CASE("the bottleneck is the machine active the largest share of time") {
  auto m = compile_text(R"Y(horizon: 2000 s
components:
  supply: {type: source}
  a: {type: machine, process_time: exponential(1 s)}
  b: {type: machine, process_time: exponential(1.3 s)}
  c: {type: machine, process_time: exponential(0.7 s)}
  out: {type: sink}
flow: ["supply -> a -> b -> c -> out"]
)Y");
  Sim sim(m);
  sim.run();
  const Bottleneck b = find_bottleneck(*m, sim.kpis());
  CHECK(b.name == "b");
  CHECK(b.active_share > b.runner_up_share);
}

TEST_CASE("an experiment file points at its scenario") {
  const auto dir = std::filesystem::temp_directory_path() / "pw_expfile";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "line.yaml") << kMM1;
  std::ofstream(dir / "exp.yaml") << "scenario: line.yaml\nexperiments:\n  replications: 3\n";
  Scenario s = load_experiment_file((dir / "exp.yaml").string());
  CHECK(parse_experiment(s).replications == 3);
  std::ofstream(dir / "bad.yaml") << "scenario: line.yaml\nexperimnts: {}\n";
  CHECK_THROWS_WITH_AS(load_experiment_file((dir / "bad.yaml").string()),
                       doctest::Contains("unknown key (did you mean \"experiments\"?)"),
                       ScenarioError);
}

TEST_CASE("a variant can add a component and another remove one") {
  Scenario s = scenario(R"Y(horizon: 5000 s
warmup: 500 s
components:
  supply: {type: source}
  weld: {type: machine, process_time: exponential(1 s)}
  check: {type: machine, process_time: exponential(0.5 s)}
  out: {type: sink}
flow: ["supply -> weld -> check -> out"]
experiments:
  replications: 4
  variants:
    second_welder:
      components.supply2: {type: source}
      components.weld2: {type: machine, process_time: exponential(1 s)}
      flow: ["supply -> weld -> check -> out", "supply2 -> weld2 -> check"]
    no_check:
      components.check: null
      flow: ["supply -> weld -> out"]
)Y");
  const auto res = run_experiment(s, parse_experiment(s), registry());
  REQUIRE(res.cases.size() == 3);
  auto th = [](const CaseResult& c) { return kpi(c, "line", "throughput"); };
  CHECK(th(res.cases[1]) > th(res.cases[0]) * 1.3);  // two welders feed the checker
  CHECK(th(res.cases[2]) > th(res.cases[0]));        // no blocking behind the checker
  bool has_check = false;
  for (const auto& k : res.cases[2].summary) has_check |= k.component == "check";
  CHECK_FALSE(has_check);
}

TEST_CASE("a variant that changes nothing, and the runs' own warnings, are reported once") {
  Scenario s = load_scenario_text(test::silent_sensor_line() + R"Y(experiments:
  replications: 2
  variants:
    same: {components.press.process_time: 50 s}
    faster: {components.press.process_time: 40 s}
)Y",
                                  "test.yaml", ".");
  const ExperimentResult r = run_experiment(s, parse_experiment(s), test::registry());
  const std::vector<std::string> want{
      "case \"same\" changes nothing: its overrides give the base scenario again, so its "
      "differences from the base are zero by construction",
      "case \"base\": press: maintenance sensor vib gave no reading at 10 checks in a row: the "
      "condition policy cannot act (check its period and dropout)",
      "case \"same\": press: maintenance sensor vib gave no reading at 10 checks in a row: the "
      "condition policy cannot act (check its period and dropout)",
      "case \"faster\": press: maintenance sensor vib gave no reading at 10 checks in a row: the "
      "condition policy cannot act (check its period and dropout)"};
  CHECK(r.warnings == want);
}

namespace {

/// kMM1 with each `from` replaced by its `to`.
std::string mm1_with(const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string yaml = kMM1;
  for (const auto& [from, to] : edits) {
    const auto at = yaml.find(from);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, from.size(), to);
  }
  return yaml;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

TEST_CASE(
    "a recorded replication's run equals a single run of its case with that seed, bit for bit") {
  // A swept rate: its cases' names hold a '/', which an HDF5 group name cannot.
  Scenario s = scenario(mm1_with(
      {{"interarrival: exponential(2 s)", "rate: 30 /min"}, {"replications: 10", R"Y(replications: 3
  record_signals: 2
  sweep:
    components.arrivals.rate: [20 /min, 30 /min]
record: {period: 10 s, signals: [q.level, m.state]})Y"}}));
  const auto spec = parse_experiment(s);
  REQUIRE(spec.cases.size() == 2);
  CHECK(spec.record_signals == 2);
  const auto res = run_experiment(s, spec, registry());
  const auto path = (std::filesystem::temp_directory_path() / "pw_recorded.h5").string();
  write_experiment_file(path, s, spec, res);
  const ResultContents file = read_result_file(path);
  REQUIRE(file.cases.size() == 2);
  for (std::size_t c = 0; c < spec.cases.size(); ++c) {
    const ExperimentCase& ec = spec.cases[c];
    CAPTURE(ec.name);
    CHECK(ec.name.find('/') != std::string::npos);
    const auto it = std::find_if(file.cases.begin(), file.cases.end(),
                                 [&](const auto& fc) { return fc.name == ec.name; });
    REQUIRE(it != file.cases.end());
    CHECK(it->runs == std::vector<int>{0, 1});
    for (int r = 0; r < 2; ++r) {
      CAPTURE(r);
      const ResultContents run = read_result_run(path, ec.name, r);
      Scenario one = s;
      for (const auto& o : ec.overrides) apply_override(one, o);
      Sim sim(compile(one, registry()), static_cast<std::uint64_t>(r));
      sim.run();
      const auto& trace = sim.state().trace;
      const RecordPlan& plan = sim.model().record();
      REQUIRE(run.signals.size() == plan.signals.size());
      REQUIRE(run.signals.size() == 2);
      for (std::size_t k = 0; k < plan.signals.size(); ++k) {
        // The file lists signals by name; the trace in the record plan's order.
        const std::string& name =
            sim.model().signals()[static_cast<std::size_t>(plan.signals[k])].name;
        CAPTURE(name);
        const auto sig = std::find_if(run.signals.begin(), run.signals.end(),
                                      [&](const auto& x) { return x.name == name; });
        REQUIRE(sig != run.signals.end());
        CHECK(same_bits(sig->time, trace.times));
        CHECK(same_bits(sig->value, trace.values[k]));
      }
      CHECK(run.events.size() == trace.events.size());
      const auto kpis = sim.kpis();
      REQUIRE(run.kpis.size() == kpis.size());
      for (std::size_t k = 0; k < kpis.size(); ++k)
        CHECK(std::memcmp(&run.kpis[k].value, &kpis[k].value, sizeof(double)) == 0);
      CHECK(std::find_if(run.meta.begin(), run.meta.end(), [&](const auto& m) {
              return m.first == "replication" && m.second == std::to_string(r);
            }) != run.meta.end());
    }
  }
  SUBCASE("a run that was not recorded, or a case the file lacks, is refused by name") {
    CHECK_THROWS_WITH(read_result_run(path, spec.cases[0].name, 2),
                      doctest::Contains("/runs/2: missing (that replication's run was not "
                                        "recorded)"));
    CHECK_THROWS_WITH(read_result_run(path, "nothing", 0),
                      doctest::Contains("not a plantwin result file: /cases: no case \"nothing\""));
    // The error lists the cases there are, by their names (not their groups' escaped ones).
    CHECK_THROWS_WITH(read_result_run(path, "nothing", 0),
                      doctest::Contains(fmt::format("(the file's cases: {}, {})",
                                                    spec.cases[0].name, spec.cases[1].name)
                                            .c_str()));
  }
}

TEST_CASE("an experiment records no runs unless asked, and old files without runs still open") {
  Scenario s = scenario(mm1_with({{"replications: 10", "replications: 2"}}));
  const auto spec = parse_experiment(s);
  CHECK(spec.record_signals == 0);
  const auto res = run_experiment(s, spec, registry());
  CHECK(res.cases[0].recorded.empty());
  const auto path = (std::filesystem::temp_directory_path() / "pw_unrecorded.h5").string();
  write_experiment_file(path, s, spec, res);
  const ResultContents file = read_result_file(path);
  REQUIRE(file.cases.size() == 1);
  CHECK(file.cases[0].runs.empty());
  CHECK(file.cases[0].name == "base");
}

TEST_CASE("record_signals is checked as a count") {
  Scenario s = scenario(std::string(kMM1) + "  record_signals: -1\n");
  CHECK_THROWS_WITH(parse_experiment(s), doctest::Contains("experiments.record_signals"));
}

TEST_CASE("recorded runs past the size budget are left out of the file, with a warning") {
  std::string yaml = kMM1;
  yaml.replace(
      yaml.find("replications: 10"), 16,
      "replications: 2\n  record_signals: 2\n  variants: {two: {components.m.servers: 2}}");
  Scenario s = scenario(yaml + "record: {period: 10 s, signals: [q.level]}\n");
  auto spec = parse_experiment(s);
  const auto full = run_experiment(s, spec, registry());
  REQUIRE(full.cases.size() == 2);
  REQUIRE(full.cases[0].recorded.size() == 2);
  CHECK(full.cases[1].recorded.size() == 2);
  CHECK(full.warnings.empty());
  // Room for three runs of the four: the last case keeps its first, in case order.
  const auto& trace = full.cases[0].recorded[0]->state().trace;
  const std::uint64_t one = trace.times.size() * 16 + trace.events.size() * 64;
  spec.record_budget_bytes = 3 * one + one / 2;
  const auto cut = run_experiment(s, spec, registry());
  CHECK(cut.cases[0].recorded.size() == 2);
  CHECK(cut.cases[1].recorded.size() == 1);
  REQUIRE(cut.warnings.size() == 1);
  CHECK(cut.warnings[0].find("record_signals: 1 recorded run(s) left out of the file from case "
                             "\"two\" replication 1 on") == 0);
}
