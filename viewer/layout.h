#pragma once
// Where each component goes in the plant diagram, its label, and the routes of the links: a
// layered drawing of the material flow in world units (pixels at zoom 1), which the plant window
// scales and pans. It uses no ImGui, so that tests and benchmarks can check it alone.

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "data_source.h"

namespace plantwin::viewer {

struct Point {
  float x = 0, y = 0;
};

struct Rect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool overlaps(const Rect& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
  bool contains(Point p) const { return p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1; }
};

/// The diagram's metrics, in world units. The label font is monospaced: DejaVu Sans Mono,
/// whose glyphs are 0.602 em wide (7.83 at 13 units), or ImGui's ProggyClean (7 wide) where
/// DejaVu is missing; char_w bounds both.
struct LayoutMetrics {
  float box_w = 112, box_h = 40;    ///< a component's box
  float cell_w = 156, cell_h = 90;  ///< the grid: box, its labels, and the gaps for links
  float char_w = 7.9f, line_h = 13;
  int label_lines = 2;  ///< a name longer than that is elided ("..") and shown whole on hover
  float row_gap = 28;   ///< between wrapped rows of a long line: the channel for links back
};

/// A component's place: its box, the line above it (a state, a level) and its name below.
struct NodePlace {
  Rect box;
  Rect value_box;                  ///< where the value line goes (above the box)
  Rect label_box;                  ///< the name's lines, centred below the box
  std::vector<std::string> label;  ///< the name, wrapped (and elided when too long)
  bool elided = false;
  bool in_flow = false;  ///< on a material link; the others go to rows below the flow
  int layer = -1;        ///< the flow's layer (column); -1 outside the flow
  /// The flow component it was placed next to (a sensor's, a crew's), or -1.
  int next_to = -1;
};

struct Placement {
  LayoutMetrics metrics;
  std::vector<NodePlace> nodes;
  /// One orthogonal polyline per link (in DataSource::links order), from the source box's
  /// right side to the target box's left side, entering it from the left.
  std::vector<std::vector<Point>> routes;
  Rect bounds;  ///< everything drawn
  /// Whether the flow's places came from the scenario's `position:` (scaled so that no two
  /// cells overlap) rather than from the layered layout.
  bool from_positions = false;
};

/// How far a component placed next to its flow component may sit from it: its cell's centre
/// within one cell diagonally (a neighbouring cell, above, below or beside).
inline float next_to_distance(const LayoutMetrics& m) {
  return 1.01f * std::hypot(m.cell_w, m.cell_h);
}

/// Lays out the plant. Flow components: from the scenario's positions when every one of them
/// has one (`position: [x, y]`, any unit: the drawing scales them uniformly until no two cells
/// overlap, so `[i, 0]` and metres both work); otherwise in layers by the longest path from
/// the sources (links closing a cycle ignored), ordered within a layer by the barycentre of
/// their neighbours to cut crossings, and wrapped into rows when a line is long.
/// Components outside the flow that `attached` ties to flow components (component, flow
/// component: a sensor and what it observes, a crew and each machine it serves) go to a free
/// cell next to it (next_to_distance: below first, then above, then diagonally, then beside;
/// a crew next to the middle one of its machines, left to right); no cell overlaps another, so
/// neither do boxes or labels. The rest, and those with no free cell near, go to rows below,
/// by type.
Placement layout(const std::vector<ComponentInfo>& components,
                 const std::vector<std::pair<int, int>>& links, const LayoutMetrics& m = {},
                 const std::vector<std::pair<int, int>>& attached = {});
/// The pairs for `attached`: each component outside the flow and the flow components it
/// observes or serves (DataSource::relations).
std::vector<std::pair<int, int>> attachments(const DataSource& d);
inline Placement layout(const DataSource& d) {
  return layout(d.components, d.links, {}, attachments(d));
}

/// `name` in at most `lines` lines of at most `chars` characters, broken after '_', '-', '.',
/// ' ' or '/' where one is near the end of a line; the last line ends in ".." when the name did
/// not fit. Returns whether it was elided.
bool wrap_label(const std::string& name, int chars, int lines, std::vector<std::string>& out);

}  // namespace plantwin::viewer
