#pragma once
/// IEC 61131-3 Structured Text: a compiler and an interpreter for the subset that PLC engineers
/// write for plant control (docs/structured_text.md lists it with its semantics and limits).
///
/// `compile()` parses and checks a whole `.st` file into an immutable `Program` that threads
/// share; an `Instance` holds all that one run changes (variables, timer and counter states) and
/// is copied to fork a run. `Instance::scan()` runs one PLC scan at a simulated time, so a timer
/// of `T#5s` lasts five simulated seconds whatever the scan period.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plantwin::st {

/// One error in a source file: where (1-based line and column, the column counted in bytes)
/// and what.
struct StError {
  std::string file;
  int line = 0, column = 0;
  std::string message;
};

/// "file:line:col: message".
std::string format(const StError& error);

/// An error while a scan runs (division by zero, a conversion out of range, a scan that runs
/// more statements than its budget). what() is "file:line:col: message" at the statement or
/// expression that failed. The instance's variables keep what the scan wrote up to there.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A compiled, checked program: immutable, shared by every instance and thread.
class Program;

/// What `compile()` gives: a program, or every error found (in source order) and no program.
struct Compiled {
  std::shared_ptr<const Program> program;
  std::vector<StError> errors;
};

/// Parses and checks a whole file (at most 1 MB). Never throws for bad text: every error goes to
/// `errors`, and `program` is null when there is any.
Compiled compile(std::string_view text, const std::string& file);

/// The run-time state of one program: its variables and the states of its function blocks.
/// Copyable: a copy runs on independently of the original (forks, replications).
class Instance {
 public:
  /// The variables a program declares, in declaration order (function block instances are not
  /// listed: their outputs are read inside the program).
  struct Var {
    std::string name;
    enum class Dir { kInput, kOutput, kLocal } dir;
    enum class Type { kBool, kInt, kDint, kReal, kTime } type;
  };

  /// The statement budget of one scan unless `set_budget()` says otherwise.
  static constexpr std::int64_t kDefaultBudget = 1'000'000;

  /// Starts from the declared initial values. Throws std::invalid_argument for a null program.
  explicit Instance(std::shared_ptr<const Program> program);

  /// The declared VAR_INPUT, VAR_OUTPUT and VAR variables (not constants' values: they are
  /// listed too, as kLocal).
  const std::vector<Var>& variables() const;

  /// The index of a variable by name, case-insensitive; -1 if there is none.
  int find(std::string_view name) const;

  /// Sets a variable (usually an input, before a scan). BOOL: any non-zero value is TRUE;
  /// INT and DINT: rounded to the nearest integer; REAL: as given; TIME: in seconds.
  /// Throws std::out_of_range for a bad index and std::invalid_argument for NaN, an integer out
  /// of its type's range or a negative TIME.
  void set(int var, double value);

  /// A variable's value (usually an output, after a scan): BOOL 0 or 1, INT and DINT as
  /// integers, TIME in seconds. Throws std::out_of_range for a bad index.
  double get(int var) const;

  /// The most statements (and loop tests) one scan may execute before it fails with a
  /// RuntimeError. Throws std::invalid_argument unless positive.
  void set_budget(std::int64_t statements);

  /// Runs one scan at simulated time `now_s` (seconds). Throws std::invalid_argument when
  /// `now_s` is not finite or earlier than the previous scan's, and st::RuntimeError for an
  /// error in the program (division by zero, a conversion out of range, the statement budget
  /// exceeded: an endless WHILE ends in that error, never hangs).
  void scan(double now_s);

  /// The same scan, run by walking the checked trees instead of the code they were lowered to:
  /// the reference the lowered code is tested against (the same values and the same errors).
  void scan_reference(double now_s);

 private:
  void begin_scan(double now_s);
  std::shared_ptr<const Program> program_;
  std::vector<double> slots_;  // every variable and function block field, one double each
  double last_now_s_ = 0;
  bool scanned_ = false;
  std::int64_t budget_ = kDefaultBudget;
};

}  // namespace plantwin::st
