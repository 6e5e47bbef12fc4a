#pragma once
/// `sink`: where finished parts leave the plant.
///
/// Parameters: none.
/// Ports: at least one input; no outputs.
/// Signals: count (parts since the statistics restarted).
/// KPIs: exits, throughput (parts/h), lead_time (mean time in system, s), lead_time_max.

#include "plantwin/registry.h"

namespace plantwin::line {
void register_sink(Registry& registry);
}
