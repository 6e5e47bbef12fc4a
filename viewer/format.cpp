#include "format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include <fmt/format.h>

namespace plantwin::viewer {
namespace {

struct TimeUnit {
  const char* name;
  double seconds;
};
constexpr TimeUnit kTimeUnits[] = {
    {"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400}, {"y", 365.25 * 86400}};

/// The time unit for a magnitude: the largest in which it is at least 1 (seconds below).
const TimeUnit& time_unit(double s) {
  const double a = std::abs(s);
  std::size_t k = 0;
  // Minutes from 2 min on, hours from 2 h, days from 2 d, years from 2 y: "90 s", "100 min"
  // read better than "1.50 min", "1.67 h".
  while (k + 1 < std::size(kTimeUnits) && a >= 2 * kTimeUnits[k + 1].seconds) ++k;
  return kTimeUnits[k];
}

/// A number written in fixed notation with commas between the thousands of its integer part.
std::string group_thousands(const std::string& s) {
  const std::size_t start = !s.empty() && s[0] == '-' ? 1 : 0;
  std::size_t end = s.find('.');
  if (end == std::string::npos) end = s.size();
  std::string out(s, 0, start);
  for (std::size_t k = start; k < end; ++k) {
    if (k > start && (end - k) % 3 == 0) out += ',';
    out += s[k];
  }
  out.append(s, end, std::string::npos);
  return out;
}

/// `v` with `sig` significant digits, in fixed notation (up to 1e15), separators in the
/// integer part.
std::string significant(double v, int sig) {
  if (!std::isfinite(v)) return "-";
  if (v == 0) return "0";
  const double a = std::abs(v);
  if (a >= 1e15 || a < 1e-4) return fmt::format("{:.{}g}", v, sig);
  const int magnitude = static_cast<int>(std::floor(std::log10(a)));
  const int decimals = std::max(0, sig - 1 - magnitude);
  std::string s = fmt::format("{:.{}f}", v, decimals);
  // Rounding may have added a digit (9.995 -> 10.00): one decimal fewer then.
  if (decimals > 0 && std::abs(std::stod(s)) >= std::pow(10.0, magnitude + 1))
    s = fmt::format("{:.{}f}", v, decimals - 1);
  return group_thousands(s);
}

/// `v` with the decimals that show `step` (the half-width) to 2 significant digits.
std::string to_step(double v, double step) {
  const int decimals =
      std::clamp(1 - static_cast<int>(std::floor(std::log10(std::abs(step)))), 0, 12);
  return group_thousands(fmt::format("{:.{}f}", v, decimals));
}

bool is_count(const std::string& unit) {
  return unit == "parts" || unit == "count" || unit == "openings";
}

}  // namespace

std::string format_count(double n) {
  if (!std::isfinite(n)) return "-";
  if (n == std::floor(n) && std::abs(n) < 1e15) {
    return group_thousands(fmt::format("{:.0f}", n));
  }
  return significant(n, 4);
}

std::string format_duration_s(double s) {
  if (!std::isfinite(s)) return "-";
  const TimeUnit& u = time_unit(s);
  return significant(s / u.seconds, 3) + " " + u.name;
}

std::string shown_unit(const std::string& unit) {
  if (unit == "share") return "%";
  return unit;
}

std::string format_value(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  if (unit == "share") return significant(v * 100, 3) + " %";
  if (unit == "s") return format_duration_s(v);
  if (unit == "min") return format_duration_s(v * 60);
  if (unit == "h") return format_duration_s(v * 3600);
  if (unit == "count") return format_count(v);
  if (is_count(unit)) return format_count(v) + " " + unit;
  const std::string n = significant(v, 4);
  return unit.empty() ? n : n + " " + unit;
}

std::string format_kpi(double value, double hw, const std::string& unit) {
  if (!std::isfinite(value)) return "-";
  if (!std::isfinite(hw) || hw <= 0) return format_value(value, unit);
  hw = std::abs(hw);
  if (unit == "share")
    return to_step(value * 100, hw * 100) + " % ± " + significant(hw * 100, 2) + " %";
  if (unit == "s" || unit == "min" || unit == "h") {
    const double f = unit == "s" ? 1 : unit == "min" ? 60 : 3600;
    const TimeUnit& u = time_unit(value * f);
    // The half-width in its own unit, but never in a smaller one than the value's when it is
    // at least one of those ("5.8 h ± 2.0 h", not "± 119 min").
    const TimeUnit& hu = hw * f >= u.seconds ? u : time_unit(hw * f);
    return to_step(value * f / u.seconds, hw * f / u.seconds) + " " + u.name + " ± " +
           significant(hw * f / hu.seconds, 2) + " " + hu.name;
  }
  const std::string suffix = unit.empty() ? "" : " " + unit;
  return to_step(value, hw) + suffix + " ± " + significant(hw, 2) + suffix;
}

std::string format_difference(double value, double hw, const std::string& unit) {
  if (!std::isfinite(value)) return "-";
  const std::string sign = value > 0 ? "+" : "";
  if (unit == "s" || unit == "min" || unit == "h" || !std::isfinite(hw) || hw <= 0)
    return sign + format_kpi(value, hw, unit);
  hw = std::abs(hw);
  const double f = unit == "share" ? 100 : 1;
  const std::string u = unit == "share" ? "%" : unit;
  return sign + to_step(value * f, hw * f) + " ± " + significant(hw * f, 2) +
         (u.empty() ? "" : " " + u);
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string kpis_csv(const std::vector<KpiItem>& kpis, const std::vector<int>& rows) {
  std::string out = "component,kpi,value,half_width,unit\n";
  for (const int r : rows) {
    const KpiItem& k = kpis[static_cast<std::size_t>(r)];
    out += fmt::format("{},{},{},{},{}\n", csv_field(k.component), csv_field(k.name),
                       std::isfinite(k.value) ? fmt::format("{:.17g}", k.value) : "nan",
                       std::isfinite(k.half_width) ? fmt::format("{:.17g}", k.half_width) : "",
                       csv_field(k.unit));
  }
  return out;
}

}  // namespace plantwin::viewer
