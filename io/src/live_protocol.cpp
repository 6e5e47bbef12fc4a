#include "plantwin/io/live_protocol.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

namespace plantwin::io {
namespace {

constexpr std::string_view kEnd = "end";

/// The fields of `s` between tabs (at least one, perhaps empty).
std::vector<std::string_view> split_tabs(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto tab = s.find('\t');
    out.push_back(s.substr(0, tab));
    if (tab == std::string_view::npos) break;
    s.remove_prefix(tab + 1);
  }
  return out;
}

/// A whole token as a number: "nan" (where allowed) or a finite value; nothing else.
std::optional<double> parse_number(std::string_view s, bool nan_allowed) {
  if (s == "nan") return nan_allowed ? std::optional<double>(std::nan("")) : std::nullopt;
  if (s.empty() || s.size() > 64) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

/// The words of `s` between runs of spaces.
std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto next = std::min(s.find(' ', pos), s.size());
    if (next > pos) out.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

/// One number per signal, separated by spaces; nullopt when a token is no number or the count
/// differs from `count`.
std::optional<std::vector<double>> parse_values(std::string_view rest, std::size_t count) {
  std::vector<double> values;
  values.reserve(count);
  std::size_t pos = 0;
  while (pos < rest.size()) {
    const auto next = std::min(rest.find(' ', pos), rest.size());
    if (next > pos) {  // runs of spaces are one separator
      const auto v = parse_number(rest.substr(pos, next - pos), true);
      if (!v || values.size() >= count) return std::nullopt;
      values.push_back(*v);
    }
    pos = next + 1;
  }
  if (values.size() != count) return std::nullopt;
  return values;
}

/// Splits "key rest" at the first space.
std::pair<std::string_view, std::string_view> split_key(std::string_view line) {
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos) return {line, {}};
  return {line.substr(0, sp), line.substr(sp + 1)};
}

std::string cut_detail(const std::string& detail) {
  if (detail.size() <= LiveLimits::kMaxDetailBytes) return detail;
  std::size_t n = LiveLimits::kMaxDetailBytes;
  while (n > 0 && (static_cast<unsigned char>(detail[n]) & 0xC0) == 0x80) --n;
  return detail.substr(0, n) + " [cut]";
}

}  // namespace

std::string format_live_number(double v) {
  return std::isfinite(v) ? fmt::format("{:.17g}", v) : std::string("nan");
}

