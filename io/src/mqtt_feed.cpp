#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "mqtt_client.h"
#include "mqtt_json.h"
#include "plantwin/io/mqtt.h"
#include "plantwin/params.h"

namespace plantwin::io {
namespace {

// ---------------------------------------------------------------------------------- topics

/// "" when `filter` is a valid MQTT topic filter, else why not.
std::string check_topic_filter(std::string_view filter) {
  if (filter.empty()) return "a topic must not be empty";
  if (filter.size() > 65535) return "a topic is at most 65535 bytes";
  if (filter.find('\0') != std::string_view::npos) return "a topic must not hold a NUL character";
  std::size_t start = 0;
  for (;;) {
    const auto slash = filter.find('/', start);
    const auto level =
        filter.substr(start, slash == std::string_view::npos ? filter.npos : slash - start);
    if (level.find('#') != std::string_view::npos) {
      if (level != "#" || slash != std::string_view::npos)
        return "'#' must be a whole level, and the last one";
    }
    if (level.find('+') != std::string_view::npos && level != "+")
      return "'+' must be a whole level (plant/+/temp)";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return "";
}

int count_plus(std::string_view filter) {
  int n = 0;
  std::size_t start = 0;
  for (;;) {
    const auto slash = filter.find('/', start);
    const auto level =
        filter.substr(start, slash == std::string_view::npos ? filter.npos : slash - start);
    if (level == "+") ++n;
    if (slash == std::string_view::npos) return n;
    start = slash + 1;
  }
}

/// Checks a target template against the number of `+` levels; "" when fine.
std::string check_target(std::string_view target, int plus) {
  if (target.empty()) return "a target must not be empty";
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == '}') return "'}' without '{' (write {1} for the level of the first '+')";
    if (target[i] != '{') continue;
    const auto close = target.find('}', i);
    if (close == std::string_view::npos) return "'{' without '}'";
    const auto digits = target.substr(i + 1, close - i - 1);
    int n = 0;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || n < 1)
      return fmt::format("\"{{{}}}\" is not a level number such as {{1}}", escape_control(digits));
    if (n > plus)
      return plus == 0
                 ? fmt::format("{{{}}} needs a '+' in the topic, which has none", n)
                 : fmt::format("{{{}}} refers to '+' number {}, but the topic has {}", n, n, plus);
    i = close;
  }
  return "";
}

// -------------------------------------------------------------------------------- payloads

std::string_view trim_ws(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

/// A short, printable quotation of a payload for error texts.
std::string quote_payload(std::string_view payload) {
  constexpr std::size_t kMax = 40;
  if (payload.size() <= kMax) return fmt::format("\"{}\"", escape_control(payload));
  return fmt::format("\"{}...\" ({} bytes)", escape_control(payload.substr(0, kMax)),
                     payload.size());
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/// ISO 8601 date and time with a zone: 2026-11-28T10:15:30.25Z, ...+01:00, ...-0530.
std::optional<double> parse_iso8601(std::string_view s) {
  std::size_t i = 0;
  auto num = [&](int width, int* out) {
    if (s.size() - i < static_cast<std::size_t>(width)) return false;
    int v = 0;
    for (int k = 0; k < width; ++k) {
      const char c = s[i + static_cast<std::size_t>(k)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += static_cast<std::size_t>(width);
    *out = v;
    return true;
  };
  auto lit = [&](char c) {
    if (i >= s.size() || s[i] != c) return false;
    ++i;
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!num(4, &year) || !lit('-') || !num(2, &month) || !lit('-') || !num(2, &day))
    return std::nullopt;
  if (i >= s.size() || (s[i] != 'T' && s[i] != 't' && s[i] != ' ')) return std::nullopt;
  ++i;
  if (!num(2, &hour) || !lit(':') || !num(2, &minute)) return std::nullopt;
  double fraction = 0;
  if (lit(':')) {
    if (!num(2, &second)) return std::nullopt;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      ++i;
      double scale = 0.1;
      const std::size_t first = i;
      for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10)
        fraction += (s[i] - '0') * scale;
      if (i == first) return std::nullopt;
    }
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0) || hour > 23 || minute > 59 ||
      second > 59)
    return std::nullopt;
  int zone_s = 0;
  if (lit('Z') || lit('z')) {
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int zh = 0, zm = 0;
    if (!num(2, &zh)) return std::nullopt;
    if (i < s.size()) {
      lit(':');
      if (!num(2, &zm)) return std::nullopt;
    }
    if (zh > 23 || zm > 59) return std::nullopt;
    zone_s = sign * (zh * 3600 + zm * 60);
  } else {
    return std::nullopt;  // no zone: refused rather than guessed
  }
  if (i != s.size()) return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - zone_s) + fraction;
}

