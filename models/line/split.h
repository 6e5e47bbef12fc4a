#pragma once
/// `split`: routes each part to one of several next stations. Holds no parts itself.
///
/// Parameters:
///   routing   probability (default when weights are given), round_robin, shortest_queue
///             (the next station with room that holds the fewest parts; ties go to the first)
///   weights   probability routing: map of next station -> weight, e.g. {paint1: 2, paint2: 1}
/// With probability and round_robin routing the destination of the next part is fixed before it
/// comes, and the part waits upstream while that destination is full.
/// Ports: at least one input; at least two outputs.
/// Signals: routed (parts).
/// KPIs: routed_<next station> (parts).

#include "plantwin/registry.h"

namespace plantwin::line {
void register_split(Registry& registry);
}
