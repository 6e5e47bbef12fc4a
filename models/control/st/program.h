#pragma once
// The compiled form of a Structured Text program: resolved, type-checked expression and statement
// trees that index into one flat array of variable slots (a double each). Built by compiler.cpp,
// run by interpreter.cpp.

#include <cstdint>
#include <string>
#include <vector>

#include "plantwin/models/st.h"

namespace plantwin::st::detail {

// Limits (docs/structured_text.md).
constexpr std::size_t kMaxSourceBytes = 1 << 20;
constexpr int kMaxNesting = 100;     // statements inside statements, parentheses inside parentheses
constexpr int kMaxExprDepth = 1000;  // depth of one expression tree (a+b+c+... is a deep tree)
constexpr int kMaxSlots = 65536;     // variables and function block fields together
constexpr std::size_t kMaxErrors = 100;

enum class Type : std::uint8_t { kBool, kInt, kDint, kReal, kTime, kNone };
const char* type_name(Type t);

struct Pos {
  int line = 1, column = 1;
};

// Function block kinds and their fields. Inputs come first, then outputs, then internal state.
enum class FbKind : std::uint8_t { kTon, kTof, kTp, kRTrig, kFTrig, kCtu, kCtd, kSr, kRs };

struct FbField {
  const char* name;
  Type type;
  bool input;
};

struct FbInfo {
  FbKind kind;
  const char* name;
  std::vector<FbField> fields;  // inputs and outputs, as the program sees them
  int internal;                 // hidden state slots after the fields
};

const std::vector<FbInfo>& fb_table();

enum class Op : std::uint8_t {
  kLiteral,
  kVar,
  kNeg,
  kNot,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kXor,
  kCall,  // a standard function: fn, args
};

enum class Fn : std::uint8_t {
  kAbs,
  kSqrt,
  kLn,
  kLog,
  kExp,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kExpt,
  kTrunc,
  kMin,
  kMax,
  kLimit,
  kSel,
  kConvert,  // X_TO_Y: the node's type is Y, the argument's type X
};

struct Expr {
  Op op = Op::kLiteral;
  Type type = Type::kNone;     // of the result
  Type operand = Type::kNone;  // of the operands after widening (arithmetic and comparisons)
  Fn fn = Fn::kAbs;
  Pos pos;
  double value = 0;              // kLiteral
  int slot = -1;                 // kVar
  int a = -1, b = -1;            // operands
  int first_arg = 0, nargs = 0;  // kCall: indices into Program::args
};

enum class StmtKind : std::uint8_t {
  kAssign,
  kFbCall,
  kIf,
  kCase,
  kFor,
  kWhile,
  kRepeat,
  kExit,
  kReturn
};

struct FbCallArg {
  int slot;         // the input field or, for an output (=>), the output field
  int expr = -1;    // an input's value
  int target = -1;  // an output's destination slot
  Type target_type = Type::kNone;
  Type field_type = Type::kNone;
};

struct CaseRange {
  std::int64_t lo, hi;
};

struct CaseBranch {
  std::vector<CaseRange> labels;
  std::vector<int> body;
};

struct Stmt {
  StmtKind kind = StmtKind::kAssign;
  Pos pos;
  // kAssign: slot := expr (the value converted to type); kFor: slot is the control variable.
  int slot = -1;
  Type type = Type::kNone;
  int expr = -1;
  // kFbCall
  FbKind fb = FbKind::kTon;
  int fb_base = -1;
  std::vector<FbCallArg> args;
  // kIf: conds[i] guards bodies[i]; a last body without a condition is the ELSE.
  // kWhile: conds[0]; kRepeat: conds[0] is UNTIL; kFor: conds = {from, to, by or -1}.
  std::vector<int> conds;
  std::vector<std::vector<int>> bodies;
  // kCase: expr is the selector, bodies[0] (if has_else) the ELSE.
  std::vector<CaseBranch> branches;
  bool has_else = false;
};

struct Slot {
  Type type;
};

}  // namespace plantwin::st::detail

namespace plantwin::st {

class Program {
 public:
  std::string file;
  std::string name;
  std::vector<Instance::Var> vars;  // the listed variables
  std::vector<int> var_slots;       // slot of each listed variable
  std::vector<detail::Type> slot_types;
  std::vector<double> initial;  // every slot's initial value
  std::vector<detail::Expr> exprs;
  std::vector<int> args;
  std::vector<detail::Stmt> stmts;
  std::vector<int> body;
};

}  // namespace plantwin::st
