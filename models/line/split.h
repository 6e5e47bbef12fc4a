#pragma once
/// `split`: routes each part to one of several next stations. Holds no parts itself, except a
/// by-type split (below).
///
/// Parameters:
///   routing   probability (default when weights are given), round_robin, shortest_queue
///             (the next station with room that holds the fewest parts; ties go to the first)
///   weights   probability routing: map of next station -> weight, e.g. {paint1: 2, paint2: 1}
///   routing: by_type       map: part type -> next station (e.g. {small: filler1, large: filler2})
///   routing: by_attribute  attribute: a part type attribute (products component), e.g. colour;
///                          map: attribute value -> next station (e.g. {green: m1, brown: m2})
///             either map may give `default: next station` for the types it does not name; every
///             type needs a next station. A by_type (or by_attribute) split holds the one part
///             whose next station is full (it sees a part's type only when the part comes), and
///             takes no other part until that one has gone on.
/// With probability and round_robin routing the destination of the next part is fixed before it
/// comes, and the part waits upstream while that destination is full.
/// Ports: at least one input; at least two outputs.
/// Signals: routed (parts).
/// KPIs: routed_<next station> (parts).

#include "plantwin/registry.h"

namespace plantwin::line {
void register_split(Registry& registry);
}
