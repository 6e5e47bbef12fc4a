#pragma once

/// What the command bodies share: the stop flag of Ctrl-C, the component registry and loading a
/// scenario with the command line's overrides.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plantwin/io/recorded_feed.h"
#include "plantwin/model.h"
#include "plantwin/scenario.h"

namespace plantwin::cli {

/// Set by SIGINT and SIGTERM once stop_on_signals() was called; runs and experiments watch it.
std::atomic<bool>& stop_flag();
/// From now on, SIGINT and SIGTERM set stop_flag() instead of ending the process.
void stop_on_signals();

/// The built-in components, registered once.
const Registry& registry();

/// Loads `file` (a scenario or an experiment file), applies `sets` in order and then `seed`,
/// and compiles it. Throws ScenarioError.
std::shared_ptr<const Model> load_model(const std::string& file,
                                        const std::vector<std::string>& sets,
                                        std::optional<std::uint64_t> seed);

/// The scenario's recorded feeds (`feeds:` of type csv), read and counted (a line each on stderr
/// unless `quiet` and clean). Throws ScenarioError for a bad section, std::runtime_error for a
/// file that cannot be read.
std::vector<io::RecordedFeed> load_recorded_feeds(const Model& model, bool quiet);

/// Loads `file` and applies `sets` and `seed`, without compiling. Throws ScenarioError.
Scenario load_scenario(const std::string& file, const std::vector<std::string>& sets,
                       std::optional<std::uint64_t> seed);

}  // namespace plantwin::cli