MqttDecoded refuse(MqttDecoded::Status status, std::string reason) {
  MqttDecoded d;
  d.status = status;
  d.reason = std::move(reason);
  return d;
}

/// Builds the target from its template and the captured levels; "" when a level is empty.
std::string fill_target(std::string_view tmpl, const std::vector<std::string_view>& captures) {
  std::string out;
  out.reserve(tmpl.size() + 16);
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    // parse_mqtt_feed checked the template; a config built by hand may still be wrong.
    const auto close = tmpl.find('}', i);
    if (close == std::string_view::npos) return "";
    std::size_t n = 0;
    std::from_chars(tmpl.data() + i + 1, tmpl.data() + close, n);
    if (n < 1 || n > captures.size() || captures[n - 1].empty()) return "";
    out += captures[n - 1];
    i = close;
  }
  return out;
}

// ------------------------------------------------------------------------------ the config

MqttMapping::TimeFormat time_format_of(const std::string& word) {
  if (word == "unix_s") return MqttMapping::TimeFormat::kUnixSeconds;
  if (word == "unix_ms") return MqttMapping::TimeFormat::kUnixMillis;
  if (word == "iso8601") return MqttMapping::TimeFormat::kIso8601;
  return MqttMapping::TimeFormat::kAuto;
}

std::string resolve(const std::string& base_dir, const std::string& file) {
  if (file.empty() || std::filesystem::path(file).is_absolute()) return file;
  return (std::filesystem::path(base_dir) / file).string();
}

void read_tls(ParamReader& r, MqttTls& tls) {
  const Node* n = r.raw("tls");
  if (!n) return;
  if (!n->is_map()) {
    r.error("tls",
            fmt::format("expected a map such as {{ca_file: ca.pem}}, got {}", n->kind_phrase()));
    return;
  }
  ParamReader t(*n, r.key_path("tls"), r.diagnostics(), r.base_dir());
  tls.enabled = true;
  tls.ca_file = resolve(r.base_dir(), t.text("ca_file", std::nullopt));
  tls.cert_file = resolve(r.base_dir(), t.text("cert_file", ""));
  tls.key_file = resolve(r.base_dir(), t.text("key_file", ""));
  tls.insecure = t.boolean("insecure", false);
  for (const auto& [key, file] : {std::pair<std::string, std::string>{"ca_file", tls.ca_file},
                                  {"cert_file", tls.cert_file},
                                  {"key_file", tls.key_file}}) {
    std::error_code ec;
    if (!file.empty() && t.has(key) && !std::filesystem::is_regular_file(file, ec))
      t.error(key, fmt::format("no such file: {}", escape_control(file)));
  }
  if (tls.cert_file.empty() != tls.key_file.empty())
    t.error(tls.cert_file.empty() ? "key_file" : "cert_file",
            "cert_file and key_file go together (a client certificate and its key)");
  t.finish();
}

