#include "plantwin/expr.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

namespace plantwin {

struct Expr::Node {
  enum class Op {
    kNumber,
    kRef,
    kNeg,
    kNot,
    kAnd,
    kOr,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kLt,
    kLe,
    kGt,
    kGe,
    kEq,
    kNe,
    kAbs,
    kMin,
    kMax
  };
  Op op = Op::kNumber;
  double number = 0;
  std::size_t ref = 0;
  std::vector<std::shared_ptr<const Node>> args;
};

namespace {

constexpr std::size_t kMaxText = 4096;
constexpr int kMaxDepth = 64;

struct Token {
  enum class Kind { kEnd, kNumber, kName, kOp, kLParen, kRParen, kComma } kind = Kind::kEnd;
  std::string text;
  double number = 0;
  int column = 1;  // from 1 within the expression
};

const std::map<std::string, double>& words() {
  static const std::map<std::string, double> w = {{"working", 0}, {"starved", 1}, {"idle", 1},
                                                  {"blocked", 2}, {"down", 3},    {"off", 4},
                                                  {"setup", 5},   {"true", 1},    {"false", 0}};
  return w;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Expr::Ref>& refs) : text_(text), refs_(refs) {}

  // The tree, or nullptr with error_ / error_column_ set.
  std::shared_ptr<const Expr::Node> parse() {
    if (text_.size() > kMaxText)
      return fail(1, fmt::format("is longer than {} characters", kMaxText));
    if (!tokenize()) return nullptr;
    auto e = parse_or(0);
    if (!e) return nullptr;
    if (peek().kind != Token::Kind::kEnd)
      return fail(peek().column, fmt::format("unexpected \"{}\"", peek().text));
    return e;
  }
  const std::string& error() const { return error_; }
  int error_column() const { return error_column_; }

 private:
  using NodeP = std::shared_ptr<const Expr::Node>;

  NodeP fail(int column, std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
      error_column_ = column;
    }
    return nullptr;
  }

