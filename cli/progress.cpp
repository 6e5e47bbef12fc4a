#include "progress.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace plantwin::cli {

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled), t0_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  done();
}

void ProgressBar::update(int done, int total) {
  if (total > 0) draw(static_cast<double>(done) / total, fmt::format("{}/{} runs", done, total));
}

void ProgressBar::update_time(double t, double t_end, const std::string& label) {
  if (t_end > 0) draw(t / t_end, "sim " + label);
}

void ProgressBar::done() {
  if (shown_) fmt::print(stderr, "\n");
  shown_ = false;
}

void ProgressBar::draw(double fraction, const std::string& label) {
  if (!enabled_) return;
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  if (el < 1.0) return;
  const int width = 40, filled = static_cast<int>(width * std::clamp(fraction, 0.0, 1.0));
  fmt::print(stderr, "\r[{}{}] {:3.0f}%  {}  ETA {:.0f} s ", std::string(filled, '#'),
             std::string(width - filled, '.'), 100 * fraction, label,
             fraction > 0 ? el * (1 - fraction) / fraction : 0.0);
  shown_ = true;
}

}  // namespace plantwin::cli
