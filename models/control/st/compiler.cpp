// Parser and checker in one pass: a PROGRAM declares every variable before its body, so names
// resolve and types check as the body is parsed. Errors are collected (in source order); a
// statement that does not parse is skipped to its ';' and parsing goes on.

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <unordered_map>

#include "lexer.h"
#include "program.h"

namespace plantwin::st {

std::string format(const StError& e) {
  return e.file + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message;
}

namespace detail {

const char* type_name(Type t) {
  switch (t) {
    case Type::kBool:
      return "BOOL";
    case Type::kInt:
      return "INT";
    case Type::kDint:
      return "DINT";
    case Type::kReal:
      return "REAL";
    case Type::kTime:
      return "TIME";
    case Type::kNone:
      break;
  }
  return "?";
}

const std::vector<FbInfo>& fb_table() {
  constexpr Type B = Type::kBool, I = Type::kInt, T = Type::kTime;
  static const std::vector<FbInfo> table = {
      {FbKind::kTon,
       "TON",
       {{"IN", B, true}, {"PT", T, true}, {"Q", B, false}, {"ET", T, false}},
       2},
      {FbKind::kTof,
       "TOF",
       {{"IN", B, true}, {"PT", T, true}, {"Q", B, false}, {"ET", T, false}},
       3},
      {FbKind::kTp, "TP", {{"IN", B, true}, {"PT", T, true}, {"Q", B, false}, {"ET", T, false}}, 3},
      {FbKind::kRTrig, "R_TRIG", {{"CLK", B, true}, {"Q", B, false}}, 1},
      {FbKind::kFTrig, "F_TRIG", {{"CLK", B, true}, {"Q", B, false}}, 1},
      {FbKind::kCtu,
       "CTU",
       {{"CU", B, true}, {"R", B, true}, {"PV", I, true}, {"Q", B, false}, {"CV", I, false}},
       1},
      {FbKind::kCtd,
       "CTD",
       {{"CD", B, true}, {"LD", B, true}, {"PV", I, true}, {"Q", B, false}, {"CV", I, false}},
       1},
      {FbKind::kSr, "SR", {{"S1", B, true}, {"R", B, true}, {"Q1", B, false}}, 0},
      {FbKind::kRs, "RS", {{"S", B, true}, {"R1", B, true}, {"Q1", B, false}}, 0},
  };
  return table;
}

namespace {

using Dir = Instance::Var::Dir;

struct ParseError {};  // a statement that does not parse: skip it
struct Fatal {};       // stop: too deep, too many errors, too many variables

constexpr std::int64_t kIntMin = -32768, kIntMax = 32767;
constexpr std::int64_t kDintMin = -2147483648LL, kDintMax = 2147483647LL;

bool is_numeric(Type t) {
  return t == Type::kInt || t == Type::kDint || t == Type::kReal;
}
bool is_integer(Type t) {
  return t == Type::kInt || t == Type::kDint;
}

int rank(Type t) {
  return t == Type::kInt ? 0 : t == Type::kDint ? 1 : 2;
}
Type wider(Type a, Type b) {
  return rank(a) >= rank(b) ? a : b;
}

// The implicit conversions: INT to DINT, and either to REAL.
bool widens(Type from, Type to) {
  if (from == to) return true;
  if (to == Type::kDint) return from == Type::kInt;
  if (to == Type::kReal) return is_integer(from);
  return false;
}

// Edits (insert, delete, substitute, swap two neighbours) from a to b.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t w = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * w);
  for (std::size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t v = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
                                d[(i - 1) * w + j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        v = std::min(v, d[(i - 2) * w + j - 2] + 1);
      }
      d[i * w + j] = v;
    }
  }
  return d[a.size() * w + b.size()];
}

// " (did you mean 'X'?)" for the closest candidate (compared upper-case) within a third of the
// name's length (at least one edit), or "". `work` bounds the table cells computed over a whole
// compile, so that a file of thousands of names and a hundred errors stays fast; once spent, no
// more suggestions.
std::string did_you_mean(const std::string& upper_name, const std::vector<std::string>& candidates,
                         std::int64_t& work) {
  if (upper_name.size() > 64) return "";
  const std::size_t limit = std::max<std::size_t>(1, upper_name.size() / 3);
  std::size_t best = limit + 1;
  std::string pick;
  for (const auto& c : candidates) {
    const std::size_t gap =
        c.size() > upper_name.size() ? c.size() - upper_name.size() : upper_name.size() - c.size();
    if (gap > limit) continue;
    work -= static_cast<std::int64_t>((c.size() + 1) * (upper_name.size() + 1));
    if (work < 0) return "";
    std::string cu;
    for (const char ch : c) cu += (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 32) : ch;
    const std::size_t d = edit_distance(upper_name, cu);
    if (d < best) {
      best = d;
      pick = c;
    }
  }
  return pick.empty() ? "" : " (did you mean '" + pick + "'?)";
}

const std::vector<std::string>& keywords() {
  static const std::vector<std::string> k = {"PROGRAM",
                                             "END_PROGRAM",
                                             "VAR",
                                             "VAR_INPUT",
                                             "VAR_OUTPUT",
                                             "VAR_IN_OUT",
                                             "VAR_GLOBAL",
                                             "VAR_TEMP",
                                             "VAR_EXTERNAL",
                                             "END_VAR",
                                             "CONSTANT",
                                             "IF",
                                             "THEN",
                                             "ELSIF",
                                             "ELSE",
                                             "END_IF",
                                             "CASE",
                                             "OF",
                                             "END_CASE",
                                             "FOR",
                                             "TO",
                                             "BY",
                                             "DO",
                                             "END_FOR",
                                             "WHILE",
                                             "END_WHILE",
                                             "REPEAT",
                                             "UNTIL",
                                             "END_REPEAT",
                                             "EXIT",
                                             "RETURN",
                                             "AND",
                                             "OR",
                                             "XOR",
                                             "NOT",
                                             "MOD",
                                             "TRUE",
                                             "FALSE",
                                             "BOOL",
                                             "INT",
                                             "DINT",
                                             "REAL",
                                             "TIME",
                                             "FUNCTION",
                                             "FUNCTION_BLOCK",
                                             "END_FUNCTION",
                                             "END_FUNCTION_BLOCK"};
  return k;
}

bool is_keyword(const std::string& upper) {
  const auto& k = keywords();
  return std::find(k.begin(), k.end(), upper) != k.end();
}

struct Symbol {
  std::string name;  // as declared
  Pos pos;
  bool is_fb = false;
  FbKind fb = FbKind::kTon;
  int slot = -1;
  Type type = Type::kNone;
  Dir dir = Dir::kLocal;
  bool constant = false;
};

struct FunctionInfo {
  const char* name;
  Fn fn;
  int min_args, max_args;
};

constexpr FunctionInfo kFunctions[] = {
    {"ABS", Fn::kAbs, 1, 1},     {"SQRT", Fn::kSqrt, 1, 1}, {"LN", Fn::kLn, 1, 1},
    {"LOG", Fn::kLog, 1, 1},     {"EXP", Fn::kExp, 1, 1},   {"SIN", Fn::kSin, 1, 1},
    {"COS", Fn::kCos, 1, 1},     {"TAN", Fn::kTan, 1, 1},   {"ASIN", Fn::kAsin, 1, 1},
    {"ACOS", Fn::kAcos, 1, 1},   {"ATAN", Fn::kAtan, 1, 1}, {"EXPT", Fn::kExpt, 2, 2},
    {"TRUNC", Fn::kTrunc, 1, 1}, {"MIN", Fn::kMin, 2, 64},  {"MAX", Fn::kMax, 2, 64},
    {"LIMIT", Fn::kLimit, 3, 3}, {"SEL", Fn::kSel, 3, 3},
};

bool parse_type(const std::string& upper, Type& t) {
  static constexpr Type kTypes[] = {Type::kBool, Type::kInt, Type::kDint, Type::kReal, Type::kTime};
  for (const Type k : kTypes) {
    if (upper == type_name(k)) {
      t = k;
      return true;
    }
  }
  return false;
}

class Compiler {
 public:
  Compiler(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  Compiled run() {
    Compiled out;
    if (text_.size() > kMaxSourceBytes) {
      out.errors.push_back({file_, 1, 1,
                            "source is larger than 1 MB (" + std::to_string(text_.size()) +
                                " bytes; at most " + std::to_string(kMaxSourceBytes) + ")"});
      return out;
    }
    std::vector<Diagnostic> lex_errors;
    toks_ = lex(text_, lex_errors);
    lex_truncated_ = std::any_of(lex_errors.begin(), lex_errors.end(), [](const Diagnostic& d) {
      return d.message.rfind("unterminated", 0) == 0;
    });
    errors_ = std::move(lex_errors);
    prog_ = std::make_shared<Program>();
    prog_->file = file_;
    try {
      program();
    } catch (const Fatal&) {
    } catch (const ParseError&) {
    }
    std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
    });
    if (errors_.size() > kMaxErrors) errors_.resize(kMaxErrors);
    for (const auto& d : errors_) {
      out.errors.push_back({file_, d.pos.line, d.pos.column, d.message});
    }
    if (errors_.empty()) {
      lower(*prog_);
      out.program = std::move(prog_);
    }
    return out;
  }

