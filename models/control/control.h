#pragma once
/// Controllers for the scenario's `controllers:` section: components that scan (a PLC task).

#include "plantwin/registry.h"

namespace plantwin::control {

void register_pid(Registry& registry);
void register_hysteresis(Registry& registry);
void register_alarm(Registry& registry);
void register_sequence(Registry& registry);
void register_st(Registry& registry);
void register_plugin(Registry& registry);

}  // namespace plantwin::control
