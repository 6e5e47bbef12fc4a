#pragma once
/// State sync for one first-order thermal node: a scalar Kalman filter that measured
/// temperatures drive (the `sync:` key of `thermal` and of the `turbine`'s gearbox).
///
/// Between measurements the node's error obeys de/dt = -e/tau + w (tau = R C, w white noise of
/// spectral density q), so its variance P grows as P(t + h) = a^2 P + q tau / 2 (1 - a^2),
/// a = exp(-h / tau); the mean is the model's own integration. A measurement z with variance R:
/// K = P / (P + R), x += K (z - x), P = (1 - K) P. The innovation z - x (before the update) is
/// kept for a signal, and running sums of it for the KPIs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantwin/component.h"
#include "plantwin/params.h"

namespace plantwin::physics {

/// The filter's noise model, from the scenario's `sync:` map.
struct KalmanSettings {
  double process_noise = 0;    ///< K^2/s: spectral density of the white noise driving the node
  double measurement_var = 0;  ///< K^2: variance of one measurement
  double initial_var = 0;      ///< K^2: variance of the initial temperature
};

/// Reads `key` of `p` as a map {process_noise, measurement_sd, initial_sd (default 1)}:
/// nullopt when absent; errors (unknown keys, negative values) are reported to `p`'s
/// diagnostics with their place and key path.
std::optional<KalmanSettings> read_sync(ParamReader& p, std::string_view key = "sync");

/// The filter's state: part of a component's per-run state, so it is copied with it.
struct ScalarKalman {
  double var = 0;       ///< K^2: variance of the estimate at var_time
  double var_time = 0;  ///< s: when var was last updated
  double innovation = 0;
  std::int64_t measurements = 0;
  double nu_sum = 0, nu2_sum = 0, nis_sum = 0;

  /// Starts at the settings' initial variance at time 0.
  void reset(const KalmanSettings& k) { *this = ScalarKalman{k.initial_var}; }
  /// The variance of the estimate now (time `now`), for a node of time constant `tau_s`.
  double predicted_var(const KalmanSettings& k, double tau_s, double now) const;
  /// A measurement `z` at time `now`: corrects the node's temperature `x` in place.
  void update(const KalmanSettings& k, double tau_s, double now, double& x, double z);
  /// Appends the KPIs `<prefix>measurements`, `<prefix>innovation_mean`,
  /// `<prefix>innovation_sd` and `<prefix>nis_mean` (the normalized innovation squared: 1 on
  /// average when the filter's noise model is right) of `component`.
  void report(const std::string& component, std::string_view prefix,
              std::vector<KpiRow>& rows) const;
};

}  // namespace plantwin::physics
