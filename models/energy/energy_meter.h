#pragma once
/// `energy_meter`: meters the electric energy of a group of machines, with demand peaks as a
/// utility bills them (the highest average power over a fixed window, e.g. 15 minutes).
///
/// Parameters:
///   machines   machines to meter (default: every machine with a power map)
///   window     demand interval (default 15 min); windows start at time 0
/// Ports: none.
/// Signals: power (kW now), energy (kWh since the statistics restart), demand (kW, average of
///   the last complete window).
/// KPIs: energy (kWh), mean_power (kW), peak_demand (kW), energy_per_good_part (kWh per part out).

#include "plantwin/registry.h"

namespace plantwin::energy {
void register_energy_meter(Registry& registry);
}
