// libFuzzer harness for the result-file reader (read_result_file_in_process: the checks without
// the child process that read_result_file adds): every input is written to a
// file and read back with samples. The reader must return or throw std::runtime_error saying
// "<path>: not a plantwin result file: <why>"; any other exception, a crash, a leak or undefined
// behaviour is a finding. An experiment file's recorded runs are read too (read_result_run).
// Seed corpus: tests/fuzz/corpus/results (small files plantwin wrote).
//
// libhdf5 1.10 itself crashes, loops and leaks on many corrupt files (see
// tests/fuzz/regressions/results/README.md); read_result_file isolates it in a child process,
// this harness does not, so run it in fork mode to go on past those:
//
//   fuzz_results -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
//       -rss_limit_mb=2048 -timeout=10 -max_total_time=1200 CORPUS_DIR tests/fuzz/corpus/results
//
// and triage the artifacts by their first frame: one in plantwin code is ours to fix.
//
// With PLANTWIN_FUZZ_ISOLATED=1 (as CTest runs it in CI) every input goes through
// read_result_file itself, libhdf5 in its child process: the property users rely on, that no
// file crashes plantwin info or the viewer, is what is fuzzed, and libhdf5's own crashes cannot
// fail CI at random. Coverage then guides the parent's side only. The child gets 2 s, well inside
// libFuzzer's -timeout (10 s in CTest): a file on which libhdf5 loops for ever must end in the
// reader's "did not finish reading it" error, not in a fuzzer timeout (as it did in CI once, when
// the reader's default 10 s deadline met libFuzzer's 10 s).

#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "plantwin/results.h"

// libhdf5's own leaks on its error paths are not findings; a huge malloc inside libhdf5 returns
// null as it would without the sanitizer, and libhdf5 reports it as an error.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libhdf5\n";
}
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1";
}

// read_result_file forks (without exec) to read in a child. The child inherits libFuzzer's death
// callback, which saves the parent's current input as a crash-* artifact: libhdf5 crashing in the
// child, contained and reported as an error, left "crashes" behind a passing run (56 of them on a
// fresh Debian). A forked child drops the callback; a crash in the parent is still saved.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pthread_atfork(nullptr, nullptr, [] { __sanitizer_set_death_callback(nullptr); });
  return 0;
}

namespace {

std::string input_path() {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/plantwin_fuzz_results_" +
         std::to_string(::getpid()) + ".h5";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = input_path();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  struct Remove {
    ~Remove() { std::remove(path.c_str()); }
  } remove;
  try {
    static const bool isolated = std::getenv("PLANTWIN_FUZZ_ISOLATED") != nullptr;
    const plantwin::ResultContents r =
        isolated ? plantwin::read_result_file(path, /*with_samples=*/true, /*time_limit_s=*/2)
                 : plantwin::read_result_file_in_process(path, /*with_samples=*/true);
    for (const auto& s : r.signals)
      if (s.time.size() != s.value.size() || s.time.size() != s.samples) std::abort();
    // An experiment file's recorded runs (/cases/<name>/runs/<r>), each read as a run.
    for (const auto& c : r.cases)
      for (const int run : c.runs) {
        const plantwin::ResultContents one =
            isolated ? plantwin::read_result_run(path, c.name, run, /*time_limit_s=*/2)
                     : plantwin::read_result_run_in_process(path, c.name, run);
        for (const auto& s : one.signals)
          if (s.time.size() != s.value.size() || s.time.size() != s.samples) std::abort();
      }
  } catch (const std::runtime_error& e) {
    const std::string want = path + ": not a plantwin result file: ";
    if (std::strncmp(e.what(), want.c_str(), want.size()) != 0) {
      std::fprintf(stderr, "unexpected error text: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
