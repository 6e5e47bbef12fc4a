// A 10,000-machine line: scenario compile time, events per second over 10 million events, and
// peak memory. Usage: bench_large_line [machines] [events]
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
}  // namespace

int main(int argc, char** argv) {
  const int machines = argc > 1 ? std::stoi(argv[1]) : 10000;
  const long long target_events = argc > 2 ? std::stoll(argv[2]) : 10'000'000LL;
  std::string yaml = "horizon: 100000 d\ncomponents:\n  supply: {type: source}\n";
  yaml.reserve(static_cast<std::size_t>(machines) * 160);
  std::string flow = "supply";
  for (int i = 0; i < machines; ++i) {
    yaml += fmt::format("  m{}: {{type: machine, process_time: exponential(1 s)}}\n", i);
    flow += fmt::format(" -> m{}", i);
    if (i + 1 < machines) {
      yaml += fmt::format("  b{}: {{type: buffer, capacity: 10}}\n", i);
      flow += fmt::format(" -> b{}", i);
    }
  }
  yaml += "  out: {type: sink}\nflow: [\"" + flow + " -> out\"]\nrecord: {period: 0 s}\n";
  const double mem_text = peak_mib();

  const Registry registry = builtin_registry();
  auto t0 = std::chrono::steady_clock::now();
  Scenario scenario = load_scenario_text(yaml, "large");
  const double parse_s = seconds_since(t0);
  auto model = compile(scenario, registry);
  const double compile_s = seconds_since(t0);
  yaml.clear();
  yaml.shrink_to_fit();

  Sim sim(model);
  t0 = std::chrono::steady_clock::now();
  double t = 0;
  while (static_cast<long long>(sim.state().events_executed) < target_events && !sim.finished()) {
    t += 100;
    sim.run_until(t);
  }
  const double run_s = seconds_since(t0);
  fmt::print(
      "machines: {}\ncomponents: {}\nparse_s: {:.3f}\ncompile_s (parse included): {:.3f}\nevents: "
      "{}\nsimulated_s: {:.0f}\n"
      "run_wall_s: {:.3f}\nevents_per_s: {:.0f}\npeak_rss_mib: {:.1f}\n"
      "peak_rss_before_compile_mib: {:.1f}\n",
      machines, model->size(), parse_s, compile_s, sim.state().events_executed, sim.now(), run_s,
      static_cast<double>(sim.state().events_executed) / run_s, peak_mib(), mem_text);
}
