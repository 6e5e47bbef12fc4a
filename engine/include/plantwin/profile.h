#pragma once
/// Time profiles for exogenous inputs (ambient temperature, wind speed ...):
///
///     20 C                                       a constant
///     daily(min=15 C, max=28 C, peak=15:00)      a sinusoid with a 24 h period
///     file("data/ambient.csv", unit=C)           time (h), value per row; linear between rows,
///                                                held after the last; repeats weekly with
///                                                repeat=week, daily with repeat=day

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantwin/units.h"

namespace plantwin {

class Profile {
 public:
  static Profile constant(double v);
  double at(double t) const;
  double mean_over_day() const;

 private:
  friend std::optional<Profile> parse_profile(std::string_view, Dimension, const std::string&,
                                              std::string*);
  enum class Kind { kConstant, kDaily, kTable } kind_ = Kind::kConstant;
  double value_ = 0, mean_ = 0, amplitude_ = 0, peak_s_ = 0, period_ = 0;
  std::vector<double> times_, values_;
};

/// Parses a profile of `dim`; data files resolve against `base_dir`. On failure returns nullopt
/// with a sentence in `why`.
std::optional<Profile> parse_profile(std::string_view text, Dimension dim,
                                     const std::string& base_dir, std::string* why);

}  // namespace plantwin
