#include "lexer.h"

#include <charconv>
#include <cmath>

namespace plantwin::st::detail {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

class Lexer {
 public:
  Lexer(std::string_view text, std::vector<Diagnostic>& errors) : s_(text), errors_(errors) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    if (s_.substr(0, 3) == "\xEF\xBB\xBF")
      i_ = 3;  // a UTF-8 byte order mark, as Windows editors write
    while (true) {
      skip_blanks_and_comments();
      Token t;
      t.pos = pos();
      if (i_ >= s_.size() || stop_) {
        t.kind = Tok::kEnd;
        out.push_back(t);
        return out;
      }
      const std::size_t start = i_;
      const char c = s_[i_];
      if (is_alpha(c)) {
        while (i_ < s_.size() && (is_alpha(s_[i_]) || is_digit(s_[i_]))) advance();
        t.raw = s_.substr(start, i_ - start);
        for (const char ch : t.raw) t.upper += upper(ch);
        if (i_ < s_.size() && s_[i_] == '#') {
          if (t.upper == "T" || t.upper == "TIME") {
            advance();
            time_literal(t, start);
          } else {
            error(t.pos, "typed literal " + quote(std::string(t.raw) + "#") +
                             " is not supported (write the value alone)");
            advance();
            continue;
          }
        } else {
          t.kind = Tok::kIdent;
        }
      } else if (is_digit(c)) {
        number(t, start);
      } else if (c == '\'' || c == '"') {
        advance();
        while (i_ < s_.size() && s_[i_] != c) {
          if (s_[i_] == '$' && i_ + 1 < s_.size()) advance();
          advance();
        }
        if (i_ >= s_.size()) {
          error(t.pos, "unterminated string (it runs to the end of the file)");
          stop_ = true;
          continue;
        }
        advance();
        t.kind = Tok::kString;
        t.raw = s_.substr(start, i_ - start);
      } else {
        static constexpr std::string_view kTwo[] = {":=", "=>", "<=", ">=", "<>", "**", ".."};
        t.kind = Tok::kPunct;
        for (const auto two : kTwo) {
          if (s_.substr(i_, 2) == two) {
            t.upper = std::string(two);
            advance();
            advance();
            break;
          }
        }
        if (t.upper.empty()) {
          static constexpr std::string_view kOne = ";:,()+-*/=<>&.";
          if (kOne.find(c) == std::string_view::npos) {
            error(t.pos, "unexpected character " + quote(s_.substr(i_, 1)));
            advance();
            continue;
          }
          t.upper = std::string(1, c);
          advance();
        }
        t.raw = s_.substr(start, i_ - start);
      }
      out.push_back(std::move(t));
    }
  }

 private:
  Pos pos() const { return {line_, col_}; }

