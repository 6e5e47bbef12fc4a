#pragma once
/// How a forecast (forecast.h) is shown: a table for people, MQTT messages for dashboards.

#include <string>
#include <utility>
#include <vector>

#include "plantwin/forecast.h"

namespace plantwin::cli {

/// The forecast as a table: per variant, each KPI's mean and 95 % interval.
std::string format_forecast(const ForecastResult& result, std::uint64_t number);

/// (topic suffix, JSON payload) per variant and KPI: `forecast/<variant>/<component>/<kpi>`
/// with {"mean", "half_width", "n", "unit", "from_s", "to_s", "forecast"}, and
/// `forecast/status` with the forecast's number, window and wall time.
std::vector<std::pair<std::string, std::string>> forecast_messages(const ForecastResult& result,
                                                                   std::uint64_t number);

}  // namespace plantwin::cli
