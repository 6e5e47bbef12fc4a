#pragma once
/// Statistics: time-weighted accumulators, tallies, and confidence intervals.

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

namespace plantwin {

/// Time average of a piecewise-constant quantity (a level, a count of busy servers).
class TimeWeighted {
 public:
  /// Starts (or restarts) accumulating at time `t` with current value `v`.
  void reset(double t, double v) {
    start_ = last_t_ = t;
    value_ = max_ = v;
    area_ = 0;
  }
  /// The value changes to `v` at time `t` (t must not go backwards). Called for every part
  /// that enters or leaves a buffer: it keeps only what a report reads (no second moment, no
  /// minimum: a level's minimum is 0 nearly always).
  void update(double t, double v) {
    area_ += value_ * (t - last_t_);
    last_t_ = t;
    value_ = v;
    if (v > max_) max_ = v;
  }
  double value() const { return value_; }
  /// Integral of the value from the reset up to `t`.
  double integral(double t) const { return area_ + value_ * (t - last_t_); }
  double mean(double t) const {
    const double span = t - start_;
    return span > 0 ? integral(t) / span : value_;
  }
  double max() const { return max_; }
  double start() const { return start_; }

 private:
  double start_ = 0, last_t_ = 0, value_ = 0, area_ = 0, max_ = 0;
};

/// Mean, variance, min and max of observations (Welford's update, numerically stable).
class Tally {
 public:
  void reset() { *this = Tally(); }
  void add(double x) {
    ++n_;
    sum_ += x;
    const double d = x - mean_;
    mean_ += d / static_cast<double>(n_);
    m2_ += d * (x - mean_);
    if (x < min_) min_ = x;
    if (x > max_) max_ = x;
  }
  std::int64_t count() const { return n_; }
  double sum() const { return sum_; }
  double mean() const { return n_ ? mean_ : std::numeric_limits<double>::quiet_NaN(); }
  /// Sample variance (n - 1 in the denominator).
  double variance() const { return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : 0.0; }
  double min() const { return min_; }
  double max() const { return max_; }

 private:
  std::int64_t n_ = 0;
  double sum_ = 0, mean_ = 0, m2_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

/// A point estimate with the half-width of its two-sided confidence interval.
/// half_width is NaN when there is too little data for an interval.
struct Estimate {
  double mean = std::numeric_limits<double>::quiet_NaN();
  double half_width = std::numeric_limits<double>::quiet_NaN();
  int samples = 0;
};

/// Student t quantile: the x with P(T_df <= x) = p, for 0 < p < 1 and df > 0.
double student_t_quantile(double p, double df);
/// Student t distribution function P(T_df <= x).
double student_t_cdf(double x, double df);
/// Regularized incomplete beta function I_x(a, b).
double incomplete_beta(double a, double b, double x);
/// Regularized lower incomplete gamma function P(a, x).
double incomplete_gamma_p(double a, double x);
/// Chi-square distribution function P(X <= x) with `df` degrees of freedom.
double chi_square_cdf(double x, double df);

/// Mean and t confidence interval of independent, identically distributed values (batch
/// means of a long run, or one value per replication). NaN entries are skipped.
Estimate t_interval(std::span<const double> values, double confidence = 0.95);

/// Confidence interval for the steady-state mean from the batch means of one long run.
/// Batch means of a queue are neither independent nor symmetric (a long queue makes a high
/// mean and a high variance together), and a plain t interval on 20 batches of an M/M/1 queue
/// at 80 % load covers the truth only about 90 % of the time. Following N-Skart (Tafazzoli,
/// Steiger and Wilson, IEEE Trans. Automatic Control 56(2), 2011), the variance is inflated by
/// (1 + phi) / (1 - phi), phi the lag-1 autocorrelation of the batch means (clipped to
/// [0, 0.9]), and the t quantiles are adjusted for the batch means' skewness with Willink's
/// (2005) Cornish-Fisher transform. half_width is the wider side of that asymmetric interval,
/// so the reported "mean +- half_width" contains it. NaN entries are skipped.
Estimate batch_means_interval(std::span<const double> batch_means, double confidence = 0.95);

}  // namespace plantwin
