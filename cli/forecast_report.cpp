#include "forecast_report.h"

#include <cmath>

#include <fmt/format.h>

#include "plantwin/units.h"

namespace plantwin::cli {
namespace {

std::string number(double v) {
  return std::isfinite(v) ? fmt::format("{:.17g}", v) : "null";
}

}  // namespace

std::string format_forecast(const ForecastResult& r, std::uint64_t n) {
  std::string out = fmt::format(
      "forecast {} from t = {} to {}: {} variant{}, {} replications each ({:.2f} s wall, {} "
      "thread{})\n",
      n, format_duration(r.from), format_duration(r.to), r.cases.size(),
      r.cases.size() == 1 ? "" : "s", r.replications, r.wall_time_s, r.threads,
      r.threads == 1 ? "" : "s");
  std::size_t width = 4;
  for (const auto& c : r.cases)
    for (const auto& k : c.kpis) width = std::max(width, k.component.size() + k.name.size() + 1);
  for (const auto& c : r.cases) {
    out += fmt::format("  {}\n", c.variant);
    for (const auto& k : c.kpis)
      out += fmt::format("    {:<{}}  {:>12.6g} ± {:<10.3g} {}\n", k.component + "." + k.name,
                         width, k.mean, k.half_width, k.unit);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> forecast_messages(const ForecastResult& r,
                                                                   std::uint64_t n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : r.cases)
    for (const auto& k : c.kpis)
      out.emplace_back(
          fmt::format("forecast/{}/{}/{}", c.variant, k.component, k.name),
          fmt::format(
              "{{\"mean\": {}, \"half_width\": {}, \"n\": {}, \"unit\": {}, \"from_s\": {}, "
              "\"to_s\": {}, \"forecast\": {}}}",
              number(k.mean), number(k.half_width), k.n, json_quote(k.unit), number(r.from),
              number(r.to), n));
  out.emplace_back(
      "forecast/status",
      fmt::format("{{\"forecast\": {}, \"from_s\": {}, \"to_s\": {}, \"replications\": "
                  "{}, \"wall_time_s\": {}}}",
                  n, number(r.from), number(r.to), r.replications, number(r.wall_time_s)));
  return out;
}

}  // namespace plantwin::cli
