// Continuous integration between events: fixed-step RK4, adaptive Dormand-Prince 5(4), and
// backward Euler, with state events located by bisection.

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <Eigen/Dense>

#include "plantwin/sim.h"

namespace plantwin {

void Sim::eval_derivatives(double t, const double* x, double* dxdt) const {
  for (int id : model_->continuous_components()) {
    const int off = model_->continuous_offset(id);
    model_->component(id).derivatives(*this, t, x + off, dxdt + off);
  }
}

void Sim::eval_guards(double t, const double* x, double* g) const {
  for (int id : model_->continuous_components()) {
    const Component& c = model_->component(id);
    if (c.guards() > 0)
      c.guard_values(*this, t, x + model_->continuous_offset(id), g + model_->guard_offset(id));
  }
}

namespace {

// From this many continuous states on, vector updates run on OpenMP threads. Measured with
// tests/bench/bench_omp_threshold (an RK4 step of a chain network, 2 cores): on a quiet machine a
// second thread pays off from 8192 states (1.2x; 1.6x at 32768, 1.8x at 65536); on a machine
// whose cores are busy with other work, not below 2^19 states, or not at all. 50000 keeps most of
// the gain and a margin against the busy case.
constexpr Eigen::Index kParallelStates = 50000;

// f(i) for every state index, on OpenMP threads when `wide`. Below that the loop never enters
// the OpenMP runtime: `#pragma omp parallel for if (false)` still does (a team of one, with its
// barrier), which cost a one-node model about 4 us per step.
template <class F>
void for_each_state(Eigen::Index n, bool wide, F f) {
  if (wide) {
#pragma omp parallel for simd
    for (Eigen::Index i = 0; i < n; ++i) f(i);
  } else {
#pragma omp simd
    for (Eigen::Index i = 0; i < n; ++i) f(i);
  }
}

// Dormand-Prince 5(4) tableau.
constexpr double kC[7] = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
constexpr double kA[7][6] = {
    {0, 0, 0, 0, 0, 0},
    {1.0 / 5, 0, 0, 0, 0, 0},
    {3.0 / 40, 9.0 / 40, 0, 0, 0, 0},
    {44.0 / 45, -56.0 / 15, 32.0 / 9, 0, 0, 0},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729, 0, 0},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656, 0},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
// Fifth-order weights minus the embedded fourth-order ones.
constexpr double kE[7] = {35.0 / 384 - 5179.0 / 57600,
                          0,
                          500.0 / 1113 - 7571.0 / 16695,
                          125.0 / 192 - 393.0 / 640,
                          -2187.0 / 6784 + 92097.0 / 339200,
                          11.0 / 84 - 187.0 / 2100,
                          -1.0 / 40};

}  // namespace

void Sim::take_step(double t, double h, const double* x0, double* x1, double* err) {
  const Eigen::Index n = state_.x.size();
  Eigen::MatrixXd& w = state_.work;
  double* tmp = w.col(9).data();
  const PhysicsSettings::Method method = model_->physics().method;
  if (method == PhysicsSettings::Method::kImplicitEuler) {
    implicit_euler_step(t, h, x0, x1);
    return;
  }
  if (method == PhysicsSettings::Method::kRK4) {
    double* k1 = w.col(0).data();
    double* k2 = w.col(1).data();
    double* k3 = w.col(2).data();
    double* k4 = w.col(3).data();
    // Large systems (a big thermal network) spread the stage updates over OpenMP threads, as
    // their components do with their derivatives; small ones stay on one thread.
    const bool wide = n >= kParallelStates;
    eval_derivatives(t, x0, k1);
    for_each_state(n, wide, [=](Eigen::Index i) { tmp[i] = x0[i] + 0.5 * h * k1[i]; });
    eval_derivatives(t + 0.5 * h, tmp, k2);
    for_each_state(n, wide, [=](Eigen::Index i) { tmp[i] = x0[i] + 0.5 * h * k2[i]; });
    eval_derivatives(t + 0.5 * h, tmp, k3);
    for_each_state(n, wide, [=](Eigen::Index i) { tmp[i] = x0[i] + h * k3[i]; });
    eval_derivatives(t + h, tmp, k4);
    const double h6 = h / 6.0;
    for_each_state(n, wide, [=](Eigen::Index i) {
      x1[i] = x0[i] + h6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    });
    return;
  }
  // Dormand-Prince: seven stages, the last at the new point (its error estimate uses it).
  double* k[7];
  for (int s = 0; s < 7; ++s) k[s] = w.col(s).data();
  eval_derivatives(t, x0, k[0]);
  for (int s = 1; s < 7; ++s) {
    for (Eigen::Index i = 0; i < n; ++i) {
      double acc = 0;
      for (int j = 0; j < s; ++j) acc += kA[s][j] * k[j][i];
      tmp[i] = x0[i] + h * acc;
    }
    eval_derivatives(t + kC[s] * h, tmp, k[s]);
  }
  for (Eigen::Index i = 0; i < n; ++i) x1[i] = tmp[i];  // stage 7 point = 5th-order solution
  if (err) {
    for (Eigen::Index i = 0; i < n; ++i) {
      double e = 0;
      for (int s = 0; s < 7; ++s) e += kE[s] * k[s][i];
      err[i] = h * e;
    }
  }
}

