#include "policy.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace plantwin::maintenance {

void MaintenancePolicy::start(Sim& sim, const Component& host, PolicyState& s) const {
  if (!p_.sensor.empty()) s.sensor_signal = sim.model().find_signal(p_.sensor + ".value");
  if (p_.kind == PolicyKind::kCondition || p_.kind == PolicyKind::kPredictive)
    schedule_check(sim, host);
}

void MaintenancePolicy::schedule_check(Sim& sim, const Component& host) const {
  sim.schedule_in(p_.check_every, host, kCheckEvent, 0, 1);
}

const char* MaintenancePolicy::check(Sim& sim, const Component& host, PolicyState& s,
                                     const Wear& wear) const {
  if (s.sensor_signal < 0) return nullptr;
  const double v = sim.signal(s.sensor_signal);
  if (std::isnan(v)) {  // a dropped reading, or none yet
    if (++s.checks_without_reading == 10)
      sim.warn(host, fmt::format("maintenance sensor {} gave no reading at 10 checks in a row: "
                                 "the {} policy cannot act (check its period and dropout)",
                                 p_.sensor,
                                 p_.kind == PolicyKind::kCondition ? "condition" : "predictive"));
    return nullptr;
  }
  s.checks_without_reading = 0;
  if (p_.kind == PolicyKind::kCondition) return v >= p_.threshold ? "condition" : nullptr;
  // Predictive: invert the vibration model into a wear estimate, fit a line to the recent
  // estimates, and serve before the line reaches the wear limit, `lead_time` ahead.
  const double w = wear.wear_from_vibration(v);
  s.trend.emplace_back(sim.now(), w);
  while (!s.trend.empty() && s.trend.front().first < sim.now() - p_.window)
    s.trend.erase(s.trend.begin());
  if (static_cast<int>(s.trend.size()) < p_.min_samples) return nullptr;
  double st = 0, sw = 0, stt = 0, stw = 0;
  const double n = static_cast<double>(s.trend.size());
  for (const auto& [t, e] : s.trend) {
    st += t;
    sw += e;
    stt += t * t;
    stw += t * e;
  }
  const double sxx = stt - st * st / n;
  if (sxx <= 0) return nullptr;
  const double slope = (stw - st * sw / n) / sxx;
  if (slope <= 0) return nullptr;
  const double intercept = (sw - slope * st) / n;
  const double t_fail = (wear.limit() - intercept) / slope;
  return t_fail - sim.now() <= p_.lead_time ? "predictive" : nullptr;
}

PolicyParams read_policy(ParamReader& p, BuildContext& ctx, bool wear, FailureParams& fp) {
  PolicyParams pp;
  const Node* m = p.raw("maintenance");
  if (!m) return pp;
  ParamReader r(*m, p.key_path("maintenance"), p.diagnostics(), p.base_dir());
  const std::string policy =
      r.choice("policy", {"corrective", "preventive", "condition", "predictive"}, "corrective");
  pp.kind = policy == "corrective"   ? PolicyKind::kCorrective
            : policy == "preventive" ? PolicyKind::kPreventive
            : policy == "condition"  ? PolicyKind::kCondition
                                     : PolicyKind::kPredictive;
  pp.every_s = r.quantity("every", Dimension::kTime, 0.0, 0);
  pp.every_parts = r.integer("every_parts", 0, 0, std::numeric_limits<int>::max());
  pp.sensor = r.text("sensor", "");
  pp.threshold = r.quantity("threshold", Dimension::kVelocity, 0.0, 0);
  pp.lead_time = r.quantity("lead_time", Dimension::kTime, 0.0, 0);
  pp.window = r.quantity("window", Dimension::kTime, 86400.0, 0, HUGE_VAL, true);
  pp.check_every = r.quantity("check_every", Dimension::kTime, 600.0, 0, HUGE_VAL, true);
  if (const std::string err = periodic_work_error(pp.check_every, ctx.horizon()); !err.empty())
    r.error("check_every", err);
  pp.min_samples = static_cast<int>(r.integer("min_samples", 6, 2, 100000));
  fp.service_time =
      r.distribution("duration", Dimension::kTime, pp.kind != PolicyKind::kCorrective);
  fp.service_cost = r.real("cost", 0.0, 0);
  if (pp.kind == PolicyKind::kPreventive && pp.every_s <= 0 && pp.every_parts <= 0)
    r.error("every", "preventive maintenance needs every (operating time) or every_parts");
  if (pp.kind == PolicyKind::kCondition || pp.kind == PolicyKind::kPredictive) {
    if (pp.sensor.empty()) {
      r.error("sensor",
              fmt::format("{} maintenance needs the sensor that watches this machine", policy));
    } else {
      ctx.check_component(r, "sensor", pp.sensor, "sensor");
    }
    if (!wear) r.error("policy", fmt::format("{} maintenance needs a wear model (wear:)", policy));
  }
  if (pp.kind == PolicyKind::kCondition && pp.threshold <= 0)
    r.error("threshold", "condition maintenance needs a vibration threshold (e.g. \"4.5 mm/s\")");
  r.finish();
  return pp;
}

}  // namespace plantwin::maintenance
