// Compiles a scenario given on the command line, runs it and prints the line's throughput.
#include <cstdio>

#include "plantwin/models/register.h"
#include "plantwin/runner.h"
#include "plantwin/sim.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const plantwin::Registry registry = plantwin::builtin_registry();
  auto model = plantwin::compile(plantwin::load_scenario_file(argv[1]), registry);
  plantwin::Sim sim(model);
  plantwin::Runner runner(sim);
  if (!runner.run()) return 1;
  for (const auto& k : sim.kpis())
    if (k.component == "line" && k.name == "throughput") std::printf("throughput %.6g\n", k.value);
  return 0;
}