  bool tokenize() {
    std::size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      const int col = static_cast<int>(i) + 1;
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token t;
      t.column = col;
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          (c == '.' && i + 1 < text_.size() &&
           std::isdigit(static_cast<unsigned char>(text_[i + 1])))) {
        const std::string rest(text_.substr(i, 64));
        char* end = nullptr;
        t.number = std::strtod(rest.c_str(), &end);
        const std::size_t n = static_cast<std::size_t>(end - rest.c_str());
        if (n == 0 || !std::isfinite(t.number)) {
          fail(col, "is not a number");
          return false;
        }
        if (i + n < text_.size() &&
            (std::isalpha(static_cast<unsigned char>(text_[i + n])) || text_[i + n] == '_')) {
          fail(col + static_cast<int>(n),
               "numbers take no unit here: write them in the unit plantwin lists for the "
               "quantity (plantwin info)");
          return false;
        }
        t.kind = Token::Kind::kNumber;
        t.text = rest.substr(0, n);
        i += n;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        std::size_t j = i;
        while (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) ||
                                    text_[j] == '_' || text_[j] == '.'))
          ++j;
        t.kind = Token::Kind::kName;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else if (c == '(' || c == ')' || c == ',') {
        t.kind = c == '('   ? Token::Kind::kLParen
                 : c == ')' ? Token::Kind::kRParen
                            : Token::Kind::kComma;
        t.text = std::string(1, c);
        ++i;
      } else {
        static const char* ops[] = {"<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/"};
        bool found = false;
        for (const char* op : ops) {
          const std::string_view o(op);
          if (text_.substr(i, o.size()) == o) {
            t.kind = Token::Kind::kOp;
            t.text = std::string(o);
            i += o.size();
            found = true;
            break;
          }
        }
        if (!found) {
          fail(col, c == '='
                        ? "use == to compare"
                        : fmt::format("unexpected character \"{}\"",
                                      static_cast<unsigned char>(c) < 0x20 ||
                                              static_cast<unsigned char>(c) >= 0x7f
                                          ? fmt::format("\\x{:02x}", static_cast<unsigned char>(c))
                                          : std::string(1, c)));
          return false;
        }
      }
      tokens_.push_back(std::move(t));
    }
    Token end;
    end.column = static_cast<int>(text_.size()) + 1;
    end.text = "the end";
    tokens_.push_back(end);
    return true;
  }

  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() { return tokens_[pos_++]; }
  bool is_word(const char* w) const {
    return peek().kind == Token::Kind::kName && peek().text == w;
  }
  bool is_op(const char* o) const { return peek().kind == Token::Kind::kOp && peek().text == o; }

  static NodeP make(Expr::Node::Op op, std::vector<NodeP> args) {
    auto n = std::make_shared<Expr::Node>();
    n->op = op;
    n->args = std::move(args);
    return n;
  }

  NodeP deeper(int depth) {
    if (depth > kMaxDepth)
      return fail(peek().column, fmt::format("nests deeper than {} levels", kMaxDepth));
    return nullptr;
  }

  NodeP parse_or(int depth) {
    if (depth > kMaxDepth) return deeper(depth);
    NodeP l = parse_and(depth);
    while (l && is_word("or")) {
      next();
      NodeP r = parse_and(depth);
      if (!r) return nullptr;
      l = make(Expr::Node::Op::kOr, {l, r});
    }
    return l;
  }
  NodeP parse_and(int depth) {
    NodeP l = parse_not(depth);
    while (l && is_word("and")) {
      next();
      NodeP r = parse_not(depth);
      if (!r) return nullptr;
      l = make(Expr::Node::Op::kAnd, {l, r});
    }
    return l;
  }
  NodeP parse_not(int depth) {
    if (depth > kMaxDepth) return deeper(depth);
    if (is_word("not")) {
      next();
      NodeP e = parse_not(depth + 1);
      return e ? make(Expr::Node::Op::kNot, {e}) : nullptr;
    }
    return parse_compare(depth);
  }
  NodeP parse_compare(int depth) {
    NodeP l = parse_sum(depth);
    if (!l) return nullptr;
    static const std::map<std::string, Expr::Node::Op> cmp = {
        {"<", Expr::Node::Op::kLt},  {"<=", Expr::Node::Op::kLe}, {">", Expr::Node::Op::kGt},
        {">=", Expr::Node::Op::kGe}, {"==", Expr::Node::Op::kEq}, {"!=", Expr::Node::Op::kNe}};
    if (peek().kind == Token::Kind::kOp && cmp.count(peek().text)) {
      const auto op = cmp.at(next().text);
      NodeP r = parse_sum(depth);
      if (!r) return nullptr;
      l = make(op, {l, r});
      if (peek().kind == Token::Kind::kOp && cmp.count(peek().text))
        return fail(peek().column, "comparisons do not chain: join them with and");
    }
    return l;
  }
  NodeP parse_sum(int depth) {
    NodeP l = parse_product(depth);
    while (l && (is_op("+") || is_op("-"))) {
      const auto op = next().text == "+" ? Expr::Node::Op::kAdd : Expr::Node::Op::kSub;
      NodeP r = parse_product(depth);
      if (!r) return nullptr;
      l = make(op, {l, r});
    }
    return l;
  }
  NodeP parse_product(int depth) {
    NodeP l = parse_unary(depth);
    while (l && (is_op("*") || is_op("/"))) {
      const auto op = next().text == "*" ? Expr::Node::Op::kMul : Expr::Node::Op::kDiv;
      NodeP r = parse_unary(depth);
      if (!r) return nullptr;
      l = make(op, {l, r});
    }
    return l;
  }
  NodeP parse_unary(int depth) {
    if (depth > kMaxDepth) return deeper(depth);
    if (is_op("-")) {
      next();
      NodeP e = parse_unary(depth + 1);
      return e ? make(Expr::Node::Op::kNeg, {e}) : nullptr;
    }
    return parse_primary(depth);
  }
  NodeP parse_primary(int depth) {
    if (depth > kMaxDepth) return deeper(depth);
    const Token t = next();
    switch (t.kind) {
      case Token::Kind::kNumber: {
        if (peek().kind == Token::Kind::kName && peek().text != "and" && peek().text != "or" &&
            peek().text != "not")
          return fail(peek().column,
                      "numbers take no unit here: write them in the unit plantwin lists for the "
                      "quantity (plantwin info)");
        auto n = std::make_shared<Expr::Node>();
        n->number = t.number;
        return n;
      }
      case Token::Kind::kLParen: {
        NodeP e = parse_or(depth + 1);
        if (!e) return nullptr;
        if (peek().kind != Token::Kind::kRParen)
          return fail(peek().column, fmt::format("expected \")\", got \"{}\"", peek().text));
        next();
        return e;
      }
      case Token::Kind::kName:
        return name(t, depth);
      default:
        return fail(t.column,
                    fmt::format("expected a number, a name or \"(\", got \"{}\"", t.text));
    }
  }
  NodeP name(const Token& t, int depth) {
    static const std::map<std::string, Expr::Node::Op> funcs = {{"abs", Expr::Node::Op::kAbs},
                                                                {"min", Expr::Node::Op::kMin},
                                                                {"max", Expr::Node::Op::kMax}};
    const bool call = peek().kind == Token::Kind::kLParen;
    if (call && funcs.count(t.text)) {
      next();
      std::vector<NodeP> args;
      for (;;) {
        NodeP a = parse_or(depth + 1);
        if (!a) return nullptr;
        args.push_back(a);
        if (peek().kind == Token::Kind::kComma) {
          next();
          continue;
        }
        if (peek().kind != Token::Kind::kRParen)
          return fail(peek().column,
                      fmt::format("expected \",\" or \")\", got \"{}\"", peek().text));
        next();
        break;
      }
      const auto op = funcs.at(t.text);
      if (op == Expr::Node::Op::kAbs && args.size() != 1)
        return fail(t.column, "abs takes one value");
      if (op != Expr::Node::Op::kAbs && args.size() < 2)
        return fail(t.column, fmt::format("{} takes two values or more", t.text));
      return make(op, std::move(args));
    }
    if (call && (t.text == "count" || t.text == "mean" || t.text == "lower" || t.text == "upper")) {
      next();
      const Token arg = next();
      if (arg.kind != Token::Kind::kName)
        return fail(arg.column, fmt::format("{}( takes a name, got \"{}\"", t.text, arg.text));
      if (peek().kind != Token::Kind::kRParen)
        return fail(peek().column, fmt::format("expected \")\", got \"{}\"", peek().text));
      next();
      return ref(Expr::Ref{t.text, arg.text, arg.column});
    }
    if (call)
      return fail(t.column, fmt::format("unknown function \"{}\"; known: abs, min, max, count, "
                                        "mean, lower, upper",
                                        t.text));
    if (const auto it = words().find(t.text); it != words().end()) {
      auto n = std::make_shared<Expr::Node>();
      n->number = it->second;
      return n;
    }
    if (t.text == "and" || t.text == "or" || t.text == "not")
      return fail(t.column, fmt::format("expected a value before \"{}\"", t.text));
    if (t.text.front() == '.' || t.text.back() == '.' || t.text.find("..") != std::string::npos)
      return fail(t.column, fmt::format("\"{}\" is not a name such as tank.level", t.text));
    return ref(Expr::Ref{"", t.text, t.column});
  }
  NodeP ref(Expr::Ref r) {
    std::size_t index = refs_.size();
    for (std::size_t i = 0; i < refs_.size(); ++i)
      if (refs_[i].function == r.function && refs_[i].name == r.name) index = i;
    if (index == refs_.size()) refs_.push_back(std::move(r));
    auto n = std::make_shared<Expr::Node>();
    n->op = Expr::Node::Op::kRef;
    n->ref = index;
    return n;
  }

  std::string_view text_;
  std::vector<Expr::Ref>& refs_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::string error_;
  int error_column_ = 1;
};

