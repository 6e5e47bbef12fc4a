#pragma once
/// The live protocol: how `plantwin run FILE --serve PORT` shows a running simulation to
/// `plantwin-viewer --attach host:port`. The one place where its messages are written and read;
/// the server (plantwin::io) formats with it and the viewer parses with it. Text, one item per
/// line, fields separated by tabs (docs/live_protocol.md has the full description):
///
///     server, on connect:  PLANTWIN 1 / title T / component NAME\tTYPE\tX\tY\tCAPACITY ...
///                          / link FROM\tTO ... / signal NAME\tUNIT ... / end
///     client: poll         server: time T / status running|complete / values V1 V2 ...
///                                  / event T\tCOMPONENT\tKIND\tDETAIL ... / end
///     server, instead of the greeting when it is full:  error TEXT
///
/// A server that keeps the run's history says so in its greeting (`features history kpi`); a
/// client may then ask `history AFTER` instead of `poll`: the reply is a frame that also holds
/// the kept samples later than AFTER (`sample T V1 V2 ...`, oldest first, `more` when the reply
/// is full and there are others) and the current KPI table (`kpis N` and N `kpi C\tNAME\tV\tHW\tU`
/// lines). From its first `history` request on, the client's frames carry the KPI table
/// whenever it changed. A server without the feature ignores `history` (as any unknown line).
///
/// Numbers are written with 17 significant digits, so a finite double arrives bit for bit;
/// every non-finite value is written `nan`. Text fields (title, names, types, units, kinds,
/// details) escape `\` as `\\`, a tab as `\t`, a newline as `\n` and a carriage return as `\r`,
/// so any text arrives as it was sent; text free of those four characters is sent unchanged.
///
/// This library depends on nothing but fmt: it knows no Model and no socket.

#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace plantwin::io {

/// The first line of every greeting; a client refuses any other.
inline constexpr std::string_view kLiveVersionLine = "PLANTWIN 1";
/// What a client sends to get the next frame (a trailing "\r" is tolerated).
inline constexpr std::string_view kLivePollRequest = "poll\n";
/// The greeting's `features` word of a server that keeps the run's history and KPIs.
inline constexpr std::string_view kLiveHistoryFeature = "history";

/// The limits of the protocol. The server keeps within the first group; a client enforces the
/// second against a server and drops the connection when one is broken.
struct LiveLimits {
  // The server's defaults for what one client may cost it (LiveServerLimits may change them).
  static constexpr std::size_t kMaxClients = 16;         ///< more get "error ..." and a close
  static constexpr std::size_t kMaxRequestBytes = 1024;  ///< a longer request line: dropped
  static constexpr std::size_t kMaxPendingBytes = std::size_t{8} << 20;  ///< unread replies
  static constexpr double kStallTimeoutS = 5;  ///< queued output, no progress: dropped
  static constexpr double kIdleEvictS = 2;     ///< when full, a client silent this long goes
  static constexpr std::size_t kEventsPerReply = 4096;  ///< the rest follow in the next replies
  /// The event log a server keeps for clients that attach late: the newest this many (the
  /// oldest are forgotten a quarter at a time, so up to a quarter more may be held).
  static constexpr std::size_t kMaxEventsKept = 100'000;
  /// The history a server keeps: at most this many samples, and at most kMaxHistoryValues
  /// values in all (so a plant of 1 000 signals keeps 4 000 samples). When it is full, every
  /// second sample goes (the first, at the start of the run, stays) and from then on only every
  /// second publish is kept: the history always reaches back to the start, thinned evenly.
  static constexpr std::size_t kMaxHistorySamples = 10'000;
  static constexpr std::size_t kMaxHistoryValues = std::size_t{4} << 20;
  /// The samples of one `history` reply stop once they pass this many bytes (`more` follows).
  static constexpr std::size_t kHistoryReplyBytes = std::size_t{4} << 20;

  // What a client accepts from a server.
  static constexpr std::size_t kMaxLineBytes = std::size_t{4} << 20;  ///< ~150k signals' values
  static constexpr std::size_t kMaxHelloLines = 1'000'000;
  static constexpr std::size_t kMaxHelloBytes = std::size_t{64} << 20;
  static constexpr std::size_t kMaxReplyBytes = std::size_t{64} << 20;
  static constexpr std::size_t kMaxReplyEvents = 1'000'000;
  static constexpr double kHelloTimeoutS = 5;  ///< for the whole greeting
  static constexpr double kReplyTimeoutS = 2;  ///< for a whole reply
  /// An event's detail longer than this is cut (at a UTF-8 boundary) and marked " [cut]", so
  /// that every event line stays far below kMaxLineBytes.
  static constexpr std::size_t kMaxDetailBytes = 64 * 1024;
};

/// A component as the viewer draws it.
struct LiveComponent {
  std::string name, type;
  double x = std::numeric_limits<double>::quiet_NaN();  ///< scenario `position:`; NaN: none
  double y = std::numeric_limits<double>::quiet_NaN();
  double capacity = std::numeric_limits<double>::quiet_NaN();  ///< buffers, conveyors; else NaN
};

/// A material link between two components (indices into LivePlant::components).
struct LiveLink {
  int from = -1, to = -1;
};

struct LiveSignal {
  std::string name, unit;
};

/// The greeting's content: what stays fixed during a run.
struct LivePlant {
  std::string title;
  /// What the server offers beyond polling (kLiveHistoryFeature, "kpi"); sent as a `features`
  /// line before "end" when not empty.
  std::vector<std::string> features;
  std::vector<LiveComponent> components;
  std::vector<LiveLink> links;
  std::vector<LiveSignal> signals;
};

