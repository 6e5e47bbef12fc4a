#pragma once
/// `source`: where parts enter the plant.
///
/// Parameters:
///   interarrival   distribution of time between arrivals (e.g. "exponential(2 min)")
///   rate           arrival rate of a Poisson stream (e.g. "30 /h"); instead of interarrival
///   (neither)      endless supply: a part is always ready for the next component
///   part_types     map of part type -> mix weight (e.g. {A: 0.7, B: 0.3}); default one type
///   when_blocked   block (default): the held part waits and arrivals pause;
///                  drop: an arrival that finds no room is lost and counted
/// Ports: no inputs; one output.
/// Signals: created (parts), lost (parts), blocked (0/1).
/// KPIs: created, lost, lost_share.

#include "plantwin/registry.h"

namespace plantwin::line {
void register_source(Registry& registry);
}
