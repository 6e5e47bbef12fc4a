#pragma once
/// `crew`: maintenance technicians shared by machines. A machine that fails, or that is due for a
/// service, asks its crew for a technician and waits (down) until one is free; repairs go before
/// services, then first come, first served.
///
/// The crew is the general worker pool (resources/pool.h) with one skill and these keys; its
/// signals and KPIs are those it always had.
///
/// Parameters:
///   size       technicians (default 1)
///   calendar   always (default) or plant: the crew works only on the plant's shifts
/// Ports: none.
/// Signals: busy (technicians at work), waiting (requests queued).
/// KPIs: utilisation (share of technician time at work), requests, mean_wait (s).

#include "plantwin/registry.h"
#include "resources/pool.h"

namespace plantwin::maintenance {

/// The technicians a failure part asks for: a `crew` or a `pool`.
using Crew = resources::Pool;

void register_crew(Registry& registry);

}  // namespace plantwin::maintenance
