#pragma once
/// An OPC UA feed: plantwin's OPC UA bridge (`node bridge/opcua/bridge.js CONFIG`, see
/// docs/opcua_bridge.md) run as a child process. It subscribes to the plant's OPC UA nodes and
/// hands each value to the feed's sink, and, with `serve:`, exposes the twin's signals as an
/// OPC UA server fed from a Runner observer.
///
/// A scenario declares it under `feeds:` (docs/feeds.md, "OPC UA"):
///
///     feeds:
///       plc:
///         type: opcua
///         endpoint: opc.tcp://127.0.0.1:48400
///         nodes:
///           - {node: "ns=1;s=Press2.Temperature", target: press2.temperature,
///              sampling: 100 ms, min: -40, max: 300}
///           - {node: "ns=1;s=Press2.Speed", target: press2.speed, kind: set}
///         serve: {port: 4840, host: 127.0.0.1}   # optional: the twin as an OPC UA server
///         pki_dir: pki                           # optional: the bridge's certificates
///
/// The bridge is found as `PLANTWIN_OPCUA_BRIDGE` (a path to bridge.js) when that is set, else
/// `<dir of the executable>/../share/plantwin/opcua/bridge.js` (an installed plantwin), else
/// `bridge/opcua/bridge.js` of the source tree plantwin was built from (a build tree); Node.js
/// is `node` on PATH.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "plantwin/io/feed.h"
#include "plantwin/model.h"
#include "plantwin/runner.h"
#include "plantwin/scenario.h"
#include "plantwin/sim.h"

namespace plantwin::io {

/// One plant node and where its values go.
struct OpcuaNodeMapping {
  std::string node;    ///< OPC UA node id: "ns=1;s=Press2.Temperature", "ns=2;i=5", "i=2258"
  std::string target;  ///< signal (measure) or actuator (set); each target once per feed
  FeedSample::Kind kind = FeedSample::Kind::kMeasure;
  double sampling_ms = 100;                ///< requested sampling interval; 0: as fast as it can
  double min = -HUGE_VAL, max = HUGE_VAL;  ///< valid range; outside it: out_of_range
};

struct OpcuaFeedConfig {
  std::string name = "opcua";  ///< the feed's name, the origin of its samples
  std::string endpoint;        ///< the plant server, opc.tcp://HOST[:PORT][/PATH]
  std::vector<OpcuaNodeMapping> mappings;
  bool serve = false;  ///< expose the twin as an OPC UA server
  std::string serve_host = "127.0.0.1";
  int serve_port = 4840;  ///< 0: any free port (the bridge's `ready` line names it)
  std::string pki_dir;    ///< empty: the bridge's default ($XDG_CONFIG_HOME/plantwin/opcua-pki)
  /// Not a scenario key: the front end's --quiet. The feed's own lines on stderr (connected,
  /// lost and reconnecting, serving at) are left out; its warnings and errors are not.
  bool quiet = false;
};

/// Reads a feed's map (`feeds.NAME`, `type: opcua`) at key path `path`, as parse_mqtt_feed
/// does: every problem goes to `diag` with file:line:column, key path and did-you-mean hints;
/// the config is only meaningful when `diag` stayed empty. `pki_dir` resolves against
/// `base_dir`. With `model`, a `serve:` is also checked against the live protocol's limits (a
/// plant too large to describe is an error at `serve`). The feed's name is the last segment of
/// `path` ("opcua" when it is empty).
OpcuaFeedConfig parse_opcua_feed(const Node& node, const std::string& path, Diagnostics& diag,
                                 const std::string& base_dir, const Model* model = nullptr);

/// The bridge's CONFIG JSON (docs/opcua_bridge.md) for `config`.
std::string opcua_bridge_config_json(const OpcuaFeedConfig& config);

/// Where bridge.js is (see the file comment); throws std::runtime_error naming the places it
/// looked when there is none.
std::string find_opcua_bridge();

/// The feed: a bridge process, a thread that reads its stdout and, when serving, a thread that
/// writes the live protocol to its stdin.
///
/// - `value` lines become FeedSamples (source_time from the line); a value that is not finite
///   (the bridge sends `nan` for a Bad status) counts as malformed, one outside [min, max] as
///   out_of_range, one for a target the feed does not map as unknown, one older than the newest
///   for its target as late (still handed on). A line the feed cannot read (too long, an
///   unknown kind, a field missing or not a number) counts as received and malformed.
/// - `status` lines drive connected() and count reconnects; `warning` lines are printed to
///   stderr once each; an `error` line is printed, and the bridge ends (the run goes on
///   without it; error() keeps the text).
/// - Serving: the greeting goes out at start; observer() hands the Sim's values to the writer
///   thread, which writes at most one frame per 100 ms of wall time and, while the pipe is
///   full, keeps only the newest frame (the others are dropped, counted in frames_dropped()):
///   the Runner's thread never waits for the bridge.
/// - stop() sends the last frame with status `complete`, closes the bridge's stdin, waits up
///   to 5 s for it to exit, then SIGTERM and, 1 s later, SIGKILL; it reaps the process and
///   removes the CONFIG file. The bridge gets SIGTERM if plantwin dies first (and its stdin
///   closes then anyway), so no node process outlives plantwin.
class OpcuaFeed : public Feed {
 public:
  /// `model` gives the greeting when serving (it must outlive the feed).
  OpcuaFeed(OpcuaFeedConfig config, const Model& model);
  ~OpcuaFeed() override;
  OpcuaFeed(const OpcuaFeed&) = delete;
  OpcuaFeed& operator=(const OpcuaFeed&) = delete;

