#pragma once
/// A refrigerated container's route (`route:` of a `reefer`): a list of legs and stops, run in
/// order from the container's departure.
///
///     route:
///       - depot: Rotterdam DC          # a stop: loading, the door open 20 min of its 40 min
///         stay: 40 min
///         door_open: 20 min
///         ambient: 18 C
///       - leg: 3 h                     # in transit for 3 h, door shut
///         ambient: daily(min=14 C, max=27 C, peak=15:00)
///       - delivery: Antwerp            # unloading: two openings of 5 min within 30 min
///         stay: 30 min
///         door_open: 10 min
///         openings: 2
///
/// Item keys: `leg` (its duration) or `depot` / `delivery` (the place's name), one of them;
/// `ambient` (a profile: the air around the container on this item; default the reefer's
/// `ambient`); `name` (a leg's label). Stops only: `stay` (default: `door_open`), `door_open`
/// (total time the door is open, at most `stay`; default 0), `openings` (the door time split
/// into that many equal openings, opening k at k * stay / openings from arrival; default 1).

#include <optional>
#include <string>
#include <vector>

#include "plantwin/params.h"
#include "plantwin/profile.h"

namespace plantwin::coldchain {

/// One item of a route.
struct RouteItem {
  enum class Kind { kLeg, kDepot, kDelivery };
  Kind kind = Kind::kLeg;
  std::string name;  ///< the place of a stop, the label of a leg ("" when none)
  double duration_s = 0;
  double door_open_s = 0;
  int openings = 1;
  std::optional<Profile> ambient;  ///< nullopt: the reefer's own ambient
};

/// Reads the list under `key` of `p` (errors go to p's diagnostics with their place and key
/// path, e.g. `components.dairy.route[2].door_open`). An absent key gives an empty route.
std::vector<RouteItem> read_route(ParamReader& p, std::string_view key);

/// "leg", "depot" or "delivery".
const char* route_kind_name(RouteItem::Kind kind);

}  // namespace plantwin::coldchain
