// Metamorphic properties on randomly generated lines: relations that must hold between runs
// (more capacity never lowers throughput beyond noise) and within a run (parts are conserved,
// Little's law holds on the sample path, no station outruns its capacity). They catch what
// formula tests cannot see, such as a lost wake-up that only a belt behind a multi-server
// machine triggers.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include <fmt/format.h>

#include "plantwin/models/flow.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

struct GeneratedMachine {
  std::string name;
  int servers;
  double capacity_per_h;  // servers * 3600 / mean process time
};

struct Generated {
  std::string yaml;
  std::vector<GeneratedMachine> machines;
  std::vector<std::string> buffers;  // buffers of 1 to 4 places
};

// A line of 2 to 5 stages between a Poisson source and a sink: machines (1 to 3 servers,
// constant, exponential, uniform or lognormal times, some with failures on either clock, some with
// scrap), conveyors of both kinds, and parallel pairs of machines behind a split that merge
// again. Buffers of 0 to 4 places stand between some stages.
Generated generate(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  Generated g;
  std::string comps, flow;
  const double mean_interarrival = uni(20, 60);
  comps += fmt::format("  src: {{type: source, rate: {:.6f} /h}}\n", 3600 / mean_interarrival);
  std::string prev = "src";
  const int stages = 2 + pick(4);
  int id = 0;
  auto machine = [&](const std::string& name) {
    const int servers = 1 + pick(3);
    const double mean = uni(0.5, 1.6) * mean_interarrival * servers;
    std::string pt;
    switch (pick(4)) {
      case 0:
        pt = fmt::format("exponential({:.4f} s)", mean);
        break;
      case 1:
        pt = fmt::format("{:.1f} s", mean);  // constant times make ties
        break;
      case 2:
        pt = fmt::format("\"uniform({:.4f} s, {:.4f} s)\"", 0.5 * mean, 1.5 * mean);
        break;
      default:
        pt = fmt::format("\"lognormal(mean={:.4f} s, sd={:.4f} s)\"", mean, 0.5 * mean);
    }
    std::string extra;
    if (pick(3) == 0)
      extra += fmt::format(", ttf: exponential({:.2f} min), ttr: exponential({:.2f} min)",
                           uni(30, 120), uni(2, 10));
    if (!extra.empty() && pick(2) == 0) extra += ", failure_clock: calendar";
    if (pick(4) == 0) extra += ", scrap: 0.03";
    comps += fmt::format("  {}: {{type: machine, servers: {}, process_time: {}{}}}\n", name,
                         servers, pt, extra);
    g.machines.push_back({name, servers, servers * 3600.0 / mean});
  };
  for (int st = 0; st < stages; ++st) {
    if (st > 0 && pick(2) == 0) {
      const std::string b = fmt::format("b{}", id++);
      const int cap = pick(5);
      comps += fmt::format("  {}: {{type: buffer, capacity: {}}}\n", b, cap);
      flow += fmt::format("  - {} -> {}\n", prev, b);
      if (cap > 0) g.buffers.push_back(b);
      prev = b;
    }
    const int kind = pick(6);
    if (kind == 0) {
      const std::string c = fmt::format("c{}", id++);
      comps += fmt::format(
          "  {}: {{type: conveyor, length: {:.2f} m, speed: 0.5 m/s, spacing: 1 m, "
          "accumulating: {}}}\n",
          c, uni(3, 12), pick(2) == 0 ? "true" : "false");
      flow += fmt::format("  - {} -> {}\n", prev, c);
      prev = c;
    } else if (kind == 1) {
      const std::string s = fmt::format("s{}", id++), a = fmt::format("m{}", id++),
                        b = fmt::format("m{}", id++), j = fmt::format("j{}", id++);
      comps += fmt::format("  {}: {{type: split, routing: {}}}\n", s,
                           pick(2) == 0 ? "round_robin" : "shortest_queue");
      machine(a);
      machine(b);
      comps += fmt::format("  {}: {{type: buffer, capacity: {}}}\n", j, 1 + pick(3));
      flow += fmt::format("  - {} -> {} -> {} -> {}\n  - {} -> {} -> {}\n", prev, s, a, j, s, b, j);
      prev = j;
    } else {
      const std::string m = fmt::format("m{}", id++);
      machine(m);
      flow += fmt::format("  - {} -> {}\n", prev, m);
      prev = m;
    }
  }
  flow += fmt::format("  - {} -> out\n", prev);
  comps += "  out: {type: sink}\n";
  g.yaml = fmt::format("horizon: 12 h\nseed: {}\nrecord: {{period: 0 s}}\ncomponents:\n{}flow:\n{}",
                       seed % 1000, comps, flow);
  return g;
}

