#include "power_curve.h"

#include <algorithm>
#include <iterator>

namespace plantwin::wind {

PowerCurve PowerCurve::cubic(double cut_in, double rated_speed, double rated_kw, double cut_out) {
  PowerCurve c;
  c.cut_in_ = cut_in;
  c.rated_speed_ = rated_speed;
  c.rated_kw_ = rated_kw;
  c.cut_out_ = cut_out;
  return c;
}

PowerCurve PowerCurve::table(std::vector<double> speeds, std::vector<double> powers_kw,
                             double cut_out) {
  PowerCurve c;
  c.table_ = true;
  c.rated_kw_ = powers_kw.empty() ? 0 : *std::max_element(powers_kw.begin(), powers_kw.end());
  c.speeds_ = std::move(speeds);
  c.powers_ = std::move(powers_kw);
  c.cut_out_ = cut_out;
  return c;
}

double PowerCurve::power_kw(double v) const {
  if (!(v < cut_out_)) return 0;
  if (!table_) {
    if (v < cut_in_) return 0;
    if (v >= rated_speed_) return rated_kw_;
    const double vi3 = cut_in_ * cut_in_ * cut_in_;
    return rated_kw_ * (v * v * v - vi3) / (rated_speed_ * rated_speed_ * rated_speed_ - vi3);
  }
  if (speeds_.empty() || v < speeds_.front()) return 0;
  if (v >= speeds_.back()) return powers_.back();
  // The first point above v; v lies in [speeds_[i - 1], speeds_[i]).
  const auto i = static_cast<std::size_t>(
      std::distance(speeds_.begin(), std::upper_bound(speeds_.begin(), speeds_.end(), v)));
  const double f = (v - speeds_[i - 1]) / (speeds_[i] - speeds_[i - 1]);
  return powers_[i - 1] + f * (powers_[i] - powers_[i - 1]);
}

}  // namespace plantwin::wind
