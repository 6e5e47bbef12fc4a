#pragma once
// A sweep found in an experiment's cases: the override keys whose values vary across the cases,
// their values parsed with their units ("5 min", "12", "20 /h"), and the grid they span. One
// numeric key makes a line chart, two a heatmap; anything else stays bars. No ImGui: tests
// check it alone.

#include <optional>
#include <string>
#include <vector>

namespace plantwin::viewer {

/// One swept key: its distinct values in increasing order, as numbers (SI, as the scenario
/// parser reads them) and as written in the overrides (the axis' tick labels).
struct SweepAxis {
  std::string key;                 ///< "components.wip.capacity"
  std::vector<double> values;      ///< increasing, distinct
  std::vector<std::string> texts;  ///< values[i] as written: "5 min"
  std::string unit;                ///< SI unit of `values` ("s", "1/s", ""), for the axis title
};

/// The cases of an experiment laid out over one or two swept keys.
struct Sweep {
  std::vector<SweepAxis> axes;  ///< one (line chart) or two (heatmap: x then y)
  /// For each case: its index along each axis (cell[case][axis]).
  std::vector<std::vector<int>> cell;
};

/// A scenario value read as a number with its unit: a plain number, or one of the units the
/// scenario accepts (time, rate, length, speed, power, temperature...) converted to SI. No
/// value for text that is none of those (a distribution, a name). `unit` gets the SI unit.
std::optional<double> parse_swept_value(const std::string& text, std::string* unit = nullptr);

/// Splits an experiment case's `overrides` attribute (one `key.path=value` per line) into key
/// and value; lines without '=' are skipped.
std::vector<std::pair<std::string, std::string>> parse_overrides(const std::string& text);

/// The sweep over the cases' overrides (`overrides[c]` is case c's attribute), or none: there is
/// one when one or two keys vary across the cases, every case sets them, their values all parse
/// as numbers of one unit, and no two cases share a grid point.
std::optional<Sweep> find_sweep(const std::vector<std::string>& overrides);

/// A colour scale for the heatmap: viridis-like, dark violet (0) to yellow (1), its lightness
/// rising with the value. `f` is clamped to [0, 1].
struct Colour {
  unsigned char r, g, b;
};
Colour heat_colour(double f);

}  // namespace plantwin::viewer
