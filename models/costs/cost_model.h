#pragma once
/// `costs`: the plant's costs and margin, so that what-if answers come in money as well as in
/// parts. No flow ports; its KPIs come last in the table (it reads what the others report).
///
/// Parameters (all amounts in one currency, none written):
///   machine_rates  map machine name (or `default`) -> {working, starved, blocked, down, off}:
///                  cost per hour in each state (missing states cost 0). A machine's hours in a
///                  state are its share of server time in that state times the period.
///   energy_price   price per kWh of the metered machines' energy (those with `power`): a number,
///                  or a tariff by time of day, {"00:00": 0.11, "07:00": 0.24, "21:00": 0.15},
///                  each price holding from its time to the next, every day
///   labour         map pool name -> {hour: 35, overtime: 52}: per paid hour (workers on shift)
///                  and per overtime hour on top
///   vehicles       map fleet name -> cost per vehicle hour
///   material       cost of the material of each part that enters the plant (default 0)
///   part_value     what a good part out of the plant is worth (default 0)
/// The machines' maintenance_cost (repairs, services) counts too.
/// KPIs: machine_cost, energy_cost, labour_cost, transport_cost, material_cost,
///   maintenance_cost, total_cost, revenue, cost_per_good_part, margin_per_hour.

#include "plantwin/registry.h"

namespace plantwin::costs {
void register_costs(Registry& registry);
}
