#include "plantwin/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "plantwin/text_file.h"

namespace plantwin {
namespace {

using textfile::trim;

// Splits on commas that are not inside brackets or quotes.
std::vector<std::string_view> split_top(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool quote = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') quote = !quote;
    if (quote) continue;
    if (c == '[' || c == '(') ++depth;
    if (c == ']' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  const auto last = trim(s.substr(start));
  if (!last.empty() || !out.empty()) out.push_back(last);
  return out;
}

struct DistSpec {
  std::string_view name;
  std::vector<std::string_view> params;  // positional order
  std::vector<bool> dimensionless;
};

const std::vector<DistSpec>& dist_specs() {
  static const std::vector<DistSpec> specs = {
      {"constant", {"value"}, {false}},
      {"uniform", {"min", "max"}, {false, false}},
      {"triangular", {"min", "mode", "max"}, {false, false, false}},
      {"exponential", {"mean"}, {false}},
      {"normal", {"mean", "sd"}, {false, false}},
      {"lognormal", {"mean", "sd"}, {false, false}},
      {"weibull", {"shape", "scale"}, {true, false}},
      {"gamma", {"shape", "scale"}, {true, false}},
      {"erlang", {"k", "mean"}, {true, false}},
      {"empirical",
       {"values", "weights", "file", "column", "unit"},
       {false, true, true, true, true}},
      {"trace", {"file", "column", "unit"}, {true, true, true}},
  };
  return specs;
}

std::string_view canonical_name(std::string_view name) {
  if (name == "exp") return "exponential";
  if (name == "const") return "constant";
  if (name == "tri") return "triangular";
  if (name == "unif") return "uniform";
  return name;
}

std::optional<std::vector<double>> parse_list(std::string_view text, Dimension dim,
                                              std::string* why) {
  text = trim(text);
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') {
    *why = fmt::format("expected a list in brackets, got \"{}\"", text);
    return std::nullopt;
  }
  std::vector<double> out;
  for (auto item : split_top(text.substr(1, text.size() - 2))) {
    auto v = parse_quantity(item, dim, why);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

// Columns count from 0; a data file is a table, not a spreadsheet of thousands of columns.
constexpr int kMaxDataColumn = 1000;

std::optional<std::vector<double>> read_column_file(const std::string& path, int column,
                                                    Dimension dim, std::string_view unit,
                                                    std::string* why) {
  std::string file_why;
  const auto text = textfile::read_text_file(path, textfile::kMaxDataFileBytes,
                                             "comma-separated values", &file_why);
  if (!text) {
    *why = fmt::format("cannot read data file \"{}\": {}", path, file_why);
    return std::nullopt;
  }
  std::vector<double> values;
  bool failed = false;
  textfile::for_each_csv_row(*text, [&](const textfile::CsvRow& row) {
    if (column >= static_cast<int>(row.cells.size())) {
      *why = fmt::format("{}:{}: has no column {}", path, row.line, column);
      failed = true;
      return false;
    }
    const std::string cell = std::string(row.cells[static_cast<std::size_t>(column)]);
    std::string cell_why;
    const std::string with_unit = unit.empty() ? cell : cell + " " + std::string(unit);
    auto v = parse_quantity(with_unit, dim, &cell_why);
    if (!v) {
      if (row.first) return true;  // a header line
      *why = fmt::format("{}:{}: {}", path, row.line, cell_why);
      failed = true;
      return false;
    }
    values.push_back(*v);
    return true;
  });
  if (failed) return std::nullopt;
  if (values.empty()) {
    *why = fmt::format("data file \"{}\" holds no values", path);
    return std::nullopt;
  }
  return values;
}

}  // namespace

std::optional<Distribution> parse_distribution(std::string_view text, Dimension dim,
                                               const std::string& base_dir, std::string* why) {
  std::string local_why;
  if (!why) why = &local_why;
  text = trim(text);
  const auto open = text.find('(');
  const bool time_like = dim == Dimension::kTime || dim == Dimension::kLength;
  if (open == std::string_view::npos) {
    std::string qwhy;
    auto v = parse_quantity(text, dim, &qwhy);
    if (!v) {
      *why = fmt::format(
          "expected a distribution such as \"exponential({})\" or {} (e.g. \"{}\"), "
          "got \"{}\"",
          dimension_example(dim), dimension_phrase(dim), dimension_example(dim), text);
      return std::nullopt;
    }
    if (time_like && *v < 0) {
      *why = fmt::format("{} must not be negative, got \"{}\"", dimension_phrase(dim), text);
      return std::nullopt;
    }
    if (!std::isfinite(*v)) {  // "inf" is a quantity (a capacity), never a draw
      *why = fmt::format("{} must be finite, got \"{}\"", dimension_phrase(dim), text);
      return std::nullopt;
    }
    return Distribution::constant(*v);
  }
  if (text.back() != ')') {
    *why = fmt::format(
        "missing \")\" at the end of \"{}\" (inside {{...}} or [...], quote a value that holds "
        "commas: \"uniform(1 s, 2 s)\")",
        text);
    return std::nullopt;
  }
  const std::string_view name = canonical_name(trim(text.substr(0, open)));
  const DistSpec* spec = nullptr;
  std::vector<std::string> names;
  for (const auto& s : dist_specs()) {
    names.emplace_back(s.name);
    if (s.name == name) spec = &s;
  }
  if (!spec) {
    const std::string hint = closest_match(name, names);
    *why = fmt::format("unknown distribution \"{}\"{}; known: {}", name,
                       hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint),
                       fmt::join(names, ", "));
    return std::nullopt;
  }
  // Collect arguments by name.
  std::map<std::string, std::string, std::less<>> args;
  const auto arg_texts = split_top(text.substr(open + 1, text.size() - open - 2));
  std::size_t positional = 0;
  for (auto a : arg_texts) {
    if (a.empty()) {
      *why = fmt::format("empty argument in \"{}\"", text);
      return std::nullopt;
    }
    std::string key;
    std::string_view value = a;
    const auto eq = a.find('=');
    if (eq != std::string_view::npos && a.front() != '[' && a.front() != '"') {
      key = std::string(trim(a.substr(0, eq)));
      value = trim(a.substr(eq + 1));
      if (std::find(spec->params.begin(), spec->params.end(), key) == spec->params.end()) {
        *why = fmt::format("{} has no parameter \"{}\"; it takes {}", name, key,
                           fmt::join(spec->params, ", "));
        return std::nullopt;
      }
    } else {
      if (positional >= spec->params.size() || (name == "empirical" && positional >= 2)) {
        *why = fmt::format("too many arguments in \"{}\"; {} takes {}", text, name,
                           fmt::join(spec->params, ", "));
        return std::nullopt;
      }
      key = std::string(spec->params[positional++]);
    }
    if (args.count(key)) {
      *why = fmt::format("{} is given twice in \"{}\"", key, text);
      return std::nullopt;
    }
    args[key] = std::string(value);
  }

  auto number = [&](std::string_view key, bool dimensionless) -> std::optional<double> {
    auto it = args.find(key);
    if (it == args.end()) {
      *why = fmt::format("{} needs {} (it takes {})", name, key, fmt::join(spec->params, ", "));
      return std::nullopt;
    }
    std::string qwhy;
    auto v = parse_quantity(it->second, dimensionless ? Dimension::kDimensionless : dim, &qwhy);
    if (!v) {
      *why = fmt::format("{} {}: {}", name, key, qwhy);
      return std::nullopt;
    }
    return v;
  };

  try {
    std::optional<Distribution> d;
    // Values from a data file, for empirical(file=...) and trace(file=...).
    auto file_values = [&]() -> std::optional<std::vector<double>> {
      std::string file = args["file"];
      if (file.size() >= 2 && file.front() == '"' && file.back() == '"')
        file = file.substr(1, file.size() - 2);
      std::filesystem::path p(file);
      if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
      int column = 0;
      if (args.count("column")) {
        auto c = number("column", true);
        if (!c) return std::nullopt;
        if (*c != std::floor(*c) || *c < 0 || *c > kMaxDataColumn) {
          *why = fmt::format("{} column must be a whole number from 0 to {}, got {}", name,
                             kMaxDataColumn, args["column"]);
          return std::nullopt;
        }
        column = static_cast<int>(*c);
      }
      std::string unit = args.count("unit") ? args["unit"] : (dim == Dimension::kTime ? "s" : "");
      return read_column_file(p.string(), column, dim, unit, why);
    };
    auto check_sign = [&](const std::vector<double>& values) {
      if (time_like)
        for (double v : values)
          if (v < 0) {
            *why =
                fmt::format("{} values must not be negative for {}", name, dimension_phrase(dim));
            return false;
          }
      return true;
    };
    if (name == "trace") {
      if (!args.count("file")) {
        *why = "trace needs file=\"...\" (one value per row)";
        return std::nullopt;
      }
      auto vals = file_values();
      if (!vals || !check_sign(*vals)) return std::nullopt;
      d = Distribution::trace(std::move(*vals));
    } else if (name == "empirical") {
      std::vector<double> values, weights;
      if (args.count("file")) {
        if (args.count("values")) {
          *why = "empirical takes either values or file, not both";
          return std::nullopt;
        }
        auto vals = file_values();
        if (!vals) return std::nullopt;
        values = std::move(*vals);
      } else {
        if (!args.count("values")) {
          *why = "empirical needs values=[...] or file=\"...\"";
          return std::nullopt;
        }
        auto vals = parse_list(args["values"], dim, why);
        if (!vals) return std::nullopt;
        values = std::move(*vals);
        if (args.count("weights")) {
          auto w = parse_list(args["weights"], Dimension::kDimensionless, why);
          if (!w) return std::nullopt;
          weights = std::move(*w);
        }
      }
      if (!check_sign(values)) return std::nullopt;
      d = Distribution::empirical(std::move(values), std::move(weights));
    } else {
      std::vector<double> p;
      for (std::size_t i = 0; i < spec->params.size(); ++i) {
        auto v = number(spec->params[i], spec->dimensionless[i]);
        if (!v) return std::nullopt;
        p.push_back(*v);
      }
      if (name == "constant") d = Distribution::constant(p[0]);
      if (name == "uniform") d = Distribution::uniform(p[0], p[1]);
      if (name == "triangular") d = Distribution::triangular(p[0], p[1], p[2]);
      if (name == "exponential") d = Distribution::exponential(p[0]);
      if (name == "normal") d = Distribution::normal(p[0], p[1], time_like);
      if (name == "lognormal") d = Distribution::lognormal(p[0], p[1]);
      if (name == "weibull") d = Distribution::weibull(p[0], p[1]);
      if (name == "gamma") d = Distribution::gamma(p[0], p[1]);
      if (name == "erlang") {
        // Each draw sums k exponentials: k is a small whole number.
        if (p[0] != std::floor(p[0]) || p[0] < 1 || p[0] > 1000) {
          *why = fmt::format("erlang k must be a whole number from 1 to 1000, got {}", p[0]);
          return std::nullopt;
        }
        d = Distribution::erlang(static_cast<int>(p[0]), p[1]);
      }
      if (time_like && d->lower_bound() < 0) {
        *why = fmt::format("{} can draw negative values, which {} cannot take", d->describe(),
                           dimension_phrase(dim));
        return std::nullopt;
      }
    }
    return d;
  } catch (const std::invalid_argument& e) {
    *why = e.what();
    return std::nullopt;
  }
}

ParamReader::ParamReader(const Node& node, std::string path, Diagnostics& diag,
                         std::string base_dir)
    : node_(node), path_(std::move(path)), diag_(diag), base_dir_(std::move(base_dir)) {}

std::string ParamReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool ParamReader::has(std::string_view key) const {
  const Node* n = node_.find(key);
  return n && !n->is_null();
}

const Node* ParamReader::raw(std::string_view key) {
  known_.emplace_back(key);
  const Node* n = node_.find(key);
  return n && !n->is_null() ? n : nullptr;
}

void ParamReader::error(std::string_view key, std::string message) {
  const Node* n = node_.find(key);
  diag_.error(n ? n->location : node_.location, key_path(key), std::move(message));
}

const Node* ParamReader::get_scalar(std::string_view key) {
  const Node* n = raw(key);
  if (!n) return nullptr;
  if (!n->is_scalar()) {
    error(key, fmt::format("expected a single value, got {}", n->kind_phrase()));
    return nullptr;
  }
  return n;
}

double ParamReader::quantity(std::string_view key, Dimension dim, std::optional<double> fallback,
                             double min, double max, bool min_exclusive) {
  const bool present = has(key);
  const Node* n = get_scalar(key);
  if (!n) {
    if (!present && !fallback) error(key, fmt::format("is required ({})", dimension_phrase(dim)));
    return fallback.value_or(0.0);
  }
  std::string why;
  auto v = parse_quantity(n->scalar, dim, &why);
  if (!v) {
    error(key, why);
    return fallback.value_or(0.0);
  }
  if (*v < min || (min_exclusive && *v == min) || *v > max) {
    std::string range;
    if (std::isfinite(max) && std::isfinite(min))
      range = fmt::format("between {:g} and {:g}", min, max);
    else if (std::isfinite(min))
      range = fmt::format("{} {:g}", min_exclusive ? "above" : "at least", min);
    else
      range = fmt::format("at most {:g}", max);
    if (dim != Dimension::kDimensionless) range += " (SI units)";
    error(key, fmt::format("must be {}, got \"{}\"", range, n->scalar));
    return fallback.value_or(*v);
  }
  return *v;
}

long long ParamReader::integer(std::string_view key, std::optional<long long> fallback,
                               long long min, long long max) {
  const bool present = has(key);
  const Node* n = get_scalar(key);
  if (!n) {
    if (!present && !fallback) error(key, "is required (a whole number)");
    return fallback.value_or(0);
  }
  long long v = 0;
  const auto& s = n->scalar;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    error(key, fmt::format("expected a whole number, got \"{}\"", s));
    return fallback.value_or(0);
  }
  if (v < min || v > max) {
    if (max >= std::numeric_limits<int>::max())
      error(key, fmt::format("must be at least {}, got {}", min, v));
    else
      error(key, fmt::format("must be between {} and {}, got {}", min, max, v));
    return fallback.value_or(min);
  }
  return v;
}

bool ParamReader::boolean(std::string_view key, bool fallback) {
  const Node* n = get_scalar(key);
  if (!n) return fallback;
  const auto& s = n->scalar;
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  error(key, fmt::format("expected true or false, got \"{}\"", s));
  return fallback;
}

std::string ParamReader::text(std::string_view key, std::optional<std::string> fallback) {
  const bool present = has(key);
  const Node* n = get_scalar(key);
  if (!n) {
    if (!present && !fallback) error(key, "is required (a text)");
    return fallback.value_or("");
  }
  return n->scalar;
}

std::string ParamReader::choice(std::string_view key, const std::vector<std::string>& choices,
                                std::string fallback) {
  const Node* n = get_scalar(key);
  if (!n) return fallback;
  if (std::find(choices.begin(), choices.end(), n->scalar) != choices.end()) return n->scalar;
  const std::string hint = closest_match(n->scalar, choices);
  error(key, fmt::format("expected one of {}, got \"{}\"{}", fmt::join(choices, ", "), n->scalar,
                         hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
  return fallback;
}

std::optional<Distribution> ParamReader::distribution(std::string_view key, Dimension dim,
                                                      bool required) {
  const bool present = has(key);
  const Node* n = get_scalar(key);
  if (!n) {
    if (!present && required)
      error(key, fmt::format("is required (a distribution, e.g. \"exponential({})\")",
                             dimension_example(dim)));
    return std::nullopt;
  }
  std::string why;
  auto d = parse_distribution(n->scalar, dim, base_dir_, &why);
  if (!d) error(key, why);
  return d;
}

std::optional<double> ParamReader::optional_quantity(std::string_view key, Dimension dim) {
  if (!has(key)) {
    allow(key);
    return std::nullopt;
  }
  return quantity(key, dim, std::nullopt);
}

Profile ParamReader::profile(std::string_view key, Dimension dim, const Profile& fallback) {
  const Node* n = raw(key);
  if (!n) return fallback;
  std::string why;
  auto prof = n->is_scalar() ? parse_profile(n->scalar, dim, base_dir_, &why) : std::nullopt;
  if (!prof) {
    error(key, why.empty() ? fmt::format("expected a profile of {}", dimension_phrase(dim)) : why);
    return fallback;
  }
  return *prof;
}

std::vector<std::pair<std::string, double>> ParamReader::weights(std::string_view key) {
  std::vector<std::pair<std::string, double>> out;
  const Node* n = raw(key);
  if (!n) return out;
  if (!n->is_map()) {
    error(key, fmt::format("expected a map of name: weight, got {}", n->kind_phrase()));
    return out;
  }
  for (std::size_t i = 0; i < n->entries.size(); ++i) {
    const auto& [name, v] = n->entries[i];
    std::string why;
    auto w =
        v.is_scalar() ? parse_quantity(v.scalar, Dimension::kDimensionless, &why) : std::nullopt;
    if (!w || *w < 0) {
      diag_.error(v.location, key_path(key) + "." + name,
                  fmt::format("expected a weight >= 0, got \"{}\"",
                              v.is_scalar() ? v.scalar : v.to_yaml()));
      continue;
    }
    out.emplace_back(name, *w);
  }
  return out;
}

void ParamReader::finish() {
  if (!node_.is_map()) return;
  for (std::size_t i = 0; i < node_.entries.size(); ++i) {
    const std::string& key = node_.entries[i].first;
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::vector<std::string> known(known_.begin(), known_.end());
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    const std::string hint = closest_match(key, known);
    diag_.error(node_.key_locations[i], key_path(key),
                hint.empty()
                    ? fmt::format("unknown key; known keys here: {}", fmt::join(known, ", "))
                    : fmt::format("unknown key (did you mean \"{}\"?)", hint));
  }
}

}  // namespace plantwin
