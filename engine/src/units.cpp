#include "plantwin/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "plantwin/text_file.h"

namespace plantwin {
namespace {

struct UnitFactor {
  std::string_view name;
  double factor;
};

constexpr UnitFactor kTimeUnits[] = {
    {"ms", 1e-3},       {"s", 1.0},         {"sec", 1.0},      {"second", 1.0},  {"seconds", 1.0},
    {"min", 60.0},      {"minute", 60.0},   {"minutes", 60.0}, {"h", 3600.0},    {"hr", 3600.0},
    {"hour", 3600.0},   {"hours", 3600.0},  {"d", 86400.0},    {"day", 86400.0}, {"days", 86400.0},
    {"week", 604800.0}, {"weeks", 604800.0}};
constexpr UnitFactor kLengthUnits[] = {{"mm", 1e-3}, {"cm", 1e-2}, {"m", 1.0}, {"km", 1e3}};
constexpr UnitFactor kPowerUnits[] = {{"W", 1e-3}, {"kW", 1.0}, {"MW", 1e3}};
constexpr UnitFactor kHeatCapacityUnits[] = {{"J/K", 1.0}, {"kJ/K", 1e3}, {"MJ/K", 1e6}};
constexpr UnitFactor kThermalResistanceUnits[] = {{"K/W", 1.0}, {"K/kW", 1e-3}, {"C/W", 1.0}};
constexpr UnitFactor kVelocityUnits[] = {{"mm/s", 1.0}, {"m/s", 1e3}};
constexpr UnitFactor kSpeedUnits[] = {{"m/s", 1.0},
                                      {"m/min", 1.0 / 60.0},
                                      {"m/h", 1.0 / 3600.0},
                                      {"mm/s", 1e-3},
                                      {"km/h", 1.0 / 3.6}};

using textfile::trim;

template <std::size_t N>
std::optional<double> find_factor(const UnitFactor (&table)[N], std::string_view unit) {
  for (const auto& u : table)
    if (u.name == unit) return u.factor;
  return std::nullopt;
}

std::optional<double> unit_factor(Dimension dim, std::string_view unit) {
  switch (dim) {
    case Dimension::kDimensionless:
      return unit.empty() ? std::optional<double>(1.0) : std::nullopt;
    case Dimension::kTime:
      return find_factor(kTimeUnits, unit);
    case Dimension::kLength:
      return find_factor(kLengthUnits, unit);
    case Dimension::kSpeed:
      return find_factor(kSpeedUnits, unit);
    case Dimension::kPower:
      return find_factor(kPowerUnits, unit);
    case Dimension::kHeatCapacity:
      return find_factor(kHeatCapacityUnits, unit);
    case Dimension::kThermalResistance:
      return find_factor(kThermalResistanceUnits, unit);
    case Dimension::kVelocity:
      return find_factor(kVelocityUnits, unit);
    case Dimension::kTemperature:
      // Handled in parse_quantity (an offset, not a factor).
      return std::nullopt;
    case Dimension::kRate: {
      // "/h", "per h", "per hour"
      std::string_view per;
      if (!unit.empty() && unit.front() == '/') {
        per = trim(unit.substr(1));
      } else if (unit.substr(0, 4) == "per ") {
        per = trim(unit.substr(4));
      } else {
        return std::nullopt;
      }
      auto f = find_factor(kTimeUnits, per);
      if (!f) return std::nullopt;
      return 1.0 / *f;
    }
  }
  return std::nullopt;
}

// "1d11h", "2 h 30 min", "-1d 2h": every term has a unit; a sign may lead the whole.
std::optional<double> parse_compound_duration(std::string_view s) {
  double sign = 1;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  double total = 0;
  int terms = 0;
  while (!s.empty()) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr == s.data() || !std::isfinite(v) || v < 0) return std::nullopt;
    s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
    s = trim(s);
    std::size_t n = 0;
    while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
    const auto f = find_factor(kTimeUnits, s.substr(0, n));
    if (!f) return std::nullopt;
    total += v * *f;
    ++terms;
    s = trim(s.substr(n));
  }
  if (terms < 2 || !std::isfinite(total)) return std::nullopt;
  return sign * total;
}

}  // namespace

