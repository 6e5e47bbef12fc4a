#pragma once
/// MQTT through libmosquitto: a feed that maps topics to FeedSamples, and a publisher that puts
/// a twin's signals on the broker.
///
/// A scenario declares an MQTT feed under `feeds:` (docs/feeds.md lists every key):
///
///     feeds:
///       plant:
///         type: mqtt
///         host: 127.0.0.1
///         port: 1883
///         qos: 1
///         topics:
///           - {topic: "plant/+/temp", target: "{1}.temperature", kind: measure}
///           - {topic: "plant/+/speed", target: "{1}.speed", kind: set, payload: json,
///              fields: {value: v, time: ts}, min: 0, max: 2}
///
/// `parse_mqtt_feed` reads such a map into an MqttFeedConfig; `MqttFeed` runs it on its own
/// thread; `decode_mqtt_message` is what the feed does with each message, callable alone (the
/// tests and the fuzz harness use it).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantwin/io/feed.h"
#include "plantwin/runner.h"
#include "plantwin/scenario.h"
#include "plantwin/sim.h"

namespace plantwin::io {

/// The largest payload a feed accepts by default; larger messages are rejected as malformed.
inline constexpr std::size_t kMqttDefaultMaxPayload = std::size_t{64} << 10;
/// The largest `max_payload` a scenario may set.
inline constexpr std::size_t kMqttMaxPayloadLimit = std::size_t{16} << 20;
/// How deep a JSON payload may nest (objects and arrays), and how many values it may hold.
inline constexpr int kMqttJsonMaxDepth = 32;
inline constexpr std::size_t kMqttJsonMaxValues = 65536;

/// TLS towards the broker: on when `enabled`; files are PEM.
struct MqttTls {
  bool enabled = false;
  std::string ca_file;    ///< certificate authority that signed the broker's certificate
  std::string cert_file;  ///< client certificate (with key_file), optional
  std::string key_file;
  bool insecure = false;  ///< skip the host name check (test brokers only)
};

/// Where and how to connect; shared by the feed and the publisher.
struct MqttConnection {
  std::string host = "127.0.0.1";
  int port = 1883;
  /// Client id; with clean_session false the broker keeps the session under this id, so it
  /// must be stable and unique per twin.
  std::string client_id;
  int keepalive_s = 30;
  std::string username;
  std::string password;
  MqttTls tls;
  /// false: a persistent session, so the broker queues QoS 1 messages while the client is away.
  bool clean_session = false;
  /// Back-off between connection attempts: doubles from min to max, back to min once connected.
  double reconnect_min_s = 1;
  double reconnect_max_s = 30;
};

/// How a message on a matching topic becomes a sample.
struct MqttMapping {
  /// Topic filter with MQTT wildcards: `+` one level, `#` (last) any number of levels.
  std::string topic;
  /// The sample's target; `{1}`, `{2}` ... stand for the levels matched by the 1st, 2nd ... `+`.
  std::string target;
  FeedSample::Kind kind = FeedSample::Kind::kMeasure;
  enum class Payload { kNumber, kJson };
  Payload payload = Payload::kNumber;
  /// For JSON payloads: the field holding the value, and the one holding the time (empty: the
  /// arrival time). A dotted name reaches into nested objects ("data.value").
  std::string value_field = "value";
  std::string time_field;
  /// How a time field is written: kAuto takes a number as Unix seconds and a text as ISO 8601.
  enum class TimeFormat { kAuto, kUnixSeconds, kUnixMillis, kIso8601 };
  TimeFormat time_format = TimeFormat::kAuto;
  /// value = payload value * scale + offset; then checked against [min, max] when given.
  double scale = 1;
  double offset = 0;
  std::optional<double> min;
  std::optional<double> max;
  int qos = 0;  ///< QoS of the subscription made for this mapping
};

/// A topic filter subscribed to, with its QoS.
struct MqttSubscription {
  std::string topic;
  int qos = 0;
};

struct MqttFeedConfig {
  std::string name;  ///< the feed's name, the origin of its samples
  MqttConnection connection;
  /// Mappings, tried in order; the first whose topic matches decodes the message.
  std::vector<MqttMapping> mappings;
  /// What to subscribe to; empty: each mapping's topic with its QoS. A wider filter (plant/#)
  /// makes messages no mapping knows arrive and be counted as unknown.
  std::vector<MqttSubscription> subscriptions;
  std::size_t max_payload = kMqttDefaultMaxPayload;
};

/// Reads an MQTT feed's map (`feeds.NAME`, its `type: mqtt` included) at key path `path`.
/// Every problem goes to `diag` with file:line:column, key path and a did-you-mean hint for
/// unknown keys; the returned config is only meaningful when `diag` stayed empty. The feed's
/// name is the last segment of `path`. Relative TLS file names resolve against `base_dir`.
MqttFeedConfig parse_mqtt_feed(const Node& node, const std::string& path, Diagnostics& diag,
                               const std::string& base_dir = ".");

/// True when `topic` matches the MQTT filter `filter`; the levels matched by each `+` go to
/// `captures` (when given) in order. Topics beginning with `$` match no leading wildcard.
bool mqtt_topic_matches(std::string_view filter, std::string_view topic,
                        std::vector<std::string_view>* captures = nullptr);

/// What became of one message.
struct MqttDecoded {
  enum class Status { kOk, kUnknown, kMalformed, kOutOfRange };
  Status status = Status::kUnknown;
  FeedSample sample;   ///< valid when status is kOk
  std::string reason;  ///< why it was refused, a sentence naming the topic
};

/// Decodes one message as MqttFeed does: finds the first mapping whose topic matches, fills
/// in its target, parses the payload (bounded: at most config.max_payload bytes, JSON at most
/// kMqttJsonMaxDepth deep), applies scale and offset and checks the range. Never throws for
/// what a message holds; a sample it returns has a finite value, and a finite source time or
/// the arrival time.
MqttDecoded decode_mqtt_message(const MqttFeedConfig& config, std::string_view topic,
                                std::string_view payload, double arrival_time);

/// An MQTT feed: a libmosquitto client on its own thread that subscribes, decodes each
/// message with decode_mqtt_message and hands what it accepts to the sink. A broker that is
/// not there (or goes away) is retried with back-off and counted in `reconnects` when a lost
/// connection is made again. With clean_session false and QoS 1, messages sent while the feed
/// was away arrive when it is back. A sink that throws loses that value (not counted as
/// applied; last_rejection() says why) and the feed goes on.
class MqttFeed final : public Feed {
 public:
  explicit MqttFeed(MqttFeedConfig config);
  ~MqttFeed() override;
  MqttFeed(const MqttFeed&) = delete;
  MqttFeed& operator=(const MqttFeed&) = delete;

