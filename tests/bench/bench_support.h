#pragma once
// What the C++ benchmarks share: wall time and the process's peak memory.

#include <sys/resource.h>

#include <chrono>

namespace plantwin::bench {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The process's peak resident memory so far, MiB.
inline double peak_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace plantwin::bench
