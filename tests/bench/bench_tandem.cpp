// 10-machine tandem line: exponential processing times (mean 1 s), buffers of 10 between
// machines, endless supply, statistics on, recording off. Prints machine completions per second
// of wall time. Usage: bench_tandem [horizon_s]
#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "plantwin/models/register.h"
#include "plantwin/sim.h"

using namespace plantwin;

int main(int argc, char** argv) {
  const double horizon = argc > 1 ? std::stod(argv[1]) : 2'000'000.0;
  std::string yaml =
      fmt::format("horizon: {} s\ncomponents:\n  supply: {{type: source}}\n", horizon);
  std::string flow = "supply";
  for (int i = 0; i < 10; ++i) {
    yaml += fmt::format("  m{}: {{type: machine, process_time: exponential(1 s)}}\n", i);
    flow += fmt::format(" -> m{}", i);
    if (i < 9) {
      yaml += fmt::format("  b{}: {{type: buffer, capacity: 10}}\n", i);
      flow += fmt::format(" -> b{}", i);
    }
  }
  yaml += "  out: {type: sink}\nflow: [\"" + flow + " -> out\"]\nrecord: {period: 0 s}\n";
  const Registry registry = builtin_registry();
  auto model = compile(load_scenario_text(yaml, "tandem"), registry);
  Sim sim(model);
  const auto t0 = std::chrono::steady_clock::now();
  sim.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double completions = 0;
  for (const auto& k : sim.kpis())
    if (k.name == "completed") completions += k.value;
  fmt::print("machines: 10\nsimulated_s: {:.0f}\nevents: {}\ncompletions: {:.0f}\nwall_s: {:.3f}\n",
             horizon, sim.state().events_executed, completions, wall);
  for (const auto& k : sim.kpis())
    if (k.component == "line" && k.name == "throughput")
      fmt::print("line_throughput_per_s: {:.4f}\n", k.value / 3600);
  fmt::print("completions_per_s: {:.0f}\n", completions / wall);
}