/// The connection keys, shared with a publisher's map.
void read_connection(ParamReader& r, MqttConnection& c, const std::string& default_client_id) {
  c.host = r.text("host", "127.0.0.1");
  if (c.host.empty()) r.error("host", "must not be empty");
  c.port = static_cast<int>(r.integer("port", 1883, 1, 65535));
  c.client_id = r.text("client_id", default_client_id);
  if (c.client_id.empty() || c.client_id.size() > 65535)
    r.error("client_id", "must be between 1 and 65535 bytes");
  c.keepalive_s = static_cast<int>(std::lround(r.duration("keepalive", 30.0, 5)));
  c.username = r.text("username", "");
  c.password = r.text("password", "");
  if (r.has("password_env")) {
    const std::string var = r.text("password_env", "");
    if (r.has("password")) {
      r.error("password_env", "give password or password_env, not both");
    } else if (const char* v = std::getenv(var.c_str())) {
      c.password = v;
    } else {
      r.error("password_env",
              fmt::format("the environment variable {} is not set", escape_control(var)));
    }
  }
  if (!c.password.empty() && c.username.empty())
    r.error(r.has("password") ? "password" : "password_env", "a password needs a username");
  read_tls(r, c.tls);
  c.clean_session = r.boolean("clean_session", false);
  c.reconnect_min_s = r.quantity("reconnect_min", Dimension::kTime, 1.0, 0, HUGE_VAL, true);
  c.reconnect_max_s = r.quantity("reconnect_max", Dimension::kTime, 30.0, 0, HUGE_VAL, true);
  if (c.reconnect_max_s < c.reconnect_min_s)
    r.error(r.has("reconnect_max") ? "reconnect_max" : "reconnect_min",
            fmt::format("reconnect_max ({} s) must not be less than reconnect_min ({} s)",
                        c.reconnect_max_s, c.reconnect_min_s));
}

void read_mapping(const Node& n, const std::string& path, int default_qos, Diagnostics& diag,
                  std::vector<MqttMapping>& out) {
  if (!n.is_map()) {
    diag.error(n.location, path,
               fmt::format("expected a map such as {{topic: \"plant/+/temp\", target: "
                           "\"{{1}}.temperature\"}}, got {}",
                           n.kind_phrase()));
    return;
  }
  ParamReader r(n, path, diag);
  MqttMapping m;
  m.topic = r.text("topic", std::nullopt);
  if (r.has("topic")) {
    if (const auto why = check_topic_filter(m.topic); !why.empty())
      r.error("topic", fmt::format("{}, got \"{}\"", why, escape_control(m.topic)));
  }
  m.target = r.text("target", std::nullopt);
  if (r.has("target")) {
    if (const auto why = check_target(m.target, count_plus(m.topic)); !why.empty())
      r.error("target", why);
  }
  m.kind = r.choice("kind", {"measure", "set"}, "measure") == "set" ? FeedSample::Kind::kSet
                                                                    : FeedSample::Kind::kMeasure;
  m.payload = r.choice("payload", {"number", "json"}, "number") == "json"
                  ? MqttMapping::Payload::kJson
                  : MqttMapping::Payload::kNumber;
  if (const Node* f = r.raw("fields")) {
    if (m.payload != MqttMapping::Payload::kJson) {
      r.error("fields", "only for payload: json");
    } else if (!f->is_map()) {
      r.error("fields", fmt::format("expected a map such as {{value: v, time: ts}}, got {}",
                                    f->kind_phrase()));
    } else {
      ParamReader fr(*f, r.key_path("fields"), diag);
      m.value_field = fr.text("value", "value");
      m.time_field = fr.text("time", "");
      if (m.value_field.empty()) fr.error("value", "must not be empty");
      fr.finish();
    }
  }
  if (r.has("time_format") && m.time_field.empty())
    r.error("time_format", "only with a time field (fields: {time: ...})");
  m.time_format =
      time_format_of(r.choice("time_format", {"auto", "unix_s", "unix_ms", "iso8601"}, "auto"));
  m.scale = r.real("scale", 1.0);
  m.offset = r.real("offset", 0.0);
  m.min = r.optional_quantity("min", Dimension::kDimensionless);
  m.max = r.optional_quantity("max", Dimension::kDimensionless);
  if (m.min && m.max && *m.min > *m.max)
    r.error("max", fmt::format("max ({}) must not be less than min ({})", *m.max, *m.min));
  m.qos = static_cast<int>(r.integer("qos", default_qos, 0, 1));
  r.finish();
  out.push_back(std::move(m));
}

