#include "scalar_kalman.h"

#include <cmath>

namespace plantwin::physics {

std::optional<KalmanSettings> read_sync(ParamReader& p, std::string_view key) {
  const Node* sync = p.raw(key);
  if (!sync) return std::nullopt;
  ParamReader sy(*sync, p.key_path(key), p.diagnostics());
  KalmanSettings s;
  s.process_noise = sy.real("process_noise", std::nullopt, 0);
  const double msd = sy.real("measurement_sd", std::nullopt, 0);
  const double isd = sy.real("initial_sd", 1.0, 0);
  s.measurement_var = msd * msd;
  s.initial_var = isd * isd;
  sy.finish();
  return s;
}

double ScalarKalman::predicted_var(const KalmanSettings& s, double now, double tau_s) const {
  const double a2 = std::exp(-2 * (now - var_time_) / tau_s);
  return a2 * var_ + s.process_noise * tau_s / 2 * (1 - a2);
}

void ScalarKalman::advance(const KalmanSettings& s, double now, double tau_s) {
  var_ = predicted_var(s, now, tau_s);
  var_time_ = now;
}

double ScalarKalman::update(const KalmanSettings& s, double now, double tau_s, double& x,
                            double z) {
  const double p = predicted_var(s, now, tau_s);
  const double nu = z - x;
  const double S = p + s.measurement_var;
  const double k = S > 0 ? p / S : 0;
  x += k * nu;
  var_ = (1 - k) * p;
  var_time_ = now;
  innovation_ = nu;
  ++measurements_;
  nu_sum_ += nu;
  nu2_sum_ += nu * nu;
  nis_sum_ += S > 0 ? nu * nu / S : 0;
  return nu;
}

std::vector<SignalSpec> ScalarKalman::signal_specs() {
  return {{"innovation", "K", "the last measurement minus the model's prediction"},
          {"estimate_sd", "K", "standard deviation of the synced temperature's estimate now"}};
}

void ScalarKalman::report(const std::string& component, std::vector<KpiRow>& rows,
                          std::string_view prefix) const {
  const auto name = [&](const char* kpi) { return std::string(prefix) + kpi; };
  const double nan = std::nan("");
  const double n = static_cast<double>(measurements_);
  rows.push_back({component, name("measurements"), n, nan, "count"});
  rows.push_back({component, name("innovation_mean"), n > 0 ? nu_sum_ / n : nan, nan, "K"});
  rows.push_back(
      {component, name("innovation_sd"),
       n > 1 ? std::sqrt(std::max(0.0, (nu2_sum_ - nu_sum_ * nu_sum_ / n) / (n - 1))) : nan, nan,
       "K"});
  // Normalized innovation squared: 1 on average when the filter's noise model is right.
  rows.push_back({component, name("nis_mean"), n > 0 ? nis_sum_ / n : nan, nan, ""});
}

}  // namespace plantwin::physics
