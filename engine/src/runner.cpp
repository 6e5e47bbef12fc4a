#include "plantwin/runner.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "plantwin/units.h"

namespace plantwin {
namespace {

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Runner::Runner(Sim& sim, Options options) : sim_(sim), options_(options) {
  if (options_.chunks < 1)
    throw std::invalid_argument(
        fmt::format("the runner needs at least one chunk, got {}", options_.chunks));
  if (!(options_.pace >= 0))
    throw std::invalid_argument(fmt::format(
        "pace must be a positive number of simulated seconds per wall second (0: as fast as "
        "possible), got {}",
        options_.pace));
  if (std::isinf(options_.pace)) options_.pace = 0;
}

// The heap order of timed inputs: the earliest on top; at one time actuator settings before
// measurements, each in push order (the order apply_due_inputs applies them in).
bool Runner::later(const Queued& a, const Queued& b) {
  if (a.input.time != b.input.time) return a.input.time > b.input.time;
  if (a.input.kind != b.input.kind) return a.input.kind != Input::Kind::kSet;
  return a.sequence > b.sequence;
}

void Runner::push(Input input) {
  if (!std::isnan(input.time) && !std::isfinite(input.time))
    throw std::invalid_argument(fmt::format("an input's time must be finite, got {}", input.time));
  std::lock_guard lock(mutex_);
  if (std::isnan(input.time)) {
    untimed_.push_back(Queued{std::move(input), sequence_++});
    pushed_.notify_one();
  } else {
    timed_.push_back(Queued{std::move(input), sequence_++});
    std::push_heap(timed_.begin(), timed_.end(), later);
  }
}

double Runner::next_grid_point(double t) const {
  const double horizon = sim_.model().horizon();
  const int n = options_.chunks;
  // The grid point k is horizon * k / n, computed that way (not by accumulation) so that every
  // front end and a replay stop at the same floating-point times.
  const double guess = std::floor(t / horizon * n);
  long long k = std::max(1LL, static_cast<long long>(guess));
  while (k > 1 && horizon * static_cast<double>(k - 1) / n > t) --k;
  while (k < n && horizon * static_cast<double>(k) / n <= t) ++k;
  // The last point is the horizon itself: horizon * n / n can round one ulp below it, and a
  // grid point at or before t would never move the run on.
  if (k >= n) return horizon;
  return horizon * static_cast<double>(k) / n;
}

bool Runner::next_input_time(double* t) {
  std::lock_guard lock(mutex_);
  if (timed_.empty()) return false;
  *t = timed_.front().input.time;
  return true;
}

void Runner::apply_due_inputs() {
  std::vector<Queued> due;
  {
    std::lock_guard lock(mutex_);
    const double now = sim_.now();
    while (!timed_.empty() && timed_.front().input.time <= now) {
      std::pop_heap(timed_.begin(), timed_.end(), later);
      due.push_back(std::move(timed_.back()));
      timed_.pop_back();
    }
    for (auto& q : untimed_) due.push_back(std::move(q));
    untimed_.clear();
  }
  // Timed inputs in time order, then the untimed ones; at one time the actuator settings before
  // the measurements, each in push order. So a replay, which pushes the recorded /inputs and
  // /measurements apart, applies them in the order the run did.
  std::stable_sort(due.begin(), due.end(), [](const Queued& a, const Queued& b) {
    const double ta = std::isnan(a.input.time) ? HUGE_VAL : a.input.time;
    const double tb = std::isnan(b.input.time) ? HUGE_VAL : b.input.time;
    if (ta != tb) return ta < tb;
    if (a.input.kind != b.input.kind) return a.input.kind == Input::Kind::kSet;
    return a.sequence < b.sequence;
  });
  for (const auto& q : due) {
    try {
      if (q.input.kind == Input::Kind::kMeasure)
        sim_.apply_measurement(q.input.target, q.input.value, q.input.origin);
      else
        sim_.apply_input(q.input.target, q.input.value, q.input.origin);
    } catch (const std::invalid_argument& e) {
      const std::string origin = q.input.origin.empty() ? "outside" : q.input.origin;
      if (!q.input.stop_on_refusal) {
        sim_.warn_from(origin, fmt::format("refused: {}", e.what()));
        continue;
      }
      throw std::invalid_argument(
          fmt::format("input from {} at {}: {}", origin, format_duration(sim_.now()), e.what()));
    }
  }
}

void Runner::notify(bool final) {
  for (const auto& o : observers_) o(sim_, final);
}

bool Runner::run_until(double t_end) {
  t_end = std::min(t_end, sim_.model().horizon());
  wall_origin_sim_ = sim_.now();
  wall_origin_s_ = wall_seconds();
  apply_due_inputs();
  while (sim_.now() < t_end) {
    if (stop_->load()) return false;
    const double grid = next_grid_point(sim_.now());
    double target = std::min(grid, t_end);
    if (!(target > sim_.now())) throw std::logic_error("Runner: the grid did not advance");
    double t_input = 0;
    if (next_input_time(&t_input) && t_input > sim_.now() && t_input < target) target = t_input;
    if (!sim_.run_until(target, stop_)) return false;
    apply_due_inputs();
    if (sim_.now() != grid) continue;
    if (options_.pace > 0)
      lag_ = std::max(
          0.0, (wall_seconds() - wall_origin_s_) * options_.pace - (sim_.now() - wall_origin_sim_));
    notify(false);
    if (options_.pace > 0) {
      // Sleep in short slices so that a stop, or the end of a pause, is seen promptly; an input
      // from outside (a live feed's value) wakes it and takes effect at once, at this same
      // time point, so a twin applies a value within a fraction of a millisecond of its arrival.
      for (;;) {
        const double ahead =
            (sim_.now() - wall_origin_sim_) / options_.pace - (wall_seconds() - wall_origin_s_);
        if (ahead <= 0 || stop_->load()) break;
        bool woken = false;
        {
          std::unique_lock lock(mutex_);
          woken = pushed_.wait_for(lock, std::chrono::duration<double>(std::min(ahead, 0.05)),
                                   [this] { return !untimed_.empty(); });
        }
        if (woken) apply_due_inputs();
      }
      apply_due_inputs();  // what arrived while it slept takes effect at this same time point
    }
  }
  return true;
}

void Runner::finish() {
  notify(true);
}

}  // namespace plantwin
