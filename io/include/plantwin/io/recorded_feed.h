#pragma once
/// Recorded feeds: a CSV file, or a plantwin result file (HDF5), of plant measurements (or
/// commands) replayed into a run, the scenario's `feeds:` entries of `type: csv` and
/// `type: hdf5` (docs/feeds.md):
///
///     feeds:
///       history:
///         type: hdf5
///         file: yesterday.h5                    # a result file (plantwin run -o, a live twin's)
///         time_offset: -1 d                     # optional: added to the file's times
///         signals:
///           room.temperature: {target: room.temperature}         # the file's signal -> target
///
///     feeds:
///       probe:
///         type: csv
///         file: ../data/cold_room_probe.csv     # relative to the scenario
///         time: t_s                             # the column of times
///         time_unit: s                          # s, min or h; times are simulated time
///         columns:
///           temp_c: {target: room.temperature}                     # a measurement (sync)
///           setpoint: {target: tc.setpoint, kind: set}               # or an actuator
///           door: {target: door.enabled, kind: set, min: 0, max: 1}  # a valid range
///
/// Every value becomes a Runner input at its time, so a recorded feed replays the same way paced
/// (`--pace`) or as fast as possible, and the run records what it applied (/measurements,
/// /inputs). Rows that are not numbers, and values outside a column's range, are rejected and
/// counted, never applied; a missing or unreadable file is an error before the run.

#include <optional>
#include <string>
#include <vector>

#include "plantwin/io/feed.h"
#include "plantwin/model.h"
#include "plantwin/runner.h"
#include "plantwin/scenario.h"

namespace plantwin::io {

struct RecordedColumn {
  std::string column, target;
  FeedSample::Kind kind = FeedSample::Kind::kMeasure;
  std::optional<double> min, max;
};

struct RecordedFeedConfig {
  std::string name, file, time_column;
  bool hdf5 = false;       ///< a plantwin result file (`type: hdf5`): columns are its signals
  double time_scale = 1;   ///< seconds per unit of the time column
  double time_offset = 0;  ///< s added to every time (`time_offset`)
  std::vector<RecordedColumn> columns;
};

/// The scenario's `feeds:` entries of type csv, checked against `model` (targets are signals
/// that take measurements, or actuators). Other feed types are left to the live run.
/// Throws ScenarioError with file:line:column and key.
std::vector<RecordedFeedConfig> parse_recorded_feeds(const Scenario& scenario, const Model& model);

/// What a recorded feed gave: its inputs, in file order, and its counters.
struct RecordedFeed {
  std::string name;  ///< the feed's name (the origin of its inputs)
  std::vector<Input> inputs;
  std::uint64_t rows = 0, values = 0, malformed = 0, out_of_range = 0, late = 0;
};

/// Reads the file of `config`: each value of each row becomes an Input (origin: the feed's
/// name; a refused value at run time becomes a warning, not an error). Throws
/// std::runtime_error "<file>: ..." when the file cannot be read or has no such column.
RecordedFeed load_recorded_feed(const RecordedFeedConfig& config);

}  // namespace plantwin::io
