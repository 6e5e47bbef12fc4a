// Parallel efficiency of replications: 40 replications of the automotive body shop with 1 and
// then 2 OpenMP threads, and the memory each concurrent replication of a 10,000-machine line
// needs. Usage: bench_parallel [scenario] [horizon] [threads]
// (defaults: scenarios/body_shop.yaml, 30 d, 1,2)
#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "plantwin/experiment.h"
#include "plantwin/models/register.h"

using namespace plantwin;

namespace {
double rss_mib() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}
}  // namespace

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : PLANTWIN_SOURCE_DIR "/scenarios/body_shop.yaml";
  const std::string horizon = argc > 2 ? argv[2] : "30 d";
  const Registry registry = builtin_registry();
  Scenario s = load_experiment_file(file);
  apply_override(s, "horizon=" + horizon);
  ExperimentSpec spec = parse_experiment(s, 40);
  spec.cases.resize(1);
  // Thread counts to compare, e.g. "1,2,4,8,16" (default "1,2").
  std::vector<int> counts;
  {
    const std::string list = argc > 3 ? argv[3] : "1,2";
    std::size_t start = 0;
    for (;;) {
      const auto comma = list.find(',', start);
      counts.push_back(std::stoi(list.substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  double wall1 = 0;
  for (int threads : counts) {
    omp_set_num_threads(threads);
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = run_experiment(s, spec, registry);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (threads == 1) wall1 = wall;
    fmt::print("threads: {}  replications: {}  wall_s: {:.3f}", threads, res.replications_run,
               wall);
    if (wall1 > 0 && threads > 1)
      fmt::print("  speedup: {:.2f}  parallel_efficiency: {:.1f}%", wall1 / wall,
                 100.0 * wall1 / (threads * wall));
    fmt::print("\n");
  }

  // Memory per concurrent replication of a 10,000-machine line: states held at once.
  std::string yaml = "horizon: 100 d\ncomponents:\n  supply: {type: source}\n";
  std::string flow = "supply";
  for (int i = 0; i < 10000; ++i) {
    yaml += fmt::format("  m{}: {{type: machine, process_time: exponential(1 s)}}\n", i);
    flow += fmt::format(" -> m{}", i);
    if (i + 1 < 10000) {
      yaml += fmt::format("  b{}: {{type: buffer, capacity: 10}}\n", i);
      flow += fmt::format(" -> b{}", i);
    }
  }
  yaml += "  out: {type: sink}\nflow: [\"" + flow + " -> out\"]\nrecord: {period: 0 s}\n";
  auto model = compile(load_scenario_text(yaml, "large"), registry);
  yaml.clear();
  yaml.shrink_to_fit();
  const double before = rss_mib();
  const int concurrent = 8;
  std::vector<Sim> sims;
  sims.reserve(concurrent);
  for (int r = 0; r < concurrent; ++r) {
    sims.emplace_back(model, static_cast<std::uint64_t>(r));
    sims.back().run_until(2000);  // past the fill-up: the line holds its steady-state parts
  }
  const double after = rss_mib();
  fmt::print(
      "model_rss_mib: {:.1f}\nconcurrent_replications: {}\nmemory_per_replication_mib: {:.1f}\n",
      before, concurrent, (after - before) / concurrent);
}
