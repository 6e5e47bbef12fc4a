#include "crew.h"

namespace plantwin::maintenance {

void register_crew(Registry& registry) {
  registry.add("crew", "maintenance technicians shared by machines", resources::build_crew);
}

}  // namespace plantwin::maintenance
