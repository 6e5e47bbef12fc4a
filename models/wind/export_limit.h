#pragma once
/// `export_limit` (a controller, under `controllers:`): curtailment that keeps a wind farm's
/// export to the grid within a limit by giving each turbine a power limit (load balancing), the
/// way a park controller does on its scan cycle.
///
/// Parameters:
///   turbines   the turbines behind the grid connection, e.g. [t1, t2, t3] (required)
///   limit      the export limit, e.g. "9 MW" (required); the `limit` actuator changes it
///   sharing    how the limit is shared (default equal):
///              equal         water-filling: every turbine may take an equal share of the limit;
///                            a turbine that has less wind than its share keeps only what it can
///                            deliver and the unused share goes, equally, to the others, until
///                            the limit is used up
///              proportional  shares in proportion to available power
///              When the turbines together can deliver no more than the limit, each gets its
///              available power plus an equal share of the headroom, so a gust can be taken
///              up before the next scan.
///   scan       scan period (default 1 s)
/// Each scan reads every turbine's `available_power` and writes its `power_limit`. The limits
/// always add up to at most the export limit, so the export stays within it whatever the wind
/// does between scans (a turbine's power is at most its limit); what a stale limit costs is
/// some curtailed energy until the next scan.
/// Actuators: limit (kW).
/// Signals: export (kW, the turbines' power), available_power (kW), curtailed_power (kW),
///          limit (kW), export_energy, curtailed_energy (kWh since the start).
/// KPIs: export_energy, curtailed_energy (kWh), curtailed_share (of the available energy),
///       time_at_limit (s with the export limit binding at a scan, counted per scan period).

#include <span>

#include "plantwin/registry.h"

namespace plantwin::wind {

enum class Sharing { kEqual, kProportional };

/// Shares `limit_kw` among turbines that can deliver `available_kw`: writes each turbine's power
/// limit into `caps_kw` (same length). The caps add up to the limit (to rounding), and each is
/// at least what the rule gives it out of the available power.
void share_export_limit(std::span<const double> available_kw, double limit_kw, Sharing rule,
                        std::span<double> caps_kw);

void register_export_limit(Registry& registry);

}  // namespace plantwin::wind