 private:
  // ---- tokens

  const Token& peek(std::size_t ahead = 0) const {
    return toks_[std::min(p_ + ahead, toks_.size() - 1)];
  }
  bool at_kw(const char* kw, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Tok::kIdent && t.upper == kw;
  }
  bool at_punct(const char* p, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Tok::kPunct && t.upper == p;
  }
  const Token& next() {
    const Token& t = peek();
    if (p_ < toks_.size() - 1) ++p_;
    return t;
  }
  static std::string describe(const Token& t) {
    return t.kind == Tok::kEnd ? "end of file" : quote(t.raw);
  }

  void error(Pos pos, std::string message) {
    errors_.push_back({pos, std::move(message)});
    if (errors_.size() >= kMaxErrors) throw Fatal{};
  }
  // An error at a token; none at the end of a file that an unterminated comment or string cut
  // short (that error says it all).
  void error_at(const Token& t, std::string message) {
    if (t.kind == Tok::kEnd && lex_truncated_) return;
    error(t.pos, std::move(message));
  }
  [[noreturn]] void fail(const Token& t, std::string message) {
    error_at(t, std::move(message));
    throw ParseError{};
  }
  [[noreturn]] void expected(const std::string& what) {
    fail(peek(), "expected " + what + ", got " + describe(peek()));
  }

  // A missing THEN, DO or OF: said once, and the statement is read on as if it were there.
  void expect_soft(const char* kw) {
    if (at_kw(kw)) {
      next();
    } else {
      error_at(peek(), "expected " + std::string(kw) + ", got " + describe(peek()));
    }
  }
  void expect_kw(const char* kw) {
    if (!at_kw(kw)) expected(std::string(kw));
    next();
  }
  void expect_punct(const char* p, const std::string& context = "") {
    if (!at_punct(p)) expected("'" + std::string(p) + "'" + (context.empty() ? "" : " " + context));
    next();
  }