std::string escape_live_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string unescape_live_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '\\' && (next == '\\' || next == 't' || next == 'n' || next == 'r')) {
      out += next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : '\\';
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_hello(const LivePlant& plant) {
  // The longest number is 24 characters ("-2.2250738585072014e-308"), plus its space.
  const std::size_t values_line_max = 7 + 25 * plant.signals.size();
  if (values_line_max > LiveLimits::kMaxLineBytes)
    throw std::length_error(
        fmt::format("the plant has {} signals, too many to serve live (at most {})",
                    plant.signals.size(), (LiveLimits::kMaxLineBytes - 7) / 25));
  std::string h = fmt::format("{}\ntitle {}\n", kLiveVersionLine, escape_live_text(plant.title));
  for (const auto& c : plant.components)
    h += fmt::format("component {}\t{}\t{}\t{}\t{}\n", escape_live_text(c.name),
                     escape_live_text(c.type), format_live_number(c.x), format_live_number(c.y),
                     format_live_number(c.capacity));
  auto name = [&](int i) -> std::string {
    if (i < 0 || static_cast<std::size_t>(i) >= plant.components.size())
      throw std::out_of_range(
          fmt::format("a live link names component {} of {}", i, plant.components.size()));
    return escape_live_text(plant.components[static_cast<std::size_t>(i)].name);
  };
  for (const auto& l : plant.links) h += fmt::format("link {}\t{}\n", name(l.from), name(l.to));
  for (const auto& s : plant.signals)
    h += fmt::format("signal {}\t{}\n", escape_live_text(s.name), escape_live_text(s.unit));
  if (!plant.features.empty()) {
    h += "features";
    for (const auto& f : plant.features) h += ' ' + escape_live_text(f);
    h += '\n';
  }
  h += "end\n";
  const std::size_t lines = 4 + plant.components.size() + plant.links.size() +
                            plant.signals.size() + (plant.features.empty() ? 0 : 1);
  std::size_t longest = 0;
  for (std::size_t start = 0; start < h.size();) {
    const auto nl = h.find('\n', start);
    longest = std::max(longest, nl - start);
    start = nl + 1;
  }
  if (lines > LiveLimits::kMaxHelloLines || h.size() > LiveLimits::kMaxHelloBytes ||
      longest > LiveLimits::kMaxLineBytes)
    throw std::length_error(fmt::format(
        "the plant's description is too large to serve live ({} lines, {} bytes; a viewer takes "
        "at most {} lines, {} bytes, {} bytes a line)",
        lines, h.size(), LiveLimits::kMaxHelloLines, LiveLimits::kMaxHelloBytes,
        LiveLimits::kMaxLineBytes));
  return h;
}

std::string format_refusal(std::string_view reason) {
  return fmt::format("error {}\n", escape_live_text(reason));
}

std::string format_event_line(const LiveEvent& e) {
  return fmt::format("event {}\t{}\t{}\t{}\n", format_live_number(e.time),
                     escape_live_text(e.component), escape_live_text(e.kind),
                     escape_live_text(cut_detail(e.detail)));
}

void append_reply(std::string& out, double time, bool complete, std::span<const double> values,
                  std::span<const std::string> event_lines, const LiveReplyExtras& extras) {
  out += "time ";
  out += format_live_number(time);
  out += complete ? "\nstatus complete\nvalues" : "\nstatus running\nvalues";
  for (const double v : values) {
    out += ' ';
    out += format_live_number(v);
  }
  out += '\n';
  for (const auto& e : event_lines) out += e;
  for (const auto& l : extras.sample_lines) out += l;
  if (extras.more) out += "more\n";
  if (extras.kpi_block) out += *extras.kpi_block;
  out += "end\n";
}

std::string format_sample_line(double time, std::span<const double> values) {
  std::string out = "sample ";
  out.reserve(8 + 25 * (values.size() + 1));
  out += format_live_number(time);
  for (const double v : values) {
    out += ' ';
    out += format_live_number(v);
  }
  out += '\n';
  return out;
}

std::string format_kpi_block(std::span<const LiveKpi> kpis) {
  std::string out = fmt::format("kpis {}\n", kpis.size());
  for (const auto& k : kpis)
    out += fmt::format("kpi {}\t{}\t{}\t{}\t{}\n", escape_live_text(k.component),
                       escape_live_text(k.name), format_live_number(k.value),
                       format_live_number(k.half_width), escape_live_text(k.unit));
  return out;
}

std::string format_history_request(double after) {
  return std::isfinite(after) ? fmt::format("history {}\n", format_live_number(after))
                              : std::string("history\n");
}

std::optional<double> parse_history_request(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line == "history") return -HUGE_VAL;
  if (line.rfind("history ", 0) != 0) return std::nullopt;
  return parse_number(line.substr(8), false);
}

std::string format_reply(const LiveFrame& frame) {
  std::vector<std::string> lines;
  lines.reserve(frame.events.size());
  for (const auto& e : frame.events) lines.push_back(format_event_line(e));
  std::string out;
  append_reply(out, frame.time, frame.complete, frame.values, lines);
  return out;
}

bool is_poll_request(std::string_view line) {
  return line == "poll" || line == "poll\r";
}

bool LiveParser::hello_line(std::string_view line) {
  if (hello_done_) throw LiveProtocolError("a greeting line after the greeting");
  if (!version_seen_) {
    if (line.rfind("error ", 0) == 0) throw LiveProtocolError(unescape_live_text(line.substr(6)));
    if (line != kLiveVersionLine) throw LiveProtocolError("not a plantwin simulation");
    version_seen_ = true;
    return false;
  }
  hello_bytes_ += line.size() + 1;
  if (line == kEnd) {
    hello_done_ = true;
    return true;
  }
  if (++hello_lines_ > LiveLimits::kMaxHelloLines)
    throw LiveProtocolError(fmt::format("the simulation's greeting has more than {} lines",
                                        LiveLimits::kMaxHelloLines));
  if (hello_bytes_ > LiveLimits::kMaxHelloBytes)
    throw LiveProtocolError(fmt::format("the simulation's greeting is longer than {} MiB",
                                        LiveLimits::kMaxHelloBytes >> 20));
  const auto [key, rest] = split_key(line);
  if (!parse_hello_item(key, rest)) ++rejected_;
  return false;
}

