// Structured Text: each construct and function block against traces computed by hand, scan by
// scan; the error texts of bad programs; runtime errors; limits; copies of a running instance.

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "plantwin/models/st.h"

namespace st = plantwin::st;

namespace {

std::string all_errors(const st::Compiled& c) {
  std::string out;
  for (const auto& e : c.errors) out += st::format(e) + "\n";
  return out;
}

std::shared_ptr<const st::Program> build(const std::string& text) {
  const auto c = st::compile(text, "t.st");
  INFO(all_errors(c));
  REQUIRE(c.errors.empty());
  REQUIRE(c.program);
  return c.program;
}

// The errors of a program, one "file:line:col: message" a line; no program comes with them.
std::string errors(const std::string& text) {
  const auto c = st::compile(text, "t.st");
  CHECK((c.program == nullptr) == !c.errors.empty());
  return all_errors(c);
}

// A program body with the given declarations, for short tests.
std::string program(const std::string& vars, const std::string& body) {
  return "PROGRAM p\n" + vars + "\n" + body + "\nEND_PROGRAM\n";
}

// An instance that runs every scan twice: the lowered code (Instance::scan) and the tree walk it
// was lowered from (Instance::scan_reference), each on its own copy, and checks after each scan
// that both ended alike (the same error text, or none) with the same value in every variable. So
// every test below that scans through a Runner also tests the lowering against its reference.
class Twin {
 public:
  explicit Twin(std::shared_ptr<const st::Program> p) : code_(p), ref_(p) {}
  const std::vector<st::Instance::Var>& variables() const { return code_.variables(); }
  int find(std::string_view name) const { return code_.find(name); }
  void set(int var, double v) {
    ref_.set(var, v);
    code_.set(var, v);
  }
  double get(int var) const {
    const double a = code_.get(var), b = ref_.get(var);
    CHECK(same(a, b));
    return a;
  }
  void set_budget(std::int64_t n) {
    ref_.set_budget(n);
    code_.set_budget(n);
  }
  void scan(double now) {
    std::string ref_error = "(no error)";
    try {
      ref_.scan_reference(now);
    } catch (const std::exception& e) {
      ref_error = e.what();
    }
    try {
      code_.scan(now);
    } catch (const std::exception& e) {
      CHECK(std::string(e.what()) == ref_error);
      compare();
      throw;
    }
    CHECK(ref_error == "(no error)");
    compare();
  }

