#pragma once
// A small, bounded JSON reader for MQTT payloads (no JSON library is among plantwin's
// dependencies). It reads RFC 8259 text into a tree, refusing anything deeper than `max_depth`,
// with more than `max_values` values, with control characters in strings, invalid escapes or
// numbers outside the range of a double. Its input is bounded by the caller (the payload size).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plantwin::io::detail {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;                 // a string's text (UTF-8)
  std::string key;                  // the member's name when this is an object member
  std::vector<JsonValue> children;  // array items or object members, in order

  /// The first member named `name` of an object, or nullptr.
  const JsonValue* member(std::string_view name) const;
  /// `path` as one member name, or else as dot-separated names into nested objects.
  const JsonValue* find_path(std::string_view path) const;
  /// "a number", "a text", "an object" ...: for error texts.
  std::string_view type_phrase() const;
};

/// Parses `text`; on failure returns nullopt and a sentence (with the byte offset) in `why`.
std::optional<JsonValue> parse_json(std::string_view text, int max_depth, std::size_t max_values,
                                    std::string* why);

}  // namespace plantwin::io::detail
