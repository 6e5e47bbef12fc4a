#include "setup.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plantwin/text_file.h"
#include "plantwin/units.h"

namespace plantwin::line {
namespace {

// The matrix from a CSV table; errors name the file and line.
void read_table(ParamReader& p, const std::string& file, const std::vector<std::string>& types,
                std::vector<std::optional<Distribution>>& m) {
  std::filesystem::path path(file);
  if (path.is_relative()) path = std::filesystem::path(p.base_dir()) / path;
  std::string why;
  const auto text = textfile::read_text_file(path.string(), textfile::kMaxDataFileBytes,
                                             "a changeover table (CSV)", &why);
  if (!text) {
    p.error("setup_time", fmt::format("cannot read {}: {}", file, why));
    return;
  }
  const int n = static_cast<int>(types.size());
  std::vector<int> columns;  // type index of each column after the first
  bool ok = true;
  textfile::for_each_csv_row(*text, [&](const textfile::CsvRow& row) {
    const auto at = [&](const std::string& msg) {
      p.error("setup_time", fmt::format("{}:{}: {}", file, row.line, msg));
      ok = false;
      return false;
    };
    if (row.first) {
      if (row.cells.size() < 2) return at("expected a header \"from,<to types...>\"");
      for (std::size_t c = 1; c < row.cells.size(); ++c) {
        const std::string t(row.cells[c]);
        const auto it = std::find(types.begin(), types.end(), t);
        if (it == types.end())
          return at(
              fmt::format("\"{}\" is not a part type (types: {})", t, fmt::join(types, ", ")));
        columns.push_back(static_cast<int>(it - types.begin()));
      }
      return true;
    }
    if (row.cells.size() != columns.size() + 1)
      return at(fmt::format("expected {} cells (the from type and one per column), got {}",
                            columns.size() + 1, row.cells.size()));
    const std::string from(row.cells[0]);
    const auto it = std::find(types.begin(), types.end(), from);
    if (it == types.end())
      return at(fmt::format("\"{}\" is not a part type (types: {})", from, fmt::join(types, ", ")));
    const int f = static_cast<int>(it - types.begin());
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string_view cell = row.cells[c + 1];
      if (cell.empty()) continue;
      std::string qwhy;
      const auto v = parse_quantity(cell, Dimension::kTime, &qwhy);
      if (!v)
        return at(fmt::format("column {}: {}", types[static_cast<std::size_t>(columns[c])], qwhy));
      if (*v < 0 || !std::isfinite(*v))
        return at(fmt::format("column {}: a setup time must be finite and not negative, got \"{}\"",
                              types[static_cast<std::size_t>(columns[c])], cell));
      m[static_cast<std::size_t>(f * n + columns[c])] = Distribution::constant(*v);
    }
    return true;
  });
  if (ok && columns.empty()) p.error("setup_time", fmt::format("{}: the table is empty", file));
}

}  // namespace

Setup Setup::read(ParamReader& p, const std::vector<std::string>& types) {
  Setup s;
  const std::size_t errors_before = p.diagnostics().size();
  const Node* node = p.raw("setup_time");
  if (!node) return s;
  if (!node->is_map()) {
    s.any_ = p.distribution("setup_time", Dimension::kTime, true);
    if (s.any_ && !(s.any_->mean() < HUGE_VAL)) p.error("setup_time", "must be finite");
    return s;
  }
  const int n = static_cast<int>(types.size());
  if (n < 2) {
    p.error("setup_time",
            "a changeover matrix (from -> to) needs two or more part types (a "
            "products component, or sources with part_types)");
    return s;
  }
  s.n_ = n;
  s.matrix_.assign(static_cast<std::size_t>(n * n), std::nullopt);
  ParamReader rows(*node, p.key_path("setup_time"), p.diagnostics(), p.base_dir());
  if (rows.has("file")) {
    const std::string file = rows.text("file", std::nullopt);
    rows.finish();
    if (node->entries.size() > 1) {
      p.error("setup_time", "give either a file or the matrix inline, not both");
      return s;
    }
    read_table(p, file, types, s.matrix_);
  } else {
    for (int f = 0; f < n; ++f) {
      const std::string& from = types[static_cast<std::size_t>(f)];
      const Node* row = rows.raw(from);
      if (!row) continue;
      if (!row->is_map()) {
        rows.error(from, fmt::format("expected a map of next part type -> setup time, got {}",
                                     row->kind_phrase()));
        continue;
      }
      ParamReader to(*row, rows.key_path(from), p.diagnostics(), p.base_dir());
      for (int t = 0; t < n; ++t)
        if (auto d = to.distribution(types[static_cast<std::size_t>(t)], Dimension::kTime, false))
          s.matrix_[static_cast<std::size_t>(f * n + t)] = *d;
      to.finish();
    }
    rows.finish();
  }
  if (p.diagnostics().size() != errors_before) return s;
  std::vector<std::string> missing;
  for (int f = 0; f < n; ++f)
    for (int t = 0; t < n; ++t)
      if (f != t && !s.matrix_[static_cast<std::size_t>(f * n + t)])
        missing.push_back(fmt::format("{} -> {}", types[static_cast<std::size_t>(f)],
                                      types[static_cast<std::size_t>(t)]));
  if (!missing.empty())
    p.error("setup_time", fmt::format("gives no changeover for {} (give every pair of different "
                                      "types, 0 s where there is none)",
                                      fmt::join(missing, ", ")));
  return s;
}

}  // namespace plantwin::line