  void advance() {
    if (s_[i_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++i_;
  }

  void error(Pos p, std::string message) { errors_.push_back({p, std::move(message)}); }

  void skip_blanks_and_comments() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
        advance();
      } else if (c == '(' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        const Pos open = pos();
        advance();
        advance();
        while (i_ < s_.size() && !(s_[i_] == '*' && i_ + 1 < s_.size() && s_[i_ + 1] == ')')) {
          advance();
        }
        if (i_ >= s_.size()) {
          error(open, "unterminated comment: '(*' without '*)'");
          stop_ = true;
          return;
        }
        advance();
        advance();
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') advance();
      } else {
        return;
      }
    }
  }

  // Digits with '_' between them, in `base`; false (with an error) when too large.
  bool digits(int base, std::int64_t& value, std::string& text) {
    value = 0;
    bool ok = true;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      int d = -1;
      if (is_digit(c))
        d = c - '0';
      else if (base == 16 && upper(c) >= 'A' && upper(c) <= 'F')
        d = upper(c) - 'A' + 10;
      else if (c != '_')
        break;
      if (d >= base) break;
      advance();
      if (d < 0) continue;
      text += c;
      if (value > (std::int64_t{1} << 62) / base)
        ok = false;
      else
        value = value * base + d;
    }
    return ok;
  }

  void number(Token& t, std::size_t start) {
    std::int64_t v = 0;
    std::string text;
    bool ok = digits(10, v, text);
    if (i_ < s_.size() && s_[i_] == '#' && (v == 2 || v == 8 || v == 16)) {
      advance();
      std::string based;
      const int base = static_cast<int>(v);
      ok = digits(base, v, based);
      t.raw = s_.substr(start, i_ - start);
      if (based.empty()) error(t.pos, "expected digits after " + quote(t.raw));
      if (!ok) error(t.pos, "integer literal " + quote(t.raw) + " is too large");
      t.kind = Tok::kInt;
      t.ival = ok ? v : 0;
      return;
    }
    bool real = false;
    if (i_ + 1 < s_.size() && s_[i_] == '.' && is_digit(s_[i_ + 1])) {
      real = true;
      text += '.';
      advance();
      std::int64_t ignored;
      digits(10, ignored, text);
    }
    if (i_ < s_.size() && upper(s_[i_]) == 'E') {
      std::size_t j = i_ + 1;
      if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
      if (j < s_.size() && is_digit(s_[j])) {
        real = true;
        text += 'e';
        advance();
        if (s_[i_] == '+' || s_[i_] == '-') {
          text += s_[i_];
          advance();
        }
        std::int64_t ignored;
        digits(10, ignored, text);
      }
    }
    t.raw = s_.substr(start, i_ - start);
    if (real) {
      t.kind = Tok::kReal;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), t.fval);
      if (r.ec != std::errc() || !std::isfinite(t.fval)) {
        error(t.pos, "literal " + quote(t.raw) + " is out of range of REAL");
        t.fval = 0;
      }
    } else {
      t.kind = Tok::kInt;
      if (!ok) error(t.pos, "integer literal " + quote(t.raw) + " is too large");
      t.ival = ok ? v : 0;
    }
  }

  // After "T#" or "TIME#": components such as 1h2m3s500ms (days d, hours h, minutes m,
  // seconds s, milliseconds ms), largest unit first, each at most once; the last may have a
  // fraction (T#1.5s).
  void time_literal(Token& t, std::size_t start) {
    t.kind = Tok::kTime;
    static constexpr std::string_view kUnits[] = {"D", "H", "M", "S", "MS"};
    static constexpr double kSeconds[] = {86400, 3600, 60, 1, 0.001};
    bool bad = false, negative = false;
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) {
      negative = s_[i_] == '-';
      advance();
    }
    int last_unit = -1, components = 0;
    double seconds = 0;
    while (i_ < s_.size() && (is_digit(s_[i_]) || s_[i_] == '_')) {
      if (s_[i_] == '_') {
        advance();
        continue;
      }
      std::int64_t v;
      std::string text;
      if (!digits(10, v, text)) bad = true;
      if (i_ + 1 < s_.size() && s_[i_] == '.' && is_digit(s_[i_ + 1])) {
        text += '.';
        advance();
        std::int64_t ignored;
        digits(10, ignored, text);
      }
      std::string unit;
      while (i_ < s_.size() && is_alpha(s_[i_]) && s_[i_] != '_') {
        unit += upper(s_[i_]);
        advance();
      }
      int u = -1;
      for (int k = 0; k < 5; ++k) {
        if (unit == kUnits[k]) u = k;
      }
      if (u <= last_unit) {
        bad = true;
        break;
      }
      last_unit = u;
      double x = 0;
      std::from_chars(text.data(), text.data() + text.size(), x);
      seconds += x * kSeconds[u];
      ++components;
    }
    t.raw = s_.substr(start, i_ - start);
    if (negative) {
      error(t.pos, "negative TIME literal " + quote(t.raw) + " is not allowed");
    } else if (bad || components == 0) {
      error(t.pos, "bad TIME literal " + quote(t.raw) +
                       ": write it as T#1h2m3s500ms (units d, h, m, s, ms, largest first)");
    } else if (!(seconds <= 1e9)) {
      error(t.pos, "literal " + quote(t.raw) + " is out of range of TIME (at most 1e9 s)");
    } else {
      t.fval = seconds;
    }
  }

  std::string_view s_;
  std::vector<Diagnostic>& errors_;
  std::size_t i_ = 0;
  int line_ = 1, col_ = 1;
  bool stop_ = false;
};

}  // namespace

std::string quote(std::string_view text) {
  std::string out = "'";
  std::size_t n = 0;
  for (const char c : text) {
    if (++n > 24) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<Token> lex(std::string_view text, std::vector<Diagnostic>& errors) {
  return Lexer(text, errors).run();
}

}  // namespace plantwin::st::detail
