#include "scalar_kalman.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace plantwin::physics {

std::optional<KalmanSettings> read_sync(ParamReader& p, std::string_view key) {
  const Node* sync = p.raw(key);
  if (!sync) return std::nullopt;
  ParamReader sy(*sync, p.key_path(key), p.diagnostics());
  KalmanSettings k;
  k.process_noise = sy.real("process_noise", std::nullopt, 0);
  const double msd = sy.real("measurement_sd", std::nullopt, 0);
  const double isd = sy.real("initial_sd", 1.0, 0);
  k.measurement_var = msd * msd;
  k.initial_var = isd * isd;
  sy.finish();
  return k;
}

double ScalarKalman::predicted_var(const KalmanSettings& k, double tau_s, double now) const {
  const double a2 = std::exp(-2 * (now - var_time) / tau_s);
  return a2 * var + k.process_noise * tau_s / 2 * (1 - a2);
}

void ScalarKalman::update(const KalmanSettings& k, double tau_s, double now, double& x, double z) {
  const double p = predicted_var(k, tau_s, now);
  const double nu = z - x;
  const double S = p + k.measurement_var;
  const double gain = S > 0 ? p / S : 0;
  x += gain * nu;
  var = (1 - gain) * p;
  var_time = now;
  innovation = nu;
  ++measurements;
  nu_sum += nu;
  nu2_sum += nu * nu;
  nis_sum += S > 0 ? nu * nu / S : 0;
}

void ScalarKalman::report(const std::string& component, std::string_view prefix,
                          std::vector<KpiRow>& rows) const {
  const double nan = std::nan("");
  const double n = static_cast<double>(measurements);
  rows.push_back({component, fmt::format("{}measurements", prefix), n, nan, "count"});
  rows.push_back(
      {component, fmt::format("{}innovation_mean", prefix), n > 0 ? nu_sum / n : nan, nan, "K"});
  rows.push_back({component, fmt::format("{}innovation_sd", prefix),
                  n > 1 ? std::sqrt(std::max(0.0, (nu2_sum - nu_sum * nu_sum / n) / (n - 1))) : nan,
                  nan, "K"});
  rows.push_back(
      {component, fmt::format("{}nis_mean", prefix), n > 0 ? nis_sum / n : nan, nan, ""});
}

}  // namespace plantwin::physics
