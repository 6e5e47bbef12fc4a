#pragma once
/// Expressions over a run's signals and KPIs: the conditions of expectations (`plantwin test`)
/// and of sequence transitions.
///
///     expr    := or
///     or      := and { "or" and }
///     and     := not { "and" not }
///     not     := "not" not | compare
///     compare := sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum ]
///     sum     := product { ("+" | "-") product }
///     product := unary { ("*" | "/") unary }
///     unary   := "-" unary | primary
///     primary := NUMBER | NAME | WORD | FUNC "(" expr { "," expr } ")" | REF "(" NAME ")"
///                | "(" expr ")"
///
/// NAME is a dotted signal or KPI name (`tank.level`, `line.throughput`); WORD is a machine
/// state (`working`, `starved`, `idle`, `blocked`, `down`, `off`, the codes of a `state`
/// signal) or `true` / `false`; FUNC is abs, min or max; REF is count (events of a kind:
/// `count(over_temperature)`, or of one component: `count(room.over_temperature)`), mean,
/// lower or upper (a KPI's mean and interval bounds over replications). Numbers are in the
/// unit plantwin lists for the quantity (`plantwin info`), without a unit. A comparison is 1
/// when true, 0 when false; `and`, `or`, `not` take any non-zero value as true.
///
/// Text is bounded (4096 characters, nesting 64 deep): a scenario cannot exhaust the stack.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantwin/scenario.h"

namespace plantwin {

class Expr {
 public:
  /// A reference the expression reads: a NAME, or REF(NAME) with `function` set.
  struct Ref {
    std::string function;  ///< "" for a plain name; else "count", "mean", "lower", "upper"
    std::string name;
    int column = 0;  ///< where it is written, from 1, within the expression's text
    std::string text() const { return function.empty() ? name : function + "(" + name + ")"; }
  };

  /// Parses `text`, written at `where` in the scenario (a YAML scalar; `quoted` when it was in
  /// quotes, which moves its columns by one) under key path `path`. Errors go to `diag` with
  /// the column of the token at fault; returns nullopt then.
  static std::optional<Expr> parse(std::string_view text, const SourceLocation& where, bool quoted,
                                   const std::string& path, Diagnostics& diag);

  /// What it reads, in order of first appearance (each once).
  const std::vector<Ref>& refs() const { return refs_; }
  /// The location of reference `i` in the scenario (for errors about it).
  SourceLocation location_of(std::size_t i) const;
  /// The value, given the value of each reference (by index into refs()).
  double eval(const std::function<double(std::size_t)>& ref_value) const;
  const std::string& text() const { return text_; }

  struct Node;  // the parsed tree (expr.cpp)

 private:
  std::string text_;
  SourceLocation where_;
  int column_offset_ = 0;
  std::vector<Ref> refs_;
  std::shared_ptr<const Node> root_;
};

}  // namespace plantwin
