#include "machine.h"

#include <fmt/format.h>

#include "plantwin/models/flow.h"
#include "station.h"

namespace plantwin::line {
namespace {

// Reads the keys in the order they always were, so that errors come in the same order: the
// station's process time and servers, the failure part's ttf, ttr and failure_clock, scrap,
// the wear part, the failure part's repair_cost and crew, the policy, the power part.
std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(1, 1 << 30, 1, 1);
  StationParams sp;
  sp.flow = Flow::join(ctx);
  const Node* pt = p.raw("process_time");
  if (!pt) {
    p.error("process_time", "is required (a distribution, e.g. \"exponential(45 s)\")");
  } else if (pt->is_map()) {
    ParamReader types(*pt, p.key_path("process_time"), p.diagnostics(), p.base_dir());
    const auto& known = part_types(ctx);
    std::optional<Distribution> fallback = types.distribution("default", Dimension::kTime, false);
    if (known.empty()) {
      p.error("process_time", "a map by part type needs sources with part_types");
    }
    for (const auto& t : known) {
      auto d = types.distribution(t, Dimension::kTime, false);
      if (!d && !fallback && !types.has(t)) {
        p.error("process_time", fmt::format("gives no time for part type \"{}\" (add it or a "
                                            "default)",
                                            t));
        continue;
      }
      if (d)
        sp.process.push_back(*d);
      else if (fallback)
        sp.process.push_back(*fallback);
    }
    types.finish();
  } else {
    if (auto d = p.distribution("process_time", Dimension::kTime, true)) sp.process.push_back(*d);
  }
  for (const auto& d : sp.process) sp.ideal.push_back(d.mean());
  // Without a process time there is no machine to build, but the other keys are still read
  // and checked, so that each error is reported once and no key looks unknown.
  const bool no_process_time = sp.process.empty();
  sp.servers = static_cast<int>(p.integer("servers", 1, 1, 10000));
  maintenance::FailureParams fp = maintenance::read_failure(p, true);
  sp.scrap = p.probability("scrap", 0.0);
  maintenance::WearParams wp = maintenance::read_wear(p);
  if (p.has("wear") && !p.has("ttr") && !wp.ttr)
    p.error(
        "wear",
        "needs a time to repair (wear.ttr, or the machine's ttr) for failures at the wear limit");
  maintenance::read_repair(p, ctx, fp);
  // The repair at the wear limit defaults to the machine's.
  fp.wear_ttr = wp.ttr;
  fp.wear_repair_cost = wp.repair_cost < 0 ? fp.repair_cost : wp.repair_cost;
  maintenance::PolicyParams pp = maintenance::read_policy(p, ctx, wp.rate.has_value(), fp);
  energy::PowerDraw power = energy::read_power(p);
  sp.op = resources::read_operator(p, ctx);
  sp.setup = Setup::read(p, part_types(ctx));
  if (part_types(ctx).size() >= 2) sp.type_names = part_types(ctx);
  if (no_process_time) return nullptr;  // errors already reported
  return make_station(ctx.name(), std::move(sp), maintenance::Failure(std::move(fp)),
                      maintenance::Wear(std::move(wp)),
                      maintenance::MaintenancePolicy(std::move(pp)), power);
}

}  // namespace

void register_machine(Registry& registry) {
  registry.add("machine", "processes parts on n servers, with failures and scrap", build);
}

}  // namespace plantwin::line
