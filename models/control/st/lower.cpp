// Lowers a compiled program's checked trees into the flat code a scan runs (program.h, Vm): one
// pass over the statements, expressions evaluated into slots (a variable's own, a constant's, or
// a temporary reused from one statement to the next), IF, CASE and the loops as jumps, AND and OR
// as jumps that skip their right side when the left decides, SEL evaluating only the input it
// selects: what the trees do, in the same order, so a program gives the same values and the
// same errors either way (st_test runs both; fuzz_st compares them).

#include <cstring>
#include <map>

#include "program.h"

namespace plantwin::st::detail {
namespace {

// While lowering, slots that are not the program's carry a tag; they are placed after the
// program's once their numbers are known. Jump targets and table indices stay below the tags
// (the code of a 1 MB source has far fewer than 2^28 operations).
constexpr int kTempTag = 1 << 28;
constexpr int kLoopTag = 1 << 29;
constexpr int kConstTag = 1 << 30;

class Lowering {
 public:
  explicit Lowering(Program& p) : p_(p), vm_(p.vm) {}

  void run() {
    vm_ = Vm{};
    block(p_.body);
    emit(Code::kEnd);
    place();
  }

 private:
  const Expr& ex(int i) const { return p_.exprs[static_cast<std::size_t>(i)]; }
  int here() const { return static_cast<int>(vm_.code.size()); }

  Ins& emit(Code op) {
    Ins in;
    in.op = op;
    if (tick_) {
      in.ticks = 1;
      in.tick_pos = tick_pos_;
      tick_ = false;
    }
    vm_.code.push_back(in);
    return vm_.code.back();
  }
  Ins& emit(Code op, int dst, int a, int b = -1) {
    Ins& in = emit(op);
    in.dst = dst;
    in.a = a;
    in.b = b;
    return in;
  }
  /// The statement that begins now is charged to the budget by the next operation emitted.
  void begin_statement(Pos pos) {
    tick_ = true;
    tick_pos_ = pos;
  }
  /// A statement whose first operation is a loop's head: its own tick goes on a kNop before it.
  void tick_alone() {
    if (tick_) emit(Code::kNop);
  }

  int constant(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    const auto [it, added] = constants_.emplace(bits, static_cast<int>(vm_.constants.size()));
    if (added) vm_.constants.push_back(v);
    return kConstTag + it->second;
  }
  int temp() {
    const int t = temps_++;
    max_temps_ = std::max(max_temps_, temps_);
    return kTempTag + t;
  }
  /// Temporaries are free again once a statement's expression has been used.
  void release_temps() { temps_ = 0; }

  /// Emits the evaluation of expression `i`; the value ends up in `dst` when it is given
  /// (>= 0), otherwise in the slot returned (a variable's, a constant's or a temporary).
  int expr(int i, int dst = -1) {
    const Expr& e = ex(i);
    if (e.op == Op::kVar || e.op == Op::kLiteral) {
      const int s = e.op == Op::kVar ? e.slot : constant(e.value);
      if (dst >= 0 && dst != s) emit(Code::kMov, dst, s);
      return dst >= 0 ? dst : s;
    }
    switch (e.op) {
      case Op::kAnd:
      case Op::kOr: {
        const bool is_and = e.op == Op::kAnd;
        const int a = expr(e.a);
        const int out = dst >= 0 ? dst : temp();
        const int decided = here();
        emit(is_and ? Code::kJz : Code::kJnz, -1, a);
        const int b = expr(e.b);
        emit(Code::kBool, out, b);
        const int skip = here();
        emit(Code::kJmp, -1, -1);
        vm_.code[static_cast<std::size_t>(decided)].b = here();
        if (is_and)
          emit(Code::kZero, out, -1);
        else
          emit(Code::kBool, out, a);
        vm_.code[static_cast<std::size_t>(skip)].a = here();
        return out;
      }
      case Op::kCall:
        return call(i, dst);
      default:
        break;
    }
    if (e.op == Op::kNot || e.op == Op::kNeg) {
      const int a = expr(e.a);
      const int out = dst >= 0 ? dst : temp();
      Code op = Code::kNot;
      if (e.op == Op::kNeg) op = e.type == Type::kReal ? Code::kNegR : Code::kNegI;
      Ins& in = emit(op, out, a);
      in.type = e.type;
      in.pos = e.pos;
      return out;
    }
    const int a = expr(e.a);
    const int b = expr(e.b);
    const int out = dst >= 0 ? dst : temp();
    const bool integer = e.type == Type::kInt || e.type == Type::kDint;
    Code op = Code::kZero;
    switch (e.op) {
      case Op::kEq:
        op = Code::kEq;
        break;
      case Op::kNe:
        op = Code::kNe;
        break;
      case Op::kLt:
        op = Code::kLt;
        break;
      case Op::kLe:
        op = Code::kLe;
        break;
      case Op::kGt:
        op = Code::kGt;
        break;
      case Op::kGe:
        op = Code::kGe;
        break;
      case Op::kXor:
        op = Code::kXor;
        break;
      case Op::kPow:
        op = Code::kPow;
        break;
      case Op::kAdd:
        op = integer ? Code::kAddI : Code::kAddR;
        break;
      case Op::kSub:
        op = integer ? Code::kSubI : Code::kSubR;
        break;
      case Op::kMul:
        op = integer ? Code::kMulI : Code::kMulR;
        break;
      case Op::kDiv:
        op = integer ? Code::kDivI : Code::kDivR;
        break;
      case Op::kMod:
        op = integer ? Code::kModI : Code::kZero;
        break;
      default:
        break;
    }
    Ins& in = emit(op, out, a, b);
    in.type = e.type;
    in.pos = e.pos;
    return out;
  }