void read_subscription(const Node& n, const std::string& path, int default_qos, Diagnostics& diag,
                       std::vector<MqttSubscription>& out) {
  MqttSubscription s;
  s.qos = default_qos;
  const Node* topic_node = &n;
  if (n.is_map()) {
    ParamReader r(n, path, diag);
    s.topic = r.text("topic", std::nullopt);
    topic_node = r.raw("topic");
    s.qos = static_cast<int>(r.integer("qos", default_qos, 0, 1));
    r.finish();
    if (!topic_node) return;
  } else if (n.is_scalar()) {
    s.topic = n.scalar;
  } else {
    diag.error(
        n.location, path,
        fmt::format("expected a topic filter or {{topic: ..., qos: 1}}, got {}", n.kind_phrase()));
    return;
  }
  if (const auto why = check_topic_filter(s.topic); !why.empty()) {
    diag.error(topic_node->location, n.is_map() ? path + ".topic" : path,
               fmt::format("{}, got \"{}\"", why, escape_control(s.topic)));
    return;
  }
  out.push_back(std::move(s));
}

}  // namespace

// ------------------------------------------------------------------------------- public API

bool mqtt_topic_matches(std::string_view filter, std::string_view topic,
                        std::vector<std::string_view>* captures) {
  if (captures) captures->clear();
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#'))
    return false;
  std::size_t f = 0, t = 0;
  for (;;) {
    const auto fs = filter.find('/', f);
    const auto flevel = filter.substr(f, fs == std::string_view::npos ? filter.npos : fs - f);
    if (flevel == "#") return true;  // matches the parent level too: a/# matches a
    if (t > topic.size()) return false;
    const auto ts = topic.find('/', t);
    const auto tlevel = topic.substr(t, ts == std::string_view::npos ? topic.npos : ts - t);
    if (flevel == "+") {
      if (captures) captures->push_back(tlevel);
    } else if (flevel != tlevel) {
      return false;
    }
    const bool f_end = fs == std::string_view::npos;
    const bool t_end = ts == std::string_view::npos;
    if (f_end && t_end) return true;
    if (t_end) {
      // The topic ended; only a trailing "/#" still matches.
      return filter.substr(fs + 1) == "#";
    }
    if (f_end) return false;
    f = fs + 1;
    t = ts + 1;
  }
}

