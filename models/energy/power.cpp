#include "power.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace plantwin::energy {

PowerDraw::PowerDraw(const double (&kw)[kStates]) {
  std::copy(std::begin(kw), std::end(kw), kw_);
  metered_ = std::any_of(std::begin(kw_), std::end(kw_), [](double w) { return w != 0; });
}

void PowerDraw::report(const std::string& name, double e, double span_s, double good,
                       std::vector<KpiRow>& rows) const {
  const double nan = std::nan("");
  rows.push_back({name, "energy", e, nan, "kWh"});
  rows.push_back({name, "mean_power", span_s > 0 ? e * 3600.0 / span_s : nan, nan, "kW"});
  rows.push_back({name, "energy_per_good_part", good != 0 ? e / good : nan, nan, "kWh/part"});
}

PowerDraw read_power(ParamReader& p) {
  const std::string off_shift = p.choice("off_shift", {"idle", "standby", "off"}, "idle");
  const Node* power = p.raw("power");
  if (!power) return {};
  if (!power->is_map()) {
    p.error("power", "expected a map of state: power, e.g. {working: 15 kW, idle: 3 kW}");
    return {};
  }
  ParamReader w(*power, p.key_path("power"), p.diagnostics());
  auto kw = [&](const char* key, double fallback) {
    return w.quantity(key, Dimension::kPower, fallback, 0);
  };
  double table[PowerDraw::kStates] = {0, 0, 0, 0, 0};
  const double idle = kw("idle", 0);
  table[PowerDraw::kWorking] = kw("working", 0);
  table[PowerDraw::kIdle] = idle;
  table[PowerDraw::kBlocked] = kw("blocked", idle);
  table[PowerDraw::kDown] = kw("down", 0);
  const double standby = kw("standby", idle);
  const double off = kw("off", 0);
  table[PowerDraw::kOffShift] = off_shift == "idle" ? idle : off_shift == "standby" ? standby : off;
  w.finish();
  return PowerDraw(table);
}

}  // namespace plantwin::energy
