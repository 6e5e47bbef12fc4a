#include "wear.h"

#include <algorithm>
#include <cmath>

namespace plantwin::maintenance {

double Wear::vibration(double w) const {
  if (!p_.rate) return 0.0;
  const double r = std::max(0.0, w / p_.limit);
  return p_.vib_base + (p_.vib_limit - p_.vib_base) * std::pow(r, p_.vib_exponent);
}

double Wear::wear_from_vibration(double v) const {
  const double r = std::max(0.0, (v - p_.vib_base) / (p_.vib_limit - p_.vib_base));
  return p_.limit * std::pow(r, 1.0 / p_.vib_exponent);
}

WearParams read_wear(ParamReader& p) {
  WearParams wp;
  const Node* wear = p.raw("wear");
  if (!wear) return wp;
  ParamReader w(*wear, p.key_path("wear"), p.diagnostics(), p.base_dir());
  // The rate is wear (1 = the limit) per hour of full load; written "0.01 /h".
  wp.rate = w.distribution("rate", Dimension::kRate, true);
  if (wp.rate && wp.rate->lower_bound() < 0)
    w.error("rate", "must not draw negative rates (use lognormal, gamma, uniform ...)");
  wp.limit = w.real("limit", 1.0, 0);
  if (wp.limit <= 0) w.error("limit", "must be positive");
  wp.idle_factor = w.real("idle_factor", 0.0, 0, 1);
  wp.ttr = w.distribution("ttr", Dimension::kTime, false);
  wp.repair_cost = w.has("repair_cost") ? w.real("repair_cost", 0.0, 0) : -1.0;
  if (!w.has("repair_cost")) w.allow("repair_cost");
  if (const Node* vib = w.raw("vibration")) {
    ParamReader v(*vib, w.key_path("vibration"), p.diagnostics());
    wp.vib_base = v.quantity("base", Dimension::kVelocity, 1.0, 0);
    wp.vib_limit = v.quantity("at_limit", Dimension::kVelocity, 7.1, 0);
    wp.vib_exponent = v.real("exponent", 2.0, 0.1, 10);
    if (wp.vib_limit <= wp.vib_base) v.error("at_limit", "must be above base");
    v.finish();
  } else {
    wp.vib_base = 1.0;
    wp.vib_limit = 7.1;
  }
  w.finish();
  return wp;
}

}  // namespace plantwin::maintenance
