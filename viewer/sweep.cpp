#include "sweep.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "plantwin/units.h"

namespace plantwin::viewer {
namespace {

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

}  // namespace

std::optional<double> parse_swept_value(const std::string& text, std::string* unit) {
  // The dimensions in the order tried: a plain number first, then what scenarios write most.
  static constexpr std::pair<Dimension, const char*> kDims[] = {
      {Dimension::kDimensionless, ""},
      {Dimension::kTime, "s"},
      {Dimension::kRate, "/s"},
      {Dimension::kLength, "m"},
      {Dimension::kSpeed, "m/s"},
      {Dimension::kPower, "kW"},
      {Dimension::kTemperature, "C"},
      {Dimension::kHeatCapacity, "J/K"},
      {Dimension::kThermalResistance, "K/W"}};
  const std::string t = trim(text);
  for (const auto& [dim, si] : kDims) {
    const std::optional<double> v = parse_quantity(t, dim);
    if (v && std::isfinite(*v)) {
      if (unit) *unit = si;
      return v;
    }
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> parse_overrides(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, end - at);
    const auto eq = line.find('=');
    if (eq != std::string::npos)
      out.emplace_back(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
    at = end + 1;
  }
  return out;
}

std::optional<Sweep> find_sweep(const std::vector<std::string>& overrides) {
  const std::size_t n = overrides.size();
  if (n < 2) return std::nullopt;
  std::vector<std::map<std::string, std::string>> sets(n);
  std::set<std::string> keys;
  for (std::size_t c = 0; c < n; ++c)
    for (auto& [k, v] : parse_overrides(overrides[c])) {
      keys.insert(k);
      sets[c][k] = std::move(v);
    }
  // The keys that vary: some case sets another value, or leaves it out.
  std::vector<std::string> varying;
  for (const auto& k : keys) {
    std::set<std::string> seen;
    bool missing = false;
    for (const auto& s : sets) {
      const auto it = s.find(k);
      if (it == s.end())
        missing = true;
      else
        seen.insert(it->second);
    }
    if (missing || seen.size() > 1) {
      if (missing) return std::nullopt;  // a case without the key (a base, a variant): bars
      varying.push_back(k);
    }
  }
  if (varying.empty() || varying.size() > 2) return std::nullopt;
  Sweep sw;
  std::vector<std::vector<double>> value_of(varying.size(), std::vector<double>(n));
  for (std::size_t a = 0; a < varying.size(); ++a) {
    SweepAxis axis;
    axis.key = varying[a];
    std::map<double, std::string> distinct;
    for (std::size_t c = 0; c < n; ++c) {
      const std::string& text = sets[c].at(axis.key);
      std::string unit;
      const std::optional<double> v = parse_swept_value(text, &unit);
      if (!v) return std::nullopt;
      if (c == 0)
        axis.unit = unit;
      else if (unit != axis.unit)
        return std::nullopt;
      value_of[a][c] = *v;
      distinct.emplace(*v, text);
    }
    for (const auto& [v, text] : distinct) {
      axis.values.push_back(v);
      axis.texts.push_back(text);
    }
    sw.axes.push_back(std::move(axis));
  }
  std::set<std::vector<int>> taken;
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<int> at;
    for (std::size_t a = 0; a < sw.axes.size(); ++a) {
      const auto& vals = sw.axes[a].values;
      at.push_back(static_cast<int>(std::lower_bound(vals.begin(), vals.end(), value_of[a][c]) -
                                    vals.begin()));
    }
    if (!taken.insert(at).second) return std::nullopt;  // "5 min" and "300 s": one point twice
    sw.cell.push_back(std::move(at));
  }
  return sw;
}

Colour heat_colour(double f) {
  // Five points of matplotlib's viridis; lightness rises from one to the next.
  static constexpr Colour kStops[] = {
      {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  f = std::isfinite(f) ? std::clamp(f, 0.0, 1.0) : 0.0;
  const double x = f * 4;
  const int i = std::min(static_cast<int>(x), 3);
  const double u = x - i;
  auto mix = [&](unsigned char a, unsigned char b) {
    return static_cast<unsigned char>(std::lround(a + (b - a) * u));
  };
  return {mix(kStops[i].r, kStops[i + 1].r), mix(kStops[i].g, kStops[i + 1].g),
          mix(kStops[i].b, kStops[i + 1].b)};
}

}  // namespace plantwin::viewer
