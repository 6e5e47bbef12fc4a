#include "command_support.h"

#include <csignal>

#include <fmt/format.h>

#include "plantwin/experiment.h"
#include "plantwin/models/register.h"

namespace plantwin::cli {

namespace {

std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM; the only global, and only in the CLI

extern "C" void on_signal(int) {
  g_stop.store(true);
}

}  // namespace

std::atomic<bool>& stop_flag() {
  return g_stop;
}

void stop_on_signals() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

const Registry& registry() {
  static const Registry registry = builtin_registry();
  return registry;
}

Scenario load_scenario(const std::string& file, const std::vector<std::string>& sets,
                       std::optional<std::uint64_t> seed) {
  Scenario sc = load_experiment_file(file);
  for (const auto& s : sets) apply_override(sc, s);
  if (seed) apply_override(sc, fmt::format("seed={}", *seed));
  return sc;
}

std::shared_ptr<const Model> load_model(const std::string& file,
                                        const std::vector<std::string>& sets,
                                        std::optional<std::uint64_t> seed) {
  return compile(load_scenario(file, sets, seed), registry());
}

std::vector<io::RecordedFeed> load_recorded_feeds(const Model& model, bool quiet) {
  std::vector<io::RecordedFeed> out;
  for (const auto& f : io::parse_recorded_feeds(model.scenario(), model)) {
    out.push_back(io::load_recorded_feed(f));
    const auto& r = out.back();
    if (!quiet || r.malformed + r.out_of_range > 0)
      fmt::print(stderr,
                 "feed {}: {} rows, {} values to apply, {} malformed, {} out of range, {} out of "
                 "time order\n",
                 escape_control(f.name), r.rows, r.values, r.malformed, r.out_of_range, r.late);
  }
  return out;
}

}  // namespace plantwin::cli
