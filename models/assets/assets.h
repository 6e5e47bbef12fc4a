#pragma once
/// Mobile equipment shared between wards (infusion pumps, wheelchairs, ECG monitors) and the
/// wards that ask for it: the hospital asset twin (scenarios/hospital_assets.yaml).
///
/// `assets` (no flow ports): one class of equipment.
///   count        assets per zone in `placed_in` at the start (default 1)
///   placed_in    zones where they start, clean and free (required)
///   zones        the `zones` component (floor plan and walking times; required)
///   tracker      an `rfid` component: the assets carry tags; without it the system always
///                knows where they are
///   use_time     how long a patient uses one (distribution, required)
///   collect_time from the end of a use until someone takes it to cleaning (default 0 s)
///   cleaning     {zone: sterile, time: 30 min, pool: cleaners, skill: clean}: cleaned at zone
///                (required) for time (required), by a worker of pool (optional) with skill;
///                clean, it waits there for the next request
///   porters      {pool: porters, skill: transport}: who fetches an asset for a ward (optional:
///                a nurse of the ward goes at once)
///   search_time  extra time to find an asset that is not where the tracker believes (then the
///                porter walks on to where it is; default 10 min)
///   drift        time after which a free asset is taken somewhere else unrecorded (a
///                distribution; to one of placed_in at random; default: never)
/// Dispatching: a request takes the free asset whose believed zone (its last RFID read) is
///   nearest to the ward; with none free it waits, first come first served. The porter walks from
///   the ward to the believed zone; if the asset is not there (a missed read, a drift), searching
///   costs search_time and the walk on to it. Then it walks the asset to the ward.
/// Signals: free, in_use, waiting (requests without an asset).
/// KPIs: requests, served, served_within (share of served requests whose asset came within the
///   ward's `within`), mean_response (s), mean_search (s from the porter setting out to the asset
///   in hand), misplaced_share (fetches where it was not at its believed zone), utilisation
///   (share of asset time in use by a patient), busy_share (in use, moving, waiting for or in
///   cleaning), unserved (requests waiting at the end).
///
/// `ward` (no flow ports): asks for equipment.
///   zone      its zone (default: its name)
///   requests  map assets component -> mean rate (e.g. {pumps: 1.2 /h})
///   by_hour   24 relative weights of the hours of the day (default: flat); requests come as a
///             Poisson process whose rate follows them (normalised to the mean rate)
///   within    the response target (default 15 min)
/// KPIs: requests, served_within (share), mean_response (s).

#include "plantwin/registry.h"

namespace plantwin::assets {
void register_assets(Registry& registry);
}
