#pragma once
/// The power part: the electric power a component draws in each of its states, and the energy
/// that follows from the time spent in each (energy = sum over states of time x power). With
/// several units (servers), the power is for the whole component and each unit draws its share.
///
/// A component holds a PowerDraw, gives it the units in each state (power_kw()) or its time
/// shares (energy_kwh()), and appends its KPIs with report().
///
/// Parameters (read by read_power(), keys of the component):
///   power      map state -> power: working, idle (starved), blocked (default: idle), down,
///              standby (default: idle), off; no power and no energy KPIs when absent
///   off_shift  what an idle component does off shift: idle (default), standby or off
/// Signals it backs: power (kW), energy (kWh). KPIs (report()): energy (kWh), mean_power (kW),
///   energy_per_good_part (kWh/part).

#include <vector>

#include "plantwin/registry.h"

namespace plantwin::energy {

class PowerDraw {
 public:
  /// The states power is given for; kOffShift holds what an idle unit draws off shift.
  enum State : int { kWorking = 0, kIdle = 1, kBlocked = 2, kDown = 3, kOffShift = 4 };
  static constexpr int kStates = 5;

  PowerDraw() = default;
  explicit PowerDraw(const double (&kw)[kStates]);

  /// Whether any state draws power (otherwise there are no energy KPIs).
  bool metered() const { return metered_; }
  double kw(int state) const { return kw_[state]; }

  /// Power drawn now by `units` units of which `working` work and `blocked` hold a finished
  /// job (the rest idle); all down when `down`; off shift, every unit not working is off.
  double power_kw(int units, int working, int blocked, bool down, bool on_shift) const {
    if (down) return kw_[kDown];
    if (!on_shift) return (working * kw_[kWorking] + (units - working) * kw_[kOffShift]) / units;
    const int idle = units - working - blocked;
    return (working * kw_[kWorking] + blocked * kw_[kBlocked] + idle * kw_[kIdle]) / units;
  }
  /// Energy in kWh over `span_s` unit-seconds (time times units) shared by `units` units, given
  /// the share of that time in each state.
  double energy_kwh(const double (&share)[kStates], double span_s, int units) const {
    double e = 0;
    for (int k = 0; k < kStates; ++k) e += share[k] * span_s / units * kw_[k];
    return e / 3600.0;
  }
  /// Appends energy, mean_power (over `span_s` seconds) and energy_per_good_part of component
  /// `name`, for energy `e` (kWh) and `good` parts.
  void report(const std::string& name, double e, double span_s, double good,
              std::vector<KpiRow>& rows) const;

 private:
  double kw_[kStates] = {0, 0, 0, 0, 0};
  bool metered_ = false;
};

/// Reads off_shift and power from a component's parameters, with their errors.
PowerDraw read_power(ParamReader& p);

}  // namespace plantwin::energy
