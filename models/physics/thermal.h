#pragma once
/// `thermal`: a lumped thermal RC network of one or two nodes (a motor winding and its housing,
/// an oven, a cold room).
///
/// Parameters:
///   nodes          1 (default) or 2
///   capacitance    heat capacity of node 1 (e.g. "8 kJ/K"), required
///   capacitance2   heat capacity of node 2 (two nodes)
///   r12            thermal resistance between node 1 and node 2 (two nodes, e.g. "0.02 K/W")
///   r_ambient      thermal resistance from the last node to ambient, required
///   ambient        a profile: "20 C", "daily(min=15 C, max=28 C, peak=15:00)",
///                  "file(\"data/ambient.csv\", unit=C)" (default 20 C)
///   initial        initial temperature of every node (default: ambient at time 0)
///   heat           constant heat into node 1 (e.g. "500 W"; negative for cooling; default 0)
///   heat_from      heat into node 1 by the state of a machine, added to `heat`:
///                  {machine: press1, working: 2 kW, idle: 200 W, blocked: 200 W, down: 0 W,
///                  off: 0 W}; a door or fan is a machine too
///   alarm          a temperature; crossing it upwards is a state event ("over_temperature"),
///                  and falling 1 K below it again clears it ("temperature_normal")
/// Model:  C1 dT1/dt = Q(t) - (T1 - T2)/R12,  C2 dT2/dt = (T1 - T2)/R12 - (T2 - Ta(t))/Ra
///         (one node: C dT/dt = Q(t) - (T - Ta(t))/Ra). Q changes only at events, so the
///         discrete and continuous worlds agree at every event.
/// Ports: none (not in the flow).
/// Signals: temperature (node 1, C), temperature2 (node 2), ambient (C), heat (W), alarm (0/1).
/// KPIs: mean_temperature, max_temperature (node 1), alarms, time_above_alarm (s).

#include "plantwin/registry.h"

namespace plantwin::physics {
void register_thermal(Registry& registry);
}
