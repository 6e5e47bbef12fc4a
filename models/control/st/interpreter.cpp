// Runs a compiled program over an instance's slots: a tree walk over the checked expressions and
// statements, integers computed in 64 bits and wrapped to INT or DINT, a statement budget per
// scan, and the standard function blocks.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <string>

#include "program.h"

namespace plantwin::st {

namespace detail {
namespace {

// Timers count whole nanoseconds: elapsed time and preset are rounded to the nearest one before
// they are compared, and ET is the rounded elapsed time. So a scan at 50 * 0.1 s (not exactly 5 s
// in binary) counts as 5 s, and an ET of 0.1 + 0.1 + 0.1 s equals T#300ms as the decimals say.
double to_ns(double s) {
  return round_half_away(s * 1e9) / 1e9;
}

std::int64_t wrap(Type t, std::int64_t v) {
  if (t == Type::kInt) return static_cast<std::int16_t>(static_cast<std::uint16_t>(v));
  if (t == Type::kDint) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return v;
}

std::string number(double v) {
  if (std::trunc(v) == v && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(v));
  }
  char buf[32];  // the shortest text that reads back as v
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

enum class Flow { kNormal, kExit, kReturn };

struct Exec {
  const Program& p;
  double* s;
  double now;
  std::int64_t budget;
  std::int64_t left;

