#pragma once
/// `assembly`: joins one part from each input into one part (k inputs -> 1 part).
///
/// Parameters:
///   process_time   distribution of the assembly time (required)
/// Each input has a slot for one part; the assembly starts when every slot is filled and the
/// station is free. The assembled part keeps the type of the part from the first input and the
/// earliest entry time of its components, so lead time counts from the first component.
/// Blocking after service as for machines.
/// Ports: at least two inputs; exactly one output.
/// Signals: state (0 working, 1 starved, 2 blocked), completed (parts).
/// KPIs: working, starved, blocked (time shares), completed, throughput (parts/h).

#include "plantwin/registry.h"

namespace plantwin::line {
void register_assembly(Registry& registry);
}
