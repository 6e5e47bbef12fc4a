#include "plantwin/models/register.h"

#include "assets/assets.h"
#include "assets/zones.h"
#include "coldchain/reefer.h"
#include "control/control.h"
#include "costs/cost_model.h"
#include "energy/energy_meter.h"
#include "feeds/feed_component.h"
#include "line/assembly.h"
#include "line/batch_machine.h"
#include "line/buffer.h"
#include "line/conveyor.h"
#include "line/machine.h"
#include "line/order_source.h"
#include "line/pack.h"
#include "line/sink.h"
#include "line/source.h"
#include "line/split.h"
#include "maintenance/crew.h"
#include "physics/sensor.h"
#include "physics/thermal.h"
#include "physics/thermal_network.h"
#include "plantwin/models/flow.h"
#include "resources/pool.h"
#include "transport/fleet.h"
#include "wind/export_limit.h"
#include "wind/turbine.h"

namespace plantwin {

void register_builtin_models(Registry& registry) {
  line::register_source(registry);
  line::register_order_source(registry);
  line::register_machine(registry);
  line::register_buffer(registry);
  line::register_conveyor(registry);
  line::register_assembly(registry);
  line::register_split(registry);
  line::register_batch_machine(registry);
  line::register_pack(registry);
  line::register_sink(registry);
  line::register_line_summary(registry);
  line::register_products(registry);
  physics::register_thermal(registry);
  physics::register_thermal_network(registry);
  physics::register_sensor(registry);
  coldchain::register_reefer(registry);
  energy::register_energy_meter(registry);
  maintenance::register_crew(registry);
  resources::register_pool(registry);
  transport::register_transport(registry);
  costs::register_costs(registry);
  assets::register_zones(registry);
  assets::register_assets(registry);
  wind::register_turbine(registry);
  wind::register_export_limit(registry);
  control::register_pid(registry);
  control::register_hysteresis(registry);
  control::register_alarm(registry);
  control::register_sequence(registry);
  control::register_st(registry);
  control::register_plugin(registry);
  feeds::register_feed(registry);
}

Registry builtin_registry() {
  Registry r;
  register_builtin_models(r);
  return r;
}

}  // namespace plantwin