MqttDecoded decode_mqtt_message(const MqttFeedConfig& config, std::string_view topic,
                                std::string_view payload, double arrival_time) {
  using Status = MqttDecoded::Status;
  std::vector<std::string_view> captures;
  const MqttMapping* m = nullptr;
  for (const auto& candidate : config.mappings) {
    if (mqtt_topic_matches(candidate.topic, topic, &captures)) {
      m = &candidate;
      break;
    }
  }
  // Formatted only for a refusal: an accepted message costs no text.
  const auto where = [&] {
    return fmt::format("topic \"{}\"", escape_control(topic.substr(0, 256)));
  };
  if (!m) return refuse(Status::kUnknown, fmt::format("{}: no mapping matches it", where()));
  std::string target = fill_target(m->target, captures);
  if (target.empty())
    return refuse(
        Status::kUnknown,
        fmt::format("{}: a level matched by '+' is empty, so it names no target", where()));
  if (payload.size() > config.max_payload)
    return refuse(Status::kMalformed,
                  fmt::format("{}: payload of {} bytes is larger than the limit of {} bytes",
                              where(), payload.size(), config.max_payload));

  double raw = 0;
  double source_time = arrival_time;
  if (m->payload == MqttMapping::Payload::kNumber) {
    const auto text = trim_ws(payload);
    if (text == "true" || text == "false") {
      raw = text == "true" ? 1 : 0;
    } else {
      const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), raw);
      if (text.empty() || ec != std::errc() || p != text.data() + text.size())
        return refuse(Status::kMalformed, fmt::format("{}: payload {} is not a number", where(),
                                                      quote_payload(payload)));
      if (!std::isfinite(raw))
        return refuse(Status::kMalformed, fmt::format("{}: payload {} is not a finite number",
                                                      where(), quote_payload(payload)));
    }
  } else {
    std::string why;
    const auto doc = detail::parse_json(payload, kMqttJsonMaxDepth, kMqttJsonMaxValues, &why);
    if (!doc)
      return refuse(Status::kMalformed, fmt::format("{}: payload {} is not JSON: {}", where(),
                                                    quote_payload(payload), why));
    if (doc->type != detail::JsonValue::Type::kObject)
      return refuse(Status::kMalformed, fmt::format("{}: JSON payload is {}, expected an object",
                                                    where(), doc->type_phrase()));
    const detail::JsonValue* v = doc->find_path(m->value_field);
    if (!v)
      return refuse(Status::kMalformed, fmt::format("{}: JSON payload has no field \"{}\"", where(),
                                                    escape_control(m->value_field)));
    if (v->type == detail::JsonValue::Type::kBool) {
      raw = v->boolean ? 1 : 0;
    } else if (v->type == detail::JsonValue::Type::kNumber) {
      raw = v->number;
    } else {
      return refuse(Status::kMalformed,
                    fmt::format("{}: field \"{}\" is {}, expected a number", where(),
                                escape_control(m->value_field), v->type_phrase()));
    }
    if (!m->time_field.empty()) {
      const detail::JsonValue* t = doc->find_path(m->time_field);
      const std::string field = escape_control(m->time_field);
      if (!t)
        return refuse(Status::kMalformed,
                      fmt::format("{}: JSON payload has no field \"{}\"", where(), field));
      using TF = MqttMapping::TimeFormat;
      std::optional<double> time;
      if (t->type == detail::JsonValue::Type::kNumber && m->time_format != TF::kIso8601) {
        time = m->time_format == TF::kUnixMillis ? t->number / 1000 : t->number;
      } else if (t->type == detail::JsonValue::Type::kString &&
                 (m->time_format == TF::kAuto || m->time_format == TF::kIso8601)) {
        time = parse_iso8601(t->text);
        if (!time)
          return refuse(Status::kMalformed,
                        fmt::format("{}: field \"{}\" is not an ISO 8601 time with a zone "
                                    "(2026-11-28T10:15:30Z): {}",
                                    where(), field, quote_payload(t->text)));
      } else {
        return refuse(
            Status::kMalformed,
            fmt::format("{}: field \"{}\" is {}, expected {}", where(), field, t->type_phrase(),
                        m->time_format == TF::kIso8601 ? "an ISO 8601 text"
                        : m->time_format == TF::kAuto  ? "Unix seconds or ISO 8601 text"
                                                       : "a number (Unix time)"));
      }
      if (!std::isfinite(*time))
        return refuse(Status::kMalformed,
                      fmt::format("{}: field \"{}\" is not a finite time", where(), field));
      source_time = *time;
    }
  }
  const double value = raw * m->scale + m->offset;
  if (!std::isfinite(value))
    return refuse(Status::kOutOfRange, fmt::format("{}: value {} * {} + {} is not finite", where(),
                                                   raw, m->scale, m->offset));
  if ((m->min && value < *m->min) || (m->max && value > *m->max))
    return refuse(Status::kOutOfRange,
                  fmt::format("{}: value {} is outside [{}, {}]", where(), value,
                              m->min ? fmt::format("{}", *m->min) : "-inf",
                              m->max ? fmt::format("{}", *m->max) : "inf"));
  MqttDecoded d;
  d.status = Status::kOk;
  d.sample.target = std::move(target);
  d.sample.value = value;
  d.sample.source_time = source_time;
  d.sample.arrival_time = arrival_time;
  d.sample.kind = m->kind;
  d.sample.feed = config.name;
  return d;
}