  // The error paths are cold and out of line: built in place, their strings gave every
  // recursive eval() a large stack frame, and a scan is mostly eval() calls.
  [[noreturn, gnu::cold, gnu::noinline]] void fail(Pos pos, const std::string& message) const {
    throw RuntimeError(p.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                       ": " + message);
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_text(Pos pos, const char* message) const {
    fail(pos, message);
  }
  /// "<before><a><middle><b><after>" with the numbers written as number() writes them.
  [[noreturn, gnu::cold, gnu::noinline]] void fail_numbers(Pos pos, const char* before, double a,
                                                           const char* middle, double b,
                                                           const char* after) const {
    fail(pos, before + number(a) + middle + number(b) + after);
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_budget(Pos pos) const {
    fail(pos,
         "the scan ran more than " + std::to_string(budget) + " statements (an endless loop?)");
  }

  void tick(Pos pos) {
    if (--left < 0) fail_budget(pos);
  }

  const Expr& ex(int e) const { return p.exprs[static_cast<std::size_t>(e)]; }

  // A REAL or TIME-in-milliseconds value as an integer of type `to`, rounded; out of range fails.
  std::int64_t to_integer(const Expr& e, double v, Type to, const char* what) const {
    const double r = std::round(v);
    const double lo = to == Type::kInt ? -32768.0 : -2147483648.0;
    const double hi = to == Type::kInt ? 32767.0 : 2147483647.0;
    if (!(r >= lo && r <= hi)) {
      fail(e.pos, std::string(what) + ": " + number(v) + " is out of range of " + type_name(to));
    }
    return static_cast<std::int64_t>(r);
  }

  double math(const Expr& e, double x, double r, const char* name) const {
    if (std::isnan(r) && !std::isnan(x)) {
      fail(e.pos, std::string(name) + "(" + number(x) + ") is not a number");
    }
    return r;
  }

  double convert(const Expr& e, double v) const {
    const Type from = e.operand, to = e.type;
    // The function's name is put together only for an error (conversions run every scan).
    const auto name = [&] { return std::string(type_name(from)) + "_TO_" + type_name(to); };
    if (to == Type::kBool) return v != 0 ? 1 : 0;
    switch (from) {
      case Type::kBool:
        return v;
      case Type::kInt:
      case Type::kDint:
        if (to == Type::kReal) return v;
        if (to == Type::kTime) return v / 1000;
        return static_cast<double>(wrap(to, static_cast<std::int64_t>(v)));
      case Type::kReal: {
        if (to == Type::kTime) return v / 1000;
        const double r = round_half_away(v);
        const double lo = to == Type::kInt ? -32768.0 : -2147483648.0;
        const double hi = to == Type::kInt ? 32767.0 : 2147483647.0;
        if (r >= lo && r <= hi) return static_cast<double>(static_cast<std::int64_t>(r));
        return static_cast<double>(to_integer(e, v, to, name().c_str()));  // fails, naming it
      }
      case Type::kTime:
        if (to == Type::kReal) return v * 1000;
        if (!(std::fabs(v) < 9e15)) fail(e.pos, name() + ": " + number(v) + " s is out of range");
        return static_cast<double>(wrap(to, static_cast<std::int64_t>(std::round(v * 1000))));
      case Type::kNone:
        break;
    }
    return v;
  }

  double call(const Expr& e) {
    const int* args = p.args.data() + e.first_arg;
    return call_with(e, [&](int i) { return operand(args[i]); });
  }

  // A standard function of expression `e`, its i-th argument from arg(i) (SEL asks only for the
  // one it selects). Out of line: standard functions are a minority of the nodes, and inlined
  // their frame became the caller's.
  template <class Arg>
  [[gnu::noinline]] double call_with(const Expr& e, Arg arg) {
    switch (e.fn) {
      case Fn::kAbs: {
        const double x = arg(0);
        if (e.type == Type::kReal) return std::fabs(x);
        return static_cast<double>(wrap(e.type, static_cast<std::int64_t>(std::fabs(x))));
      }
      case Fn::kSqrt: {
        const double x = arg(0);
        return math(e, x, std::sqrt(x), "SQRT");
      }
      case Fn::kLn: {
        const double x = arg(0);
        return math(e, x, x > 0 ? std::log(x) : NAN, "LN");
      }
      case Fn::kLog: {
        const double x = arg(0);
        return math(e, x, x > 0 ? std::log10(x) : NAN, "LOG");
      }
      case Fn::kExp:
        return std::exp(arg(0));
      case Fn::kSin: {
        const double x = arg(0);
        return math(e, x, std::sin(x), "SIN");
      }
      case Fn::kCos: {
        const double x = arg(0);
        return math(e, x, std::cos(x), "COS");
      }
      case Fn::kTan: {
        const double x = arg(0);
        return math(e, x, std::tan(x), "TAN");
      }
      case Fn::kAsin: {
        const double x = arg(0);
        return math(e, x, std::asin(x), "ASIN");
      }
      case Fn::kAcos: {
        const double x = arg(0);
        return math(e, x, std::acos(x), "ACOS");
      }
      case Fn::kAtan:
        return std::atan(arg(0));
      case Fn::kExpt: {
        const double a = arg(0), b = arg(1);
        const double r = std::pow(a, b);
        if (std::isnan(r) && !std::isnan(a) && !std::isnan(b)) {
          fail(e.pos, "EXPT(" + number(a) + ", " + number(b) + ") is not a number");
        }
        return r;
      }
      case Fn::kTrunc: {
        const double x = std::trunc(arg(0));
        if (!(x >= -2147483648.0 && x <= 2147483647.0)) {
          fail(e.pos, "TRUNC: " + number(x) + " is out of range of DINT");
        }
        return x;
      }
      case Fn::kMin:
      case Fn::kMax: {
        double r = arg(0);
        for (int i = 1; i < e.nargs; ++i) {
          const double x = arg(i);
          if (e.fn == Fn::kMin ? x < r : x > r) r = x;
        }
        return r;
      }
      case Fn::kLimit: {
        const double mn = arg(0), x = arg(1), mx = arg(2);
        return x < mn ? mn : x > mx ? mx : x;
      }
      case Fn::kSel: {
        const double g = arg(0);
        return g != 0 ? arg(2) : arg(1);
      }
      case Fn::kConvert:
        return convert(e, arg(0));
    }
    return 0;
  }

  // eval() with the leaves (variables and literals, most operands) read in place: a scan of a
  // PLC program is mostly leaves, and each saved a recursive call.
  double operand(int i) {
    const Expr& e = ex(i);
    if (e.op == Op::kVar) return s[e.slot];
    if (e.op == Op::kLiteral) return e.value;
    return eval(i);
  }

  double eval(int i) {
    const Expr& e = ex(i);
    switch (e.op) {
      case Op::kLiteral:
        return e.value;
      case Op::kVar:
        return s[e.slot];
      case Op::kNot:
        return operand(e.a) != 0 ? 0 : 1;
      case Op::kNeg: {
        const double a = operand(e.a);
        if (e.type == Type::kReal) return -a;
        return static_cast<double>(wrap(e.type, -static_cast<std::int64_t>(a)));
      }
      // AND and OR skip their right side when the left decides: ST expressions have no side
      // effects, so only a run-time error there (d <> 0 AND 10 / d > 1) could tell.
      case Op::kAnd:
        return (operand(e.a) != 0 && operand(e.b) != 0) ? 1 : 0;
      case Op::kOr:
        return (operand(e.a) != 0 || operand(e.b) != 0) ? 1 : 0;
      case Op::kXor:
        return (operand(e.a) != 0) != (operand(e.b) != 0) ? 1 : 0;
      case Op::kCall:
        return call(e);
      default:
        break;
    }
    const double a = operand(e.a), b = operand(e.b);
    switch (e.op) {
      case Op::kEq:
        return a == b;
      case Op::kNe:
        return a != b;
      case Op::kLt:
        return a < b;
      case Op::kLe:
        return a <= b;
      case Op::kGt:
        return a > b;
      case Op::kGe:
        return a >= b;
      case Op::kPow: {
        const double r = std::pow(a, b);
        if (std::isnan(r) && !std::isnan(a) && !std::isnan(b))
          fail_numbers(e.pos, "", a, " ** ", b, " is not a number");
        return r;
      }
      default:
        break;
    }
    if (e.type == Type::kInt || e.type == Type::kDint) {
      const auto x = static_cast<std::int64_t>(a), y = static_cast<std::int64_t>(b);
      std::int64_t r = 0;
      switch (e.op) {
        case Op::kAdd:
          r = x + y;
          break;
        case Op::kSub:
          r = x - y;
          break;
        case Op::kMul:
          r = x * y;
          break;
        case Op::kDiv:
          if (y == 0) fail_text(e.pos, "division by zero");
          r = x / y;
          break;
        case Op::kMod:
          if (y == 0) fail_text(e.pos, "division by zero (MOD 0)");
          r = x % y;
          break;
        default:
          break;
      }
      return static_cast<double>(wrap(e.type, r));
    }
    switch (e.op) {
      case Op::kAdd:
        return a + b;
      case Op::kSub:
        return a - b;
      case Op::kMul:
        return a * b;
      case Op::kDiv:
        if (b == 0) fail_text(e.pos, "division by zero");
        return a / b;
      default:
        break;
    }
    return 0;
  }

  void run_fb(const Stmt& st) {
    double* f = s + st.fb_base;
    const bool in = f[0] != 0;
    switch (st.fb) {
      case FbKind::kTon: {  // IN PT Q ET | running start
        if (!in) {
          f[2] = f[3] = f[4] = 0;
          break;
        }
        const double pt = to_ns(std::max(f[1], 0.0));
        if (f[4] == 0) {
          f[4] = 1;
          f[5] = now;
        }
        const double el = to_ns(now - f[5]);
        f[2] = el >= pt;
        f[3] = f[2] != 0 ? pt : el;
        break;
      }
      case FbKind::kTof: {  // IN PT Q ET | running start prev
        const double pt = to_ns(std::max(f[1], 0.0));
        if (in) {
          f[2] = 1;
          f[3] = f[4] = 0;
        } else if (f[6] != 0) {
          f[4] = 1;
          f[5] = now;
        }
        if (!in && f[4] != 0) {
          const double el = to_ns(now - f[5]);
          if (el >= pt) {
            f[2] = f[4] = 0;
            f[3] = pt;
          } else {
            f[3] = el;
          }
        }
        f[6] = in;
        break;
      }
      case FbKind::kTp: {  // IN PT Q ET | running start prev
        const double pt = to_ns(std::max(f[1], 0.0));
        if (f[4] == 0 && in && f[6] == 0) {
          f[4] = 1;
          f[5] = now;
        }
        if (f[4] != 0) {
          const double el = to_ns(now - f[5]);
          if (el >= pt) {
            f[2] = f[4] = 0;
            f[3] = pt;
          } else {
            f[2] = 1;
            f[3] = el;
          }
        }
        if (f[4] == 0 && !in) f[3] = 0;
        f[6] = in;
        break;
      }
      case FbKind::kRTrig:  // CLK Q | M
        f[1] = in && f[2] == 0;
        f[2] = in;
        break;
      case FbKind::kFTrig:  // CLK Q | M
        f[1] = !in && f[2] != 0;
        f[2] = in;
        break;
      case FbKind::kCtu: {  // CU R PV Q CV | M
        const bool rise = in && f[5] == 0;
        f[5] = in;
        if (f[1] != 0)
          f[4] = 0;
        else if (rise && f[4] < 32767)
          f[4] += 1;
        f[3] = f[4] >= f[2];
        break;
      }
      case FbKind::kCtd: {  // CD LD PV Q CV | M
        const bool rise = in && f[5] == 0;
        f[5] = in;
        if (f[1] != 0)
          f[4] = f[2];
        else if (rise && f[4] > -32768)
          f[4] -= 1;
        f[3] = f[4] <= 0;
        break;
      }
      case FbKind::kSr:  // S1 R Q1
        f[2] = in || (f[1] == 0 && f[2] != 0);
        break;
      case FbKind::kRs:  // S R1 Q1
        f[2] = f[1] == 0 && (in || f[2] != 0);
        break;
    }
  }

  // Runs the lowered code (program.h, lower.cpp): what run(p.body) does, operation by operation.
  // Each operation jumps straight to the next one's handler (a computed goto, a GNU extension
  // that GCC and Clang both have): one indirect jump per operation, each at its own place, which
  // the processor predicts far better than the single jump of a switch in a loop.
#pragma GCC diagnostic push
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wgnu-label-as-value"
#else
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
  void run_code() {
    const Vm& v = p.vm;
    const Ins* const code = v.code.data();
    static const void* const handlers[] = {
        &&op_nop,   &&op_end,   &&op_mov,      &&op_bool,     &&op_not,      &&op_neg_r,
        &&op_neg_i, &&op_eq,    &&op_ne,       &&op_lt,       &&op_le,       &&op_gt,
        &&op_ge,    &&op_xor,   &&op_add_r,    &&op_sub_r,    &&op_mul_r,    &&op_div_r,
        &&op_int,   &&op_int,   &&op_int,      &&op_int,      &&op_int,      &&op_zero,
        &&op_pow,   &&op_call,  &&op_convert,  &&op_jmp,      &&op_jz,       &&op_jnz,
        &&op_jn_eq, &&op_jn_ne, &&op_jn_lt,    &&op_jn_le,    &&op_jn_gt,    &&op_jn_ge,
        &&op_case,  &&op_fb,    &&op_for_init, &&op_for_test, &&op_for_step, &&op_for_end};
    static_assert(std::size(handlers) == static_cast<std::size_t>(Code::kForEnd) + 1,
                  "a handler for every operation, in the order of Code");
    static_assert(static_cast<int>(Code::kAddI) == 18 && static_cast<int>(Code::kModI) == 22 &&
                      static_cast<int>(Code::kJnEq) == 30 && static_cast<int>(Code::kCase) == 36,
                  "the table above follows Code");
    const Ins* in = code;
#define PLANTWIN_ST_NEXT()                                                    \
  do {                                                                        \
    if (in->ticks != 0 && (left -= in->ticks) < 0) fail_budget(in->tick_pos); \
    goto* handlers[static_cast<std::size_t>(in->op)];                         \
  } while (false)
#define PLANTWIN_ST_GO(target)                       \
  do {                                               \
    in = code + static_cast<std::ptrdiff_t>(target); \
    PLANTWIN_ST_NEXT();                              \
  } while (false)
#define PLANTWIN_ST_STEP() \
  do {                     \
    ++in;                  \
    PLANTWIN_ST_NEXT();    \
  } while (false)
    PLANTWIN_ST_NEXT();
  op_nop:
    PLANTWIN_ST_STEP();
  op_end:
    return;
  op_mov:
    s[in->dst] = s[in->a];
    PLANTWIN_ST_STEP();
  op_bool:
    s[in->dst] = s[in->a] != 0 ? 1 : 0;
    PLANTWIN_ST_STEP();
  op_not:
    s[in->dst] = s[in->a] != 0 ? 0 : 1;
    PLANTWIN_ST_STEP();
  op_neg_r:
    s[in->dst] = -s[in->a];
    PLANTWIN_ST_STEP();
  op_neg_i:
    s[in->dst] = static_cast<double>(wrap(in->type, -static_cast<std::int64_t>(s[in->a])));
    PLANTWIN_ST_STEP();
  op_eq:
    s[in->dst] = s[in->a] == s[in->b];
    PLANTWIN_ST_STEP();
  op_ne:
    s[in->dst] = s[in->a] != s[in->b];
    PLANTWIN_ST_STEP();
  op_lt:
    s[in->dst] = s[in->a] < s[in->b];
    PLANTWIN_ST_STEP();
  op_le:
    s[in->dst] = s[in->a] <= s[in->b];
    PLANTWIN_ST_STEP();
  op_gt:
    s[in->dst] = s[in->a] > s[in->b];
    PLANTWIN_ST_STEP();
  op_ge:
    s[in->dst] = s[in->a] >= s[in->b];
    PLANTWIN_ST_STEP();
  op_xor:
    s[in->dst] = (s[in->a] != 0) != (s[in->b] != 0) ? 1 : 0;
    PLANTWIN_ST_STEP();
  op_add_r:
    s[in->dst] = s[in->a] + s[in->b];
    PLANTWIN_ST_STEP();
  op_sub_r:
    s[in->dst] = s[in->a] - s[in->b];
    PLANTWIN_ST_STEP();
  op_mul_r:
    s[in->dst] = s[in->a] * s[in->b];
    PLANTWIN_ST_STEP();
  op_div_r:
    if (s[in->b] == 0) fail_text(in->pos, "division by zero");
    s[in->dst] = s[in->a] / s[in->b];
    PLANTWIN_ST_STEP();
  op_int : {
    const auto x = static_cast<std::int64_t>(s[in->a]);
    const auto y = static_cast<std::int64_t>(s[in->b]);
    std::int64_t r = 0;
    if (in->op == Code::kAddI) {
      r = x + y;
    } else if (in->op == Code::kSubI) {
      r = x - y;
    } else if (in->op == Code::kMulI) {
      r = x * y;
    } else if (in->op == Code::kDivI) {
      if (y == 0) fail_text(in->pos, "division by zero");
      r = x / y;
    } else {
      if (y == 0) fail_text(in->pos, "division by zero (MOD 0)");
      r = x % y;
    }
    s[in->dst] = static_cast<double>(wrap(in->type, r));
    PLANTWIN_ST_STEP();
  }
  op_zero:
    s[in->dst] = 0;
    PLANTWIN_ST_STEP();
  op_pow : {
    const double a = s[in->a], b = s[in->b];
    const double r = std::pow(a, b);
    if (std::isnan(r) && !std::isnan(a) && !std::isnan(b))
      fail_numbers(in->pos, "", a, " ** ", b, " is not a number");
    s[in->dst] = r;
    PLANTWIN_ST_STEP();
  }
  op_call : {
    const int* args = v.args.data() + in->a;
    s[in->dst] = call_with(ex(in->expr), [&](int i) { return s[args[i]]; });
    PLANTWIN_ST_STEP();
  }
  op_convert:
    s[in->dst] = convert(ex(in->expr), s[in->a]);
    PLANTWIN_ST_STEP();
  op_jmp:
    PLANTWIN_ST_GO(in->a);
  op_jz:
    if (s[in->a] == 0) PLANTWIN_ST_GO(in->b);
    PLANTWIN_ST_STEP();
  op_jnz:
    if (s[in->a] != 0) PLANTWIN_ST_GO(in->b);
    PLANTWIN_ST_STEP();
  op_jn_eq:
    if (!(s[in->a] == s[in->b])) PLANTWIN_ST_GO(in->c);
    PLANTWIN_ST_STEP();
  op_jn_ne:
    if (!(s[in->a] != s[in->b])) PLANTWIN_ST_GO(in->c);
    PLANTWIN_ST_STEP();
  op_jn_lt:
    if (!(s[in->a] < s[in->b])) PLANTWIN_ST_GO(in->c);
    PLANTWIN_ST_STEP();
  op_jn_le:
    if (!(s[in->a] <= s[in->b])) PLANTWIN_ST_GO(in->c);
    PLANTWIN_ST_STEP();
  op_jn_gt:
    if (!(s[in->a] > s[in->b])) PLANTWIN_ST_GO(in->c);
    PLANTWIN_ST_STEP();
  op_jn_ge:
    if (!(s[in->a] >= s[in->b])) PLANTWIN_ST_GO(in->c);
    PLANTWIN_ST_STEP();
  op_case : {
    const auto sel = static_cast<std::int64_t>(s[in->a]);
    const VmCase& c = v.cases[static_cast<std::size_t>(in->b)];
    for (std::size_t k = 0; k < c.ranges.size(); ++k)
      if (sel >= c.ranges[k].lo && sel <= c.ranges[k].hi) PLANTWIN_ST_GO(c.targets[k]);
    PLANTWIN_ST_GO(c.otherwise);
  }
  op_fb:
    run_fb(p.stmts[static_cast<std::size_t>(in->stmt)]);
    PLANTWIN_ST_STEP();
  op_for_init : {
    double* loop = s + in->dst;  // k, to, by
    loop[0] = static_cast<double>(static_cast<std::int64_t>(s[in->a]));
    loop[1] = static_cast<double>(static_cast<std::int64_t>(s[in->b]));
    const std::int64_t by = in->c >= 0 ? static_cast<std::int64_t>(s[in->c]) : 1;
    if (by == 0) fail_text(in->pos, "the FOR step is 0: the loop would never end");
    loop[2] = static_cast<double>(by);
    PLANTWIN_ST_STEP();
  }
  op_for_test : {
    const double* loop = s + in->a;
    const auto k = static_cast<std::int64_t>(loop[0]);
    const auto to = static_cast<std::int64_t>(loop[1]);
    const auto by = static_cast<std::int64_t>(loop[2]);
    if (!(by > 0 ? k <= to : k >= to)) PLANTWIN_ST_GO(in->b);
    s[in->dst] = static_cast<double>(wrap(in->type, k));
    PLANTWIN_ST_STEP();
  }
  op_for_step : {
    double* loop = s + in->a;
    loop[0] = static_cast<double>(static_cast<std::int64_t>(loop[0]) +
                                  static_cast<std::int64_t>(loop[2]));
    PLANTWIN_ST_GO(in->b);
  }
  op_for_end:
    s[in->dst] = static_cast<double>(wrap(in->type, static_cast<std::int64_t>(s[in->a])));
    PLANTWIN_ST_STEP();
#undef PLANTWIN_ST_STEP
#undef PLANTWIN_ST_GO
#undef PLANTWIN_ST_NEXT
  }
#pragma GCC diagnostic pop

  Flow run(const std::vector<int>& list) {
    for (const int i : list) {
      const Flow f = stmt(p.stmts[static_cast<std::size_t>(i)]);
      if (f != Flow::kNormal) return f;
    }
    return Flow::kNormal;
  }

  Flow stmt(const Stmt& st) {
    tick(st.pos);
    switch (st.kind) {
      case StmtKind::kAssign:
        s[st.slot] = operand(st.expr);
        break;
      case StmtKind::kFbCall:
        for (const auto& a : st.args) {
          if (a.expr >= 0) s[a.slot] = operand(a.expr);
        }
        run_fb(st);
        for (const auto& a : st.args) {
          if (a.target >= 0) s[a.target] = s[a.slot];
        }
        break;
      case StmtKind::kIf:
        for (std::size_t k = 0; k < st.bodies.size(); ++k) {
          if (k >= st.conds.size() || operand(st.conds[k]) != 0) return run(st.bodies[k]);
        }
        break;
      case StmtKind::kCase: {
        const auto v = static_cast<std::int64_t>(operand(st.expr));
        for (const auto& b : st.branches) {
          for (const auto& r : b.labels) {
            if (v >= r.lo && v <= r.hi) return run(b.body);
          }
        }
        if (st.has_else) return run(st.bodies[0]);
        break;
      }
      case StmtKind::kFor: {
        auto k = static_cast<std::int64_t>(operand(st.conds[0]));
        const auto to = static_cast<std::int64_t>(operand(st.conds[1]));
        const std::int64_t by =
            st.conds[2] >= 0 ? static_cast<std::int64_t>(operand(st.conds[2])) : 1;
        if (by == 0) fail(ex(st.conds[2]).pos, "the FOR step is 0: the loop would never end");
        while (by > 0 ? k <= to : k >= to) {
          s[st.slot] = static_cast<double>(wrap(st.type, k));
          const Flow f = run(st.bodies[0]);
          if (f == Flow::kReturn) return f;
          if (f == Flow::kExit) return Flow::kNormal;
          tick(st.pos);
          k += by;
        }
        s[st.slot] = static_cast<double>(wrap(st.type, k));
        break;
      }
      case StmtKind::kWhile:
        while (operand(st.conds[0]) != 0) {
          const Flow f = run(st.bodies[0]);
          if (f == Flow::kReturn) return f;
          if (f == Flow::kExit) break;
          tick(st.pos);
        }
        break;
      case StmtKind::kRepeat:
        while (true) {
          const Flow f = run(st.bodies[0]);
          if (f == Flow::kReturn) return f;
          if (f == Flow::kExit) break;
          if (operand(st.conds[0]) != 0) break;
          tick(st.pos);
        }
        break;
      case StmtKind::kExit:
        return Flow::kExit;
      case StmtKind::kReturn:
        return Flow::kReturn;
    }
    return Flow::kNormal;
  }
};

}  // namespace
}  // namespace detail

Instance::Instance(std::shared_ptr<const Program> program) : program_(std::move(program)) {
  if (!program_) throw std::invalid_argument("st::Instance: no program (compile reported errors?)");
  slots_ = program_->initial;
  // The lowered code's temporaries, loop states and constants follow the program's slots.
  const detail::Vm& vm = program_->vm;
  slots_.resize(static_cast<std::size_t>(vm.slots), 0.0);
  std::copy(vm.constants.begin(), vm.constants.end(), slots_.begin() + vm.const_base);
}

const std::vector<Instance::Var>& Instance::variables() const {
  return program_->vars;
}

int Instance::find(std::string_view name) const {
  auto up = [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; };
  const auto& vars = program_->vars;
  for (std::size_t i = 0; i < vars.size(); ++i) {
    const std::string& n = vars[i].name;
    if (n.size() != name.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < n.size() && same; ++k) same = up(n[k]) == up(name[k]);
    if (same) return static_cast<int>(i);
  }
  return -1;
}

namespace {
// The errors of Instance::set, out of line: set() runs for every input of every scan.
[[noreturn, gnu::cold, gnu::noinline]] void refuse(const Instance::Var& v, double value,
                                                   const char* unit) {
  const std::string who = std::string(detail::type_name(static_cast<detail::Type>(v.type))) +
                          " variable '" + v.name + "'";
  if (std::isnan(value) && v.type == Instance::Var::Type::kBool)
    throw std::invalid_argument(who + " cannot be NaN");
  throw std::invalid_argument(who + " cannot hold " + detail::number(value) + unit);
}
[[noreturn, gnu::cold, gnu::noinline]] void no_variable(const char* where, int var) {
  throw std::out_of_range(std::string(where) + ": no variable " + std::to_string(var));
}
}  // namespace

void Instance::set(int var, double value) {
  const auto& vars = program_->vars;
  if (var < 0 || static_cast<std::size_t>(var) >= vars.size())
    no_variable("st::Instance::set", var);
  const Var& v = vars[static_cast<std::size_t>(var)];
  double x = value;
  switch (v.type) {
    case Var::Type::kBool:
      if (std::isnan(value)) refuse(v, value, "");
      x = value != 0 ? 1 : 0;
      break;
    case Var::Type::kInt:
    case Var::Type::kDint: {
      x = detail::round_half_away(value);
      const double lo = v.type == Var::Type::kInt ? -32768.0 : -2147483648.0;
      const double hi = v.type == Var::Type::kInt ? 32767.0 : 2147483647.0;
      if (!(x >= lo && x <= hi)) refuse(v, value, "");
      break;
    }
    case Var::Type::kReal:
      break;
    case Var::Type::kTime:
      if (!(value >= 0) || std::isinf(value)) refuse(v, value, " s");
      break;
  }
  slots_[static_cast<std::size_t>(program_->var_slots[static_cast<std::size_t>(var)])] = x;
}

double Instance::get(int var) const {
  if (var < 0 || static_cast<std::size_t>(var) >= program_->vars.size())
    no_variable("st::Instance::get", var);
  return slots_[static_cast<std::size_t>(program_->var_slots[static_cast<std::size_t>(var)])];
}

void Instance::set_budget(std::int64_t statements) {
  if (statements <= 0) {
    throw std::invalid_argument("st::Instance::set_budget: the budget must be positive, got " +
                                std::to_string(statements));
  }
  budget_ = statements;
}

void Instance::scan(double now_s) {
  begin_scan(now_s);
  detail::Exec ex{*program_, slots_.data(), now_s, budget_, budget_};
  ex.run_code();
}

void Instance::scan_reference(double now_s) {
  begin_scan(now_s);
  detail::Exec ex{*program_, slots_.data(), now_s, budget_, budget_};
  ex.run(program_->body);
}

void Instance::begin_scan(double now_s) {
  if (!std::isfinite(now_s)) {
    throw std::invalid_argument("st::Instance::scan: time " + detail::number(now_s) +
                                " s is not finite");
  }
  if (scanned_ && now_s < last_now_s_) {
    throw std::invalid_argument("st::Instance::scan: time went back from " +
                                detail::number(last_now_s_) + " s to " + detail::number(now_s) +
                                " s");
  }
  scanned_ = true;
  last_now_s_ = now_s;
}

}  // namespace plantwin::st
