#include "layout.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace plantwin::viewer {

bool wrap_label(const std::string& name, int chars, int lines, std::vector<std::string>& out) {
  out.clear();
  const std::size_t width = static_cast<std::size_t>(std::max(chars, 4));
  // A cut never splits a UTF-8 character: it moves back to the character's first byte.
  auto char_start = [&](std::size_t pos, std::size_t cut) {
    while (cut > 1 && pos + cut < name.size() &&
           (static_cast<unsigned char>(name[pos + cut]) & 0xC0) == 0x80)
      --cut;
    return cut;
  };
  std::size_t pos = 0;
  while (pos < name.size() && static_cast<int>(out.size()) < std::max(lines, 1)) {
    if (name.size() - pos <= width) {
      out.push_back(name.substr(pos));
      return false;
    }
    if (static_cast<int>(out.size()) == std::max(lines, 1) - 1) {
      out.push_back(name.substr(pos, char_start(pos, width - 2)) + "..");
      return true;
    }
    std::size_t cut = width;
    for (std::size_t k = width; k > width / 2; --k)
      if (std::strchr("_-. /", name[pos + k - 1])) {
        cut = k;
        break;
      }
    cut = char_start(pos, cut);
    out.push_back(name.substr(pos, cut));
    pos += cut;
  }
  return pos < name.size();
}

namespace {

/// The links that close a cycle (found by a depth-first search from the sources), so that
/// the rest is a DAG to layer.
std::vector<bool> back_edges(std::size_t n, const std::vector<std::pair<int, int>>& links,
                             const std::vector<std::vector<int>>& out_links,
                             const std::vector<int>& sources_first, std::vector<int>& preorder) {
  std::vector<bool> back(links.size(), false);
  std::vector<char> colour(n, 0);  // 0 new, 1 on the stack, 2 done
  std::vector<std::pair<int, std::size_t>> stack;
  for (const int root : sources_first) {
    if (colour[static_cast<std::size_t>(root)]) continue;
    stack.push_back({root, 0});
    colour[static_cast<std::size_t>(root)] = 1;
    preorder.push_back(root);
    while (!stack.empty()) {
      auto& [u, next] = stack.back();
      const auto& outs = out_links[static_cast<std::size_t>(u)];
      if (next == outs.size()) {
        colour[static_cast<std::size_t>(u)] = 2;
        stack.pop_back();
        continue;
      }
      const int li = outs[next++];
      const int v = links[static_cast<std::size_t>(li)].second;
      if (colour[static_cast<std::size_t>(v)] == 1) {
        back[static_cast<std::size_t>(li)] = true;
      } else if (colour[static_cast<std::size_t>(v)] == 0) {
        colour[static_cast<std::size_t>(v)] = 1;
        preorder.push_back(v);
        stack.push_back({v, 0});
      }
    }
  }
  return back;
}

}  // namespace

std::vector<std::pair<int, int>> attachments(const DataSource& d) {
  std::vector<std::pair<int, int>> out;
  for (const auto& r : d.relations)
    if (r.kind == "observes" || r.kind == "serves") out.emplace_back(r.component, r.target);
  return out;
}

