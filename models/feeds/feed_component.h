#pragma once

#include "plantwin/registry.h"

namespace plantwin::feeds {

void register_feed(Registry& registry);

}  // namespace plantwin::feeds
