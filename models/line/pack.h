#pragma once
/// `pack` and `unpack`: batching and unbatching of parts.
///
/// `pack` collects `size` parts into one (12 bottles -> a case): the last part to come carries
/// the case (its order, its type unless `part_type` is given); the others are consumed; the
/// case entered the plant when its oldest part did (lead time counts from there). A part packed
/// into a case has left its order (an order completes when the case with its last part leaves).
/// `unpack` turns one part into `size` (a pallet of 12 -> 12 parts): the first is the part that
/// came, the others are new parts of the same type (or `part_type`), order and entry time.
///
/// Parameters:
///   size        parts per case (pack) or per pallet (unpack), at least 2 (required)
///   part_type   the type of the parts made (default: the type of the part that came); a part
///               type of the plant (products)
/// Both hand their parts on one at a time and take no part while one waits for room.
/// Ports: pack: at least one input; unpack: one input; one output.
/// Signals: made (cases or parts made since the start).
/// KPIs: made (since the statistics restart).

#include "plantwin/registry.h"

namespace plantwin::line {
void register_pack(Registry& registry);
}
