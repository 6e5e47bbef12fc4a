#pragma once
/// `thermal_network`: a chain of N lumped thermal nodes (a long tunnel oven, a rack row, a cold
/// store's bays): each node exchanges heat with its neighbours and with ambient.
///
/// Parameters:
///   nodes          number of nodes N (required)
///   capacitance    heat capacity per node, required
///   r_ambient      resistance from each node to ambient, required
///   r_neighbour    resistance between neighbouring nodes (default: none, independent nodes)
///   heat           heat into each node (default 0)
///   ambient        a temperature profile (default 20 C)
///   initial        initial temperature (default: ambient at time 0)
/// The derivative loop runs in parallel with OpenMP when N >= 50,000.
/// Ports: none. Signals: mean_temperature, max_temperature, first_temperature, last_temperature.

#include "plantwin/registry.h"

namespace plantwin::physics {
void register_thermal_network(Registry& registry);
}
