// libFuzzer harness for the Structured Text compiler and interpreter: compile the input and, when
// it is a program, run twenty scans with inputs that change from scan to scan. Every input must
// end in a program or in errors (never both, never neither), each error at a place inside the
// text with a printable message, in source order; a scan may only throw st::RuntimeError. Any
// other exception, a crash, a hang or running out of memory is a bug. Each scan also runs on a
// second instance by the tree walk the code was lowered from (Instance::scan_reference): the two
// must end alike (the same error text, or none) with the same value in every variable.
//
// Input: Structured Text source. By hand:
//   build/fuzz/tests/fuzz/fuzz_st -max_total_time=300 -dict=tests/fuzz/fuzz_st.dict \
//     build/fuzz/tests/fuzz/fuzz_st_corpus tests/fuzz/corpus/st

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "plantwin/models/st.h"

namespace {

void check_printable(const std::string& text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace st = plantwin::st;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const st::Compiled c = st::compile(text, "fuzz.st");
  if ((c.program == nullptr) == c.errors.empty()) std::abort();
  int lines = 1;
  for (const char ch : text) lines += ch == '\n';
  int last_line = 0, last_column = 0;
  for (const auto& e : c.errors) {
    if (e.file != "fuzz.st" || e.line < 1 || e.line > lines || e.column < 1) std::abort();
    if (e.line < last_line || (e.line == last_line && e.column < last_column)) std::abort();
    last_line = e.line;
    last_column = e.column;
    check_printable(e.message);
  }
  if (!c.program) return 0;
  st::Instance inst(c.program), ref(c.program);
  inst.set_budget(20000);  // endless loops end fast
  ref.set_budget(20000);
  using Type = st::Instance::Var::Type;
  for (int k = 0; k < 20; ++k) {
    for (std::size_t v = 0; v < inst.variables().size(); ++v) {
      const auto& var = inst.variables()[v];
      if (var.dir != st::Instance::Var::Dir::kInput) continue;
      const int i = static_cast<int>(v);
      double value = 0;
      switch (var.type) {
        case Type::kBool:
          value = (k + i) % 3 == 0;
          break;
        case Type::kInt:
          value = (k * 7919 + i) % 65536 - 32768;
          break;
        case Type::kDint:
          value = (k * 104729 + i) % 2000 - 1000;
          break;
        case Type::kReal:
          value = (k - 10) * 0.37;
          break;
        case Type::kTime:
          value = k * 0.25;
          break;
      }
      inst.set(i, value);
      ref.set(i, value);
    }
    std::string error = "(none)", ref_error = "(none)";
    try {
      inst.scan(k * 0.3);
    } catch (const st::RuntimeError& e) {
      error = e.what();
      check_printable(error);
    }
    try {
      ref.scan_reference(k * 0.3);
    } catch (const st::RuntimeError& e) {
      ref_error = e.what();
    }
    if (error != ref_error) std::abort();
    for (std::size_t v = 0; v < inst.variables().size(); ++v) {
      const double a = inst.get(static_cast<int>(v)), b = ref.get(static_cast<int>(v));
      if (!(std::isnan(a) && std::isnan(b)) && std::memcmp(&a, &b, sizeof a) != 0) std::abort();
    }
  }
  return 0;
}
