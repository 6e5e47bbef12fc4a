#pragma once
// Numbers as people read them: shares as percentages, times in the unit that suits them,
// counts with thousands separators, intervals with as many digits as they carry
// ("82.1 %", "32.7 h", "5,506 parts", "2.10 h ± 9.3 min"). No ImGui: tests check it alone.

#include <string>
#include <vector>

#include "data_source.h"

namespace plantwin::viewer {

/// A count: thousands separated by commas, no decimals when whole ("5,506"; "12.5" when not).
std::string format_count(double n);
/// A duration in seconds in the unit that suits it, with 3 significant digits: "45.0 s",
/// "9.30 min", "32.7 h", "2.10 d", "1.50 y"; "-" when not finite.
std::string format_duration_s(double s);
/// A value with its unit (as the signals and KPIs name it): "share" as a percentage ("82.1 %"),
/// "s" as a duration, "parts" as a count ("count" without its unit), others with 4 significant
/// digits
/// ("12.35 kW", "1,234 kWh"); "-" when not finite.
std::string format_value(double v, const std::string& unit);
/// A KPI with its 95 % interval: the value with the digits its half-width justifies and the
/// half-width in its own unit ("2.10 h ± 9.3 min", "82.1 % ± 0.4 %"); the value alone when
/// the half-width is NaN or 0.
std::string format_kpi(double value, double half_width, const std::string& unit);
/// A difference with its interval, the unit once where both share it ("+4.0 ± 3.9 parts",
/// "+1.2 ± 0.4 %"; durations as format_kpi: "-9.5 min ± 9.3 min"), with its sign.
std::string format_difference(double value, double half_width, const std::string& unit);
/// The unit a value is shown in: "%" for a share, the one chosen for a duration, else `unit`.
/// For a sortable table's header.
std::string shown_unit(const std::string& unit);

/// The KPI table as CSV (component,kpi,value,half_width,unit; numbers with 17 significant
/// digits, an empty half_width where there is none; fields quoted where they need it), in the
/// order of `rows` (indices into `kpis`).
std::string kpis_csv(const std::vector<KpiItem>& kpis, const std::vector<int>& rows);

}  // namespace plantwin::viewer