MqttFeedConfig parse_mqtt_feed(const Node& node, const std::string& path, Diagnostics& diag,
                               const std::string& base_dir) {
  MqttFeedConfig c;
  const auto dot = path.rfind('.');
  c.name = dot == std::string::npos ? path : path.substr(dot + 1);
  if (!node.is_map()) {
    diag.error(node.location, path,
               fmt::format("expected a map of MQTT settings (host, port, topics ...), got {}",
                           node.kind_phrase()));
    return c;
  }
  ParamReader r(node, path, diag, base_dir);
  if (const std::string type = r.text("type", "mqtt"); type != "mqtt")
    r.error("type", fmt::format("expected \"mqtt\", got \"{}\"", escape_control(type)));
  read_connection(r, c.connection, "plantwin-" + c.name);
  const int qos = static_cast<int>(r.integer("qos", 0, 0, 1));
  c.max_payload = static_cast<std::size_t>(
      r.integer("max_payload", static_cast<long long>(kMqttDefaultMaxPayload), 1,
                static_cast<long long>(kMqttMaxPayloadLimit)));
  if (const Node* s = r.raw("subscribe")) {
    if (!s->is_seq()) {
      r.error("subscribe",
              fmt::format("expected a list of topic filters, got {}", s->kind_phrase()));
    } else {
      for (std::size_t i = 0; i < s->items.size(); ++i)
        read_subscription(s->items[i], fmt::format("{}[{}]", r.key_path("subscribe"), i), qos, diag,
                          c.subscriptions);
    }
  }
  const Node* topics = r.raw("topics");
  if (!topics) {
    r.error("topics", "is required (a list of {topic: ..., target: ...} mappings)");
  } else if (!topics->is_seq() || topics->items.empty()) {
    r.error("topics", fmt::format("expected a non-empty list of {{topic: ..., target: ...}} "
                                  "mappings, got {}",
                                  topics->is_seq() ? "an empty list" : topics->kind_phrase()));
  } else {
    for (std::size_t i = 0; i < topics->items.size(); ++i)
      read_mapping(topics->items[i], fmt::format("{}[{}]", r.key_path("topics"), i), qos, diag,
                   c.mappings);
  }
  r.finish();
  return c;
}

MqttPublisherConfig parse_mqtt_publisher(const Node& node, const std::string& path,
                                         Diagnostics& diag, const std::string& base_dir) {
  MqttPublisherConfig c;
  const auto dot = path.rfind('.');
  const std::string name = dot == std::string::npos ? path : path.substr(dot + 1);
  if (!node.is_map()) {
    diag.error(node.location, path,
               fmt::format("expected a map of MQTT settings (host, port, prefix ...), got {}",
                           node.kind_phrase()));
    return c;
  }
  ParamReader r(node, path, diag, base_dir);
  if (const std::string type = r.text("type", "mqtt"); type != "mqtt")
    r.error("type", fmt::format("expected \"mqtt\", got \"{}\"", escape_control(type)));
  read_connection(r, c.connection, "plantwin-publisher-" + name);
  if (!r.has("clean_session")) c.connection.clean_session = true;
  c.prefix = r.text("prefix", "plantwin");
  if (const auto why = check_topic_filter(c.prefix + "/x");
      !why.empty() || c.prefix.find_first_of("+#") != std::string::npos)
    r.error("prefix",
            fmt::format("must be a topic without wildcards, got \"{}\"", escape_control(c.prefix)));
  c.period_s = r.duration("period", 1.0, 0);
  c.qos = static_cast<int>(r.integer("qos", 0, 0, 1));
  c.retain = r.boolean("retain", true);
  c.commands = r.boolean("commands", false);
  r.finish();
  return c;
}

