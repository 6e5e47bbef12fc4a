#pragma once
/// The live run's feeds (`plantwin run FILE --live`): the scenario's MQTT, Modbus TCP and OPC UA
/// feeds started beside the Runner, their samples pushed into its input queue, and every feed's
/// counters (recorded feeds too) copied into its feed component at the Runner's time points.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "plantwin/io/feed.h"
#include "plantwin/io/mqtt.h"
#include "plantwin/io/recorded_feed.h"
#include "plantwin/model.h"
#include "plantwin/runner.h"
#include "plantwin/sim.h"

namespace plantwin::cli {

/// The names and types of the scenario's feeds that only a live run connects (mqtt, modbus,
/// opcua).
std::vector<std::pair<std::string, std::string>> live_feed_names(const Model& model);

class LiveFeeds {
 public:
  /// Reads the scenario's live feeds (mqtt, modbus, opcua) and checks them against `model`:
  /// targets without a `{n}` placeholder must be an actuator (kind set) or a synced signal
  /// (measure).
  /// Throws ScenarioError with file:line:column and key; an unknown feed type is an error.
  /// `quiet` (--quiet) leaves out the feeds' informational lines, not their warnings.
  explicit LiveFeeds(std::shared_ptr<const Model> model, bool quiet = false);
  ~LiveFeeds();
  LiveFeeds(const LiveFeeds&) = delete;
  LiveFeeds& operator=(const LiveFeeds&) = delete;

  bool empty() const { return feeds_.empty(); }
  /// Starts every live feed; their samples go to `runner` as untimed inputs (applied at the
  /// Runner's next time point: a value is applied when it arrives, whatever time it carries),
  /// which a refusal does not stop (a warning instead). An OPC UA feed that serves the twin
  /// adds its observer to `runner`. Throws std::runtime_error when a feed cannot begin at all
  /// (no Node.js or no bridge for an OPC UA feed); the feeds started before it keep running
  /// until stop().
  void start(Runner& runner);
  /// Starts the scenario's publishers (`publish:`), as observers of `runner`.
  void start_publishers(Runner& runner);
  /// Publishes the final values and the status `complete`, and waits (at most 2 s) until they
  /// are out.
  void finish_publishers(const Sim& sim);
  bool has_publishers() const { return !publisher_configs_.empty(); }
  /// Forecast requests that came over MQTT (`commands: true`) since the last call.
  std::uint64_t take_forecast_requests();
  /// Publishes each (topic suffix, payload), retained, with every publisher; any thread.
  void publish_retained(const std::vector<std::pair<std::string, std::string>>& messages);
  /// Stops every feed (no sample reaches the Runner after it returns).
  void stop();
  /// Copies every feed's counters into its feed component (live feeds and `recorded`), with
  /// `lag`; call it on the run's thread between steps.
  void update(Sim& sim, const std::vector<io::RecordedFeed>& recorded, double lag);
  /// One line per live feed: its counters.
  std::vector<std::string> summary() const;

 private:
  struct Entry;
  std::shared_ptr<const Model> model_;
  std::vector<std::unique_ptr<Entry>> feeds_;
  std::vector<io::MqttPublisherConfig> publisher_configs_;
  std::vector<std::unique_ptr<io::MqttPublisher>> publishers_;
  // Applied inputs per origin, tallied from the Sim's input logs as they grow.
  std::size_t inputs_seen_ = 0, measurements_seen_ = 0;
  std::vector<std::pair<std::string, double>> applied_;
};

}  // namespace plantwin::cli
