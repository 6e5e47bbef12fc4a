#pragma once
// An experiment's cases side by side: each KPI's mean and interval per case, and its paired
// difference against the base case over the replications they share (common random numbers
// make these differences sharp). No ImGui: tests check it alone.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "data_source.h"

namespace plantwin::viewer {

/// A mean with the half-width of its 95 % confidence interval (NaN: too few values).
struct Interval {
  double mean = std::numeric_limits<double>::quiet_NaN();
  double half_width = std::numeric_limits<double>::quiet_NaN();
  int n = 0;
  /// Whether the interval excludes zero (a difference that is there).
  bool excludes_zero() const {
    return std::isfinite(mean) && std::isfinite(half_width) && std::abs(mean) > half_width;
  }
};

/// The mean and 95 % half-width (Student's t) of other[i] - base[i] over the pairs where both
/// are finite.
Interval paired_difference(const std::vector<double>& base, const std::vector<double>& other);

/// One KPI across the cases.
struct ComparedKpi {
  std::string component, name, unit;
  std::vector<Interval> per_case;  ///< the case's mean and half-width over its replications
  std::vector<Interval> vs_base;   ///< paired difference against the base (NaN for the base)
};

struct Comparison {
  std::vector<std::string> cases;
  int base = 0;                   ///< the case named "base", else the first
  std::vector<ComparedKpi> kpis;  ///< in the base case's order
};

/// Compares the cases of an experiment file: `summaries[c]` is case c's summary (mean and
/// half-width), `replications[c][r]` replication r's KPIs. KPIs are matched by component and
/// name; one missing from a case is NaN there.
Comparison compare_cases(const std::vector<std::string>& cases,
                         const std::vector<std::vector<KpiItem>>& summaries,
                         const std::vector<std::vector<std::vector<KpiItem>>>& replications);

}  // namespace plantwin::viewer
