#pragma once
/// The station core of the `machine` component (machine.h lists its keys, signals and KPIs):
/// n servers that process one part each; blocking after service (a finished part stays on its
/// server until the next component takes it, oldest first); preempt-resume (going down stops
/// every server, and the interrupted parts resume where they stopped, so a completion moves by
/// the time down); the shift calendar and the speed and enabled actuators.
///
/// What takes the station down, and what it draws, come from parts with their own files, which
/// other components can use as well: failures, repairs, services and crews
/// (maintenance/failure.h), wear (maintenance/wear.h), maintenance triggers
/// (maintenance/policy.h) and power (energy/power.h).

#include <memory>
#include <string>
#include <vector>

#include "energy/power.h"
#include "maintenance/failure.h"
#include "maintenance/policy.h"
#include "maintenance/wear.h"
#include "plantwin/models/flow.h"
#include "resources/pool.h"
#include "setup.h"

namespace plantwin::line {

struct StationParams {
  std::vector<Distribution> process;  // per part type (index), or one for all
  std::vector<double> ideal;          // mean process time per part type
  int servers = 1;
  double scrap = 0;            // probability that a processed part is scrap
  Flow flow;                   // the plant's parts (types, scrap)
  resources::OperatorNeed op;  // an operator to load, or for the whole process (resources/pool.h)
  Setup setup;                 // changeovers between part types (setup.h)
  std::vector<std::string> type_names;  // the plant's part types when two or more (KPIs by type)
};

/// A `machine` component named `name`: the station core with its parts.
std::unique_ptr<Component> make_station(std::string name, StationParams p,
                                        maintenance::Failure failure, maintenance::Wear wear,
                                        maintenance::MaintenancePolicy policy,
                                        energy::PowerDraw power);

}  // namespace plantwin::line
