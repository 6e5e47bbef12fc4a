#include "layout.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace plantwin::viewer {

Placement layout(const DataSource& d) {
  const std::size_t n = d.components.size();
  Placement p;
  p.x.assign(n, 0.5);
  p.y.assign(n, 0.5);
  if (n == 0) return p;
  std::vector<bool> in_flow(n, false);
  std::vector<std::vector<int>> out(n);
  std::vector<int> indegree(n, 0);
  for (auto [a, b] : d.links) {
    in_flow[static_cast<std::size_t>(a)] = in_flow[static_cast<std::size_t>(b)] = true;
    out[static_cast<std::size_t>(a)].push_back(b);
    ++indegree[static_cast<std::size_t>(b)];
  }
  bool all_positioned = true;
  for (std::size_t i = 0; i < n; ++i)
    if (in_flow[i] && !(std::isfinite(d.components[i].x) && std::isfinite(d.components[i].y)))
      all_positioned = false;
  std::vector<std::size_t> extras;
  for (std::size_t i = 0; i < n; ++i)
    if (!in_flow[i]) extras.push_back(i);
  const double flow_height = extras.empty() ? 1.0 : 0.84;

  if (all_positioned) {
    double x0 = HUGE_VAL, x1 = -HUGE_VAL, y0 = HUGE_VAL, y1 = -HUGE_VAL;
    for (std::size_t i = 0; i < n; ++i)
      if (in_flow[i]) {
        x0 = std::min(x0, d.components[i].x);
        x1 = std::max(x1, d.components[i].x);
        y0 = std::min(y0, d.components[i].y);
        y1 = std::max(y1, d.components[i].y);
      }
    const double w = std::max(x1 - x0, 1e-9), h = std::max(y1 - y0, 1e-9);
    for (std::size_t i = 0; i < n; ++i)
      if (in_flow[i]) {
        p.x[i] = 0.08 + 0.84 * (d.components[i].x - x0) / w;
        p.y[i] = (0.1 + 0.8 * (d.components[i].y - y0) / h) * flow_height;
      }
    p.cell_w = p.cell_h = 0.12;
  } else {
    // Longest-path layers (Kahn's order; nodes left in cycles continue from their last layer).
    std::vector<int> layer(n, 0);
    std::deque<int> queue;
    std::vector<int> deg = indegree;
    for (std::size_t i = 0; i < n; ++i)
      if (in_flow[i] && deg[i] == 0) queue.push_back(static_cast<int>(i));
    std::vector<bool> seen(n, false);
    while (!queue.empty()) {
      const int u = queue.front();
      queue.pop_front();
      seen[static_cast<std::size_t>(u)] = true;
      for (int v : out[static_cast<std::size_t>(u)]) {
        layer[static_cast<std::size_t>(v)] =
            std::max(layer[static_cast<std::size_t>(v)], layer[static_cast<std::size_t>(u)] + 1);
        if (--deg[static_cast<std::size_t>(v)] == 0) queue.push_back(v);
      }
    }
    int layers = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (in_flow[i]) layers = std::max(layers, layer[i] + 1);
    std::vector<int> width(static_cast<std::size_t>(layers), 0), rank(n, 0);
    for (std::size_t i = 0; i < n; ++i)
      if (in_flow[i]) rank[i] = width[static_cast<std::size_t>(layer[i])]++;
    const int max_width = *std::max_element(width.begin(), width.end());
    // Long lines wrap into rows of `per_row` layers, drawn left to right.
    const int per_row =
        layers <= 14 ? layers : std::max(10, static_cast<int>(std::ceil(std::sqrt(layers * 3.0))));
    const int rows = (layers + per_row - 1) / per_row;
    const int slots = rows * max_width;
    for (std::size_t i = 0; i < n; ++i) {
      if (!in_flow[i]) continue;
      const int row = layer[i] / per_row, col = layer[i] % per_row;
      p.x[i] = (col + 0.5) / per_row;
      p.y[i] = ((row * max_width + rank[i] + 0.5) / slots) * flow_height;
    }
    p.cell_w = 1.0 / per_row;
    p.cell_h = flow_height / slots;
  }
  for (std::size_t k = 0; k < extras.size(); ++k) {
    p.x[extras[k]] = (k + 0.5) / static_cast<double>(extras.size());
    p.y[extras[k]] = 0.92;
  }
  if (!extras.empty()) p.cell_w = std::min(p.cell_w, 1.0 / static_cast<double>(extras.size()));
  return p;
}

}  // namespace plantwin::viewer
