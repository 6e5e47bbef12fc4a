// A job shop over a simulated month (issue 14): 200 stations in 10 departments of 20, 20
// products, 30 workers who load the machines and repair them, 10 AGVs between the first five
// departments and the last five. Prints compile time, events per second and peak memory.
// Usage: bench_job_shop [days]
// Every machine changes over (20 to 40 s, uniform, by its operator) when the product changes,
// which with 20 products mixed by shortest-queue dispatching is most parts; each changeover is
// also an event in the run's log ("p3 -> p7"), most of the peak memory.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "bench_support.h"
#include "plantwin/models/register.h"
#include "plantwin/sim.h"

using namespace plantwin;

namespace {
using bench::peak_mib;
using bench::seconds_since;

constexpr int kDepartments = 10, kPerDepartment = 20, kProducts = 20, kWorkers = 30, kAgvs = 10;

std::string job_shop(int days) {
  std::string y =
      fmt::format("horizon: {} d\nseed: 1\nrecord: {{period: 0 s}}\ncomponents:\n", days);
  std::string flow;
  // 30 workers: 10 operators of each half of the shop and 10 who also repair.
  y += "  crew: {type: pool, workers: [{count: 10, skills: [front]}, {count: 10, skills: [back]},"
       " {count: 10, skills: [front, back, repair]}]}\n";
  // The AGVs serve the 20 machines of department 4 and the input area of department 5.
  y += fmt::format(
      "  agvs: {{type: fleet, vehicles: {}, speed: 1.5 m/s, load_time: 10 s, "
      "unload_time: 10 s, home: area5, positions: {{area5: [100, 200]",
      kAgvs);
  for (int i = 0; i < kPerDepartment; ++i) y += fmt::format(", m4_{}: [{}, 0]", i, i * 10);
  y += "}}\n";
  // Products: each source makes one product; they merge into department 0's dispatcher.
  for (int p = 0; p < kProducts; ++p) {
    y += fmt::format(
        "  src{}: {{type: source, interarrival: exponential(15 min), "
        "part_types: {{p{}: 1}}}}\n",
        p, p);
    flow += fmt::format("\"src{} -> in0\", ", p);
  }
  for (int d = 0; d < kDepartments; ++d) {
    y += fmt::format("  in{}: {{type: split, routing: shortest_queue}}\n", d);
    const char* skill = d < kDepartments / 2 ? "front" : "back";
    for (int i = 0; i < kPerDepartment; ++i) {
      y += fmt::format("  q{}_{}: {{type: buffer, capacity: 4}}\n", d, i);
      y += fmt::format(
          "  m{}_{}: {{type: machine, process_time: exponential(10 min), ttf: exponential(8 h), "
          "ttr: exponential(20 min), setup_time: \"uniform(20 s, 40 s)\", crew: crew, "
          "repair_skill: repair, operator: {{pool: crew, "
          "skill: {}, for: load, load_time: 1 min}}}}\n",
          d, i, skill);
      flow += fmt::format("\"in{} -> q{}_{} -> m{}_{}\", ", d, d, i, d, i);
      if (d + 1 == kDepartments) {
        flow += fmt::format("\"m{}_{} -> out\", ", d, i);
      } else if (d == 4) {  // by AGV to the next department's input area
        y += fmt::format("  t{}: {{type: transport, fleet: agvs, from: m4_{}, to: area5}}\n", i, i);
        flow += fmt::format("\"m4_{} -> t{} -> in5\", ", i, i);
      } else {
        flow += fmt::format("\"m{}_{} -> in{}\", ", d, i, d + 1);
      }
    }
  }
  y += "  out: {type: sink}\n";
  flow.resize(flow.size() - 2);
  return y + "flow: [" + flow + "]\n";
}
}  // namespace

int main(int argc, char** argv) {
  const int days = argc > 1 ? std::stoi(argv[1]) : 30;
  const std::string yaml = job_shop(days);
  const Registry registry = builtin_registry();
  auto t0 = std::chrono::steady_clock::now();
  auto model = compile(load_scenario_text(yaml, "job_shop"), registry);
  const double compile_s = seconds_since(t0);
  Sim sim(model);
  t0 = std::chrono::steady_clock::now();
  sim.run();
  const double run_s = seconds_since(t0);
  const auto kpis = sim.kpis();
  auto kpi = [&](const char* c, const char* n) {
    for (const auto& r : kpis)
      if (r.component == c && r.name == n) return r.value;
    return std::nan("");
  };
  fmt::print(
      "stations: {}\nproducts: {}\nworkers: {}\nagvs: {}\ncomponents: {}\ncompile_s: {:.3f}\n"
      "simulated_d: {:.0f}\nevents: {}\nrun_wall_s: {:.3f}\nevents_per_s: {:.0f}\n"
      "peak_rss_mib: {:.1f}\nthroughput_per_h: {:.1f}\nworker_utilisation: {:.3f}\n"
      "agv_utilisation: {:.3f}\nagv_empty_travel_share: {:.3f}\nsetups: {:.0f}\n",
      kDepartments * kPerDepartment, kProducts, kWorkers, kAgvs, model->size(), compile_s,
      sim.now() / 86400, sim.state().events_executed, run_s,
      static_cast<double>(sim.state().events_executed) / run_s, peak_mib(),
      kpi("line", "throughput"), kpi("crew", "utilisation"), kpi("agvs", "utilisation"),
      kpi("agvs", "empty_travel_share"), [&] {
        double n = 0;
        for (const auto& r : kpis)
          if (r.name == "setups") n += r.value;
        return n;
      }());
}
