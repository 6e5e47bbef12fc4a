#pragma once
/// `order_source`: parts enter the plant as a production schedule says.
///
/// Parameters:
///   orders     inline schedule: a list of {product, quantity, release, due}, e.g.
///              [{product: small, quantity: 200, release: 0 h, due: 4 h}]
///   file       the schedule as a CSV table instead: a header "product,quantity,release,due",
///              then one order per row, times with units ("2 h"); a bad row is reported as
///              file:line
///   sequence   fifo (default): released orders are fed in schedule order (release time, then
///              as listed); campaign: when an order has been fed, the next one is the earliest
///              released order of the same product if there is one (runs of one product, fewer
///              changeovers), else the earliest released order
/// An order is released at its release time; its parts then enter one after another as fast as
/// the next component takes them (an order source never drops a part). Products are part types
/// (flow.h). An order is complete when its last part has left the plant (good or scrapped).
/// Orders count from the start of the run: the warm-up does not reset them.
/// Ports: no inputs; one output.
/// Signals: released (parts), orders_completed, orders_late.
/// KPIs: orders, orders_completed, orders_late (completed after the due date, or still open at
///   the end and past it), mean_tardiness (s; mean over completed orders of
///   max(0, completion - due)), makespan (s; last completion - first release, NaN while an
///   order is open), schedule_adherence (share; completed on time / orders due or completed by
///   the end), order_lead_time (s; mean completion - release), released, scrapped (parts of
///   orders).

#include "plantwin/registry.h"

namespace plantwin::line {
void register_order_source(Registry& registry);
}
