#pragma once
/// `buffer`: a first-in-first-out store between stations.
///
/// Parameters:
///   capacity   parts it can hold: a whole number >= 0, or "unlimited" (default).
///              Capacity 0 passes parts straight through when the next station has room.
/// Ports: at least one input; exactly one output.
/// Signals: level (parts).
/// KPIs: mean_level, max_level, full_share (share of time at capacity).

#include "plantwin/registry.h"

namespace plantwin::line {
void register_buffer(Registry& registry);
}
