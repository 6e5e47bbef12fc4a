#include "plantwin/profile.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>

#include <fmt/format.h>

#include "plantwin/text_file.h"

namespace plantwin {

Profile Profile::constant(double v) {
  Profile p;
  p.value_ = v;
  return p;
}

double Profile::at(double t) const {
  switch (kind_) {
    case Kind::kConstant:
      return value_;
    case Kind::kDaily:
      return mean_ + amplitude_ * std::cos(2 * std::numbers::pi * (t - peak_s_) / 86400.0);
    case Kind::kTable: {
      if (period_ > 0) t = t - std::floor(t / period_) * period_;
      if (t <= times_.front()) return values_.front();
      if (t >= times_.back()) return values_.back();
      const auto it = std::upper_bound(times_.begin(), times_.end(), t);
      const std::size_t i = static_cast<std::size_t>(it - times_.begin());
      const double f = (t - times_[i - 1]) / (times_[i] - times_[i - 1]);
      return values_[i - 1] + f * (values_[i] - values_[i - 1]);
    }
  }
  return value_;
}

double Profile::mean_over_day() const {
  if (kind_ == Kind::kConstant) return value_;
  if (kind_ == Kind::kDaily) return mean_;
  double s = 0;
  for (int i = 0; i < 1440; ++i) s += at(i * 60.0);
  return s / 1440;
}

using textfile::trim;

std::optional<Profile> parse_profile(std::string_view text, Dimension dim,
                                     const std::string& base_dir, std::string* why) {
  text = trim(text);
  Profile p;
  auto args_of = [&](std::string_view head)
      -> std::optional<std::vector<std::pair<std::string, std::string>>> {
    if (text.back() != ')') {
      *why = fmt::format("missing \")\" at the end of \"{}\"", text);
      return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> out;
    std::string_view inner = text.substr(head.size() + 1, text.size() - head.size() - 2);
    std::size_t start = 0;
    bool quote = false;
    for (std::size_t i = 0; i <= inner.size(); ++i) {
      if (i < inner.size() && inner[i] == '"') quote = !quote;
      if (i == inner.size() || (inner[i] == ',' && !quote)) {
        std::string_view a = trim(inner.substr(start, i - start));
        start = i + 1;
        if (a.empty()) continue;
        const auto eq = a.find('=');
        if (eq == std::string_view::npos)
          out.emplace_back("", std::string(a));
        else
          out.emplace_back(std::string(trim(a.substr(0, eq))), std::string(trim(a.substr(eq + 1))));
      }
    }
    return out;
  };
  if (text.rfind("daily(", 0) == 0) {
    auto args = args_of("daily");
    if (!args) return std::nullopt;
    std::optional<double> lo, hi;
    double peak = 15 * 3600.0;
    for (const auto& [k, v] : *args) {
      if (k == "min" || k == "max") {
        std::string qwhy;
        auto q = parse_quantity(v, dim, &qwhy);
        if (!q) {
          *why = fmt::format("daily {}: {}", k, qwhy);
          return std::nullopt;
        }
        (k == "min" ? lo : hi) = *q;
      } else if (k == "peak") {
        int h = 0, m = 0;
        if (std::sscanf(v.c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 23 || m < 0 || m > 59) {
          *why = fmt::format("daily peak: expected a time of day such as 15:00, got \"{}\"", v);
          return std::nullopt;
        }
        peak = h * 3600.0 + m * 60.0;
      } else {
        *why = fmt::format("daily takes min, max and peak, not \"{}\"", k.empty() ? v : k);
        return std::nullopt;
      }
    }
    if (!lo || !hi || *lo > *hi) {
      *why = "daily needs min and max with min <= max, e.g. daily(min=15 C, max=28 C, peak=15:00)";
      return std::nullopt;
    }
    p.kind_ = Profile::Kind::kDaily;
    p.mean_ = 0.5 * (*lo + *hi);
    p.amplitude_ = 0.5 * (*hi - *lo);
    p.peak_s_ = peak;
    return p;
  }
  if (text.rfind("file(", 0) == 0) {
    auto args = args_of("file");
    if (!args) return std::nullopt;
    std::string file, unit, repeat;
    for (const auto& [k, v] : *args) {
      std::string val = v;
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"')
        val = val.substr(1, val.size() - 2);
      if (k.empty() || k == "path")
        file = val;
      else if (k == "unit")
        unit = val;
      else if (k == "repeat")
        repeat = val;
      else {
        *why = fmt::format("file takes a path, unit and repeat, not \"{}\"", k);
        return std::nullopt;
      }
    }
    if (repeat != "" && repeat != "day" && repeat != "week") {
      *why = fmt::format("repeat must be day or week, got \"{}\"", repeat);
      return std::nullopt;
    }
    std::filesystem::path path(file);
    if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
    std::string file_why;
    const auto content = textfile::read_text_file(path.string(), textfile::kMaxDataFileBytes,
                                                  "rows of \"time_h,value\"", &file_why);
    if (!content) {
      *why = fmt::format("cannot read data file \"{}\": {}", path.string(), file_why);
      return std::nullopt;
    }
    bool failed = false;
    textfile::for_each_csv_row(*content, [&](const textfile::CsvRow& row) {
      double th = 0, v = 0;
      const bool ok = row.cells.size() >= 2 && textfile::number(row.cells[0], &th) &&
                      textfile::number(row.cells[1], &v);
      if (!ok) {
        if (row.first) return true;  // header
        *why = fmt::format("{}:{}: expected \"time_h,value\"", path.string(), row.line);
        failed = true;
        return false;
      }
      std::string qwhy;
      auto q = parse_quantity(fmt::format("{} {}", v, unit), dim, &qwhy);
      if (!q) {
        *why = fmt::format("{}:{}: {} (give the file's unit with unit=...)", path.string(),
                           row.line, qwhy);
        failed = true;
        return false;
      }
      if (!p.times_.empty() && th * 3600.0 <= p.times_.back()) {
        *why = fmt::format("{}:{}: times must increase", path.string(), row.line);
        failed = true;
        return false;
      }
      p.times_.push_back(th * 3600.0);
      p.values_.push_back(*q);
      return true;
    });
    if (failed) return std::nullopt;
    if (p.times_.empty()) {
      *why = fmt::format("data file \"{}\" holds no rows", path.string());
      return std::nullopt;
    }
    p.kind_ = Profile::Kind::kTable;
    p.period_ = repeat == "day" ? 86400.0 : repeat == "week" ? 7 * 86400.0 : 0.0;
    return p;
  }
  std::string qwhy;
  auto v = parse_quantity(text, dim, &qwhy);
  if (!v) {
    *why = fmt::format(
        "expected {} (e.g. \"{}\"), daily(min=..., max=..., peak=15:00) or file(\"...\"), got "
        "\"{}\"",
        dimension_phrase(dim), dimension_example(dim), text);
    return std::nullopt;
  }
  return Profile::constant(*v);
}

}  // namespace plantwin
