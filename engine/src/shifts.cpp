#include "plantwin/shifts.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "plantwin/params.h"

namespace plantwin {

ShiftCalendar::ShiftCalendar(std::vector<std::pair<double, double>> intervals) {
  // Unroll across the week boundary, sort and merge.
  std::vector<std::pair<double, double>> v;
  for (auto [a, b] : intervals) {
    const double shift = a - std::fmod(a, kWeek);
    a -= shift;
    b -= shift;
    if (b <= kWeek) {
      v.emplace_back(a, b);
    } else {
      v.emplace_back(a, kWeek);
      v.emplace_back(0.0, b - kWeek);
    }
  }
  std::sort(v.begin(), v.end());
  for (const auto& iv : v) {
    if (iv.second <= iv.first) continue;
    if (!week_.empty() && iv.first <= week_.back().second)
      week_.back().second = std::max(week_.back().second, iv.second);
    else
      week_.push_back(iv);
  }
}

bool ShiftCalendar::on_shift(double t) const {
  const double s = t - std::floor(t / kWeek) * kWeek;
  for (const auto& [a, b] : week_)
    if (s >= a && s < b) return true;
  return false;
}

double ShiftCalendar::next_change(double t) const {
  if (week_.empty()) return HUGE_VAL;
  if (week_.size() == 1 && week_[0].first <= 0 && week_[0].second >= kWeek) return HUGE_VAL;
  const double base = std::floor(t / kWeek) * kWeek;
  for (int wrap = 0; wrap < 2; ++wrap)
    for (const auto& [a, b] : week_)
      for (double edge : {a, b}) {
        const double at = base + wrap * kWeek + edge;
        if (at > t && on_shift(at) != on_shift(t)) return at;
      }
  return HUGE_VAL;
}

double ShiftCalendar::planned_time(double t0, double t1) const {
  double total = 0;
  const double w0 = std::floor(t0 / kWeek);
  for (double w = w0; w * kWeek < t1; w += 1)
    for (const auto& [a, b] : week_) {
      const double lo = std::max(t0, w * kWeek + a), hi = std::min(t1, w * kWeek + b);
      if (hi > lo) total += hi - lo;
    }
  return total;
}

namespace {

std::optional<std::pair<double, double>> parse_period(const std::string& text, std::string* why) {
  int h1, m1, h2, m2;
  char extra;
  if (std::sscanf(text.c_str(), "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &extra) != 4 || h1 < 0 ||
      h1 > 24 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59) {
    *why = fmt::format("expected a period such as \"06:00-14:00\", got \"{}\"", text);
    return std::nullopt;
  }
  const double a = h1 * 3600.0 + m1 * 60.0, b = h2 * 3600.0 + m2 * 60.0;
  if (a == b) {
    *why = fmt::format("the period \"{}\" is empty", text);
    return std::nullopt;
  }
  return std::make_pair(a, b <= a ? b + 86400.0 : b);
}

}  // namespace

ShiftCalendar parse_shifts(const Node& node, Diagnostics& diag) {
  static const std::vector<std::string> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  if (!node.is_map()) {
    diag.error(node.location, "shifts", "expected a map with days, periods and breaks");
    return ShiftCalendar({});
  }
  ParamReader r(node, "shifts", diag);
  std::vector<int> days;
  if (const Node* d = r.raw("days")) {
    if (!d->is_seq()) {
      r.error("days", "expected a list such as [mon, tue, wed, thu, fri]");
    } else {
      for (std::size_t i = 0; i < d->items.size(); ++i) {
        // "mon", "Monday", "MONDAY": the first three letters of a full or short day name.
        std::string w = d->items[i].scalar;
        std::string lower;
        for (char ch : w) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        static const std::vector<std::string> kFullDays = {
            "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
        const auto full = std::find(kFullDays.begin(), kFullDays.end(), lower);
        if (full != kFullDays.end()) lower = lower.substr(0, 3);
        const auto it = std::find(kDays.begin(), kDays.end(), lower);
        if (it == kDays.end()) {
          const std::string hint = closest_match(w, kDays);
          diag.error(
              d->items[i].location, fmt::format("shifts.days[{}]", i),
              fmt::format("expected a day (mon ... sun or monday ... sunday), got \"{}\"{}", w,
                          hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
        } else {
          days.push_back(static_cast<int>(it - kDays.begin()));
        }
      }
    }
  } else {
    for (int i = 0; i < 7; ++i) days.push_back(i);
  }
  auto read_periods = [&](const char* key, bool required) {
    std::vector<std::pair<double, double>> out;
    const Node* p = r.raw(key);
    if (!p) {
      if (required) r.error(key, "is required: a list such as [\"06:00-14:00\", \"14:00-22:00\"]");
      return out;
    }
    if (!p->is_seq()) {
      r.error(key, "expected a list such as [\"06:00-14:00\"]");
      return out;
    }
    for (std::size_t i = 0; i < p->items.size(); ++i) {
      std::string why;
      auto iv = parse_period(p->items[i].scalar, &why);
      if (!iv)
        diag.error(p->items[i].location, fmt::format("shifts.{}[{}]", key, i), why);
      else
        out.push_back(*iv);
    }
    return out;
  };
  const auto periods = read_periods("periods", true);
  const auto breaks = read_periods("breaks", false);
  r.finish();
  // Each day's periods minus its breaks, as intervals of the week.
  std::vector<std::pair<double, double>> week;
  for (int d : days) {
    const double day0 = d * 86400.0;
    for (const auto& [a, b] : periods) {
      std::vector<std::pair<double, double>> pieces{{day0 + a, day0 + b}};
      for (const auto& [ba, bb] : breaks) {
        for (double shift : {0.0, 86400.0}) {  // a break may fall on the period's second day
          std::vector<std::pair<double, double>> next;
          const double lo = day0 + ba + shift, hi = day0 + bb + shift;
          for (const auto& [pa, pb] : pieces) {
            if (hi <= pa || lo >= pb) {
              next.emplace_back(pa, pb);
              continue;
            }
            if (lo > pa) next.emplace_back(pa, lo);
            if (hi < pb) next.emplace_back(hi, pb);
          }
          pieces = next;
        }
      }
      week.insert(week.end(), pieces.begin(), pieces.end());
    }
  }
  return ShiftCalendar(week);
}

}  // namespace plantwin