  const std::string& name() const override { return config_.name; }
  /// Throws std::runtime_error when the client cannot even be set up (TLS files that cannot
  /// be read, a start while running); an absent broker is retried, not an error.
  void start(Sink sink) override;
  void stop() override;
  const FeedCounters& counters() const override { return counters_; }
  bool connected() const override;
  /// Connected, and the broker has acknowledged every subscription of this connection: from
  /// now on every message published on a subscribed topic reaches the feed.
  bool subscribed() const;

  /// The latest refusal (a malformed, out-of-range or unknown message) as a sentence, or "".
  std::string last_rejection() const;
  /// The latest connection problem (refused, lost, cannot reach), or "".
  std::string last_connection_error() const;

 private:
  struct Impl;
  MqttFeedConfig config_;
  FeedCounters counters_;
  std::unique_ptr<Impl> impl_;
};

struct MqttPublisherConfig {
  MqttConnection connection;
  /// Topics are `<prefix>/<component>/<signal>` (component: the signal's name up to its first
  /// dot) and `<prefix>/status`.
  std::string prefix = "plantwin";
  /// At most one message per topic per period (wall clock); a value that changed in between
  /// goes out at the first call after the period, so the last value is always published.
  double period_s = 1;
  int qos = 0;
  bool retain = true;
  /// Listen on `<prefix>/command/forecast`: each message asks the twin for a forecast
  /// (MqttPublisher::take_forecast_requests()).
  bool commands = false;
};

/// Reads a publisher's map at key path `path`: the connection keys of a feed (host, port,
/// client_id, keepalive, username, password or password_env, tls, clean_session,
/// reconnect_min, reconnect_max; clean_session defaults to true here and client_id to
/// plantwin-publisher-<last segment of path>) and prefix, period, qos, retain. Errors go to
/// `diag` as in parse_mqtt_feed.
MqttPublisherConfig parse_mqtt_publisher(const Node& node, const std::string& path,
                                         Diagnostics& diag, const std::string& base_dir = ".");

/// Publishes a twin's signals as a Runner observer: each signal's value (a plain number,
/// 17 significant digits, `nan` for non-finite) retained on `<prefix>/<component>/<signal>`
/// when it changed, rate-limited per topic, and `<prefix>/status`: `running`, then `complete`
/// at the end of the run, and `offline` (the client's will) if the connection drops. After a
/// reconnect every value is published again. Publishing never blocks the run: while the broker
/// is away values are dropped, and the newest go out when it is back.
class MqttPublisher {
 public:
  /// Connects in the background (retrying with back-off).
  explicit MqttPublisher(MqttPublisherConfig config);
  /// Sends what is queued (for at most 2 s) and disconnects.
  ~MqttPublisher();
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  /// Publishes the Sim's signals as described above; call it on the run's thread.
  void publish(const Sim& sim, bool final);
  /// publish() as a Runner observer; the publisher must outlive the Runner's run.
  Runner::Observer observer() {
    return [this](const Sim& sim, bool final) { publish(sim, final); };
  }
  bool connected() const;
  /// The topic a signal is published on.
  std::string topic_for(std::string_view signal) const;
  /// Messages handed to the client library, and value changes held back by the rate limit.
  std::uint64_t published() const { return published_.load(); }
  std::uint64_t held_back() const { return held_back_.load(); }
  /// Waits (at most `timeout_s`) until every message handed over has been written out.
  bool flush(double timeout_s);
  /// Publishes `payload` on `<prefix>/<suffix>` (a forecast's figures, say); false when not
  /// connected. Safe from any thread.
  bool publish_raw(const std::string& suffix, const std::string& payload, int qos, bool retain);
  /// Forecast requests received on `<prefix>/command/forecast` since the last call.
  std::uint64_t take_forecast_requests() { return forecast_requests_.exchange(0); }

 private:
  struct Impl;
  MqttPublisherConfig config_;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> held_back_{0};
  std::atomic<std::uint64_t> forecast_requests_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace plantwin::io
