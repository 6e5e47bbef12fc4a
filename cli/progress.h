#pragma once

#include <chrono>
#include <string>

namespace plantwin::cli {

/// The progress bar of runs (simulated time) and experiments (runs done), drawn on stderr when it
/// is enabled (a terminal, not --quiet) and only after the first second, so that short runs
/// print nothing.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Experiments: `done` of `total` runs.
  void update(int done, int total);
  /// A run: simulated time `t` of `t_end`, shown as `label`.
  void update_time(double t, double t_end, const std::string& label);
  /// Ends the bar's line, if one was drawn.
  void done();

 private:
  void draw(double fraction, const std::string& label);

  bool enabled_, shown_ = false;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace plantwin::cli