  struct Nest {
    explicit Nest(Compiler& c, const Token& at) : c_(c) {
      if (++c_.depth_ > kMaxNesting) {
        c_.error(at.pos, "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
        throw Fatal{};
      }
    }
    ~Nest() { --c_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    Compiler& c_;
  };

  // ---- declarations

  void program() {
    if (at_kw("FUNCTION_BLOCK") || at_kw("FUNCTION")) {
      fail(peek(), "only PROGRAM is supported, not " + peek().upper);
    }
    expect_kw("PROGRAM");
    if (peek().kind != Tok::kIdent || is_keyword(peek().upper)) expected("the program's name");
    prog_->name = std::string(next().raw);
    while (at_kw("VAR") || at_kw("VAR_INPUT") || at_kw("VAR_OUTPUT") || at_kw("VAR_IN_OUT") ||
           at_kw("VAR_GLOBAL") || at_kw("VAR_TEMP") || at_kw("VAR_EXTERNAL")) {
      var_block();
    }
    prog_->body = statements();
    // A stray END_IF (or ELSE, UNTIL, ...) ends the list early: report it and go on.
    while (!at_kw("END_PROGRAM") && !at_kw("END_VAR") && peek().kind != Tok::kEnd) {
      error_at(peek(), "unexpected " + describe(peek()) + ": it closes nothing that is open");
      next();
      optional_semicolon();
      const auto more = statements();
      prog_->body.insert(prog_->body.end(), more.begin(), more.end());
    }
    if (!at_kw("END_PROGRAM")) expected("END_PROGRAM");
    next();
    if (at_punct(";")) next();
    if (peek().kind != Tok::kEnd) {
      error_at(peek(), "expected the end of the file after END_PROGRAM, got " + describe(peek()));
    }
  }

  void var_block() {
    const Token& head = next();
    Dir dir = Dir::kLocal;
    if (head.upper == "VAR_INPUT") {
      dir = Dir::kInput;
    } else if (head.upper == "VAR_OUTPUT") {
      dir = Dir::kOutput;
    } else if (head.upper != "VAR") {
      error(head.pos, head.upper + " is not supported (use VAR_INPUT, VAR_OUTPUT or VAR)");
    }
    bool constant = false;
    if (at_kw("CONSTANT")) {
      next();
      constant = true;
      if (dir != Dir::kLocal) error(head.pos, "only VAR blocks can be CONSTANT");
    }
    while (!at_kw("END_VAR") && peek().kind != Tok::kEnd) {
      const std::size_t start = p_;
      try {
        declaration(dir, constant);
      } catch (const ParseError&) {
        skip_to_semicolon({"END_VAR"});
        if (p_ == start) next();
      }
    }
    expect_kw("END_VAR");
  }

  void declaration(Dir dir, bool constant) {
    std::vector<const Token*> names;
    while (true) {
      const Token& n = peek();
      if (n.kind != Tok::kIdent) expected("a variable name");
      if (is_keyword(n.upper)) {
        fail(n, quote(n.raw) + " is a keyword and cannot name a variable");
      }
      next();
      names.push_back(&n);
      if (!at_punct(",")) break;
      next();
    }
    expect_punct(":", "and a type after the name");
    const Token& type_tok = peek();
    if (type_tok.kind != Tok::kIdent) expected("a type");
    next();
    Type type = Type::kNone;
    const FbInfo* fb = nullptr;
    if (!parse_type(type_tok.upper, type)) {
      for (const auto& f : fb_table()) {
        if (type_tok.upper == f.name) fb = &f;
      }
      if (!fb) {
        std::vector<std::string> known = {"BOOL", "INT", "DINT", "REAL", "TIME"};
        for (const auto& f : fb_table()) known.push_back(f.name);
        // Declared all the same, without a type, so that its uses raise no further errors.
        error(type_tok.pos, "unknown type " + quote(type_tok.raw) +
                                did_you_mean(type_tok.upper, known, suggest_work_) +
                                "; the types are BOOL, INT, DINT, REAL, TIME and the function "
                                "blocks TON, TOF, TP, R_TRIG, F_TRIG, CTU, CTD, SR, RS");
        skip_to_semicolon({"END_VAR"});
        for (const Token* n : names) declare(*n, dir, constant, Type::kNone, nullptr, 0);
        return;
      }
      if (dir != Dir::kLocal || constant) {
        error(type_tok.pos, std::string(fb->name) + " instances belong in a VAR block");
      }
    }
    double init = 0;
    if (at_punct(":=")) {
      const Token& op = next();
      if (fb) fail(op, std::string("a ") + fb->name + " instance has no initial value");
      init = initial_value(type, names.size() == 1 ? std::string(names[0]->raw) : "");
    } else if (constant) {
      error(names[0]->pos, "a CONSTANT needs an initial value");
    }
    expect_punct(";", "after the declaration");
    for (const Token* n : names) declare(*n, dir, constant, type, fb, init);
  }

  // A literal, maybe negated, of the declared type.
  double initial_value(Type type, const std::string& name) {
    const Token& start = peek();
    bool negative = false;
    if (at_punct("-")) {
      negative = true;
      next();
    }
    const Token& t = peek();
    Type lit = Type::kNone;
    double v = 0;
    std::int64_t iv = 0;
    if (t.kind == Tok::kInt) {
      iv = negative ? -t.ival : t.ival;
      v = static_cast<double>(iv);
      lit = Type::kDint;
    } else if (t.kind == Tok::kReal) {
      v = negative ? -t.fval : t.fval;
      lit = Type::kReal;
    } else if (t.kind == Tok::kTime && !negative) {
      v = t.fval;
      lit = Type::kTime;
    } else if (t.kind == Tok::kIdent && (t.upper == "TRUE" || t.upper == "FALSE") && !negative) {
      v = t.upper == "TRUE";
      lit = Type::kBool;
    } else {
      fail(start, "an initial value must be a literal (such as 0, 1.5, TRUE or T#5s), got " +
                      describe(start));
    }
    next();
    const std::string who = name.empty() ? "" : " '" + name + "'";
    if (lit == Type::kDint) {
      if (type == Type::kInt && (iv < kIntMin || iv > kIntMax)) {
        error(start.pos,
              "literal " + std::to_string(iv) + " is out of range of INT (-32768..32767)");
      } else if ((type == Type::kDint || type == Type::kInt) && (iv < kDintMin || iv > kDintMax)) {
        error(start.pos, "literal " + std::to_string(iv) +
                             " is out of range of DINT (-2147483648..2147483647)");
      } else if (type != Type::kInt && type != Type::kDint && type != Type::kReal) {
        error(start.pos, std::string("type mismatch: cannot initialise") + who + " (" +
                             type_name(type) + ") with an integer");
      }
    } else if (lit != type) {
      error(start.pos, std::string("type mismatch: cannot initialise") + who + " (" +
                           type_name(type) + ") with " + type_name(lit));
    }
    return v;
  }

  void declare(const Token& n, Dir dir, bool constant, Type type, const FbInfo* fb, double init) {
    if (const auto it = index_.find(n.upper); it != index_.end()) {
      const Symbol& old = symbols_[static_cast<std::size_t>(it->second)];
      error(n.pos, quote(n.raw) + " is already declared at " + std::to_string(old.pos.line) + ":" +
                       std::to_string(old.pos.column));
      return;
    }
    const int width = fb ? static_cast<int>(fb->fields.size()) + fb->internal : 1;
    const int slot = static_cast<int>(prog_->slot_types.size());
    if (slot + width > kMaxSlots) {
      error(n.pos, "too many variables (at most " + std::to_string(kMaxSlots) +
                       " slots, a function block taking several)");
      throw Fatal{};
    }
    Symbol s;
    s.name = std::string(n.raw);
    s.pos = n.pos;
    s.slot = slot;
    s.dir = dir;
    s.constant = constant;
    if (fb) {
      s.is_fb = true;
      s.fb = fb->kind;
      for (const auto& f : fb->fields) prog_->slot_types.push_back(f.type);
      for (int i = 0; i < fb->internal; ++i) prog_->slot_types.push_back(Type::kReal);
      prog_->initial.resize(prog_->slot_types.size(), 0.0);
    } else {
      s.type = type;
      prog_->slot_types.push_back(type);
      prog_->initial.push_back(init);
      prog_->vars.push_back({s.name, dir, static_cast<Instance::Var::Type>(type)});
      prog_->var_slots.push_back(slot);
    }
    index_.emplace(n.upper, static_cast<int>(symbols_.size()));
    symbols_.push_back(std::move(s));
  }

  const Symbol* lookup(const Token& t) const {
    const auto it = index_.find(t.upper);
    return it == index_.end() ? nullptr : &symbols_[static_cast<std::size_t>(it->second)];
  }

  std::string unknown_name(const Token& t) const {
    std::vector<std::string> names = {"TRUE", "FALSE"};
    for (const auto& s : symbols_) names.push_back(s.name);
    return "unknown name " + quote(t.raw) + did_you_mean(t.upper, names, suggest_work_);
  }

  // ---- statements

  bool at_list_end() const {
    static constexpr const char* kEnds[] = {"END_IF",      "ELSIF",     "ELSE",  "END_CASE",
                                            "END_FOR",     "END_WHILE", "UNTIL", "END_REPEAT",
                                            "END_PROGRAM", "END_VAR"};
    if (peek().kind == Tok::kEnd) return true;
    for (const char* k : kEnds) {
      if (at_kw(k)) return true;
    }
    return in_case_ > 0 && at_case_label();
  }
  // Where a CASE branch's statements end: at the next labels (numbers; a REAL is a bad label).
  bool at_case_label() const {
    const std::size_t at = at_punct("-") ? 1 : 0;
    return peek(at).kind == Tok::kInt || peek(at).kind == Tok::kReal;
  }

  void skip_to_semicolon(std::initializer_list<const char*> stops) {
    while (peek().kind != Tok::kEnd) {
      if (at_punct(";")) {
        next();
        return;
      }
      for (const char* s : stops) {
        if (at_kw(s)) return;
      }
      if (at_list_end()) return;
      next();
    }
  }

  std::vector<int> statements() {
    std::vector<int> list;
    while (!at_list_end()) {
      const std::size_t start = p_;
      try {
        const int s = statement();
        if (s >= 0) list.push_back(s);
      } catch (const ParseError&) {
        skip_to_semicolon({});
        if (p_ == start) next();
      }
    }
    return list;
  }

  int add(Stmt s) {
    prog_->stmts.push_back(std::move(s));
    return static_cast<int>(prog_->stmts.size()) - 1;
  }

  // An optional ';' after END_IF and the other ends.
  void optional_semicolon() {
    if (at_punct(";")) next();
  }

  int statement() {
    const Token& t = peek();
    if (at_punct(";")) {
      next();
      return -1;
    }
    if (t.kind != Tok::kIdent) expected("a statement");
    if (t.upper == "IF") return if_statement();
    if (t.upper == "CASE") return case_statement();
    if (t.upper == "FOR") return for_statement();
    if (t.upper == "WHILE") return while_statement();
    if (t.upper == "REPEAT") return repeat_statement();
    if (t.upper == "EXIT" || t.upper == "RETURN") {
      next();
      Stmt s;
      s.pos = t.pos;
      s.kind = t.upper == "EXIT" ? StmtKind::kExit : StmtKind::kReturn;
      if (s.kind == StmtKind::kExit && loops_ == 0) error(t.pos, "EXIT outside a loop");
      expect_punct(";", "after " + t.upper);
      return add(std::move(s));
    }
    if (is_keyword(t.upper)) expected("a statement");
    next();
    if (at_punct("(")) return fb_call(t);
    if (at_punct(".")) {
      next();
      const Token& field = peek();
      if (at_punct(":=", 1)) {
        fail(t, "cannot assign to " + std::string(t.raw) + "." + std::string(field.raw) +
                    ": a function block's fields are set by calling it (" + std::string(t.raw) +
                    "(" + std::string(field.raw) + " := ...))");
      }
      expected("':=' or '('");
    }
    if (at_punct("="))
      fail(peek(), "expected ':=' after " + quote(t.raw) + ", got '=' (= compares, := assigns)");
    if (!at_punct(":=")) expected("':=' after " + quote(t.raw));
    next();
    Stmt s;
    s.pos = t.pos;
    s.kind = StmtKind::kAssign;
    const int e = expression();
    expect_punct(";", "after the assignment");
    const Symbol* sym = lookup(t);
    if (!sym) {
      error(t.pos, unknown_name(t));
    } else if (sym->is_fb) {
      error(t.pos, "cannot assign to " + quote(t.raw) + ": it is a function block instance");
    } else if (writable(*sym, t)) {
      s.slot = sym->slot;
      s.type = sym->type;
      s.expr = e;
      convert_to(e, sym->type, "'" + sym->name + "'");
    }
    return add(std::move(s));
  }

  bool writable(const Symbol& sym, const Token& at) {
    if (sym.dir == Dir::kInput) {
      error(at.pos, "cannot assign to '" + sym.name + "': it is a VAR_INPUT");
      return false;
    }
    if (sym.constant) {
      error(at.pos, "cannot assign to '" + sym.name + "': it is a CONSTANT");
      return false;
    }
    if (std::find(loop_vars_.begin(), loop_vars_.end(), sym.slot) != loop_vars_.end()) {
      error(at.pos, "cannot assign to '" + sym.name + "' inside the FOR loop that counts with it");
      return false;
    }
    return true;
  }

  // Checks that expression `e` may be stored in `what` (of type `to`); a literal must be in range.
  void convert_to(int e, Type to, const std::string& what) {
    const Expr& x = prog_->exprs[static_cast<std::size_t>(e)];
    if (x.type == Type::kNone || to == Type::kNone) return;
    if (x.op == Op::kLiteral && is_integer(x.type) && to == Type::kInt &&
        (x.value < kIntMin || x.value > kIntMax)) {
      error(x.pos, "literal " + std::to_string(static_cast<std::int64_t>(x.value)) +
                       " is out of range of INT (-32768..32767)");
      return;
    }
    if (!widens(x.type, to)) {
      error(x.pos,
            "type mismatch: " + what + " is " + type_name(to) + ", got " + type_name(x.type));
    }
  }

  int fb_call(const Token& name) {
    next();  // (
    Stmt s;
    s.pos = name.pos;
    s.kind = StmtKind::kFbCall;
    const Symbol* sym = lookup(name);
    const FbInfo* info = nullptr;
    if (!sym) {
      error(name.pos, unknown_name(name));
    } else if (!sym->is_fb) {
      bool function = false;
      for (const auto& f : kFunctions) function = function || name.upper == f.name;
      error(name.pos, function ? "a function call is not a statement: assign its result"
                               : quote(name.raw) + " is not a function block instance");
    } else {
      info = &fb_table()[static_cast<std::size_t>(sym->fb)];
      s.fb = sym->fb;
      s.fb_base = sym->slot;
    }
    std::vector<std::string> given;
    while (!at_punct(")")) {
      const Token& p = peek();
      if (p.kind != Tok::kIdent || !(at_punct(":=", 1) || at_punct("=>", 1))) {
        fail(p, "function block calls take named parameters (IN := value, Q => variable), got " +
                    describe(p));
      }
      next();
      const bool out = next().upper == "=>";
      FbCallArg a;
      int field = -1;
      if (info) {
        for (std::size_t i = 0; i < info->fields.size(); ++i) {
          if (p.upper == info->fields[i].name) field = static_cast<int>(i);
        }
        if (field < 0) {
          std::vector<std::string> names;
          for (const auto& f : info->fields) names.push_back(f.name);
          error(p.pos, std::string(info->name) + " has no parameter " + quote(p.raw) +
                           did_you_mean(p.upper, names, suggest_work_) + "; its inputs are " +
                           list(*info, true) + " and its outputs " + list(*info, false));
        } else if (std::find(given.begin(), given.end(), p.upper) != given.end()) {
          error(p.pos, "parameter " + p.upper + " is given twice");
          field = -1;
        } else if (info->fields[static_cast<std::size_t>(field)].input == out) {
          error(p.pos,
                out ? p.upper + " is an input of " + info->name + ": write " + p.upper + " := value"
                    : p.upper + " is an output of " + info->name + ": write " + p.upper +
                          " => variable");
          field = -1;
        }
        given.push_back(p.upper);
      }
      const Type field_type =
          field >= 0 ? info->fields[static_cast<std::size_t>(field)].type : Type::kNone;
      if (out) {
        const Token& target = peek();
        if (target.kind != Tok::kIdent) expected("a variable after '=>'");
        next();
        const Symbol* t = lookup(target);
        if (!t) {
          error(target.pos, unknown_name(target));
        } else if (t->is_fb) {
          error(target.pos,
                "cannot assign to " + quote(target.raw) + ": it is a function block instance");
        } else if (writable(*t, target) && field >= 0) {
          if (!widens(field_type, t->type)) {
            error(target.pos, "type mismatch: '" + t->name + "' is " + type_name(t->type) +
                                  ", got " + type_name(field_type) + " (" + name_of(name) + "." +
                                  p.upper + ")");
          }
          a.slot = s.fb_base + field;
          a.target = t->slot;
          s.args.push_back(a);
        }
      } else {
        const int e = expression();
        if (field >= 0) {
          convert_to(e, field_type, name_of(name) + "." + p.upper);
          a.slot = s.fb_base + field;
          a.expr = e;
          s.args.push_back(a);
        }
      }
      if (!at_punct(",")) break;
      next();
    }
    expect_punct(")", "to end the call");
    expect_punct(";", "after the call");
    // Inputs are written before the block runs and outputs read after it, whatever the order.
    std::stable_partition(s.args.begin(), s.args.end(),
                          [](const FbCallArg& a) { return a.expr >= 0; });
    return add(std::move(s));
  }

  std::string name_of(const Token& t) const {
    const Symbol* s = lookup(t);
    return s ? s->name : std::string(t.raw);
  }

  static std::string list(const FbInfo& info, bool inputs) {
    std::string out;
    for (const auto& f : info.fields) {
      if (f.input != inputs) continue;
      if (!out.empty()) out += ", ";
      out += f.name;
    }
    return out;
  }

  // A condition; when it does not parse, skips to `until` and goes on with the statement.
  int condition(const char* what, const char* until) {
    const std::size_t start = p_;
    try {
      const int e = expression();
      const Expr& x = prog_->exprs[static_cast<std::size_t>(e)];
      if (x.type != Type::kNone && x.type != Type::kBool) {
        error(x.pos, std::string(what) + " must be BOOL, got " + type_name(x.type));
      }
      return e;
    } catch (const ParseError&) {
      while (peek().kind != Tok::kEnd && !at_kw(until) && !at_punct(";")) next();
      if (p_ == start && peek().kind != Tok::kEnd) next();
      return literal(peek().pos, Type::kBool, 0);
    }
  }

  int if_statement() {
    const Token& t = next();
    Nest nest(*this, t);
    Stmt s;
    s.kind = StmtKind::kIf;
    s.pos = t.pos;
    s.conds.push_back(condition("the IF condition", "THEN"));
    expect_soft("THEN");
    s.bodies.push_back(statements());
    while (at_kw("ELSIF")) {
      next();
      s.conds.push_back(condition("the ELSIF condition", "THEN"));
      expect_soft("THEN");
      s.bodies.push_back(statements());
    }
    if (at_kw("ELSE")) {
      next();
      s.bodies.push_back(statements());
    }
    expect_kw("END_IF");
    optional_semicolon();
    return add(std::move(s));
  }

  std::int64_t case_value() {
    bool negative = false;
    if (at_punct("-")) {
      next();
      negative = true;
    }
    if (peek().kind != Tok::kInt) expected("an integer CASE label");
    const std::int64_t v = next().ival;
    return negative ? -v : v;
  }

  int case_statement() {
    const Token& t = next();
    Nest nest(*this, t);
    Stmt s;
    s.kind = StmtKind::kCase;
    s.pos = t.pos;
    s.expr = condition_any("OF");
    const Expr& sel = prog_->exprs[static_cast<std::size_t>(s.expr)];
    if (sel.type != Type::kNone && !is_integer(sel.type)) {
      error(sel.pos,
            std::string("the CASE selector must be INT or DINT, got ") + type_name(sel.type));
    }
    expect_soft("OF");
    struct Seen {
      CaseRange r;
      Pos pos;
    };
    std::vector<Seen> seen;
    struct InCase {
      explicit InCase(int& n) : n_(n) { ++n_; }
      ~InCase() { --n_; }
      InCase(const InCase&) = delete;
      InCase& operator=(const InCase&) = delete;
      int& n_;
    };
    auto in_case = std::make_unique<InCase>(in_case_);
    while (!at_kw("ELSE") && !at_kw("END_CASE") && peek().kind != Tok::kEnd) {
      CaseBranch b;
      try {
        while (true) {
          const Token& lt = peek();
          CaseRange r;
          r.lo = r.hi = case_value();
          if (at_punct("..")) {
            next();
            r.hi = case_value();
            if (r.hi < r.lo) {
              error(lt.pos,
                    "empty CASE range " + std::to_string(r.lo) + ".." + std::to_string(r.hi));
            }
          }
          b.labels.push_back(r);
          seen.push_back({r, lt.pos});
          if (!at_punct(",")) break;
          next();
        }
        expect_punct(":", "after the CASE labels");
      } catch (const ParseError&) {
        // Skip the bad labels to their ':' and read the branch's statements all the same.
        while (peek().kind != Tok::kEnd && !at_punct(":") && !at_punct(";") && !at_kw("END_CASE") &&
               !at_kw("ELSE")) {
          next();
        }
        if (at_punct(":")) next();
      }
      b.body = statements();
      s.branches.push_back(std::move(b));
    }
    in_case.reset();
    if (at_kw("ELSE")) {
      next();
      s.has_else = true;
      s.bodies.push_back(statements());
    }
    expect_kw("END_CASE");
    optional_semicolon();
    std::stable_sort(seen.begin(), seen.end(),
                     [](const Seen& a, const Seen& b) { return a.r.lo < b.r.lo; });
    std::int64_t reach = std::numeric_limits<std::int64_t>::min();
    bool any = false;
    std::vector<Pos> dup;
    for (const auto& x : seen) {
      if (x.r.hi < x.r.lo) continue;
      if (any && x.r.lo <= reach) dup.push_back(x.pos);
      reach = any ? std::max(reach, x.r.hi) : x.r.hi;
      any = true;
    }
    std::sort(dup.begin(), dup.end(), [](Pos a, Pos b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    for (const Pos p : dup) error(p, "CASE label overlaps an earlier label");
    return add(std::move(s));
  }

  // An expression of any type; when it does not parse, skips to `until`.
  int condition_any(const char* until) {
    const std::size_t start = p_;
    try {
      return expression();
    } catch (const ParseError&) {
      while (peek().kind != Tok::kEnd && !at_kw(until) && !at_punct(";")) next();
      if (p_ == start && peek().kind != Tok::kEnd) next();
      return literal(peek().pos, Type::kNone, 0);
    }
  }

  int for_statement() {
    const Token& t = next();
    Nest nest(*this, t);
    Stmt s;
    s.kind = StmtKind::kFor;
    s.pos = t.pos;
    const Token& v = peek();
    if (v.kind != Tok::kIdent) expected("the FOR control variable");
    next();
    const Symbol* sym = lookup(v);
    if (!sym) {
      error(v.pos, unknown_name(v));
    } else if (sym->is_fb || !is_integer(sym->type)) {
      error(v.pos,
            "the FOR control variable must be INT or DINT, got " +
                (sym->is_fb ? std::string("a function block") : std::string(type_name(sym->type))));
    } else if (writable(*sym, v)) {
      s.slot = sym->slot;
      s.type = sym->type;
    }
    expect_punct(":=", "after the FOR control variable");
    const Type t_ctl = s.slot >= 0 ? s.type : Type::kNone;
    const std::string ctl = "the FOR variable '" + (sym ? sym->name : std::string()) + "'";
    const int from = expression();
    convert_to(from, t_ctl, ctl);
    expect_kw("TO");
    const int to = expression();
    convert_to(to, t_ctl, ctl);
    int by = -1;
    if (at_kw("BY")) {
      next();
      by = expression();
      convert_to(by, t_ctl, ctl);
      const Expr& b = prog_->exprs[static_cast<std::size_t>(by)];
      if (b.op == Op::kLiteral && is_integer(b.type) && b.value == 0)
        error(b.pos, "the FOR step must not be 0");
    }
    s.conds = {from, to, by};
    expect_soft("DO");
    if (s.slot >= 0) loop_vars_.push_back(s.slot);
    ++loops_;
    s.bodies.push_back(statements());
    --loops_;
    if (s.slot >= 0) loop_vars_.pop_back();
    expect_kw("END_FOR");
    optional_semicolon();
    return add(std::move(s));
  }

  int while_statement() {
    const Token& t = next();
    Nest nest(*this, t);
    Stmt s;
    s.kind = StmtKind::kWhile;
    s.pos = t.pos;
    s.conds.push_back(condition("the WHILE condition", "DO"));
    expect_soft("DO");
    ++loops_;
    s.bodies.push_back(statements());
    --loops_;
    expect_kw("END_WHILE");
    optional_semicolon();
    return add(std::move(s));
  }

  int repeat_statement() {
    const Token& t = next();
    Nest nest(*this, t);
    Stmt s;
    s.kind = StmtKind::kRepeat;
    s.pos = t.pos;
    ++loops_;
    s.bodies.push_back(statements());
    --loops_;
    expect_kw("UNTIL");
    s.conds.push_back(condition("the UNTIL condition", "END_REPEAT"));
    expect_kw("END_REPEAT");
    optional_semicolon();
    return add(std::move(s));
  }

  // ---- expressions

  int add_expr(Expr e, int depth) {
    if (depth > kMaxExprDepth) {
      error(e.pos, "expression deeper than " + std::to_string(kMaxExprDepth) + " levels");
      throw Fatal{};
    }
    prog_->exprs.push_back(e);
    depth_of_.push_back(depth);
    return static_cast<int>(prog_->exprs.size()) - 1;
  }
  int depth_of(int e) const { return depth_of_[static_cast<std::size_t>(e)]; }
  const Expr& ex(int e) const { return prog_->exprs[static_cast<std::size_t>(e)]; }

  int literal(Pos pos, Type t, double v) {
    Expr e;
    e.op = Op::kLiteral;
    e.type = t;
    e.pos = pos;
    e.value = v;
    return add_expr(e, 1);
  }

  int integer_literal(Pos pos, std::int64_t v) {
    if (v < kDintMin || v > kDintMax) {
      error(pos,
            "literal " + std::to_string(v) + " is out of range of DINT (-2147483648..2147483647)");
      return literal(pos, Type::kNone, 0);
    }
    return literal(pos, (v >= kIntMin && v <= kIntMax) ? Type::kInt : Type::kDint,
                   static_cast<double>(v));
  }

  int expression() { return binary_level(0); }

  // Levels from loosest: OR, XOR, AND/&, = <>, < <= > >=, + -, * / MOD, **.
  int binary_level(int level) {
    if (level == 8) return unary();
    int left = binary_level(level + 1);
    while (true) {
      Op op;
      const Token& t = peek();
      if (!binary_op(level, op)) return left;
      next();
      const int right = binary_level(level + 1);
      left = binary(op, t, left, right);
    }
  }

  bool binary_op(int level, Op& op) const {
    const Token& t = peek();
    const bool punct = t.kind == Tok::kPunct, ident = t.kind == Tok::kIdent;
    const std::string& u = t.upper;
    switch (level) {
      case 0:
        if (ident && u == "OR") {
          op = Op::kOr;
          return true;
        }
        break;
      case 1:
        if (ident && u == "XOR") {
          op = Op::kXor;
          return true;
        }
        break;
      case 2:
        if ((ident && u == "AND") || (punct && u == "&")) {
          op = Op::kAnd;
          return true;
        }
        break;
      case 3:
        if (punct && u == "=") {
          op = Op::kEq;
          return true;
        }
        if (punct && u == "<>") {
          op = Op::kNe;
          return true;
        }
        break;
      case 4:
        if (!punct) break;
        if (u == "<") {
          op = Op::kLt;
          return true;
        }
        if (u == "<=") {
          op = Op::kLe;
          return true;
        }
        if (u == ">") {
          op = Op::kGt;
          return true;
        }
        if (u == ">=") {
          op = Op::kGe;
          return true;
        }
        break;
      case 5:
        if (punct && u == "+") {
          op = Op::kAdd;
          return true;
        }
        if (punct && u == "-") {
          op = Op::kSub;
          return true;
        }
        break;
      case 6:
        if (punct && u == "*") {
          op = Op::kMul;
          return true;
        }
        if (punct && u == "/") {
          op = Op::kDiv;
          return true;
        }
        if (ident && u == "MOD") {
          op = Op::kMod;
          return true;
        }
        break;
      case 7:
        if (punct && u == "**") {
          op = Op::kPow;
          return true;
        }
        break;
      default:
        break;
    }
    return false;
  }

  static const char* op_text(Op op) {
    switch (op) {
      case Op::kAdd:
        return "+";
      case Op::kSub:
        return "-";
      case Op::kMul:
        return "*";
      case Op::kDiv:
        return "/";
      case Op::kMod:
        return "MOD";
      case Op::kPow:
        return "**";
      case Op::kEq:
        return "=";
      case Op::kNe:
        return "<>";
      case Op::kLt:
        return "<";
      case Op::kLe:
        return "<=";
      case Op::kGt:
        return ">";
      case Op::kGe:
        return ">=";
      case Op::kAnd:
        return "AND";
      case Op::kOr:
        return "OR";
      case Op::kXor:
        return "XOR";
      case Op::kNeg:
        return "-";
      case Op::kNot:
        return "NOT";
      default:
        return "?";
    }
  }

  int binary(Op op, const Token& at, int a, int b) {
    Expr e;
    e.op = op;
    e.pos = at.pos;
    e.a = a;
    e.b = b;
    const Type ta = ex(a).type, tb = ex(b).type;
    const int depth = std::max(depth_of(a), depth_of(b)) + 1;
    if (ta == Type::kNone || tb == Type::kNone) return add_expr(e, depth);
    const bool num = is_numeric(ta) && is_numeric(tb);
    Type r = Type::kNone;
    switch (op) {
      case Op::kAdd:
      case Op::kSub:
        if (num)
          r = wider(ta, tb);
        else if (ta == Type::kTime && tb == Type::kTime)
          r = Type::kTime;
        break;
      case Op::kMul:
        if (num)
          r = wider(ta, tb);
        else if ((ta == Type::kTime && is_numeric(tb)) || (is_numeric(ta) && tb == Type::kTime))
          r = Type::kTime;
        break;
      case Op::kDiv:
        if (num)
          r = wider(ta, tb);
        else if (ta == Type::kTime && is_numeric(tb))
          r = Type::kTime;
        break;
      case Op::kMod:
        if (is_integer(ta) && is_integer(tb)) r = wider(ta, tb);
        break;
      case Op::kPow:
        if (num) r = Type::kReal;
        break;
      case Op::kEq:
      case Op::kNe:
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe:
        if (num || ta == tb) r = Type::kBool;
        break;
      case Op::kAnd:
      case Op::kOr:
      case Op::kXor:
        if (ta == Type::kBool && tb == Type::kBool) r = Type::kBool;
        break;
      default:
        break;
    }
    if (r == Type::kNone) {
      error(at.pos, std::string("operator ") + op_text(op) + " is not defined for " +
                        type_name(ta) + " and " + type_name(tb));
    }
    e.type = r;
    e.operand = num ? wider(ta, tb) : ta;
    return add_expr(e, depth);
  }

  int unary() {
    const Token& t = peek();
    if (at_punct("-") || at_kw("NOT") || at_punct("+")) {
      Nest nest(*this, t);
      next();
      if (t.upper == "-" && peek().kind == Tok::kInt) return integer_literal(t.pos, -next().ival);
      if (t.upper == "-" && peek().kind == Tok::kReal)
        return literal(t.pos, Type::kReal, -next().fval);
      const int a = unary();
      if (t.upper == "+") return a;
      Expr e;
      e.op = t.upper == "-" ? Op::kNeg : Op::kNot;
      e.pos = t.pos;
      e.a = a;
      const Type ta = ex(a).type;
      if (ta != Type::kNone) {
        if (e.op == Op::kNeg ? is_numeric(ta) : ta == Type::kBool) {
          e.type = ta;
        } else {
          error(t.pos,
                std::string("operator ") + op_text(e.op) + " is not defined for " + type_name(ta));
        }
      }
      e.operand = e.type;
      return add_expr(e, depth_of(a) + 1);
    }
    return primary();
  }

  int primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kInt:
        next();
        return integer_literal(t.pos, t.ival);
      case Tok::kReal:
        next();
        return literal(t.pos, Type::kReal, t.fval);
      case Tok::kTime:
        next();
        return literal(t.pos, Type::kTime, t.fval);
      case Tok::kString:
        next();
        error(t.pos, "STRING values are not supported");
        return literal(t.pos, Type::kNone, 0);
      case Tok::kPunct:
        if (t.upper == "(") {
          Nest nest(*this, t);
          next();
          const int e = expression();
          expect_punct(")", "to close the parenthesis");
          return e;
        }
        expected("a value");
      case Tok::kEnd:
        expected("a value");
      case Tok::kIdent:
        break;
    }
    if (t.upper == "TRUE" || t.upper == "FALSE") {
      next();
      return literal(t.pos, Type::kBool, t.upper == "TRUE" ? 1 : 0);
    }
    if (is_keyword(t.upper)) expected("a value");
    next();
    if (at_punct("(")) return call(t);
    const Symbol* sym = lookup(t);
    if (at_punct(".")) {
      next();
      const Token& f = peek();
      if (f.kind != Tok::kIdent) expected("a field name after '.'");
      next();
      if (!sym) {
        error(t.pos, unknown_name(t));
        return literal(t.pos, Type::kNone, 0);
      }
      if (!sym->is_fb) {
        error(t.pos, quote(t.raw) + " is not a function block instance: it has no fields");
        return literal(t.pos, Type::kNone, 0);
      }
      const FbInfo& info = fb_table()[static_cast<std::size_t>(sym->fb)];
      std::vector<std::string> names;
      for (std::size_t i = 0; i < info.fields.size(); ++i) {
        names.push_back(info.fields[i].name);
        if (f.upper == info.fields[i].name) {
          Expr e;
          e.op = Op::kVar;
          e.pos = t.pos;
          e.slot = sym->slot + static_cast<int>(i);
          e.type = info.fields[i].type;
          return add_expr(e, 1);
        }
      }
      error(f.pos, std::string(info.name) + " has no field " + quote(f.raw) +
                       did_you_mean(f.upper, names, suggest_work_) + "; its fields are " +
                       list(info, true) + ", " + list(info, false));
      return literal(t.pos, Type::kNone, 0);
    }
    if (!sym) {
      error(t.pos, unknown_name(t));
      return literal(t.pos, Type::kNone, 0);
    }
    if (sym->is_fb) {
      const FbInfo& info = fb_table()[static_cast<std::size_t>(sym->fb)];
      const auto out = std::find_if(info.fields.begin(), info.fields.end(),
                                    [](const FbField& f) { return !f.input; });
      error(t.pos, quote(t.raw) + " is a " + info.name +
                       " instance: read one of its outputs, such as " + sym->name + "." +
                       out->name);
      return literal(t.pos, Type::kNone, 0);
    }
    Expr e;
    e.op = Op::kVar;
    e.pos = t.pos;
    e.slot = sym->slot;
    e.type = sym->type;
    return add_expr(e, 1);
  }

  int call(const Token& name) {
    Nest nest(*this, name);
    next();  // (
    std::vector<int> args;
    int depth = 1;
    if (!at_punct(")")) {
      while (true) {
        if (peek().kind == Tok::kIdent && at_punct(":=", 1)) {
          fail(peek(), "standard functions take their arguments in order, without names");
        }
        args.push_back(expression());
        depth = std::max(depth, depth_of(args.back()) + 1);
        if (!at_punct(",")) break;
        next();
      }
    }
    expect_punct(")", "to end the arguments");
    Expr e;
    e.op = Op::kCall;
    e.pos = name.pos;
    e.first_arg = static_cast<int>(prog_->args.size());
    e.nargs = static_cast<int>(args.size());
    prog_->args.insert(prog_->args.end(), args.begin(), args.end());
    bool poisoned = false;
    for (const int a : args) poisoned = poisoned || ex(a).type == Type::kNone;
    const std::string& n = name.upper;
    // X_TO_Y
    if (const auto at = n.find("_TO_"); at != std::string::npos) {
      Type from, to;
      if (parse_type(n.substr(0, at), from) && parse_type(n.substr(at + 4), to) && from != to &&
          !((from == Type::kBool && to == Type::kTime) ||
            (from == Type::kTime && to == Type::kBool))) {
        e.fn = Fn::kConvert;
        e.operand = from;
        if (args.size() != 1) {
          error(name.pos, n + " takes 1 argument, got " + std::to_string(args.size()));
        } else if (!poisoned) {
          if (widens(ex(args[0]).type, from))
            e.type = to;
          else
            error(ex(args[0]).pos,
                  n + " needs " + type_name(from) + ", got " + type_name(ex(args[0]).type));
        }
        return add_expr(e, depth);
      }
    }
    const FunctionInfo* f = nullptr;
    for (const auto& k : kFunctions) {
      if (n == k.name) f = &k;
    }
    if (!f) {
      for (const auto& fb : fb_table()) {
        if (n == fb.name) {
          error(name.pos,
                n + " is a function block: declare an instance (t1 : " + n + ";) and call that");
          return add_expr(e, depth);
        }
      }
      if (lookup(name)) {
        error(name.pos, quote(name.raw) + " is not a function");
        return add_expr(e, depth);
      }
      std::vector<std::string> names;
      for (const auto& k : kFunctions) names.push_back(k.name);
      for (const char* c :
           {"INT_TO_REAL", "REAL_TO_INT", "DINT_TO_REAL", "REAL_TO_DINT", "INT_TO_DINT",
            "DINT_TO_INT", "TIME_TO_REAL", "REAL_TO_TIME", "BOOL_TO_INT", "INT_TO_BOOL"}) {
        names.push_back(c);
      }
      error(name.pos,
            "unknown function " + quote(name.raw) + did_you_mean(n, names, suggest_work_));
      return add_expr(e, depth);
    }
    e.fn = f->fn;
    const int nargs = static_cast<int>(args.size());
    if (nargs < f->min_args || nargs > f->max_args) {
      const std::string want =
          f->min_args == f->max_args ? std::to_string(f->min_args)
          : f->max_args > 3          ? "at least " + std::to_string(f->min_args)
                            : std::to_string(f->min_args) + " to " + std::to_string(f->max_args);
      error(name.pos, n + " takes " + want + (want == "1" ? " argument" : " arguments") + ", got " +
                          std::to_string(nargs));
      return add_expr(e, depth);
    }
    if (poisoned) return add_expr(e, depth);
    auto type_of = [&](int i) { return ex(args[static_cast<std::size_t>(i)]).type; };
    auto need_numeric = [&](int i) {
      if (is_numeric(type_of(i))) return true;
      error(ex(args[static_cast<std::size_t>(i)]).pos,
            n + " needs a number, got " + type_name(type_of(i)));
      return false;
    };
    // The one type of arguments [from, nargs): numbers widen to the widest.
    auto common = [&](int from) {
      Type c = type_of(from);
      for (int i = from + 1; i < nargs; ++i) {
        const Type t = type_of(i);
        if (is_numeric(c) && is_numeric(t)) {
          c = wider(c, t);
        } else if (c != t) {
          error(ex(args[static_cast<std::size_t>(i)]).pos,
                n + " needs arguments of one type, got " + type_name(c) + " and " + type_name(t));
          return Type::kNone;
        }
      }
      return c;
    };
    switch (f->fn) {
      case Fn::kAbs:
        if (need_numeric(0)) e.type = type_of(0);
        break;
      case Fn::kTrunc:
        if (need_numeric(0)) e.type = Type::kDint;
        break;
      case Fn::kExpt:
        if (need_numeric(0) && need_numeric(1)) e.type = Type::kReal;
        break;
      case Fn::kMin:
      case Fn::kMax:
      case Fn::kLimit:
        e.type = common(0);
        break;
      case Fn::kSel:
        if (type_of(0) != Type::kBool) {
          error(ex(args[0]).pos,
                std::string("SEL needs BOOL as its first argument, got ") + type_name(type_of(0)));
        } else {
          e.type = common(1);
        }
        break;
      default:
        if (need_numeric(0)) e.type = Type::kReal;
        break;
    }
    e.operand = e.type;
    return add_expr(e, depth);
  }

  std::string_view text_;
  std::string file_;
  std::vector<Token> toks_;
  std::size_t p_ = 0;
  bool lex_truncated_ = false;
  std::vector<Diagnostic> errors_;
  std::shared_ptr<Program> prog_;
  std::vector<Symbol> symbols_;
  std::unordered_map<std::string, int> index_;
  std::vector<int> depth_of_;
  std::vector<int> loop_vars_;
  mutable std::int64_t suggest_work_ = 20'000'000;
  int depth_ = 0, loops_ = 0, in_case_ = 0;
};

}  // namespace
}  // namespace detail

Compiled compile(std::string_view text, const std::string& file) {
  return detail::Compiler(text, file).run();
}

}  // namespace plantwin::st
