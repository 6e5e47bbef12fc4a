#pragma once
/// Shift calendars: when the plant plans to produce.
///
/// Simulation time 0 is a Monday, 00:00. A calendar is a weekly pattern of on-shift intervals,
/// written in the scenario as
///
///     shifts:
///       days: [mon, tue, wed, thu, fri]       # default: every day
///       periods: ["06:00-14:00", "14:00-22:00"]  # a period may cross midnight: "22:00-06:00"
///       breaks: ["10:00-10:15", "18:00-18:15"]   # taken every working day; optional
///
/// Machines start no new job off shift (a job under way finishes); their off-shift time is
/// planned downtime, not counted against OEE.

#include <utility>
#include <vector>

#include "plantwin/scenario.h"

namespace plantwin {

class ShiftCalendar {
 public:
  static constexpr double kWeek = 7 * 86400.0;

  /// `intervals`: on-shift [start, end) in seconds from Monday 00:00, within one week.
  explicit ShiftCalendar(std::vector<std::pair<double, double>> intervals);

  bool on_shift(double t) const;
  /// The first time after `t` at which on_shift() changes; +infinity if it never does.
  double next_change(double t) const;
  /// On-shift time within [t0, t1].
  double planned_time(double t0, double t1) const;
  const std::vector<std::pair<double, double>>& intervals() const { return week_; }

 private:
  std::vector<std::pair<double, double>> week_;  // sorted, merged, within [0, kWeek]
};

/// Reads a `shifts:` section; errors go to `diag`.
ShiftCalendar parse_shifts(const Node& node, Diagnostics& diag);

}  // namespace plantwin
