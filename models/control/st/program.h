#pragma once
// The compiled form of a Structured Text program: resolved, type-checked expression and statement
// trees that index into one flat array of variable slots (a double each). Built by compiler.cpp,
// run by interpreter.cpp.

#include <cmath>
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

/// std::round (halves away from zero), without its library call where that is exact: below
/// 2^52 the fraction x - trunc(x) is exact, and at or above it every double is an integer.
/// Timers and integer inputs round at every scan.
inline double round_half_away(double x) {
  if (!(std::fabs(x) < 4503599627370496.0)) return std::round(x);  // large, infinite or NaN
  double t = static_cast<double>(static_cast<std::int64_t>(x));
  const double fraction = x - t;
  if (fraction >= 0.5)
    t += 1;
  else if (fraction <= -0.5)
    t -= 1;
  return std::copysign(t, x);  // -0.3 rounds to -0, as std::round gives
}
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

// The form a scan runs: the checked trees lowered to a flat code over the slots (lower.cpp), run
// by one loop (interpreter.cpp). Every operand is a slot: variables keep theirs, literals get
// constant slots and intermediate results temporary ones after the program's, so an operation
// reads its operands without asking what they are. The trees stay: they give the errors their
// places and are the reference the code is tested against (Instance::scan_reference).
enum class Code : std::uint8_t {
  kNop,  // carries a statement's tick where its first operation is a loop's head
  kEnd,
  kMov,
  kBool,  // dst := a <> 0
  kNot,
  kNegR,
  kNegI,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kXor,
  kAddR,
  kSubR,
  kMulR,
  kDivR,
  kAddI,
  kSubI,
  kMulI,
  kDivI,
  kModI,
  kZero,  // dst := 0 (what the trees give for MOD of REALs, which the compiler refuses)
  kPow,
  kCall,     // a standard function, expression `expr`; its argument slots at args[a .. a + b)
  kConvert,  // dst := the conversion `expr` of a
  kJmp,      // to a
  kJz,       // to b when slot a is 0
  kJnz,      // to b when slot a is not 0
  kJnEq,     // to c unless a = b (a condition that is a comparison, in one operation)
  kJnNe,
  kJnLt,
  kJnLe,
  kJnGt,
  kJnGe,
  kCase,     // selector a, table cases[b]
  kFb,       // the function block call, statement `stmt`
  kForInit,  // loop state at dst (k, to, by): from a, to b, by c (-1: 1); a step of 0 fails
  kForTest,  // loop state a: done -> to b; else the control variable dst := k (type)
  kForStep,  // loop state a: k += by, then to b
  kForEnd,   // loop state a: the control variable dst := k (type) once the loop is done
};

struct Ins {
  Code op = Code::kNop;
  std::uint8_t ticks = 0;  // statements that begin here (charged to the budget before it runs)
  Type type = Type::kNone;
  int dst = -1, a = -1, b = -1, c = -1;
  Pos pos;        // of the expression, for its run-time errors
  Pos tick_pos;   // of the statement that begins here, for the budget's error
  int expr = -1;  // kCall, kConvert: the expression (Program::exprs)
  int stmt = -1;  // kFb: the statement (Program::stmts)
};

struct VmCase {
  std::vector<CaseRange> ranges;  // every label of every branch, in source order
  std::vector<int> targets;       // where each range's branch begins
  int otherwise = -1;             // the ELSE, or the end of the CASE
};

struct Vm {
  std::vector<Ins> code;
  std::vector<int> args;  // argument slots of kCall
  std::vector<VmCase> cases;
  int slots = 0;                  // program slots + temporaries + loop states + constants
  int const_base = 0;             // where the constants begin
  std::vector<double> constants;  // their values
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
  detail::Vm vm;  // the lowered form (lower.cpp), built once the trees are complete
};

namespace detail {
/// Lowers the program's checked trees into `program.vm`.
void lower(Program& program);
}  // namespace detail

}  // namespace plantwin::st