struct LiveEvent {
  double time = 0;
  std::string component, kind, detail;
};

/// One row of the KPI table (half_width NaN: no interval).
struct LiveKpi {
  std::string component, name, unit;
  double value = 0;
  double half_width = std::numeric_limits<double>::quiet_NaN();
};

/// A kept state of the past: the values of every signal at `time`.
struct LiveSample {
  double time = 0;
  std::vector<double> values;
};

/// One reply: the state at `time` and the events that are new to this client.
struct LiveFrame {
  double time = 0;
  bool complete = false;       ///< the run is over
  std::vector<double> values;  ///< one per signal, in the greeting's order
  std::vector<LiveEvent> events;
  std::vector<LiveSample> samples;  ///< history, oldest first (replies to `history` only)
  bool more = false;                ///< more history follows: ask again after the last sample
  bool has_kpis = false;            ///< the reply holds the whole KPI table (perhaps empty)
  std::vector<LiveKpi> kpis;
};

/// What a reply holds beyond the frame, for clients that asked for it.
struct LiveReplyExtras {
  std::span<const std::string> sample_lines;  ///< from format_sample_line()
  bool more = false;
  const std::string* kpi_block = nullptr;  ///< from format_kpi_block(); nullptr: none
};

// ---- Formatting (the server's side) ----

/// The whole greeting, from the version line to "end". Throws std::length_error when a client
/// could not take it: more than kMaxHelloLines lines or kMaxHelloBytes bytes, a line over
/// kMaxLineBytes, or so many signals that a values line could exceed kMaxLineBytes.
std::string format_hello(const LivePlant& plant);
/// The line a server sends instead of the greeting when it refuses a client.
std::string format_refusal(std::string_view reason);
/// One "event ..." line, newline included (the detail cut at kMaxDetailBytes).
std::string format_event_line(const LiveEvent& event);
/// Appends a reply: time, status and values, the given preformatted event lines (from
/// format_event_line), and "end".
void append_reply(std::string& out, double time, bool complete, std::span<const double> values,
                  std::span<const std::string> event_lines, const LiveReplyExtras& extras = {});
/// One "sample ..." line of history, newline included.
std::string format_sample_line(double time, std::span<const double> values);
/// The KPI table as a reply carries it: "kpis N" and N "kpi ..." lines.
std::string format_kpi_block(std::span<const LiveKpi> kpis);
/// The request for the history after `after` (-infinity: from the start), newline included.
std::string format_history_request(double after);
/// The time a `history [AFTER]` request asks after (-infinity when bare); nullopt when the line
/// is not one (or AFTER is not a number).
std::optional<double> parse_history_request(std::string_view line);
/// A whole reply for `frame`.
std::string format_reply(const LiveFrame& frame);
/// Whether a request line (without its newline) asks for a frame.
bool is_poll_request(std::string_view line);

/// A number as the protocol writes it: 17 significant digits, or "nan" when not finite.
std::string format_live_number(double v);
/// Text as the protocol writes it (see the escapes above).
std::string escape_live_text(std::string_view text);
/// The inverse of escape_live_text. A backslash before any other character (or at the end) is
/// kept as it is, so text from a server that did not escape still reads as it was sent.
std::string unescape_live_text(std::string_view text);

// ---- Parsing (the client's side) ----

/// A server broke the protocol in a way the connection cannot survive (a greeting that is not
/// one, a reply over a limit). what() says why, for the user, without the address.
class LiveProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads the greeting and then the replies, one line at a time (without the newline). Lines it
/// cannot use (an unknown key, a field missing or malformed, a number out of range, an unknown
/// component) are skipped and counted in rejected_lines(); only what no client can go on after
/// throws LiveProtocolError. The caller reads the lines and bounds their length (kMaxLineBytes)
/// and the time it waits; the parser counts lines, bytes and events against the other limits.
class LiveParser {
 public:
  /// Feeds a greeting line; returns true at its "end", when plant() is complete. Throws
  /// LiveProtocolError when the first line is not kLiveVersionLine (with the server's reason
  /// when it sent "error REASON"), or the greeting passes kMaxHelloLines or kMaxHelloBytes.
  bool hello_line(std::string_view line);
  /// Feeds a reply line; returns true at its "end", when frame() holds the reply. The next
  /// line starts a new frame: its time and status carry over from the last, its values and
  /// events start empty. Throws LiveProtocolError when a reply passes kMaxReplyBytes or
  /// kMaxReplyEvents, or when called before the greeting ended.
  bool reply_line(std::string_view line);

  const LivePlant& plant() const { return plant_; }
  bool hello_done() const { return hello_done_; }
  /// The reply being read (complete after reply_line returned true); callers may move its
  /// events out.
  LiveFrame& frame() { return frame_; }
  /// Whether the frame holds a valid values line (one number per signal).
  bool frame_has_values() const { return has_values_; }
  std::size_t rejected_lines() const { return rejected_; }

 private:
  bool parse_hello_item(std::string_view key, std::string_view rest);
  bool parse_reply_item(std::string_view key, std::string_view rest);

  LivePlant plant_;
  std::unordered_map<std::string, int> component_index_;
  bool version_seen_ = false, hello_done_ = false, in_reply_ = false, has_values_ = false;
  std::size_t hello_lines_ = 0, hello_bytes_ = 0, reply_bytes_ = 0, rejected_ = 0;
  LiveFrame frame_;
};

}  // namespace plantwin::io