 private:
  static bool same(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
  }
  void compare() const {
    for (std::size_t i = 0; i < code_.variables().size(); ++i) {
      INFO("variable " << code_.variables()[i].name);
      CHECK(same(code_.get(static_cast<int>(i)), ref_.get(static_cast<int>(i))));
    }
  }
  st::Instance code_, ref_;
};

struct Runner {
  explicit Runner(const std::string& text) : inst(build(text)) {}
  void set(const char* name, double v) {
    const int i = inst.find(name);
    REQUIRE(i >= 0);
    inst.set(i, v);
  }
  double get(const char* name) const {
    const int i = inst.find(name);
    REQUIRE(i >= 0);
    return inst.get(i);
  }
  Twin inst;
};

// Runs a program once and reads an output.
double once(const std::string& vars, const std::string& body, const char* out) {
  Runner r(program(vars, body));
  r.inst.scan(0);
  return r.get(out);
}

std::string runtime_error(Runner& r, double now = 0) {
  try {
    r.inst.scan(now);
  } catch (const st::RuntimeError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("operators follow the IEC precedence") {
  const std::string v = "VAR r : REAL; i : INT; b : BOOL; END_VAR";
  CHECK(once(v, "i := 2 + 3 * 4;", "i") == 14);
  CHECK(once(v, "i := (2 + 3) * 4;", "i") == 20);
  CHECK(once(v, "i := 10 - 4 - 3;", "i") == 3);  // left to right
  // Unary minus binds tighter than ** (IEC table of precedence), and ** runs left to right.
  CHECK(once(v, "r := -2 ** 2;", "r") == 4);
  CHECK(once(v, "r := 2 ** 3 ** 2;", "r") == 64);
  CHECK(once(v, "r := 2 * 3 ** 2;", "r") == 18);
  CHECK(once(v, "i := 7 MOD 3;", "i") == 1);
  CHECK(once(v, "i := -7 MOD 3;", "i") == -1);  // the sign of the dividend
  CHECK(once(v, "i := 7 / 2;", "i") == 3);      // integer division truncates
  CHECK(once(v, "i := -7 / 2;", "i") == -3);
  CHECK(once(v, "r := 7.0 / 2;", "r") == 3.5);
  CHECK(once(v, "r := 7 / 2;", "r") == 3);                    // INT / INT is INT, then widened
  CHECK(once(v, "b := TRUE OR FALSE AND FALSE;", "b") == 1);  // AND before OR
  CHECK(once(v, "b := TRUE XOR TRUE OR TRUE;", "b") == 1);    // XOR before OR
  CHECK(once(v, "b := TRUE OR TRUE XOR TRUE;", "b") == 1);
  CHECK(once(v, "b := NOT TRUE AND FALSE;", "b") == 0);  // NOT binds tightest
  CHECK(once(v, "b := NOT (TRUE AND FALSE);", "b") == 1);
  CHECK(once(v, "b := TRUE & NOT FALSE;", "b") == 1);
  CHECK(once(v, "b := 1 < 2 = 3 < 4;", "b") == 1);  // < before =
  CHECK(once(v, "b := 2 + 2 <> 4;", "b") == 0);
  CHECK(once(v, "b := 1.5 >= 1;", "b") == 1);
  // AND and OR leave out their right side when the left decides it.
  CHECK(once(v, "i := 0; b := i <> 0 AND 10 / i > 1;", "b") == 0);
  CHECK(once(v, "i := 0; b := i = 0 OR 10 / i > 1;", "b") == 1);
  CHECK(once(v, "b := T#1s < T#1500ms;", "b") == 1);
  CHECK(once(v, "i := 16#FF + 2#101 + 8#17 + 1_000;", "i") == 255 + 5 + 15 + 1000);
  CHECK(once(v, "r := 1.5E3 + 2.5e-1;", "r") == 1500.25);
}

TEST_CASE("INT wraps at 16 bits and DINT at 32 bits") {
  const std::string v = "VAR i : INT; d : DINT; END_VAR";
  CHECK(once(v, "i := 32767; i := i + 1;", "i") == -32768);
  CHECK(once(v, "i := -32768; i := i - 1;", "i") == 32767);
  CHECK(once(v, "i := 300; i := i * i;", "i") == 90000 - 65536);
  CHECK(once(v, "i := -32768; i := -i;", "i") == -32768);
  CHECK(once(v, "i := -32768; i := ABS(i);", "i") == -32768);
  CHECK(once(v, "i := -32768; i := i / -1;", "i") == -32768);
  CHECK(once(v, "d := 2147483647; d := d + 1;", "d") == -2147483648.0);
  CHECK(once(v, "d := -2147483648; d := d - 1;", "d") == 2147483647.0);
  CHECK(once(v, "d := 65536; d := d * d + 5;", "d") == 5);
  CHECK(once(v, "i := 32767; d := i + 1;", "d") == -32768);  // INT + INT is INT
  CHECK(once(v, "i := 32767; d := i; d := d + 1;", "d") == 32768);
  CHECK(once(v, "i := DINT_TO_INT(70000);", "i") == 70000 - 65536);
}

TEST_CASE("IF, ELSIF and ELSE run the first branch whose condition holds, scan by scan") {
  Runner r(program("VAR_INPUT x : INT; END_VAR VAR_OUTPUT y : INT; END_VAR",
                   "IF x > 10 THEN y := 1; ELSIF x > 5 THEN y := 2; ELSIF x > 5 THEN y := 3; "
                   "ELSE y := 4; END_IF;\n"
                   "IF x = 0 THEN y := y + 100; END_IF"));
  const int xs[] = {20, 7, 6, 0, 11};
  const int ys[] = {1, 2, 2, 104, 1};
  for (int k = 0; k < 5; ++k) {
    r.set("x", xs[k]);
    r.inst.scan(k);
    CHECK(r.get("y") == ys[k]);
  }
}

TEST_CASE("CASE matches single labels, ranges and lists, and runs ELSE otherwise") {
  Runner r(program("VAR_INPUT x : DINT; END_VAR VAR_OUTPUT y : INT; END_VAR",
                   "CASE x OF\n 1: y := 10;\n 2, 4: y := 20;\n 5..7, 9: y := 30; y := y + 1;\n"
                   " -3..-1: y := 40;\n ELSE y := 99;\nEND_CASE;"));
  const int xs[] = {1, 2, 3, 4, 5, 7, 8, 9, -2, -4, 100000};
  const int ys[] = {10, 20, 99, 20, 31, 31, 99, 31, 40, 99, 99};
  for (int k = 0; k < 11; ++k) {
    r.set("x", xs[k]);
    r.inst.scan(k);
    CHECK_MESSAGE(r.get("y") == ys[k], "x = " << xs[k]);
  }
  // Without ELSE, an unmatched selector leaves everything as it was.
  Runner n(program("VAR_INPUT x : INT; END_VAR VAR_OUTPUT y : INT := 5; END_VAR",
                   "CASE x OF 1: y := 1; END_CASE"));
  n.set("x", 2);
  n.inst.scan(0);
  CHECK(n.get("y") == 5);
}

TEST_CASE("FOR counts by a signed step and ends one step past its bound") {
  const std::string v = "VAR i : INT; d : DINT; s : DINT; END_VAR";
  CHECK(once(v, "FOR i := 1 TO 10 DO s := s + i; END_FOR;", "s") == 55);
  CHECK(once(v, "FOR i := 1 TO 10 DO s := s + i; END_FOR;", "i") == 11);
  CHECK(once(v, "FOR i := 10 TO 1 BY -3 DO s := s * 10 + i; END_FOR;", "s") == 10741);
  CHECK(once(v, "FOR i := 10 TO 1 BY -3 DO s := s + i; END_FOR;", "i") == -2);
  CHECK(once(v, "FOR i := 5 TO 1 DO s := s + 1; END_FOR;", "s") == 0);  // no pass
  CHECK(once(v, "FOR i := 1 TO 100 DO IF i = 4 THEN EXIT; END_IF; s := s + 1; END_FOR;", "s") == 3);
  CHECK(once(v, "FOR i := 1 TO 100 DO IF i = 4 THEN EXIT; END_IF; s := s + 1; END_FOR;", "i") == 4);
  // The bound and step are read once, before the first pass.
  CHECK(once(v, "s := 3; FOR d := 1 TO s DO s := 10; i := i + 1; END_FOR;", "i") == 3);
  // A loop up to the largest INT ends (the counter does not wrap round inside the loop).
  CHECK(once(v, "FOR i := 32760 TO 32767 DO s := s + 1; END_FOR;", "s") == 8);
  CHECK(once(v, "FOR i := 32760 TO 32767 DO s := s + 1; END_FOR;", "i") == -32768);
  // EXIT leaves the innermost loop only.
  CHECK(once(v, "FOR i := 1 TO 3 DO FOR d := 1 TO 3 DO EXIT; END_FOR; s := s + 1; END_FOR;", "s") ==
        3);
}

TEST_CASE("WHILE tests before each pass and REPEAT after it") {
  const std::string v = "VAR i : INT; s : INT; END_VAR";
  CHECK(once(v, "WHILE i < 5 DO i := i + 1; s := s + i; END_WHILE;", "s") == 15);
  CHECK(once(v, "i := 9; WHILE i < 5 DO s := 1; END_WHILE;", "s") == 0);
  CHECK(once(v, "REPEAT i := i + 1; UNTIL i >= 5 END_REPEAT;", "i") == 5);
  CHECK(once(v, "i := 9; REPEAT s := s + 1; UNTIL TRUE END_REPEAT;", "s") == 1);
  CHECK(once(v, "WHILE TRUE DO i := i + 1; IF i = 7 THEN EXIT; END_IF; END_WHILE;", "i") == 7);
  CHECK(once(v, "REPEAT i := i + 1; IF i = 3 THEN EXIT; END_IF; UNTIL FALSE END_REPEAT;", "i") ==
        3);
  // RETURN ends the scan.
  CHECK(once(v, "i := 1; RETURN; i := 2;", "i") == 1);
}

TEST_CASE("standard functions and conversions give their IEC values") {
  const std::string v = "VAR r : REAL; i : INT; d : DINT; b : BOOL; t : TIME; END_VAR";
  CHECK(once(v, "r := ABS(-2.5);", "r") == 2.5);
  CHECK(once(v, "i := ABS(-7);", "i") == 7);
  CHECK(once(v, "r := SQRT(16);", "r") == 4);
  CHECK(once(v, "i := MIN(4, -2, 9);", "i") == -2);
  CHECK(once(v, "r := MAX(4, 2.5);", "r") == 4);
  CHECK(once(v, "t := MAX(T#1s, T#2s);", "t") == 2);
  CHECK(once(v, "i := LIMIT(0, 120, 100);", "i") == 100);
  CHECK(once(v, "i := LIMIT(0, -5, 100);", "i") == 0);
  CHECK(once(v, "r := LIMIT(0.0, 0.5, 1.0);", "r") == 0.5);
  CHECK(once(v, "i := SEL(FALSE, 1, 2);", "i") == 1);
  CHECK(once(v, "i := SEL(TRUE, 1, 2);", "i") == 2);
  CHECK(once(v, "r := EXPT(2, 10);", "r") == 1024);
  // Two correctly rounded library calls: within a few units in the last place (2.2e-16 each).
  CHECK(once(v, "r := LN(EXP(1.0));", "r") == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(once(v, "r := LOG(1000);", "r") == doctest::Approx(3.0).epsilon(1e-15));
  CHECK(once(v, "r := INT_TO_REAL(3) / 2;", "r") == 1.5);
  // REAL to an integer rounds to the nearest, halves away from zero; TRUNC cuts.
  CHECK(once(v, "i := REAL_TO_INT(2.5);", "i") == 3);
  CHECK(once(v, "i := REAL_TO_INT(-2.5);", "i") == -3);
  CHECK(once(v, "i := REAL_TO_INT(2.4);", "i") == 2);
  CHECK(once(v, "d := TRUNC(-2.7);", "d") == -2);
  CHECK(once(v, "d := REAL_TO_DINT(1.0E9);", "d") == 1e9);
  // TIME converts to and from milliseconds.
  CHECK(once(v, "d := TIME_TO_DINT(T#1.5s);", "d") == 1500);
  CHECK(once(v, "r := TIME_TO_REAL(T#250ms);", "r") == 250);
  CHECK(once(v, "t := DINT_TO_TIME(2500);", "t") == 2.5);
  CHECK(once(v, "b := INT_TO_BOOL(5);", "b") == 1);
  CHECK(once(v, "i := BOOL_TO_INT(TRUE) + 1;", "i") == 2);
}

TEST_CASE("TIME literals and TIME arithmetic") {
  const std::string v = "VAR t : TIME; b : BOOL; END_VAR";
  CHECK(once(v, "t := T#1h2m3s500ms;", "t") == 3723.5);
  CHECK(once(v, "t := TIME#5s;", "t") == 5);
  CHECK(once(v, "t := t#250ms;", "t") == 0.25);
  CHECK(once(v, "t := T#1.5s;", "t") == 1.5);
  CHECK(once(v, "t := T#1d;", "t") == 86400);
  CHECK(once(v, "t := T#1h_30m;", "t") == 5400);
  CHECK(once(v, "t := T#2s + T#500ms;", "t") == 2.5);
  CHECK(once(v, "t := T#2s * 3;", "t") == 6);
  CHECK(once(v, "t := T#3s / 2;", "t") == 1.5);
  CHECK(once(v, "b := T#60s = T#1m;", "b") == 1);
}

namespace {

// A program that calls one function block on the inputs a and b and copies its outputs.
std::string fb_program(const std::string& type, const std::string& call,
                       const std::string& outputs) {
  return program(
      "VAR_INPUT a : BOOL; b : BOOL; END_VAR\nVAR_OUTPUT q : BOOL; et : TIME; "
      "cv : INT; END_VAR\nVAR f : " +
          type + "; END_VAR",
      call + "\n" + outputs);
}

struct Step {
  double t;
  int a, b;
  int q;
  double et_or_cv;
};

void trace(Runner& r, const std::vector<Step>& steps, const char* second) {
  for (const auto& s : steps) {
    r.set("a", s.a);
    r.set("b", s.b);
    r.inst.scan(s.t);
    INFO("t = " << s.t);
    CHECK(r.get("q") == s.q);
    CHECK(r.get(second) == s.et_or_cv);
  }
}

}  // namespace

TEST_CASE("TON: Q rises once IN has been TRUE for PT, and IN FALSE resets it") {
  Runner r(fb_program("TON", "f(IN := a, PT := T#3s);", "q := f.Q; et := f.ET;"));
  trace(r,
        {{0, 0, 0, 0, 0},
         {1, 1, 0, 0, 0},
         {2, 1, 0, 0, 1},
         {3, 1, 0, 0, 2},
         {4, 1, 0, 1, 3},
         {5, 1, 0, 1, 3},
         {6, 0, 0, 0, 0},
         {7, 1, 0, 0, 0},
         {8, 0, 0, 0, 0},
         {9, 1, 0, 0, 0},
         {12, 1, 0, 1, 3}},
        "et");
}

TEST_CASE(
    "a TON whose scan period does not divide its preset rises at the first scan at or after it") {
  // Preset 5 s, a scan every 0.3 s from t = 0: 4.8 s is too early, 5.1 s is the first scan
  // with 5 s elapsed; ET then stays at PT.
  Runner r(fb_program("TON", "f(IN := a, PT := T#5s);", "q := f.Q; et := f.ET;"));
  r.set("a", 1);
  for (int k = 0; k <= 20; ++k) {
    const double now = k * 0.3;
    r.inst.scan(now);
    INFO("scan " << k << " at " << now << " s");
    CHECK(r.get("q") == (k >= 17));
    // ET is the elapsed time in whole nanoseconds: within half of one of the scan time.
    CHECK(std::fabs(r.get("et") - (k >= 17 ? 5.0 : now)) <= 0.5e-9);
  }
  // IN rising at 0.9 s: due at 5.9 s, so the scan at 6.0 s (not 5.7 s).
  Runner late(fb_program("TON", "f(IN := a, PT := T#5s);", "q := f.Q;"));
  for (int k = 0; k <= 20; ++k) {
    late.set("a", k >= 3);
    late.inst.scan(k * 0.3);
    CHECK(late.get("q") == (k >= 20));
  }
  // Scan times summed from 0.1 s steps fall a hair short of 5 s (4.999999999999998): the timer
  // counts whole nanoseconds, so Q still rises at the fiftieth step, and ET reads as the
  // decimal literals do.
  Runner sum(
      program("VAR_INPUT a : BOOL; END_VAR VAR_OUTPUT q : BOOL; tenths : DINT; "
              "three : BOOL; END_VAR VAR f : TON; END_VAR",
              "f(IN := a, PT := T#5s); q := f.Q; tenths := TIME_TO_DINT(f.ET) / 100;\n"
              "three := f.ET = T#300ms;"));
  sum.set("a", 1);
  double now = 0;
  for (int k = 0; k <= 50; ++k) {
    sum.inst.scan(now);
    CHECK(sum.get("q") == (k >= 50));
    CHECK(sum.get("tenths") == (k <= 50 ? k : 50));
    CHECK(sum.get("three") == (k == 3));  // 0.1 + 0.1 + 0.1 is 0.30000000000000004
    now += 0.1;
  }
}

TEST_CASE("TOF: Q stays TRUE for PT after IN falls") {
  Runner r(fb_program("TOF", "f(IN := a, PT := T#2s);", "q := f.Q; et := f.ET;"));
  trace(r,
        {{0, 0, 0, 0, 0},
         {1, 1, 0, 1, 0},
         {2, 0, 0, 1, 0},
         {3, 0, 0, 1, 1},
         {4, 0, 0, 0, 2},
         {5, 0, 0, 0, 2},
         {6, 1, 0, 1, 0},
         {7, 0, 0, 1, 0},
         {8, 1, 0, 1, 0},
         {9, 0, 0, 1, 0},
         {10, 0, 0, 1, 1},
         {11, 0, 0, 0, 2}},
        "et");
}

TEST_CASE("TP: a rising IN starts a pulse of PT that IN cannot stretch or cut") {
  Runner r(fb_program("TP", "f(IN := a, PT := T#2s);", "q := f.Q; et := f.ET;"));
  trace(r,
        {{0, 0, 0, 0, 0},
         {1, 1, 0, 1, 0},
         {2, 0, 0, 1, 1},
         {3, 1, 0, 0, 2},
         {4, 1, 0, 0, 2},
         {5, 0, 0, 0, 0},
         {6, 1, 0, 1, 0},
         {7, 1, 0, 1, 1},
         {8, 1, 0, 0, 2},
         {9, 0, 0, 0, 0}},
        "et");
}

TEST_CASE("R_TRIG and F_TRIG give one scan of TRUE per edge") {
  Runner r(fb_program("R_TRIG", "f(CLK := a);", "q := f.Q;"));
  // A CLK TRUE at the first scan is a rising edge (the memory starts FALSE).
  const int clk[] = {1, 1, 0, 1, 0, 0};
  const int rq[] = {1, 0, 0, 1, 0, 0};
  for (int k = 0; k < 6; ++k) {
    r.set("a", clk[k]);
    r.inst.scan(k);
    CHECK(r.get("q") == rq[k]);
  }
  Runner f(fb_program("F_TRIG", "f(CLK := a);", "q := f.Q;"));
  // A CLK FALSE at the first scan is no falling edge (IEC 61131-3 3rd edition).
  const int fclk[] = {0, 1, 1, 0, 0, 1, 0};
  const int fq[] = {0, 0, 0, 1, 0, 0, 1};
  for (int k = 0; k < 7; ++k) {
    f.set("a", fclk[k]);
    f.inst.scan(k);
    CHECK(f.get("q") == fq[k]);
  }
}

TEST_CASE("CTU counts rising edges up to PV and R wins; CTD counts down from a load") {
  Runner u(fb_program("CTU", "f(CU := a, R := b, PV := 3);", "q := f.Q; cv := f.CV;"));
  trace(u,
        {{0, 1, 0, 0, 1},
         {1, 1, 0, 0, 1},
         {2, 0, 0, 0, 1},
         {3, 1, 0, 0, 2},
         {4, 0, 0, 0, 2},
         {5, 1, 0, 1, 3},
         {6, 0, 0, 1, 3},
         {7, 1, 1, 0, 0},
         {8, 0, 0, 0, 0},
         {9, 1, 0, 0, 1}},
        "cv");
  Runner d(fb_program("CTD", "f(CD := a, LD := b, PV := 2);", "q := f.Q; cv := f.CV;"));
  trace(d,
        {{0, 0, 1, 0, 2},
         {1, 1, 0, 0, 1},
         {2, 0, 0, 0, 1},
         {3, 1, 0, 1, 0},
         {4, 0, 0, 1, 0},
         {5, 1, 0, 1, -1},
         {6, 1, 1, 0, 2}},
        "cv");
}

TEST_CASE("SR is set-dominant and RS reset-dominant") {
  Runner sr(fb_program("SR", "f(S1 := a, R := b);", "q := f.Q1;"));
  trace(sr, {{0, 1, 1, 1, 0}, {1, 0, 1, 0, 0}, {2, 1, 0, 1, 0}, {3, 0, 0, 1, 0}}, "cv");
  Runner rs(fb_program("RS", "f(S := a, R1 := b);", "q := f.Q1;"));
  trace(rs, {{0, 1, 1, 0, 0}, {1, 1, 0, 1, 0}, {2, 0, 0, 1, 0}, {3, 0, 1, 0, 0}}, "cv");
}

TEST_CASE("a function block keeps the inputs a call leaves out, and => copies an output") {
  Runner r(
      program("VAR_INPUT a : BOOL; END_VAR VAR_OUTPUT q : BOOL; n : INT; END_VAR\n"
              "VAR t : TON; c : CTU; END_VAR",
              "IF a THEN t(IN := TRUE, PT := T#2s, Q => q); ELSE t(); END_IF;\n"
              "c(CV => n, CU := t.Q, PV := 10);"));
  r.set("a", 1);
  r.inst.scan(0);
  r.set("a", 0);  // t() keeps IN TRUE and PT 2 s
  r.inst.scan(1);
  CHECK(r.get("q") == 0);
  r.inst.scan(2);
  CHECK(r.get("n") == 1);  // CV => n after the call, though written first
  r.set("a", 1);
  r.inst.scan(3);
  CHECK(r.get("q") == 1);
}

TEST_CASE("names and keywords are case-insensitive; comments are skipped") {
  Runner r(
      "program P (* a (* comment *)\n"
      "var_input Go : bool; end_var var_output OUT : Int := -3; END_VAR // line comment\n"
      "If go tHeN out := OUT + 1; end_if\nEnd_Program");
  CHECK(r.inst.find("go") == 0);
  CHECK(r.inst.find("GO") == 0);
  CHECK(r.inst.find("nothing") == -1);
  CHECK(r.get("out") == -3);
  r.set("GO", 1);
  r.inst.scan(0);
  CHECK(r.get("Out") == -2);
  const auto& vars = r.inst.variables();
  REQUIRE(vars.size() == 2);
  CHECK(vars[0].name == "Go");
  CHECK(vars[0].dir == st::Instance::Var::Dir::kInput);
  CHECK(vars[0].type == st::Instance::Var::Type::kBool);
  CHECK(vars[1].dir == st::Instance::Var::Dir::kOutput);
  CHECK(vars[1].type == st::Instance::Var::Type::kInt);
  // A UTF-8 byte order mark (as Windows editors write) is skipped; CR LF line ends are blanks.
  CHECK(errors("\xEF\xBB\xBFPROGRAM p\r\nVAR x : INT; END_VAR\r\nx := 1;\r\nEND_PROGRAM\r\n")
            .empty());
  CHECK(errors("\xEF\xBB\xBFPROGRAM p\r\nx := 1;\r\nEND_PROGRAM") ==
        "t.st:2:1: unknown name 'x'\n");
}

TEST_CASE("initial values of every type") {
  Runner r(
      program("VAR a : BOOL := TRUE; i : INT := -32768; d : DINT := 100000; "
              "x : REAL := 1.5; y : REAL := -2; t : TIME := T#1m; END_VAR\n"
              "VAR CONSTANT k : INT := 7; END_VAR",
              "i := i + k;"));
  CHECK(r.get("a") == 1);
  CHECK(r.get("i") == -32768);
  CHECK(r.get("d") == 100000);
  CHECK(r.get("x") == 1.5);
  CHECK(r.get("y") == -2);
  CHECK(r.get("t") == 60);
  r.inst.scan(0);
  CHECK(r.get("i") == -32761);
}

TEST_CASE("checks before the run name the place and say what is wrong") {
  SUBCASE("an unknown name, with the closest declared one") {
    CHECK(errors(program("VAR temp : REAL; END_VAR", "tmep := 1.0;")) ==
          "t.st:3:1: unknown name 'tmep' (did you mean 'temp'?)\n");
    CHECK(errors(program("VAR temp : REAL; END_VAR", "temp := zzz;")) ==
          "t.st:3:9: unknown name 'zzz'\n");
  }
  SUBCASE("type mismatches") {
    CHECK(errors(program("VAR flag : BOOL; x : REAL; END_VAR", "flag := x;")) ==
          "t.st:3:9: type mismatch: 'flag' is BOOL, got REAL\n");
    CHECK(errors(program("VAR i : INT; x : REAL; END_VAR", "i := x * 2;")) ==
          "t.st:3:8: type mismatch: 'i' is INT, got REAL\n");
    CHECK(errors(program("VAR t : TIME; END_VAR", "t := 5;")) ==
          "t.st:3:6: type mismatch: 't' is TIME, got INT\n");
    CHECK(errors(program("VAR b : BOOL; END_VAR", "b := b + 1;")) ==
          "t.st:3:8: operator + is not defined for BOOL and INT\n");
    CHECK(errors(program("VAR b : BOOL; x : REAL; END_VAR", "IF x THEN b := TRUE; END_IF;")) ==
          "t.st:3:4: the IF condition must be BOOL, got REAL\n");
    CHECK(errors(program("VAR x : REAL; END_VAR", "x := 7.5 MOD 2;")) ==
          "t.st:3:10: operator MOD is not defined for REAL and INT\n");
    CHECK(errors(program("VAR f : TON; END_VAR", "f(IN := 1, PT := 5);")) ==
          "t.st:3:9: type mismatch: f.IN is BOOL, got INT\n"
          "t.st:3:18: type mismatch: f.PT is TIME, got INT\n");
  }
  SUBCASE("assigning to an input or a constant") {
    CHECK(errors(program("VAR_INPUT start : BOOL; END_VAR", "start := FALSE;")) ==
          "t.st:3:1: cannot assign to 'start': it is a VAR_INPUT\n");
    CHECK(errors(program("VAR CONSTANT k : INT := 1; END_VAR", "k := 2;")) ==
          "t.st:3:1: cannot assign to 'k': it is a CONSTANT\n");
    CHECK(errors(program("VAR i : INT; END_VAR", "FOR i := 1 TO 3 DO i := 5; END_FOR;")) ==
          "t.st:3:20: cannot assign to 'i' inside the FOR loop that counts with it\n");
  }
  SUBCASE("a function block called with an unknown parameter") {
    CHECK(errors(program("VAR t1 : TON; x : BOOL; END_VAR", "t1(IN := x, PTT := T#5s);")) ==
          "t.st:3:13: TON has no parameter 'PTT' (did you mean 'PT'?); its inputs are IN, PT "
          "and its outputs Q, ET\n");
    CHECK(errors(program("VAR t1 : TON; x : BOOL; END_VAR", "t1(Q := x);")) ==
          "t.st:3:4: Q is an output of TON: write Q => variable\n");
    CHECK(errors(program("VAR t1 : TON; x : BOOL; END_VAR", "x := t1.QQ;")) ==
          "t.st:3:9: TON has no field 'QQ' (did you mean 'Q'?); its fields are IN, PT, Q, ET\n");
    CHECK(errors(program("VAR t1 : TON; x : BOOL; END_VAR", "t1(x);")) ==
          "t.st:3:4: function block calls take named parameters (IN := value, Q => variable), "
          "got 'x'\n");
    CHECK(errors(program("VAR t1 : TON; x : BOOL; END_VAR", "x := t1;")) ==
          "t.st:3:6: 't1' is a TON instance: read one of its outputs, such as t1.Q\n");
  }
  SUBCASE("duplicate declarations") {
    CHECK(errors("PROGRAM p\nVAR x : INT;\n  X : REAL; END_VAR\nEND_PROGRAM") ==
          "t.st:3:3: 'X' is already declared at 2:5\n");
  }
  SUBCASE("literals out of range of their type") {
    CHECK(errors(program("VAR i : INT := 40000; END_VAR", "")) ==
          "t.st:2:16: literal 40000 is out of range of INT (-32768..32767)\n");
    CHECK(errors(program("VAR i : INT; END_VAR", "i := -32769;")) ==
          "t.st:3:6: literal -32769 is out of range of INT (-32768..32767)\n");
    CHECK(errors(program("VAR d : DINT; END_VAR", "d := 2147483648;")) ==
          "t.st:3:6: literal 2147483648 is out of range of DINT (-2147483648..2147483647)\n");
    CHECK(errors(program("VAR x : REAL; END_VAR", "x := 1.0E999;")) ==
          "t.st:3:6: literal '1.0E999' is out of range of REAL\n");
    CHECK(errors(program("VAR t : TIME; END_VAR", "t := T#-5s;")) ==
          "t.st:3:6: negative TIME literal 'T#-5s' is not allowed\n");
    CHECK(errors(program("VAR t : TIME; END_VAR", "t := T#5s3m;")) ==
          "t.st:3:6: bad TIME literal 'T#5s3m': write it as T#1h2m3s500ms (units d, h, m, s, "
          "ms, largest first)\n");
  }
  SUBCASE("unterminated comments and strings") {
    CHECK(errors("PROGRAM p\n(* open\nEND_PROGRAM\n") ==
          "t.st:2:1: unterminated comment: '(*' without '*)'\n");
    CHECK(errors("PROGRAM p\nVAR x : INT; END_VAR\nx := 'abc;\nEND_PROGRAM\n") ==
          "t.st:3:6: unterminated string (it runs to the end of the file)\n");
  }
  SUBCASE("syntax") {
    CHECK(errors(program("VAR x : INT; END_VAR", "x := 1\nx := 2;")) ==
          "t.st:4:1: expected ';' after the assignment, got 'x'\n");
    CHECK(errors(program("VAR x : INT; END_VAR", "EXIT;")) == "t.st:3:1: EXIT outside a loop\n");
    CHECK(errors(program("VAR x : INT; END_VAR",
                         "IF x > 1 x := 2; END_IF; WHILE x < 1 x := 3; "
                         "END_WHILE; x := TRUE;")) ==
          "t.st:3:10: expected THEN, got 'x'\n"
          "t.st:3:38: expected DO, got 'x'\n"
          "t.st:3:62: type mismatch: 'x' is INT, got BOOL\n");
    CHECK(errors(program("VAR x : INT; END_VAR", "x = 1;")) ==
          "t.st:3:3: expected ':=' after 'x', got '=' (= compares, := assigns)\n");
    CHECK(errors(program("VAR x : INT; END_VAR", "x := 1; END_IF; x := 2.5;")) ==
          "t.st:3:9: unexpected 'END_IF': it closes nothing that is open\n"
          "t.st:3:22: type mismatch: 'x' is INT, got REAL\n");
    CHECK(errors(program("VAR x : INT; END_VAR",
                         "CASE x OF 1: x := 1; 2.5: x := 2; END_CASE;\n"
                         "x := TRUE;")) ==
          "t.st:3:22: expected an integer CASE label, got '2.5'\n"
          "t.st:4:6: type mismatch: 'x' is INT, got BOOL\n");
    CHECK(errors("PROGRAM p\nVAR x : INT; END_VAR\nx := 1;\n") ==
          "t.st:4:1: expected END_PROGRAM, got end of file\n");
    CHECK(errors("FUNCTION_BLOCK fb\nEND_FUNCTION_BLOCK") ==
          "t.st:1:1: only PROGRAM is supported, not FUNCTION_BLOCK\n");
    CHECK(errors(program("VAR x : LREAL; END_VAR", "")) ==
          "t.st:2:9: unknown type 'LREAL' (did you mean 'REAL'?); the types are BOOL, INT, "
          "DINT, REAL, TIME and the function blocks TON, TOF, TP, R_TRIG, F_TRIG, CTU, CTD, SR, "
          "RS\n");
    CHECK(errors(program("VAR x : REAL; END_VAR", "x := SQR(2.0);")) ==
          "t.st:3:6: unknown function 'SQR' (did you mean 'SQRT'?)\n");
    CHECK(errors(program("VAR i : INT; END_VAR", "CASE i OF 1..5: i := 1; 5: i := 2; END_CASE;")) ==
          "t.st:3:25: CASE label overlaps an earlier label\n");
  }
  SUBCASE("every error of a file, in order, not only the first") {
    CHECK(errors("PROGRAM p\n"
                 "VAR_INPUT go : BOOL; END_VAR\n"
                 "VAR n : INT := 99999; n : REAL; t1 : TON; END_VAR\n"
                 "go := TRUE;\n"
                 "IF n > THEN n := 1; END_IF;\n"
                 "t1(IN := go, PV := T#1s);\n"
                 "n := tru;\n"
                 "END_PROGRAM\n") ==
          "t.st:3:16: literal 99999 is out of range of INT (-32768..32767)\n"
          "t.st:3:23: 'n' is already declared at 3:5\n"
          "t.st:4:1: cannot assign to 'go': it is a VAR_INPUT\n"
          "t.st:5:8: expected a value, got 'THEN'\n"
          "t.st:6:14: TON has no parameter 'PV' (did you mean 'PT'?); its inputs are IN, PT and "
          "its outputs Q, ET\n"
          "t.st:7:6: unknown name 'tru' (did you mean 'TRUE'?)\n");
  }
}

TEST_CASE("errors during a scan name the place") {
  SUBCASE("division by zero") {
    Runner r(program("VAR_INPUT d : INT; END_VAR VAR_OUTPUT q : INT; x : REAL; END_VAR",
                     "q := 10 / d;"));
    CHECK(runtime_error(r) == "t.st:3:9: division by zero");
    Runner m(program("VAR_INPUT d : INT; END_VAR VAR_OUTPUT q : INT; END_VAR", "q := 10 MOD d;"));
    CHECK(runtime_error(m) == "t.st:3:9: division by zero (MOD 0)");
    Runner x(program("VAR_INPUT d : REAL; END_VAR VAR_OUTPUT q : REAL; END_VAR", "q := 1.0 / d;"));
    CHECK(runtime_error(x) == "t.st:3:10: division by zero");
  }
  SUBCASE("conversions out of range and functions off their domain") {
    Runner r(
        program("VAR_INPUT x : REAL; END_VAR VAR_OUTPUT i : INT; END_VAR", "i := REAL_TO_INT(x);"));
    r.set("x", 40000.5);
    CHECK(runtime_error(r) == "t.st:3:6: REAL_TO_INT: 40000.5 is out of range of INT");
    Runner s(program("VAR_INPUT x : REAL; END_VAR VAR_OUTPUT y : REAL; END_VAR", "y := SQRT(x);"));
    s.set("x", -1);
    CHECK(runtime_error(s) == "t.st:3:6: SQRT(-1) is not a number");
  }
  SUBCASE("an endless WHILE ends in the budget error, and the next scan runs again") {
    Runner r(program("VAR_INPUT go : BOOL; END_VAR VAR_OUTPUT n : DINT; END_VAR",
                     "WHILE go DO n := n + 1; END_WHILE;"));
    r.set("go", 1);
    CHECK(runtime_error(r) ==
          "t.st:3:1: the scan ran more than 1000000 statements (an endless loop?)");
    r.inst.set_budget(100);
    CHECK(runtime_error(r, 1) ==
          "t.st:3:1: the scan ran more than 100 statements (an endless loop?)");
    r.set("go", 0);
    CHECK_NOTHROW(r.inst.scan(2));
    Runner e(program("VAR i : INT; END_VAR", "WHILE TRUE DO END_WHILE;"));
    CHECK(runtime_error(e) ==
          "t.st:3:1: the scan ran more than 1000000 statements (an endless loop?)");
    CHECK_THROWS_AS(e.inst.set_budget(0), std::invalid_argument);
  }
  SUBCASE("a FOR step of 0") {
    Runner r(program("VAR_INPUT s : INT; END_VAR VAR i : INT; END_VAR",
                     "FOR i := 1 TO 5 BY s DO END_FOR;"));
    CHECK(runtime_error(r) == "t.st:3:20: the FOR step is 0: the loop would never end");
  }
}

TEST_CASE("limits: source size, nesting depth and expression depth end in errors, not crashes") {
  CHECK(errors(std::string(st::Instance::kDefaultBudget + (1 << 20), ' ')) ==
        "t.st:1:1: source is larger than 1 MB (2048576 bytes; at most 1048576)\n");
  const std::string v = "VAR x : INT; END_VAR";
  CHECK(errors(program(v, "x := " + std::string(99, '(') + "1" + std::string(99, ')') + ";"))
            .empty());
  CHECK(errors(program(v, "x := " + std::string(200000, '(') + "1;")) ==
        "t.st:3:106: nesting deeper than 100 levels\n");
  CHECK(errors(program(v, "x := " + std::string(200000, '-') + "1;")) ==
        "t.st:3:106: nesting deeper than 100 levels\n");
  std::string ifs;
  for (int i = 0; i < 10000; ++i) ifs += "IF TRUE THEN ";
  CHECK(errors(program(v, ifs)) == "t.st:3:1301: nesting deeper than 100 levels\n");
  std::string sum = "x := 1";
  for (int i = 0; i < 100000; ++i) sum += "+1";
  CHECK(errors(program(v, sum + ";")) == "t.st:3:2005: expression deeper than 1000 levels\n");
  // 65,536 slots at most: the 65,537th variable is one too many.
  std::string many = "PROGRAM p\nVAR ";
  for (int i = 0; i < 65537; ++i) {
    many += 'v';
    many += std::to_string(i);
    if (i < 65536) many += ',';
  }
  const auto too_many = st::compile(many + " : BOOL; END_VAR\nEND_PROGRAM\n", "t.st");
  REQUIRE(too_many.errors.size() == 1);
  CHECK(too_many.errors[0].line == 2);
  CHECK(too_many.errors[0].column ==
        static_cast<int>(many.size() - std::string("v65536").size() - 9));
  CHECK(too_many.errors[0].message ==
        "too many variables (at most 65536 slots, a function block taking several)");
  // At most 100 errors are reported.
  std::string bad;
  for (int i = 0; i < 1000; ++i) bad += "y := 1;\n";
  const auto c = st::compile(program(v, bad), "t.st");
  CHECK(c.errors.size() == 100);
}

TEST_CASE("a copy of a running instance runs on with the same trace as the original") {
  const auto prog =
      build(program("VAR_INPUT level : REAL; END_VAR\n"
                    "VAR_OUTPUT pump : BOOL; starts : INT; sum : REAL; END_VAR\n"
                    "VAR hi : TON; edge : R_TRIG; n : CTU; END_VAR",
                    "hi(IN := level > 0.8, PT := T#1s);\n"
                    "IF hi.Q THEN pump := TRUE; ELSIF level < 0.2 THEN pump := FALSE; END_IF;\n"
                    "edge(CLK := pump); n(CU := edge.Q, PV := 100); starts := n.CV;\n"
                    "sum := sum + level * 0.1;"));
  auto level = [](int k) { return 0.5 + 0.5 * std::sin(0.37 * k); };
  st::Instance a(prog);
  for (int k = 0; k < 40; ++k) {
    a.set(0, level(k));
    a.scan(k * 0.25);
  }
  st::Instance b = a;
  int changes = 0;
  double last = a.get(1);
  for (int k = 40; k < 400; ++k) {
    for (st::Instance* i : {&a, &b}) {
      i->set(0, level(k));
      i->scan(k * 0.25);
    }
    for (int v = 0; v < 4; ++v) CHECK(a.get(v) == b.get(v));
    changes += a.get(1) != last;
    last = a.get(1);
  }
  CHECK(changes > 4);  // the trace is not trivial
  CHECK(a.get(2) > 2);
}

TEST_CASE("one program runs in instances on several threads at once") {
  const auto prog = build(program("VAR_OUTPUT s : DINT; END_VAR VAR i : INT; END_VAR",
                                  "FOR i := 1 TO 1000 DO s := s + i MOD 7; END_FOR;"));
  std::vector<double> out(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < out.size(); ++t) {
    threads.emplace_back([&, t] {
      st::Instance inst(prog);
      for (int k = 0; k < 50; ++k) inst.scan(k);
      out[t] = inst.get(0);
    });
  }
  for (auto& t : threads) t.join();
  for (const double v : out) CHECK(v == out[0]);
  CHECK(out[0] != 0);
}

TEST_CASE("Instance refuses bad arguments with a reason") {
  Runner r(program("VAR_INPUT b : BOOL; i : INT; d : DINT; x : REAL; t : TIME; END_VAR", ""));
  r.set("b", 0.5);
  CHECK(r.get("b") == 1);
  r.set("i", 2.6);
  CHECK(r.get("i") == 3);
  r.set("t", 1.25);
  CHECK(r.get("t") == 1.25);
  auto message = [&](int var, double v) {
    try {
      r.inst.set(var, v);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message(1, 40000) == "INT variable 'i' cannot hold 40000");
  CHECK(message(2, 3e9) == "DINT variable 'd' cannot hold 3000000000");
  CHECK(message(0, NAN) == "BOOL variable 'b' cannot be NaN");
  CHECK(message(4, -1) == "TIME variable 't' cannot hold -1 s");
  CHECK_THROWS_AS(r.inst.set(5, 0), std::out_of_range);
  CHECK_THROWS_AS(r.inst.get(-1), std::out_of_range);
  r.inst.scan(2);
  CHECK_THROWS_WITH_AS(r.inst.scan(1), "st::Instance::scan: time went back from 2 s to 1 s",
                       std::invalid_argument);
  CHECK_THROWS_AS(r.inst.scan(NAN), std::invalid_argument);
  CHECK_THROWS_AS(st::Instance(nullptr), std::invalid_argument);
}
