#pragma once
/// `reefer`: a refrigerated container (a reefer box, a trailer, a chilled compartment) with its
/// cargo as one lumped thermal node, a compressor under a thermostat, a door, a route of legs
/// and stops, and the cold-chain KPIs: time above the limit, the longest excursion, and the
/// shelf life the cargo used (a Q10 rule).
///
/// Parameters:
///   capacitance   heat capacity of cargo and air (e.g. "2 MJ/K"), required
///   r_ambient     thermal resistance of the walls to the air outside (UA = 1 / r_ambient),
///                 required
///   ambient       a profile: the air outside where the route does not say (default 20 C)
///   heat          constant heat into the cargo (fans, respiring produce; default 0 W)
///   setpoint      the thermostat's setpoint, required
///   band          the thermostat's differential in K (default 1): the compressor starts when
///                 the temperature rises to setpoint + band/2 and stops when it falls to
///                 setpoint - band/2 (state events, so the cycle is exact to the event
///                 tolerance)
///   cooling       the compressor's cooling capacity (heat it removes while on), required
///   cop           coefficient of performance: electrical power = cooling / cop (default 2)
///   door          {heat: 2 kW, r_ambient: 0.02 K/W}: while the door is open, extra heat and an
///                 extra path to the air outside in parallel with the walls (defaults 0 W, none)
///   limit         the cargo's upper temperature limit, above setpoint + band/2, required
///   shelf_life    {life: 10 d, at: 4 C, q10: 3}: the cargo keeps `life` at the constant
///                 temperature `at`, and ages q10 times faster per 10 K warmer (optional)
///   initial       the cargo's temperature at time 0 (default: the setpoint)
///   depart        when the route starts (default 0 s); before it the container stands in
///                 `ambient` with its door shut
///   route         legs and stops (route.h); after the last item the container stands in
///                 `ambient` with its door shut
///   sync          a Kalman filter on the cargo temperature (scalar_kalman.h in physics/)
/// Model:  C dT/dt = Q - cooling * on * available + door_heat * open - (UA + UA_door * open)
///         (T - Ta(t)),  du/dt = q10^((T - T_at)/10) / life  (u: share of shelf life used).
///         The compressor is on (on = 1) between the thermostat's switch-on and switch-off
///         crossings; a measurement or a new setpoint that jumps past a switching level
///         switches it at once. The door, the route and the compressor change only at events.
/// Ports: none (not in the flow).
/// Signals: temperature (C), ambient (C), compressor (0/1), door (0/1), cooling (W removed
///   now), power (kW electrical), energy (kWh since the start), above_limit (0/1),
///   shelf_life_used (share, with shelf_life), route_item (index of the route item now; -1
///   before departure, the number of items after the route), and with sync innovation (K),
///   estimate_sd (K).
/// Actuators: setpoint (C), cooling_available (share of the capacity that works, 0 to 1:
///   0 is a failed compressor).
/// KPIs: temperature, time_above_limit (s), longest_excursion (s), excursions,
///   compressor_on_share, compressor_starts, energy (kWh), door_open_time (s), with
///   shelf_life: shelf_life_used (share, since the start of the run), shelf_life_left (s at
///   the reference temperature); with sync the filter's (measurements, innovation_mean,
///   innovation_sd, nis_mean).
/// Events logged: depart (a leg begins), arrive (a stop begins), route_end, door_open,
///   door_close, compressor_on, compressor_off, above_limit, below_limit.

#include "plantwin/registry.h"

namespace plantwin::coldchain {
void register_reefer(Registry& registry);
}
