#pragma once
/// `conveyor`: moves parts over a distance at a speed, keeping a minimum spacing.
///
/// Parameters:
///   length        belt length (e.g. "12 m"), required
///   speed         belt speed (e.g. "0.5 m/s"), required
///   spacing       minimum distance between parts (e.g. "1.5 m"); or
///   capacity      parts the belt holds (spacing = length / capacity). Give one of the two.
///   accumulating  true (default): parts queue at the end while the next station is busy and
///                 the rest of the belt keeps moving; false: the whole belt stops.
/// Derived: transit time = length / speed; capacity = floor(length / spacing); parts enter and
///   leave at least spacing / speed apart.
/// Ports: at least one input; exactly one output.
/// Signals: level (parts on the belt), stopped (0/1: head part waiting).
/// KPIs: mean_level, transit_time, capacity, stopped_share.

#include "plantwin/registry.h"

namespace plantwin::line {
void register_conveyor(Registry& registry);
}
