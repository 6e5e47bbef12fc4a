#pragma once
/// `batch_machine`: an oven or a washer that processes parts together, as one batch.
///
/// Parameters:
///   process_time  distribution of the time one batch takes, whatever its size (required)
///   max           the most parts in a batch (required)
///   min           the fewest parts a batch may start with (default max)
///   timeout       a batch starts as soon as `max` parts wait, or once `min` parts wait and
///                 `timeout` has passed since the first of them came (default 0: at `min`)
/// The machine takes up to `max` waiting parts while it processes the previous batch. A
/// finished batch leaves part by part, oldest first; while one of its parts waits for room
/// downstream the machine is blocked and starts no batch.
/// Ports: at least one input; one output.
/// Signals: state (0 working, 1 starved, 2 blocked), waiting (parts), completed (parts).
/// KPIs: working, starved, blocked (shares), batches (completed), mean_batch_size (parts),
/// completed
///   (parts), throughput (parts/h).

#include "plantwin/registry.h"

namespace plantwin::line {
void register_batch_machine(Registry& registry);
}