  int call(int i, int dst) {
    const Expr& e = ex(i);
    const int* args = p_.args.data() + e.first_arg;
    if (e.fn == Fn::kSel) {  // only the selected input is evaluated
      const int g = expr(args[0]);
      const int out = dst >= 0 ? dst : temp();
      const int jump = here();
      emit(Code::kJz, -1, g);
      expr(args[2], out);
      const int skip = here();
      emit(Code::kJmp, -1, -1);
      vm_.code[static_cast<std::size_t>(jump)].b = here();
      expr(args[1], out);
      vm_.code[static_cast<std::size_t>(skip)].a = here();
      return out;
    }
    if (e.fn == Fn::kConvert) {
      const int a = expr(args[0]);
      const int out = dst >= 0 ? dst : temp();
      Ins& in = emit(Code::kConvert, out, a);
      in.expr = i;
      in.pos = e.pos;
      return out;
    }
    std::vector<int> slots;
    for (int k = 0; k < e.nargs; ++k) slots.push_back(expr(args[k]));
    const int out = dst >= 0 ? dst : temp();
    Ins& in = emit(Code::kCall, out, static_cast<int>(vm_.args.size()), e.nargs);
    in.expr = i;
    in.pos = e.pos;
    vm_.args.insert(vm_.args.end(), slots.begin(), slots.end());
    return out;
  }

  /// Emits the test of condition `c` and a jump taken when it is false; returns the jump, whose
  /// target target() sets. A comparison and its jump are one operation.
  int jump_unless(int c) {
    release_temps();
    const Expr& e = ex(c);
    Code fused = Code::kNop;
    switch (e.op) {
      case Op::kEq:
        fused = Code::kJnEq;
        break;
      case Op::kNe:
        fused = Code::kJnNe;
        break;
      case Op::kLt:
        fused = Code::kJnLt;
        break;
      case Op::kLe:
        fused = Code::kJnLe;
        break;
      case Op::kGt:
        fused = Code::kJnGt;
        break;
      case Op::kGe:
        fused = Code::kJnGe;
        break;
      default:
        break;
    }
    if (fused != Code::kNop) {
      const int a = expr(e.a);
      const int b = expr(e.b);
      const int jump = here();
      emit(fused, -1, a, b).pos = e.pos;
      return jump;
    }
    const int slot = expr(c);
    const int jump = here();
    emit(Code::kJz, -1, slot);
    return jump;
  }
  void target(int jump, int to) {
    Ins& in = vm_.code[static_cast<std::size_t>(jump)];
    (in.op == Code::kJz || in.op == Code::kJnz ? in.b : in.c) = to;
  }

  void block(const std::vector<int>& list) {
    for (const int i : list) stmt(i);
  }

  void patch_exits(std::size_t from, int target) {
    for (std::size_t k = from; k < exits_.size(); ++k)
      vm_.code[static_cast<std::size_t>(exits_[k])].a = target;
    exits_.resize(from);
  }