const line::FlowState& flow_of(const Sim& s) {
  return s.state_at<line::FlowState>(s.model().find_component("line"));
}

double exits(const Sim& s) {
  return static_cast<double>(flow_of(s).exits);
}

// The upper end of the 99.9 % interval of the paired differences (variant - base) of exits.
double paired_upper(const std::vector<double>& base, const std::vector<double>& variant) {
  std::vector<double> d;
  for (std::size_t r = 0; r < base.size(); ++r) d.push_back(variant[r] - base[r]);
  const Estimate e = t_interval(d, kCheckConfidence);
  return std::isnan(e.half_width) ? e.mean : e.mean + e.half_width;
}

constexpr int kModels = 100, kReps = 8;

}  // namespace

TEST_CASE("on random lines parts are conserved and Little's law holds on the sample path") {
  for (std::uint64_t seed = 1; seed <= kModels; ++seed) {
    const Generated g = generate(seed);
    CAPTURE(g.yaml);
    auto model = compile_text(g.yaml);
    for (std::uint64_t r = 0; r < 3; ++r) {
      Sim sim(model, r);
      sim.run();
      const line::FlowState& st = flow_of(sim);
      // Created = exits + scrapped + still in the plant.
      CHECK(st.created == st.exits + st.scrapped + st.live_parts);
      // Time-integral of WIP = time spent by parts that left + age of those still in.
      std::set<PartId> free(st.free_parts.begin(), st.free_parts.end());
      double ages = 0;
      for (std::size_t p = 0; p < st.parts.size(); ++p)
        if (!free.count(static_cast<PartId>(p))) ages += sim.now() - st.parts[p].created;
      CHECK(st.wip.integral(sim.now()) ==
            doctest::Approx(st.sojourn_all.sum() + ages).epsilon(1e-9));
    }
  }
}

TEST_CASE("on random lines no machine outruns its capacity") {
  // A machine completes at most servers / mean process time parts per unit of time, busy all
  // the time (failures and blocking only lower it): the 99.9 % interval of its completions per
  // hour over replications must reach down to that capacity or below.
  for (std::uint64_t seed = 1; seed <= kModels; ++seed) {
    const Generated g = generate(seed);
    CAPTURE(g.yaml);
    auto model = compile_text(g.yaml);
    std::vector<std::vector<double>> done(g.machines.size());
    for (int r = 0; r < kReps; ++r) {
      Sim sim(model, static_cast<std::uint64_t>(r));
      sim.run();
      auto k = kpi_map(sim);
      for (std::size_t i = 0; i < g.machines.size(); ++i)
        done[i].push_back(k[g.machines[i].name + ".completed"] / 12.0);
    }
    for (std::size_t i = 0; i < g.machines.size(); ++i) {
      const Estimate e = t_interval(done[i], kCheckConfidence);
      CAPTURE(g.machines[i].name);
      CHECK(e.mean - e.half_width <= g.machines[i].capacity_per_h);
    }
  }
}

TEST_CASE("on random lines a server or a buffer place more never lowers throughput") {
  // Common random numbers: replication r of the base and of the variant draw the same
  // arrivals, process times and failures wherever the variant does not change them, so the
  // paired differences are sharp. "Never lowers" beyond noise: the 99.9 % interval of the
  // paired difference must reach zero or above.
  int server_checks = 0, buffer_checks = 0;
  for (std::uint64_t seed = 1; seed <= kModels; ++seed) {
    const Generated g = generate(seed);
    CAPTURE(g.yaml);
    auto base = compile_text(g.yaml);
    const auto b = replicate(base, kReps, exits);
    if (!g.machines.empty()) {
      const GeneratedMachine& m = g.machines[seed % g.machines.size()];
      auto more_servers =
          compile_text(g.yaml, {fmt::format("components.{}.servers={}", m.name, m.servers + 1)});
      CHECK(paired_upper(b, replicate(more_servers, kReps, exits)) >= 0);
      ++server_checks;
    }
    if (!g.buffers.empty()) {
      const std::string& buf = g.buffers[seed % g.buffers.size()];
      auto more_places = compile_text(g.yaml, {fmt::format("components.{}.capacity=5", buf)});
      CHECK(paired_upper(b, replicate(more_places, kReps, exits)) >= 0);
      ++buffer_checks;
    }
  }
  CHECK(server_checks > kModels * 3 / 4);
  CHECK(buffer_checks > kModels / 4);
}
