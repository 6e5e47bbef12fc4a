#pragma once
// Where each component goes in the plant diagram.

#include <vector>

#include "data_source.h"

namespace plantwin::viewer {

/// Normalised centre positions in [0, 1] x [0, 1], one per component. Positions from the
/// scenario are used when every flow component has one; otherwise the flow is laid out in
/// layers (longest path from the sources), wrapped into rows for long lines. Components outside
/// the flow (sensors, meters, thermal models) go to a row of their own at the bottom.
struct Placement {
  std::vector<double> x, y;
  double cell_w = 0.1, cell_h = 0.1;  // normalised size of one grid cell
};
Placement layout(const DataSource& data);

}  // namespace plantwin::viewer