bool LiveParser::parse_hello_item(std::string_view key, std::string_view rest) {
  if (key == "title") {
    plant_.title = unescape_live_text(rest);
    return true;
  }
  const auto f = split_tabs(rest);
  if (key == "component") {
    if (f.size() != 5 || f[0].empty() || f[1].empty()) return false;
    const auto x = parse_number(f[2], true), y = parse_number(f[3], true),
               cap = parse_number(f[4], true);
    if (!x || !y || !cap) return false;
    std::string name = unescape_live_text(f[0]);
    const int index = static_cast<int>(plant_.components.size());
    if (!component_index_.emplace(name, index).second) return false;  // a name taken
    plant_.components.push_back({std::move(name), unescape_live_text(f[1]), *x, *y, *cap});
    return true;
  }
  if (key == "link") {
    if (f.size() != 2) return false;
    const auto a = component_index_.find(unescape_live_text(f[0]));
    const auto b = component_index_.find(unescape_live_text(f[1]));
    if (a == component_index_.end() || b == component_index_.end()) return false;
    plant_.links.push_back({a->second, b->second});
    return true;
  }
  if (key == "signal") {
    if (f.size() != 2 || f[0].empty()) return false;
    plant_.signals.push_back({unescape_live_text(f[0]), unescape_live_text(f[1])});
    return true;
  }
  if (key == "features") {
    plant_.features.clear();
    for (const auto word : split_spaces(rest)) plant_.features.push_back(unescape_live_text(word));
    return true;
  }
  return false;
}

bool LiveParser::reply_line(std::string_view line) {
  if (!hello_done_) throw LiveProtocolError("a reply before the greeting ended");
  if (!in_reply_) {
    in_reply_ = true;
    reply_bytes_ = 0;
    has_values_ = false;
    frame_.values.clear();
    frame_.events.clear();
    frame_.samples.clear();
    frame_.more = false;
    frame_.has_kpis = false;
    frame_.kpis.clear();
  }
  reply_bytes_ += line.size() + 1;
  if (reply_bytes_ > LiveLimits::kMaxReplyBytes)
    throw LiveProtocolError(fmt::format("the simulation sent a reply of more than {} MiB",
                                        LiveLimits::kMaxReplyBytes >> 20));
  if (line == kEnd) {
    in_reply_ = false;
    return true;
  }
  const auto [key, rest] = split_key(line);
  if (!parse_reply_item(key, rest)) ++rejected_;
  return false;
}

bool LiveParser::parse_reply_item(std::string_view key, std::string_view rest) {
  if (key == "time") {
    const auto t = parse_number(rest, false);
    if (t) frame_.time = *t;
    return t.has_value();
  }
  if (key == "status") {
    if (rest != "running" && rest != "complete") return false;
    frame_.complete = rest == "complete";
    return true;
  }
  if (key == "values") {
    auto values = parse_values(rest, plant_.signals.size());
    if (!values) return false;
    frame_.values = std::move(*values);
    has_values_ = true;
    return true;
  }
  if (key == "sample") {
    const auto sp = rest.find(' ');
    const auto t = parse_number(rest.substr(0, sp), false);
    if (!t) return false;
    auto values =
        parse_values(sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1),
                     plant_.signals.size());
    if (!values) return false;
    // History comes oldest first: a sample out of order is malformed.
    if (!frame_.samples.empty() && *t <= frame_.samples.back().time) return false;
    frame_.samples.push_back({*t, std::move(*values)});
    return true;
  }
  if (key == "more") {
    if (!rest.empty()) return false;
    frame_.more = true;
    return true;
  }
  if (key == "kpis") {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || end != rest.data() + rest.size()) return false;
    frame_.kpis.clear();
    frame_.has_kpis = true;
    return true;
  }
  if (key == "kpi") {
    const auto f = split_tabs(rest);
    if (!frame_.has_kpis || f.size() != 5 || f[1].empty()) return false;
    const auto v = parse_number(f[2], true), hw = parse_number(f[3], true);
    if (!v || !hw) return false;
    frame_.kpis.push_back(
        {unescape_live_text(f[0]), unescape_live_text(f[1]), unescape_live_text(f[4]), *v, *hw});
    return true;
  }
  if (key == "event") {
    const auto f = split_tabs(rest);
    if (f.size() < 3 || f.size() > 4 || f[1].empty() || f[2].empty()) return false;
    const auto t = parse_number(f[0], false);
    if (!t) return false;
    if (frame_.events.size() >= LiveLimits::kMaxReplyEvents)
      throw LiveProtocolError(fmt::format("the simulation sent more than {} events in one reply",
                                          LiveLimits::kMaxReplyEvents));
    frame_.events.push_back({*t, unescape_live_text(f[1]), unescape_live_text(f[2]),
                             f.size() > 3 ? unescape_live_text(f[3]) : std::string()});
    return true;
  }
  return false;
}

}  // namespace plantwin::io