void Sim::implicit_euler_step(double t, double h, const double* x0, double* x1) {
  // Newton's method per component block (components' derivatives see only their own states),
  // with a Jacobian by finite differences.
  const double t1 = t + h;
  for (int id : model_->continuous_components()) {
    const Component& c = model_->component(id);
    const int m = c.continuous_states();
    if (m == 0) continue;
    const int off = model_->continuous_offset(id);
    if (m > 200)
      throw std::runtime_error(fmt::format(
          "{}: implicit_euler handles components of up to 200 continuous states, this one has {}; "
          "use rk4 or dopri45",
          c.name(), m));
    Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(x0 + off, m);
    Eigen::VectorXd f(m), fp(m), yp(m), F(m);
    Eigen::MatrixXd J(m, m);
    bool converged = false;
    for (int iter = 0; iter < 50 && !converged; ++iter) {
      c.derivatives(*this, t1, y.data(), f.data());
      F = y - Eigen::Map<const Eigen::VectorXd>(x0 + off, m) - h * f;
      for (int j = 0; j < m; ++j) {
        const double dy = 1e-7 * std::max(1.0, std::fabs(y[j]));
        yp = y;
        yp[j] += dy;
        c.derivatives(*this, t1, yp.data(), fp.data());
        J.col(j) = -h * (fp - f) / dy;
        J(j, j) += 1.0;
      }
      const Eigen::VectorXd delta = J.partialPivLu().solve(-F);
      y += delta;
      converged = delta.norm() <= 1e-10 * (1.0 + y.norm());
    }
    if (!converged || !y.allFinite())
      throw std::runtime_error(
          fmt::format("{}: implicit_euler did not converge at t = {} s", c.name(), t1));
    std::copy(y.data(), y.data() + m, x1 + off);
  }
}

bool Sim::advance_continuous(double t_target) {
  const PhysicsSettings& ps = model_->physics();
  const Eigen::Index n = state_.x.size();
  const Eigen::Index ng = state_.g0.size();
  Eigen::MatrixXd& w = state_.work;
  double* x1 = w.col(7).data();
  double* err = w.col(8).data();
  double* x = state_.x.data();
  double t = state_.x_time;
  const bool adaptive = ps.method == PhysicsSettings::Method::kDormandPrince;
  while (t < t_target) {
    double h;
    if (adaptive) {
      const double proposal = state_.h_next;
      h = std::min(proposal, t_target - t);
      const bool truncated = h < proposal;
      for (int tries = 0;; ++tries) {
        take_step(t, h, x, x1, err);
        double norm = 0;
        for (Eigen::Index i = 0; i < n; ++i) {
          const double scale = ps.atol + ps.rtol * std::max(std::fabs(x[i]), std::fabs(x1[i]));
          norm += (err[i] / scale) * (err[i] / scale);
        }
        norm = n ? std::sqrt(norm / static_cast<double>(n)) : 0.0;
        const double factor = norm > 0 ? std::clamp(0.9 * std::pow(norm, -0.2), 0.2, 5.0) : 5.0;
        if (norm <= 1.0) {
          // A step cut short by the next time point says little about the step size to use.
          if (!truncated || factor < 1.0) state_.h_next = h * factor;
          break;
        }
        h *= factor;
        state_.h_next = h;
        if (h < 1e-12 || tries > 100)
          throw std::runtime_error(fmt::format(
              "dopri45: the step size fell below 1e-12 s at t = {} s (stiff or diverging; try "
              "method: implicit_euler)",
              t));
      }
    } else {
      h = std::min(ps.dt, t_target - t);
      take_step(t, h, x, x1, nullptr);
    }
    for (Eigen::Index i = 0; i < n; ++i)
      if (!std::isfinite(x1[i])) {
        for (int id : model_->continuous_components()) {
          const int off = model_->continuous_offset(id);
          if (i >= off && i < off + model_->component(id).continuous_states())
            throw std::runtime_error(
                fmt::format("{}: continuous state {} is not finite at t = {} s",
                            model_->component(id).name(), i - off, t + h));
        }
      }
    const double t1 = (h == t_target - t) ? t_target : t + h;
    if (ng > 0) {
      eval_guards(t, x, state_.g0.data());
      eval_guards(t1, x1, state_.g1.data());
      bool crossed = false;
      for (Eigen::Index i = 0; i < ng; ++i) crossed |= state_.g0[i] < 0 && state_.g1[i] >= 0;
      if (crossed) {
        // Bisect on the step length for the earliest crossing of any guard.
        double lo = 0, hi = t1 - t;
        std::vector<double> xm(static_cast<std::size_t>(n)), xhi(x1, x1 + n);
        while (hi - lo > ps.event_tolerance) {
          const double mid = 0.5 * (lo + hi);
          take_step(t, mid, x, xm.data(), nullptr);
          eval_guards(t + mid, xm.data(), state_.g2.data());
          bool any = false;
          for (Eigen::Index i = 0; i < ng; ++i) any |= state_.g0[i] < 0 && state_.g2[i] >= 0;
          if (any) {
            hi = mid;
            xhi = xm;
            state_.g1 = state_.g2;
          } else {
            lo = mid;
          }
        }
        std::copy(xhi.begin(), xhi.end(), x);
        state_.x_time = state_.time = t + hi;
        for (int id : model_->continuous_components()) {
          const Component& c = model_->component(id);
          const int goff = model_->guard_offset(id);
          for (int k = 0; k < c.guards(); ++k)
            if (state_.g0[goff + k] < 0 && state_.g1[goff + k] >= 0) {
              ++state_.events_executed;  // a state event is an event like any other
              c.on_guard(*this, k);
              settle();
            }
        }
        return true;
      }
    }
    std::copy(x1, x1 + n, x);
    t = t1;
  }
  state_.x_time = t_target;
  return false;
}

}  // namespace plantwin
