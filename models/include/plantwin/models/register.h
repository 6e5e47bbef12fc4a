#pragma once
/// The component library shipped with plantwin.

#include "plantwin/registry.h"

namespace plantwin {

/// Registers every built-in component type (source, machine, buffer, conveyor, assembly,
/// split, sink) with `registry`.
void register_builtin_models(Registry& registry);

/// A registry with the built-in component types.
Registry builtin_registry();

}  // namespace plantwin
