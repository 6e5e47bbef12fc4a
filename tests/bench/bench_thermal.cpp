// 10,000 thermal nodes, RK4, dt = 1 s, one simulated day: node-steps per second.
// Two layouts: one thermal_network of N coupled nodes (a chain), and N separate one-node
// `thermal` components. ns_per_step is wall time per RK4 step of the whole model (issue 11:
// <= 300 ns for one node: bench_thermal 1 240). Usage: bench_thermal [nodes] [hours]
#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "plantwin/models/register.h"
#include "plantwin/sim.h"

using namespace plantwin;

namespace {
double run(const std::string& yaml, double horizon_s) {
  const Registry registry = builtin_registry();
  auto model = compile(load_scenario_text(yaml, "thermal"), registry);
  Sim sim(model);
  const auto t0 = std::chrono::steady_clock::now();
  sim.run_until(horizon_s);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 10000;
  const double hours = argc > 2 ? std::stod(argv[2]) : 24;
  const double horizon = hours * 3600;
  const double steps = horizon / 1.0;
  const std::string head =
      fmt::format("horizon: {} s\nphysics: {{method: rk4, dt: 1 s}}\ncomponents:\n", horizon);
  const std::string network =
      head +
      fmt::format(
          "  oven: {{type: thermal_network, nodes: {}, capacitance: 50 kJ/K, r_ambient: 0.5 K/W, "
          "r_neighbour: 0.1 K/W, heat: 100 W, ambient: \"daily(min=15 C, max=25 C, "
          "peak=15:00)\"}}\nflow: []\n",
          n);
  const double w1 = run(network, horizon);
  fmt::print(
      "layout: one thermal_network of {} nodes\nnodes: {}\nsteps: {:.0f}\nwall_s: {:.3f}\n"
      "node_steps_per_s: {:.0f}\nns_per_step: {:.0f}\n",
      n, n, steps, w1, n * steps / w1, w1 / steps * 1e9);
  if (n > 40000) {  // one component each would pass the scenario's limit of 250,000 values
    fmt::print("layout: {} one-node thermal components: skipped (more than 40000)\n", n);
    return 0;
  }
  std::string separate = head;
  for (int i = 0; i < n; ++i)
    separate += fmt::format(
        "  t{}: {{type: thermal, capacitance: 50 kJ/K, r_ambient: 0.5 K/W, heat: 100 W}}\n", i);
  separate += "flow: []\n";
  const double separate_hours = std::min(hours, 2.0);
  const double w2 = run(separate, separate_hours * 3600);
  fmt::print(
      "layout: {} one-node thermal components ({} h simulated)\nwall_s: {:.3f}\nnode_steps_per_s: "
      "{:.0f}\nns_per_step: {:.0f}\n",
      n, separate_hours, w2, n * separate_hours * 3600 / w2, w2 / (separate_hours * 3600) * 1e9);
}