// -------------------------------------------------------------------------------- the feed

struct MqttFeed::Impl {
  std::unique_ptr<detail::MqttClient> client;
  Sink sink;
  mutable std::mutex mutex;  // guards rejection
  std::string rejection;
  std::unordered_map<std::string, double> newest;  // loop thread only: per target
  std::atomic<std::size_t> acks{0};                // subscriptions acknowledged on this connection
};

MqttFeed::MqttFeed(MqttFeedConfig config)
    : config_(std::move(config)), impl_(std::make_unique<Impl>()) {
  if (config_.subscriptions.empty())
    for (const auto& m : config_.mappings) config_.subscriptions.push_back({m.topic, m.qos});
}

MqttFeed::~MqttFeed() {
  stop();
}

bool MqttFeed::connected() const {
  return impl_->client && impl_->client->connected();
}

bool MqttFeed::subscribed() const {
  return connected() && impl_->acks.load() >= config_.subscriptions.size();
}

std::string MqttFeed::last_rejection() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->rejection;
}

std::string MqttFeed::last_connection_error() const {
  return impl_->client ? impl_->client->last_error() : "";
}

void MqttFeed::start(Sink sink) {
  if (impl_->client) throw std::runtime_error(fmt::format("feed {}: already started", name()));
  impl_->sink = std::move(sink);
  detail::MqttClient::Callbacks cb;
  cb.on_connect = [this](bool again) {
    if (again) counters_.reconnects.fetch_add(1);
    impl_->acks = 0;
    for (const auto& s : config_.subscriptions) impl_->client->subscribe(s.topic, s.qos);
  };
  cb.on_message = [this](const char* topic, const void* payload, int length) {
    counters_.received.fetch_add(1, std::memory_order_relaxed);
    const double arrival =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    MqttDecoded d = decode_mqtt_message(
        config_, topic ? std::string_view(topic) : std::string_view(),
        std::string_view(static_cast<const char*>(payload), static_cast<std::size_t>(length)),
        arrival);
    switch (d.status) {
      case MqttDecoded::Status::kOk: {
        // Bounded: topics with '+' levels could otherwise name targets without end.
        constexpr std::size_t kMaxTracked = 65536;
        auto it = impl_->newest.find(d.sample.target);
        if (it == impl_->newest.end()) {
          if (impl_->newest.size() < kMaxTracked)
            impl_->newest.emplace(d.sample.target, d.sample.source_time);
        } else {
          if (d.sample.source_time < it->second)
            counters_.late.fetch_add(1, std::memory_order_relaxed);
          else
            it->second = d.sample.source_time;
        }
        try {
          impl_->sink(std::move(d.sample));
        } catch (const std::exception& e) {
          // An exception must not unwind through libmosquitto (C): the value is lost, and said.
          std::lock_guard lock(impl_->mutex);
          impl_->rejection = fmt::format("topic \"{}\": the sink refused the value: {}",
                                         escape_control(topic ? topic : ""), e.what());
          return;
        }
        counters_.applied.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      case MqttDecoded::Status::kUnknown:
        counters_.unknown.fetch_add(1, std::memory_order_relaxed);
        break;
      case MqttDecoded::Status::kMalformed:
        counters_.malformed.fetch_add(1, std::memory_order_relaxed);
        break;
      case MqttDecoded::Status::kOutOfRange:
        counters_.out_of_range.fetch_add(1, std::memory_order_relaxed);
        break;
    }
    std::lock_guard lock(impl_->mutex);
    impl_->rejection = std::move(d.reason);
  };
  cb.on_subscribed = [this] { impl_->acks.fetch_add(1); };
  impl_->client = std::make_unique<detail::MqttClient>(config_.connection, std::move(cb));
  impl_->client->start();
}

void MqttFeed::stop() {
  if (!impl_->client) return;
  impl_->client->stop();
  impl_->client.reset();
}

}  // namespace plantwin::io