  void stmt(int index) {
    const Stmt& st = p_.stmts[static_cast<std::size_t>(index)];
    begin_statement(st.pos);
    switch (st.kind) {
      case StmtKind::kAssign:
        release_temps();
        expr(st.expr, st.slot);
        // An assignment of a variable to itself emits nothing: its tick needs an operation.
        tick_alone();
        break;
      case StmtKind::kFbCall: {
        for (const auto& a : st.args) {
          if (a.expr < 0) continue;
          release_temps();
          expr(a.expr, a.slot);
        }
        emit(Code::kFb).stmt = index;
        for (const auto& a : st.args)
          if (a.target >= 0) emit(Code::kMov, a.target, a.slot);
        break;
      }
      case StmtKind::kIf: {
        std::vector<int> ends;
        for (std::size_t k = 0; k < st.bodies.size(); ++k) {
          if (k < st.conds.size()) {
            const int jump = jump_unless(st.conds[k]);
            block(st.bodies[k]);
            ends.push_back(here());
            emit(Code::kJmp, -1, -1);
            target(jump, here());
          } else {
            block(st.bodies[k]);
          }
        }
        tick_alone();  // an IF without branches
        for (const int j : ends) vm_.code[static_cast<std::size_t>(j)].a = here();
        break;
      }
      case StmtKind::kCase: {
        release_temps();
        const int sel = expr(st.expr);
        const int table = static_cast<int>(vm_.cases.size());
        vm_.cases.emplace_back();
        emit(Code::kCase, -1, sel, table);
        std::vector<int> ends;
        for (const auto& b : st.branches) {
          const int start = here();
          for (const auto& r : b.labels) {
            vm_.cases[static_cast<std::size_t>(table)].ranges.push_back(r);
            vm_.cases[static_cast<std::size_t>(table)].targets.push_back(start);
          }
          block(b.body);
          ends.push_back(here());
          emit(Code::kJmp, -1, -1);
        }
        vm_.cases[static_cast<std::size_t>(table)].otherwise = here();
        if (st.has_else) block(st.bodies[0]);
        for (const int j : ends) vm_.code[static_cast<std::size_t>(j)].a = here();
        break;
      }
      case StmtKind::kFor: {
        const int state = kLoopTag + 3 * loops_++;
        release_temps();
        const int from = expr(st.conds[0]);
        const int to = expr(st.conds[1]);
        const int by = st.conds[2] >= 0 ? expr(st.conds[2]) : -1;
        Ins& init = emit(Code::kForInit, state, from, to);
        init.c = by;
        if (st.conds[2] >= 0) init.pos = ex(st.conds[2]).pos;
        const int head = here();
        Ins& test = emit(Code::kForTest, st.slot, state, -1);
        test.type = st.type;
        const std::size_t exits = exits_.size();
        block(st.bodies[0]);
        begin_statement(st.pos);  // each further round is charged to the FOR
        emit(Code::kForStep, -1, state, head);
        vm_.code[static_cast<std::size_t>(head)].b = here();
        Ins& end = emit(Code::kForEnd, st.slot, state);
        end.type = st.type;
        patch_exits(exits, here());  // EXIT leaves the control variable as it was
        break;
      }
      case StmtKind::kWhile: {
        tick_alone();
        const int head = here();
        const int jump = jump_unless(st.conds[0]);
        const std::size_t exits = exits_.size();
        block(st.bodies[0]);
        begin_statement(st.pos);
        emit(Code::kJmp, -1, head);
        target(jump, here());
        patch_exits(exits, here());
        break;
      }
      case StmtKind::kRepeat: {
        tick_alone();
        const int head = here();
        const std::size_t exits = exits_.size();
        block(st.bodies[0]);
        release_temps();
        const int c = expr(st.conds[0]);
        const int jump = here();
        emit(Code::kJnz, -1, c);
        begin_statement(st.pos);
        emit(Code::kJmp, -1, head);
        vm_.code[static_cast<std::size_t>(jump)].b = here();
        patch_exits(exits, here());
        break;
      }
      case StmtKind::kExit:
        exits_.push_back(here());
        emit(Code::kJmp, -1, -1);
        break;
      case StmtKind::kReturn:
        returns_.push_back(here());
        emit(Code::kJmp, -1, -1);
        break;
    }
  }

  /// Gives the tagged slots their places: temporaries, loop states, then constants, after the
  /// program's own; RETURNs jump to the end.
  void place() {
    const int n = static_cast<int>(p_.slot_types.size());
    const int loop_base = n + max_temps_;
    vm_.const_base = loop_base + 3 * loops_;
    vm_.slots = vm_.const_base + static_cast<int>(vm_.constants.size());
    const auto at = [&](int s) {
      if (s >= kConstTag) return vm_.const_base + (s - kConstTag);
      if (s >= kLoopTag) return loop_base + (s - kLoopTag);
      if (s >= kTempTag) return n + (s - kTempTag);
      return s;
    };
    for (auto& in : vm_.code) {
      in.dst = at(in.dst);
      in.a = at(in.a);
      in.b = at(in.b);
      in.c = at(in.c);
    }
    for (int& s : vm_.args) s = at(s);
    const int end = static_cast<int>(vm_.code.size()) - 1;
    for (const int j : returns_) vm_.code[static_cast<std::size_t>(j)].a = end;
  }

  Program& p_;
  Vm& vm_;
  std::map<std::uint64_t, int> constants_;
  std::vector<int> exits_, returns_;
  int temps_ = 0, max_temps_ = 0, loops_ = 0;
  bool tick_ = false;
  Pos tick_pos_;
};

}  // namespace

void lower(Program& program) {
  Lowering(program).run();
}

}  // namespace plantwin::st::detail
