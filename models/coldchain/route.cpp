#include "route.h"

#include <fmt/format.h>

namespace plantwin::coldchain {

const char* route_kind_name(RouteItem::Kind kind) {
  switch (kind) {
    case RouteItem::Kind::kLeg:
      return "leg";
    case RouteItem::Kind::kDepot:
      return "depot";
    default:
      return "delivery";
  }
}

std::vector<RouteItem> read_route(ParamReader& p, std::string_view key) {
  std::vector<RouteItem> route;
  const Node* list = p.raw(key);
  if (!list) return route;
  if (list->is_seq() && list->items.empty()) {
    p.error(key, "is empty; give at least one leg or stop, or leave the route out");
    return route;
  }
  if (!list->is_seq()) {
    p.error(key,
            fmt::format("expected a list of legs and stops, e.g. [{{depot: DC, door_open: 20 "
                        "min}}, {{leg: 3 h, ambient: 25 C}}, {{delivery: Antwerp, stay: 30 min, "
                        "door_open: 10 min}}], got {}",
                        list->kind_phrase()));
    return route;
  }
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const Node& node = list->items[i];
    const std::string path = fmt::format("{}[{}]", p.key_path(key), i);
    if (!node.is_map()) {
      p.diagnostics().error(node.location, path,
                            fmt::format("expected a map with one of leg, depot or delivery, got {}",
                                        node.kind_phrase()));
      continue;
    }
    ParamReader r(node, path, p.diagnostics(), p.base_dir());
    RouteItem item;
    std::vector<const char*> kinds;
    for (const char* k : {"leg", "depot", "delivery"})
      if (r.has(k)) kinds.push_back(k);
    if (kinds.size() != 1) {
      p.diagnostics().error(
          node.location, path,
          kinds.empty() ? "needs one of leg (a duration), depot or delivery (a place's name)"
                        : fmt::format("is both {} and {}; give one of leg, depot or "
                                      "delivery per item",
                                      kinds[0], kinds[1]));
      for (const char* k : {"leg", "depot", "delivery", "name", "stay", "door_open", "openings"})
        r.allow(k);
      r.allow("ambient");
      r.finish();
      continue;
    }
    const std::string kind = kinds[0];
    if (kind == "leg") {
      item.kind = RouteItem::Kind::kLeg;
      item.duration_s = r.quantity("leg", Dimension::kTime, std::nullopt, 0, HUGE_VAL, true);
      item.name = r.text("name", "");
      for (const char* k : {"stay", "door_open", "openings"}) {
        if (r.has(k)) r.error(k, "applies to a stop (depot or delivery), not to a leg");
        r.allow(k);
      }
    } else {
      item.kind = kind == "depot" ? RouteItem::Kind::kDepot : RouteItem::Kind::kDelivery;
      item.name = r.text(kind, std::nullopt);
      if (r.has("name")) r.error("name", fmt::format("a {} is named by its own key", kind));
      r.allow("name");
      item.door_open_s = r.duration("door_open", 0.0);
      item.duration_s = r.duration("stay", item.door_open_s);
      item.openings = static_cast<int>(r.integer("openings", 1, 1, 1000));
      if (!(item.duration_s > 0))
        r.error(r.has("stay") ? "stay" : kind,
                "a stop needs a positive stay (give stay, or a door_open time)");
      else if (item.door_open_s > item.duration_s)
        r.error("door_open",
                fmt::format("is longer than the stay ({})", format_duration(item.duration_s)));
    }
    if (r.has("ambient"))
      item.ambient = r.profile("ambient", Dimension::kTemperature, Profile::constant(20));
    r.finish();
    route.push_back(std::move(item));
  }
  return route;
}

}  // namespace plantwin::coldchain