Placement layout(const std::vector<ComponentInfo>& comps,
                 const std::vector<std::pair<int, int>>& all_links, const LayoutMetrics& m,
                 const std::vector<std::pair<int, int>>& attached) {
  const std::size_t n = comps.size();
  Placement p;
  p.metrics = m;
  p.nodes.resize(n);
  p.routes.resize(all_links.size());
  if (n == 0) return p;
  // Links between two different, existing components; the others are not drawn.
  std::vector<std::pair<int, int>> links;
  std::vector<int> link_of;  // index into all_links
  for (std::size_t i = 0; i < all_links.size(); ++i) {
    const auto [a, b] = all_links[i];
    if (a < 0 || b < 0 || a == b || static_cast<std::size_t>(a) >= n ||
        static_cast<std::size_t>(b) >= n)
      continue;
    links.push_back({a, b});
    link_of.push_back(static_cast<int>(i));
  }
  std::vector<std::vector<int>> out_links(n), in_links(n);
  for (std::size_t i = 0; i < links.size(); ++i) {
    out_links[static_cast<std::size_t>(links[i].first)].push_back(static_cast<int>(i));
    in_links[static_cast<std::size_t>(links[i].second)].push_back(static_cast<int>(i));
  }
  for (std::size_t i = 0; i < n; ++i)
    p.nodes[i].in_flow = !out_links[i].empty() || !in_links[i].empty();

  std::vector<Point> centre(n);
  std::vector<float> channel(n, 0);  // the y of the channel below a node's row, for links back
  float flow_bottom = 0, flow_right = 0;
  bool any_flow = false, positioned = true;
  for (std::size_t i = 0; i < n; ++i)
    if (p.nodes[i].in_flow) {
      any_flow = true;
      if (!(std::isfinite(comps[i].x) && std::isfinite(comps[i].y))) positioned = false;
    }
  positioned = positioned && any_flow;
  p.from_positions = positioned;

  if (positioned) {
    std::vector<std::size_t> flow;
    double x0 = HUGE_VAL, y0 = HUGE_VAL;
    for (std::size_t i = 0; i < n; ++i)
      if (p.nodes[i].in_flow) {
        flow.push_back(i);
        x0 = std::min(x0, comps[i].x);
        y0 = std::min(y0, comps[i].y);
      }
    // The least uniform scale at which no two cells overlap (pairs at one place excepted:
    // they are moved apart below). Beyond a few thousand components, one cell per unit.
    double s = 1e-300;
    if (flow.size() <= 3000) {
      for (std::size_t a = 0; a < flow.size(); ++a)
        for (std::size_t b = a + 1; b < flow.size(); ++b) {
          const double dx = std::abs(comps[flow[a]].x - comps[flow[b]].x);
          const double dy = std::abs(comps[flow[a]].y - comps[flow[b]].y);
          if (dx == 0 && dy == 0) continue;
          s = std::max(
              s, std::min(dx > 0 ? m.cell_w / dx : HUGE_VAL, dy > 0 ? m.cell_h / dy : HUGE_VAL));
        }
    }
    if (s <= 1e-300) s = std::max(m.cell_w, m.cell_h);
    s = std::min(s, 1e6);
    for (const std::size_t i : flow) {
      // Positions far apart make a huge world; the view fits it anyway.
      centre[i] = {static_cast<float>(std::min((comps[i].x - x0) * s, 1e7)) + m.cell_w / 2,
                   static_cast<float>(std::min((comps[i].y - y0) * s, 1e7)) + m.cell_h / 2};
    }
    // Components given one place: each later one moves down a cell until it is free.
    if (flow.size() <= 3000)
      for (std::size_t a = 0; a < flow.size(); ++a)
        for (bool moved = true; moved;) {
          moved = false;
          for (std::size_t b = 0; b < a; ++b)
            if (std::abs(centre[flow[a]].x - centre[flow[b]].x) < m.cell_w - 0.5f &&
                std::abs(centre[flow[a]].y - centre[flow[b]].y) < m.cell_h - 0.5f) {
              centre[flow[a]].y = centre[flow[b]].y + m.cell_h;
              moved = true;
            }
        }
    for (const std::size_t i : flow) {
      flow_bottom = std::max(flow_bottom, centre[i].y + m.cell_h / 2);
      flow_right = std::max(flow_right, centre[i].x + m.cell_w / 2);
    }
    for (const std::size_t i : flow) channel[i] = flow_bottom + m.row_gap / 2;
  } else if (any_flow) {
    // Sources first (no input), then the rest, in component order.
    std::vector<int> roots;
    for (std::size_t i = 0; i < n; ++i)
      if (p.nodes[i].in_flow && in_links[i].empty()) roots.push_back(static_cast<int>(i));
    for (std::size_t i = 0; i < n; ++i)
      if (p.nodes[i].in_flow && !in_links[i].empty()) roots.push_back(static_cast<int>(i));
    std::vector<int> preorder;
    const std::vector<bool> back = back_edges(n, links, out_links, roots, preorder);
    // Longest path from the sources over the links that close no cycle (Kahn's order).
    std::vector<int> layer(n, 0), deg(n, 0);
    for (std::size_t i = 0; i < links.size(); ++i)
      if (!back[i]) ++deg[static_cast<std::size_t>(links[i].second)];
    std::vector<int> queue;
    for (const int r : preorder)
      if (deg[static_cast<std::size_t>(r)] == 0) queue.push_back(r);
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const int u = queue[q];
      for (const int li : out_links[static_cast<std::size_t>(u)]) {
        if (back[static_cast<std::size_t>(li)]) continue;
        const auto v = static_cast<std::size_t>(links[static_cast<std::size_t>(li)].second);
        layer[v] = std::max(layer[v], layer[static_cast<std::size_t>(u)] + 1);
        if (--deg[v] == 0) queue.push_back(static_cast<int>(v));
      }
    }
    int layers = 0;
    for (const int u : preorder) layers = std::max(layers, layer[static_cast<std::size_t>(u)] + 1);
    std::vector<std::vector<int>> by_layer(static_cast<std::size_t>(layers));
    for (const int u : preorder)
      by_layer[static_cast<std::size_t>(layer[static_cast<std::size_t>(u)])].push_back(u);
    // Order within layers by the mean rank of the neighbours, sweeping down and up.
    std::vector<double> rank(n, 0);
    auto set_ranks = [&](const std::vector<int>& l) {
      for (std::size_t k = 0; k < l.size(); ++k)
        rank[static_cast<std::size_t>(l[k])] = static_cast<double>(k);
    };
    for (const auto& l : by_layer) set_ranks(l);
    auto sweep = [&](std::vector<int>& l, bool from_inputs) {
      std::vector<std::pair<double, int>> keyed;
      for (const int u : l) {
        double sum = 0;
        int count = 0;
        for (const int li : from_inputs ? in_links[static_cast<std::size_t>(u)]
                                        : out_links[static_cast<std::size_t>(u)]) {
          const auto& lk = links[static_cast<std::size_t>(li)];
          sum += rank[static_cast<std::size_t>(from_inputs ? lk.first : lk.second)];
          ++count;
        }
        keyed.push_back({count > 0 ? sum / count : rank[static_cast<std::size_t>(u)], u});
      }
      std::stable_sort(keyed.begin(), keyed.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (std::size_t k = 0; k < l.size(); ++k) l[k] = keyed[k].second;
      set_ranks(l);
    };
    for (int iter = 0; iter < 4; ++iter) {
      for (int l = 1; l < layers; ++l) sweep(by_layer[static_cast<std::size_t>(l)], true);
      for (int l = layers - 2; l >= 0; --l) sweep(by_layer[static_cast<std::size_t>(l)], false);
    }
    std::size_t widest = 1;
    for (const auto& l : by_layer) widest = std::max(widest, l.size());
    // A long line wraps into rows, aiming at a drawing about twice as wide as high (the plant
    // window's shape).
    int per_row = layers;
    if (layers > 10) {
      const double want =
          std::sqrt(2.2 * layers * (static_cast<double>(widest) * m.cell_h + m.row_gap) / m.cell_w);
      per_row = std::clamp(static_cast<int>(std::lround(want)), 6, layers);
    }
    const int rows = (layers + per_row - 1) / per_row;
    float row_top = 0;
    for (int r = 0; r < rows; ++r) {
      std::size_t row_w = 1;
      for (int l = r * per_row; l < std::min(layers, (r + 1) * per_row); ++l)
        row_w = std::max(row_w, by_layer[static_cast<std::size_t>(l)].size());
      const float row_h = static_cast<float>(row_w) * m.cell_h;
      for (int l = r * per_row; l < std::min(layers, (r + 1) * per_row); ++l) {
        const auto& ids = by_layer[static_cast<std::size_t>(l)];
        const double offset = (static_cast<double>(row_w) - static_cast<double>(ids.size())) / 2;
        for (std::size_t k = 0; k < ids.size(); ++k) {
          const auto u = static_cast<std::size_t>(ids[k]);
          centre[u] = {
              (static_cast<float>(l % per_row) + 0.5f) * m.cell_w,
              row_top + static_cast<float>(offset + static_cast<double>(k) + 0.5) * m.cell_h};
          channel[u] = row_top + row_h + m.row_gap / 2;
          p.nodes[u].layer = l;
        }
      }
      row_top += row_h + m.row_gap;
    }
    flow_bottom = row_top - m.row_gap;
    flow_right = static_cast<float>(std::min(per_row, layers)) * m.cell_w;
  }

  // Components tied to the flow (a sensor, a crew): a free cell next to their flow component.
  auto cell_of = [&](Point c) {
    return Rect{c.x - m.cell_w / 2 + 1, c.y - m.cell_h / 2 + 1, c.x + m.cell_w / 2 - 1,
                c.y + m.cell_h / 2 - 1};
  };
  std::vector<Rect> taken;
  for (std::size_t i = 0; i < n; ++i)
    if (p.nodes[i].in_flow) taken.push_back(cell_of(centre[i]));
  std::vector<std::vector<int>> targets(n);
  for (const auto& [a, b] : attached)
    if (a >= 0 && b >= 0 && static_cast<std::size_t>(a) < n && static_cast<std::size_t>(b) < n &&
        !p.nodes[static_cast<std::size_t>(a)].in_flow &&
        p.nodes[static_cast<std::size_t>(b)].in_flow)
      targets[static_cast<std::size_t>(a)].push_back(b);
  float below = flow_bottom;  // the lowest cell placed so far
  for (std::size_t i = 0; i < n; ++i) {
    auto& ts = targets[i];
    if (ts.empty()) continue;
    // A crew serving several machines sits by the middle one, left to right.
    std::stable_sort(ts.begin(), ts.end(), [&](int a, int b) {
      return centre[static_cast<std::size_t>(a)].x < centre[static_cast<std::size_t>(b)].x;
    });
    const int t = ts[(ts.size() - 1) / 2];
    const Point c = centre[static_cast<std::size_t>(t)];
    static constexpr float kTries[][2] = {{0, 1},  {0, -1},  {1, 1}, {-1, 1},
                                          {1, -1}, {-1, -1}, {1, 0}, {-1, 0}};
    for (const auto& d : kTries) {
      const Point at{c.x + d[0] * m.cell_w, c.y + d[1] * m.cell_h};
      const Rect cell = cell_of(at);
      if (std::any_of(taken.begin(), taken.end(), [&](const Rect& r) { return r.overlaps(cell); }))
        continue;
      taken.push_back(cell);
      centre[i] = at;
      p.nodes[i].next_to = t;
      below = std::max(below, at.y + m.cell_h / 2);
      break;
    }
  }

  // Components outside the flow and not next to it: rows below, grouped by type.
  std::vector<std::size_t> extras;
  for (std::size_t i = 0; i < n; ++i)
    if (!p.nodes[i].in_flow && p.nodes[i].next_to < 0) extras.push_back(i);
  std::stable_sort(extras.begin(), extras.end(),
                   [&](std::size_t a, std::size_t b) { return comps[a].type < comps[b].type; });
  if (!extras.empty()) {
    const int flow_cols = static_cast<int>(std::lround(flow_right / m.cell_w));
    const int cols = std::max(
        {flow_cols, 6,
         static_cast<int>(std::ceil(std::sqrt(1.8 * static_cast<double>(extras.size()))))});
    const float top = any_flow ? below + m.row_gap : 0;
    for (std::size_t k = 0; k < extras.size(); ++k)
      centre[extras[k]] = {
          (static_cast<float>(k % static_cast<std::size_t>(cols)) + 0.5f) * m.cell_w,
          top + (static_cast<float>(k / static_cast<std::size_t>(cols)) + 0.5f) * m.cell_h};
  }

  // Boxes and labels. The box sits in the upper part of its cell: a value line above it, the
  // name's lines below.
  const int chars = static_cast<int>((m.cell_w - 8) / m.char_w);
  p.bounds = {HUGE_VALF, HUGE_VALF, -HUGE_VALF, -HUGE_VALF};
  for (std::size_t i = 0; i < n; ++i) {
    NodePlace& node = p.nodes[i];
    const Point c = centre[i];
    const float box_cy = c.y - m.cell_h / 2 + m.line_h + 4 + m.box_h / 2;
    node.box = {c.x - m.box_w / 2, box_cy - m.box_h / 2, c.x + m.box_w / 2, box_cy + m.box_h / 2};
    node.value_box = {c.x - m.box_w / 2, node.box.y0 - m.line_h - 2, c.x + m.box_w / 2,
                      node.box.y0 - 2};
    node.elided = wrap_label(comps[i].name, chars, m.label_lines, node.label);
    std::size_t longest = 0;
    for (const auto& line : node.label) longest = std::max(longest, line.size());
    const float w = static_cast<float>(longest) * m.char_w;
    node.label_box = {c.x - w / 2, node.box.y1 + 3, c.x + w / 2,
                      node.box.y1 + 3 + static_cast<float>(node.label.size()) * m.line_h};
    for (const Rect& r : {node.box, node.value_box, node.label_box}) {
      p.bounds.x0 = std::min(p.bounds.x0, r.x0);
      p.bounds.y0 = std::min(p.bounds.y0, r.y0);
      p.bounds.x1 = std::max(p.bounds.x1, r.x1);
      p.bounds.y1 = std::max(p.bounds.y1, r.y1);
    }
  }

  // Routes: right side out, left side in. Forward: across in the gap before the target's
  // column. Back (a cycle, or the next row of a wrapped line): down to the channel below the
  // source's row, along it, and up in the gap before the target.
  const float gap = (m.cell_w - m.box_w) / 2;
  for (std::size_t k = 0; k < links.size(); ++k) {
    const NodePlace& a = p.nodes[static_cast<std::size_t>(links[k].first)];
    const NodePlace& b = p.nodes[static_cast<std::size_t>(links[k].second)];
    const Point s{a.box.x1, (a.box.y0 + a.box.y1) / 2}, e{b.box.x0, (b.box.y0 + b.box.y1) / 2};
    auto& route = p.routes[static_cast<std::size_t>(link_of[k])];
    if (e.x >= s.x + 2 * std::min(gap, 6.0f)) {
      if (std::abs(e.y - s.y) < 0.5f) {
        route = {s, e};
      } else {
        const float mx = std::max(s.x + gap * 0.5f, e.x - gap);
        route = {s, {mx, s.y}, {mx, e.y}, e};
      }
    } else {
      const float cy =
          std::max(channel[static_cast<std::size_t>(links[k].first)], a.label_box.y1 + 4);
      route = {s,
               {s.x + gap * 0.6f, s.y},
               {s.x + gap * 0.6f, cy},
               {e.x - gap * 0.6f, cy},
               {e.x - gap * 0.6f, e.y},
               e};
      p.bounds.y1 = std::max(p.bounds.y1, cy + 2);
    }
  }
  return p;
}

}  // namespace plantwin::viewer
