#pragma once
/// Feeds: values from the plant's world (MQTT, Modbus TCP, an OPC UA bridge, recorded files)
/// on their way into a twin.
///
/// A feed runs on its own thread(s), decodes what arrives, and hands each value to its sink as
/// a FeedSample; the sink (the twin, see docs/live.md) turns samples into Runner inputs, so the
/// kernel only ever sees them at its own time points, on its own thread. A feed never throws
/// for what arrives: a message it cannot use is rejected and counted (FeedCounters), never a
/// crash and never a NaN handed on as a value.

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace plantwin::io {

/// One value decoded by a feed.
struct FeedSample {
  /// What the value is for, as the scenario maps it: an actuator to set ("conveyor2.speed") or
  /// a measured quantity of the plant ("room.temperature"), see `kind`.
  std::string target;
  double value = 0;
  /// When the value was true, in Unix seconds (from the message, or its arrival when the
  /// message has no time); NaN when unknown.
  double source_time = std::numeric_limits<double>::quiet_NaN();
  /// Wall-clock arrival, Unix seconds.
  double arrival_time = 0;
  enum class Kind {
    kSet,      ///< set an actuator (a command from the plant's control system)
    kMeasure,  ///< a measurement of the plant, for state sync
  };
  Kind kind = Kind::kMeasure;
  std::string feed;  ///< the feed's name (the origin recorded with the input)
};

/// What a feed counts, readable from any thread while it runs.
struct FeedCounters {
  std::atomic<std::uint64_t> received{0};      ///< messages (or polls) that arrived
  std::atomic<std::uint64_t> applied{0};       ///< values handed to the sink
  std::atomic<std::uint64_t> malformed{0};     ///< could not be decoded
  std::atomic<std::uint64_t> out_of_range{0};  ///< decoded, but outside the mapped range
  std::atomic<std::uint64_t> unknown{0};       ///< no mapping for it (an unknown topic ...)
  std::atomic<std::uint64_t> late{0};          ///< older than the newest value for its target
  std::atomic<std::uint64_t> reconnects{0};    ///< connections lost and made again
};

/// A source of values from outside. start() and stop() are called from one thread; the sink is
/// called from the feed's own thread(s) and must be thread-safe.
class Feed {
 public:
  using Sink = std::function<void(FeedSample)>;
  virtual ~Feed() = default;
  virtual const std::string& name() const = 0;
  /// Connects (or opens) and begins delivering values to `sink`. Throws std::runtime_error
  /// with a readable reason when the feed cannot even begin (a file that does not exist); a
  /// broker or server that is not there yet is not an error: the feed retries with back-off.
  virtual void start(Sink sink) = 0;
  /// Stops delivering and joins the feed's threads; no sink call happens after it returns.
  virtual void stop() = 0;
  virtual const FeedCounters& counters() const = 0;
  /// True while connected (always true for a file).
  virtual bool connected() const = 0;
};

}  // namespace plantwin::io
