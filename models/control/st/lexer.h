#pragma once
// Structured Text tokens: names (upper-cased, as ST is case-insensitive), numbers, TIME literals,
// strings (only to report them) and punctuation. Comments and blanks are skipped.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "program.h"

namespace plantwin::st::detail {

enum class Tok : std::uint8_t { kIdent, kInt, kReal, kTime, kString, kPunct, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  Pos pos;
  std::string_view raw;   // the source text
  std::string upper;      // kIdent: the name upper-cased; kPunct: the punctuation
  std::int64_t ival = 0;  // kInt
  double fval = 0;        // kReal; kTime: seconds
};

struct Diagnostic {
  Pos pos;
  std::string message;
};

// Tokens up to a last kEnd; lexical errors go to `errors`.
std::vector<Token> lex(std::string_view text, std::vector<Diagnostic>& errors);

// A token's text for a message: quoted, at most 24 characters, control bytes escaped.
std::string quote(std::string_view text);

}  // namespace plantwin::st::detail
