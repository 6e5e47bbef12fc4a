#pragma once
/// A wind turbine's power curve: the electrical power it can deliver at a wind speed (its
/// available power, before any curtailment).
///
/// Two shapes:
///   cubic:  0 below cut_in; P_rated (v^3 - v_in^3) / (v_rated^3 - v_in^3) from cut_in up to
///           rated_speed; P_rated from rated_speed up to cut_out; 0 at and above cut_out (the
///           turbine stops: no restart hysteresis is modelled).
///   table:  (speed, power) points with strictly increasing speeds (a manufacturer's curve):
///           0 below the first point, linear between points, the last point's power from the
///           last speed up to cut_out, 0 at and above cut_out.
/// Speeds in m/s, powers in kW.

#include <vector>

namespace plantwin::wind {

class PowerCurve {
 public:
  PowerCurve() = default;
  /// The cubic shape; needs 0 <= cut_in < rated_speed <= cut_out and rated_kw > 0 (checked by
  /// the scenario reader, not here).
  static PowerCurve cubic(double cut_in, double rated_speed, double rated_kw, double cut_out);
  /// The table shape; needs at least one point, strictly increasing speeds, non-negative
  /// powers and cut_out >= the last speed (checked by the scenario reader, not here).
  static PowerCurve table(std::vector<double> speeds, std::vector<double> powers_kw,
                          double cut_out);

  /// Available power (kW) at wind speed `v` (m/s).
  double power_kw(double v) const;
  /// The most the curve gives (kW): the rated power.
  double rated_kw() const { return rated_kw_; }
  double cut_out() const { return cut_out_; }

 private:
  bool table_ = false;
  double cut_in_ = 0, rated_speed_ = 0, rated_kw_ = 0, cut_out_ = 0;
  std::vector<double> speeds_, powers_;
};

}  // namespace plantwin::wind