std::string_view dimension_phrase(Dimension dim) {
  switch (dim) {
    case Dimension::kDimensionless:
      return "a number";
    case Dimension::kTime:
      return "a duration";
    case Dimension::kRate:
      return "a rate";
    case Dimension::kLength:
      return "a length";
    case Dimension::kSpeed:
      return "a speed";
    case Dimension::kPower:
      return "a power";
    case Dimension::kTemperature:
      return "a temperature";
    case Dimension::kHeatCapacity:
      return "a heat capacity";
    case Dimension::kThermalResistance:
      return "a thermal resistance";
    case Dimension::kVelocity:
      return "a vibration velocity";
  }
  return "a value";
}

std::string_view dimension_example(Dimension dim) {
  switch (dim) {
    case Dimension::kDimensionless:
      return "2.5";
    case Dimension::kTime:
      return "45 s";
    case Dimension::kRate:
      return "12 /h";
    case Dimension::kLength:
      return "12 m";
    case Dimension::kSpeed:
      return "0.5 m/s";
    case Dimension::kPower:
      return "15 kW";
    case Dimension::kTemperature:
      return "20 C";
    case Dimension::kHeatCapacity:
      return "50 kJ/K";
    case Dimension::kThermalResistance:
      return "0.05 K/W";
    case Dimension::kVelocity:
      return "2.8 mm/s";
  }
  return "";
}

std::optional<double> parse_quantity(std::string_view text, Dimension dim, std::string* why) {
  auto fail = [&](std::string msg) -> std::optional<double> {
    if (why) *why = std::move(msg);
    return std::nullopt;
  };
  const std::string_view s = trim(text);
  const std::string expected = fmt::format("expected {} (e.g. \"{}\"), got \"{}\"",
                                           dimension_phrase(dim), dimension_example(dim), s);
  if (s.empty()) return fail(expected);
  if (s == "inf" || s == "infinite" || s == "unlimited" || s == "infinity")
    return std::numeric_limits<double>::infinity();

  double value = 0.0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (*begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) return fail(expected);
  if (!std::isfinite(value)) return fail(expected);
  const std::string_view unit = trim(std::string_view(ptr, static_cast<std::size_t>(end - ptr)));
  if (unit.empty() && dim != Dimension::kDimensionless) {
    return fail(fmt::format("expected {} with a unit (e.g. \"{}\"), got \"{}\"",
                            dimension_phrase(dim), dimension_example(dim), s));
  }
  if (dim == Dimension::kTemperature) {
    if (unit == "C" || unit == "°C" || unit == "degC") return value;
    if (unit == "K") return value - 273.15;
    return fail(
        fmt::format("unknown unit \"{}\" for a temperature (e.g. \"20 C\" or \"293 K\")", unit));
  }
  auto factor = unit_factor(dim, unit);
  if (!factor && dim == Dimension::kTime) {
    // A compound duration such as "1d11h" or "1 h 30 min": terms of a number and a unit.
    if (auto total = parse_compound_duration(s)) return *total;
  }
  if (!factor) {
    if (dim == Dimension::kDimensionless)
      return fail(fmt::format("expected a plain number, got \"{}\"", s));
    return fail(fmt::format("unknown unit \"{}\" for {} (e.g. \"{}\")", unit, dimension_phrase(dim),
                            dimension_example(dim)));
  }
  return value * *factor;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "inf";
  const double a = std::fabs(seconds);
  if (a >= 86400.0) return fmt::format("{:.4g} d", seconds / 86400.0);
  if (a >= 3600.0) return fmt::format("{:.4g} h", seconds / 3600.0);
  if (a >= 120.0) return fmt::format("{:.4g} min", seconds / 60.0);
  return fmt::format("{:.4g} s", seconds);
}

}  // namespace plantwin