  const std::string& name() const override { return config_.name; }
  /// Writes the CONFIG file and starts the bridge. Throws std::runtime_error when there is no
  /// bridge or no node, or the process cannot be started. Call it from the thread that stays
  /// for the whole run (the child's parent-death signal is tied to it).
  void start(Sink sink) override;
  void stop() override;
  const FeedCounters& counters() const override { return counters_; }
  /// The plant connection is up (with no nodes: the bridge is ready).
  bool connected() const override { return connected_.load(); }

  /// A Runner observer that publishes the Sim's state to the bridge's server; a no-op when
  /// the feed does not serve. The feed must outlive the Runner's run.
  Runner::Observer observer();
  /// The twin's OPC UA endpoint once the bridge listens (`opc.tcp://HOST:PORT/plantwin`), else
  /// empty.
  std::string server_url() const;
  /// The bridge's `error` line, or how it ended when it ended on its own; empty while well.
  std::string error() const;
  std::uint64_t frames_sent() const { return frames_sent_.load(); }
  std::uint64_t frames_dropped() const { return frames_dropped_.load(); }
  const OpcuaFeedConfig& config() const { return config_; }

  /// What the reader thread does with one stdout line (without its newline); public for tests.
  void handle_line(std::string_view line);
  /// Sets the sink without starting the bridge, for handle_line() in tests.
  void set_sink(Sink sink) { sink_ = std::move(sink); }

 private:
  void read_loop();
  void write_loop();
  void publish(const Sim& sim, bool final);
  bool try_reap(bool wait);  // true when the process is gone (reaped now or before)
  void note_exit(int status);
  void close_stdin();

  OpcuaFeedConfig config_;
  std::string greeting_;  // the live protocol greeting, when serving
  std::vector<std::string> signal_names_;
  Sink sink_;
  FeedCounters counters_;
  std::atomic<bool> connected_{false}, ready_{false}, stopping_{false};
  std::atomic<bool> reader_quit_{false}, reader_done_{false};
  std::atomic<std::uint64_t> frames_sent_{0}, frames_dropped_{0};

  std::unordered_map<std::string, std::size_t> by_target_;
  std::vector<double> newest_time_;  // per mapping: the newest source time handed on
  bool ever_connected_ = false, lost_since_ = false;
  std::unordered_set<std::string> warned_;

  mutable std::mutex mutex_;  // guards pid_, error_, url_, config_file_ and the frame slot
  pid_t pid_ = -1;
  std::string error_, url_, config_file_;
  int stdin_fd_ = -1, stdout_fd_ = -1, stderr_fd_ = -1;
  std::string stderr_tail_;  // the bridge's last stderr bytes, for a report when it fails

  // The frame slot: the newest state the observer saw, taken by the writer thread.
  std::condition_variable wake_writer_;
  bool frame_pending_ = false, frame_complete_ = false, writer_stop_ = false, have_frame_ = false;
  double frame_time_ = 0;
  std::vector<double> frame_values_;
  std::chrono::steady_clock::time_point last_frame_{};

  std::thread reader_, writer_;
};

}  // namespace plantwin::io
