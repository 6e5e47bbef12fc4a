#include "mqtt_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <fmt/format.h>

namespace plantwin::io::detail {
namespace {

class Parser {
 public:
  Parser(std::string_view text, int max_depth, std::size_t max_values)
      : s_(text), max_depth_(max_depth), max_values_(max_values) {}

  std::optional<JsonValue> run(std::string* why) {
    JsonValue root;
    skip_ws();
    if (!value(root, 0)) {
      *why = why_;
      return std::nullopt;
    }
    skip_ws();
    if (pos_ != s_.size()) {
      *why = fmt::format("unexpected text after the JSON value at byte {}", pos_);
      return std::nullopt;
    }
    return root;
  }

 private:
  bool fail(std::string message) {
    if (why_.empty()) why_ = fmt::format("{} at byte {}", message, pos_);
    return false;
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool value(JsonValue& out, int depth) {
    if (++values_ > max_values_) return fail(fmt::format("more than {} values", max_values_));
    if (pos_ >= s_.size()) return fail("unexpected end of JSON");
    switch (s_[pos_]) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"':
        out.type = JsonValue::Type::kString;
        return string(out.text);
      case 't':
        out.type = JsonValue::Type::kBool;
        out.boolean = true;
        return literal("true");
      case 'f':
        out.type = JsonValue::Type::kBool;
        return literal("false");
      case 'n':
        out.type = JsonValue::Type::kNull;
        return literal("null");
      default:
        out.type = JsonValue::Type::kNumber;
        return number(out.number);
    }
  }

  bool object(JsonValue& out, int depth) {
    if (depth > max_depth_) return fail(fmt::format("nested deeper than {} levels", max_depth_));
    out.type = JsonValue::Type::kObject;
    ++pos_;  // {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name in quotes");
      JsonValue member;
      if (!string(member.key)) return false;
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':' after a member name");
      ++pos_;
      skip_ws();
      if (!value(member, depth)) return false;
      out.children.push_back(std::move(member));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}' in an object");
    }
  }

  bool array(JsonValue& out, int depth) {
    if (depth > max_depth_) return fail(fmt::format("nested deeper than {} levels", max_depth_));
    out.type = JsonValue::Type::kArray;
    ++pos_;  // [
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      JsonValue item;
      if (!value(item, depth)) return false;
      out.children.push_back(std::move(item));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']' in an array");
    }
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(std::uint32_t* out) {
    if (s_.size() - pos_ < 4) return fail("a \\u escape needs four hex digits");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex(s_[pos_ + static_cast<std::size_t>(i)]);
      if (h < 0) return fail("a \\u escape needs four hex digits");
      v = v * 16 + static_cast<std::uint32_t>(h);
    }
    pos_ += 4;
    *out = v;
    return true;
  }
  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      if (++pos_ >= s_.size()) return fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
            std::uint32_t low = 0;
            if (s_.substr(pos_, 2) != "\\u") return fail("unpaired surrogate in a \\u escape");
            pos_ += 2;
            if (!hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return fail("unpaired surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("unpaired surrogate in a \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          return fail("invalid escape in a string");
      }
    }
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool number(double& out) {
    const std::size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || !digit(s_[pos_])) return fail("expected a value");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (pos_ >= s_.size() || !digit(s_[pos_])) return fail("expected a digit after '.'");
      while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || !digit(s_[pos_])) return fail("expected a digit in an exponent");
      while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    const auto [p, ec] = std::from_chars(first, last, out);
    if (ec == std::errc::result_out_of_range) {
      // from_chars says out of range for underflow too; strtod tells the two apart (a number
      // too small for a double reads as zero, one too large is refused).
      const double v = std::strtod(std::string(first, last).c_str(), nullptr);
      if (std::isfinite(v) && std::fabs(v) < 1) {
        out = 0;
        return true;
      }
      pos_ = start;
      return fail("number out of the range of a double");
    }
    if (ec != std::errc() || p != last) {
      pos_ = start;
      return fail("invalid number");
    }
    return true;
  }

  std::string_view s_;
  int max_depth_;
  std::size_t max_values_;
  std::size_t pos_ = 0;
  std::size_t values_ = 0;
  std::string why_;
};

}  // namespace

const JsonValue* JsonValue::member(std::string_view name) const {
  if (type != Type::kObject) return nullptr;
  for (const auto& c : children)
    if (c.key == name) return &c;
  return nullptr;
}

const JsonValue* JsonValue::find_path(std::string_view path) const {
  if (const JsonValue* v = member(path)) return v;
  const JsonValue* at = this;
  while (at) {
    const auto dot = path.find('.');
    if (dot == std::string_view::npos) return at->member(path);
    at = at->member(path.substr(0, dot));
    path.remove_prefix(dot + 1);
  }
  return nullptr;
}

std::string_view JsonValue::type_phrase() const {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "true or false";
    case Type::kNumber:
      return "a number";
    case Type::kString:
      return "a text";
    case Type::kArray:
      return "a list";
    case Type::kObject:
      return "an object";
  }
  return "a value";
}

std::optional<JsonValue> parse_json(std::string_view text, int max_depth, std::size_t max_values,
                                    std::string* why) {
  return Parser(text, max_depth, max_values).run(why);
}

}  // namespace plantwin::io::detail