double eval_node(const Expr::Node& n, const std::function<double(std::size_t)>& ref) {
  using Op = Expr::Node::Op;
  auto a = [&](std::size_t i) { return eval_node(*n.args[i], ref); };
  switch (n.op) {
    case Op::kNumber:
      return n.number;
    case Op::kRef:
      return ref(n.ref);
    case Op::kNeg:
      return -a(0);
    case Op::kNot:
      return a(0) != 0 ? 0 : 1;
    case Op::kAnd:
      return a(0) != 0 && a(1) != 0 ? 1 : 0;
    case Op::kOr:
      return a(0) != 0 || a(1) != 0 ? 1 : 0;
    case Op::kAdd:
      return a(0) + a(1);
    case Op::kSub:
      return a(0) - a(1);
    case Op::kMul:
      return a(0) * a(1);
    case Op::kDiv:
      return a(0) / a(1);
    case Op::kLt:
      return a(0) < a(1) ? 1 : 0;
    case Op::kLe:
      return a(0) <= a(1) ? 1 : 0;
    case Op::kGt:
      return a(0) > a(1) ? 1 : 0;
    case Op::kGe:
      return a(0) >= a(1) ? 1 : 0;
    case Op::kEq:
      return a(0) == a(1) ? 1 : 0;
    case Op::kNe:
      return a(0) != a(1) ? 1 : 0;
    case Op::kAbs:
      return std::abs(a(0));
    case Op::kMin:
    case Op::kMax: {
      double v = a(0);
      for (std::size_t i = 1; i < n.args.size(); ++i)
        v = n.op == Op::kMin ? std::min(v, a(i)) : std::max(v, a(i));
      return v;
    }
  }
  return std::nan("");
}

}  // namespace

std::optional<Expr> Expr::parse(std::string_view text, const SourceLocation& where, bool quoted,
                                const std::string& path, Diagnostics& diag) {
  Expr e;
  e.text_ = std::string(text.substr(0, kMaxText + 1));
  e.where_ = where;
  e.column_offset_ = quoted ? 1 : 0;
  Parser p(e.text_, e.refs_);
  e.root_ = p.parse();
  if (!e.root_) {
    SourceLocation at = where;
    if (at.line > 0) at.column += p.error_column() - 1 + e.column_offset_;
    diag.error(
        at, path,
        fmt::format("\"{}\": {}", e.text_.size() > 80 ? e.text_.substr(0, 77) + "..." : e.text_,
                    p.error()));
    return std::nullopt;
  }
  return e;
}

SourceLocation Expr::location_of(std::size_t i) const {
  SourceLocation at = where_;
  if (at.line > 0) at.column += refs_[i].column - 1 + column_offset_;
  return at;
}

double Expr::eval(const std::function<double(std::size_t)>& ref_value) const {
  return eval_node(*root_, ref_value);
}

}  // namespace plantwin
