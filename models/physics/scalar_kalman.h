#pragma once
/// The scalar Kalman filter behind a component's `sync:` block: it corrects one first-order
/// thermal node (the `thermal` component's node 1, a `reefer`'s cargo) from measurements.
///
/// Scenario keys (`sync:`):
///   process_noise   K^2/s: spectral density of the white noise driving the node, required
///   measurement_sd  K: standard deviation of one measurement, required
///   initial_sd      K: standard deviation of the initial temperature (default 1)
///
/// Model: between measurements the node's error obeys de/dt = -e/tau + w (tau = C/UA, the
/// node's time constant; w white noise of density q), so its variance grows as
/// P(t + h) = a^2 P + q tau / 2 (1 - a^2) with a = exp(-h / tau); the mean is the component's
/// own integration. A measurement z with variance R: K = P / (P + R), x += K (z - x),
/// P = (1 - K) P. A component whose tau changes at an event (a door opens) folds the prediction
/// up to that event with advance() first, so each stretch uses its own tau.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantwin/component.h"
#include "plantwin/params.h"

namespace plantwin::physics {

/// What a `sync:` block says.
struct KalmanSettings {
  double process_noise = 0;    ///< K^2/s
  double measurement_var = 0;  ///< K^2
  double initial_var = 1;      ///< K^2
};

/// Reads the `sync:` block under `p` (errors go to p's diagnostics, with their place); nullopt
/// when the key is absent.
std::optional<KalmanSettings> read_sync(ParamReader& p, std::string_view key = "sync");

/// The filter's state, kept inside a component's state (copyable with it).
class ScalarKalman {
 public:
  ScalarKalman() = default;
  explicit ScalarKalman(const KalmanSettings& s) : var_(s.initial_var) {}

  /// Variance of the estimate at `now`, the node's time constant having been `tau_s` since the
  /// last update (or advance()).
  double predicted_var(const KalmanSettings& s, double now, double tau_s) const;
  /// Folds the prediction up to `now` into the stored variance: call before tau changes.
  void advance(const KalmanSettings& s, double now, double tau_s);
  /// A measurement `z` of the node `x` (changed in place) at `now`. Returns the innovation.
  double update(const KalmanSettings& s, double now, double tau_s, double& x, double z);

  double innovation() const { return innovation_; }
  std::int64_t measurements() const { return measurements_; }

  /// The signals a synced node adds, in this order: innovation, estimate_sd.
  static std::vector<SignalSpec> signal_specs();
  /// The KPI rows of `component`: measurements, innovation_mean, innovation_sd, nis_mean, each
  /// name after `prefix` ("gearbox_measurements" for a turbine's gearbox).
  void report(const std::string& component, std::vector<KpiRow>& rows,
              std::string_view prefix = "") const;

 private:
  double var_ = 0, var_time_ = 0, innovation_ = 0;
  std::int64_t measurements_ = 0;
  double nu_sum_ = 0, nu2_sum_ = 0, nis_sum_ = 0;
};

}  // namespace plantwin::physics
