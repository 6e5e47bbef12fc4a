// Where OpenMP threads start to pay off for plantwin's continuous models (issue 11): one RK4
// step of a chain of n thermal nodes (four derivative passes and four stage updates, the loops
// of engine/src/integrator.cpp and models/physics/thermal_network.cpp), on one thread without
// entering the OpenMP runtime and with `omp parallel for` on every available thread, for n from
// 2^6 to 2^20. Prints ns per step for both, their ratio, and the smallest n from which the
// threaded step is faster at every larger size measured: the threshold the integrator uses
// (kParallelStates). Usage: bench_omp_threshold [min_seconds_per_point]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace {

struct Chain {
  std::vector<double> x, tmp, k1, k2, k3, k4, x1;
  explicit Chain(int n) : x(n, 20.0), tmp(n), k1(n), k2(n), k3(n), k4(n), x1(n) {
    for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] += 1e-3 * i;
  }
};

constexpr double kBase = 100.0 + 2.0 * 20.0, kGa = 2.0, kGn = 10.0, kInvC = 1.0 / 50000.0;

template <bool kParallel>
void derivatives(int n, const double* x, double* dx) {
  dx[0] = (kBase - kGa * x[0] + kGn * (x[1] - x[0])) * kInvC;
  if constexpr (kParallel) {
#pragma omp parallel for simd
    for (int i = 1; i < n - 1; ++i)
      dx[i] = (kBase - kGa * x[i] + kGn * (x[i - 1] - 2 * x[i] + x[i + 1])) * kInvC;
  } else {
    for (int i = 1; i < n - 1; ++i)
      dx[i] = (kBase - kGa * x[i] + kGn * (x[i - 1] - 2 * x[i] + x[i + 1])) * kInvC;
  }
  dx[n - 1] = (kBase - kGa * x[n - 1] + kGn * (x[n - 2] - x[n - 1])) * kInvC;
}

template <bool kParallel, class F>
void update(int n, F f) {
  if constexpr (kParallel) {
#pragma omp parallel for simd
    for (int i = 0; i < n; ++i) f(i);
  } else {
    for (int i = 0; i < n; ++i) f(i);
  }
}

template <bool kParallel>
void rk4_step(int n, Chain& c, double h) {
  double *x = c.x.data(), *tmp = c.tmp.data(), *k1 = c.k1.data(), *k2 = c.k2.data(),
         *k3 = c.k3.data(), *k4 = c.k4.data(), *x1 = c.x1.data();
  derivatives<kParallel>(n, x, k1);
  update<kParallel>(n, [=](int i) { tmp[i] = x[i] + 0.5 * h * k1[i]; });
  derivatives<kParallel>(n, tmp, k2);
  update<kParallel>(n, [=](int i) { tmp[i] = x[i] + 0.5 * h * k2[i]; });
  derivatives<kParallel>(n, tmp, k3);
  update<kParallel>(n, [=](int i) { tmp[i] = x[i] + h * k3[i]; });
  derivatives<kParallel>(n, tmp, k4);
  const double h6 = h / 6.0;
  update<kParallel>(n, [=](int i) { x1[i] = x[i] + h6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]); });
  update<kParallel>(n, [=](int i) { x[i] = x1[i]; });
}

// Median over five timed batches of ns per step, each batch at least `min_s` long.
template <bool kParallel>
double ns_per_step(int n, double min_s) {
  Chain c(n);
  long steps = 1;
  for (;;) {  // size a batch
    const auto t0 = std::chrono::steady_clock::now();
    for (long s = 0; s < steps; ++s) rk4_step<kParallel>(n, c, 1.0);
    const double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (w >= min_s || steps > (1L << 30)) break;
    steps *= 2;
  }
  std::vector<double> v;
  for (int b = 0; b < 5; ++b) {
    const auto t0 = std::chrono::steady_clock::now();
    for (long s = 0; s < steps; ++s) rk4_step<kParallel>(n, c, 1.0);
    v.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                static_cast<double>(steps) * 1e9);
  }
  std::sort(v.begin(), v.end());
  return v[2];
}

}  // namespace

int main(int argc, char** argv) {
  const double min_s = argc > 1 ? std::stod(argv[1]) : 0.02;
  fmt::print("threads: {}\n", omp_get_max_threads());
  fmt::print("{:>9} {:>16} {:>16} {:>8}\n", "states", "serial ns/step", "threads ns/step", "ratio");
  std::vector<int> sizes;
  std::vector<double> ratios;
  for (int n = 64; n <= (1 << 20); n *= 2) {
    const double serial = ns_per_step<false>(n, min_s);
    const double parallel = ns_per_step<true>(n, min_s);
    sizes.push_back(n);
    ratios.push_back(serial / parallel);
    fmt::print("{:>9} {:>16.0f} {:>16.0f} {:>8.2f}\n", n, serial, parallel, serial / parallel);
  }
  int threshold = -1;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    if (ratios[i] <= 1.0) break;
    threshold = sizes[i];
  }
  if (threshold > 0)
    fmt::print("threads_pay_off_from_states: {}\n", threshold);
  else
    fmt::print("threads_pay_off_from_states: never up to {}\n", sizes.back());
}
