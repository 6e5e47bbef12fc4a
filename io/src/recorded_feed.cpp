#include "plantwin/io/recorded_feed.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plantwin/params.h"
#include "plantwin/result_file.h"
#include "plantwin/text_file.h"

namespace plantwin::io {

std::vector<RecordedFeedConfig> parse_recorded_feeds(const Scenario& scenario, const Model& model) {
  std::vector<RecordedFeedConfig> out;
  const Node* feeds = scenario.root.find("feeds");
  if (!feeds) return out;
  Diagnostics diag;
  if (!feeds->is_map()) {
    diag.error(feeds->location, "feeds", "expected a map of feed name to its keys");
    diag.throw_if_any();
  }
  for (std::size_t i = 0; i < feeds->entries.size(); ++i) {
    const auto& [name, node] = feeds->entries[i];
    const std::string path = "feeds." + name;
    if (!node.is_map()) {
      diag.error(node.location, path, "expected a map with a type (csv, hdf5, mqtt, modbus)");
      continue;
    }
    const Node* type = node.find("type");
    // The live feeds are read by the live run.
    if (!type || (type->scalar != "csv" && type->scalar != "hdf5")) continue;
    const bool hdf5 = type->scalar == "hdf5";
    ParamReader r(node, path, diag, scenario.base_dir);
    RecordedFeedConfig c;
    c.name = name;
    c.hdf5 = hdf5;
    r.text("type", std::nullopt);
    const std::string file = r.text("file", std::nullopt);
    if (!hdf5) {
      c.time_column = r.text("time", std::nullopt);
      const std::string unit = r.choice("time_unit", {"s", "min", "h"}, "s");
      c.time_scale = unit == "s" ? 1 : unit == "min" ? 60 : 3600;
    }
    c.time_offset = r.duration("time_offset", 0.0, -HUGE_VAL);
    const char* list_key = hdf5 ? "signals" : "columns";
    const Node* cols = r.raw(list_key);
    r.finish();
    std::filesystem::path p(file);
    if (p.is_relative()) p = std::filesystem::path(scenario.base_dir) / p;
    c.file = p.string();
    if (!cols || !cols->is_map() || cols->entries.empty()) {
      diag.error(cols ? cols->location : node.location, path + "." + list_key,
                 fmt::format("expected a map of {} name to {{target: SIGNAL_OR_ACTUATOR, kind: "
                             "measure|set}}",
                             hdf5 ? "the file's signal" : "column"));
      continue;
    }
    for (std::size_t k = 0; k < cols->entries.size(); ++k) {
      const auto& [col, spec] = cols->entries[k];
      const std::string cpath = path + "." + list_key + "." + col;
      if (!spec.is_map()) {
        diag.error(spec.location, cpath, "expected a map {target: ..., kind: measure|set}");
        continue;
      }
      ParamReader cr(spec, cpath, diag);
      RecordedColumn rc;
      rc.column = col;
      rc.target = cr.text("target", std::nullopt);
      const bool set = cr.choice("kind", {"measure", "set"}, "measure") == "set";
      rc.kind = set ? FeedSample::Kind::kSet : FeedSample::Kind::kMeasure;
      if (cr.has("min")) rc.min = cr.real("min", std::nullopt);
      if (cr.has("max")) rc.max = cr.real("max", std::nullopt);
      cr.finish();
      const Node* tn = spec.find("target");
      const SourceLocation at = tn ? tn->location : spec.location;
      if (set) {
        if (model.find_actuator(rc.target) < 0 && !rc.target.empty()) {
          std::vector<std::string> names;
          for (const auto& a : model.actuators()) names.push_back(a.name);
          const std::string hint = closest_match(rc.target, names);
          diag.error(at, cpath + ".target",
                     fmt::format("no actuator \"{}\"{}", rc.target,
                                 hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
        }
      } else if (!rc.target.empty()) {
        if (!model.takes_measurements(model.find_signal(rc.target))) {
          diag.error(at, cpath + ".target",
                     fmt::format("\"{}\" takes no measurements; signals synced here: {}", rc.target,
                                 model.synced_signals()));
        }
      }
      c.columns.push_back(std::move(rc));
    }
    out.push_back(std::move(c));
  }
  diag.throw_if_any();
  return out;
}

namespace {

// A plantwin result file's signals (an earlier run, a twin's own history) as a recorded feed.
RecordedFeed load_result_feed(const RecordedFeedConfig& c) {
  std::vector<std::string> names;
  for (const auto& col : c.columns) names.push_back(col.column);
  const ResultContents rec = read_result_signals(c.file, names);
  RecordedFeed feed;
  feed.name = c.name;
  for (std::size_t k = 0; k < c.columns.size() && k < rec.signals.size(); ++k) {
    const auto& rc = c.columns[k];
    const auto& sig = rec.signals[k];
    double newest = -HUGE_VAL;
    for (std::size_t i = 0; i < sig.time.size() && i < sig.value.size(); ++i) {
      ++feed.rows;
      const double t = sig.time[i] + c.time_offset, v = sig.value[i];
      if (!std::isfinite(t) || t < 0 || std::isnan(v)) {
        ++feed.malformed;
        continue;
      }
      if (!std::isfinite(v) || (rc.min && v < *rc.min) || (rc.max && v > *rc.max)) {
        ++feed.out_of_range;
        continue;
      }
      if (t < newest) ++feed.late;
      newest = std::max(newest, t);
      ++feed.values;
      feed.inputs.push_back(
          Input{t, rc.target, v, c.name,
                rc.kind == FeedSample::Kind::kSet ? Input::Kind::kSet : Input::Kind::kMeasure,
                /*stop_on_refusal=*/false});
    }
  }
  return feed;
}

}  // namespace

RecordedFeed load_recorded_feed(const RecordedFeedConfig& c) {
  if (c.hdf5) return load_result_feed(c);
  std::string why;
  const auto text = textfile::read_text_file(c.file, textfile::kMaxDataFileBytes,
                                             "comma-separated values with a header row", &why);
  if (!text) throw std::runtime_error(fmt::format("{}: cannot read: {}", c.file, why));
  RecordedFeed feed;
  feed.name = c.name;
  int time_col = -1;
  std::vector<int> col(c.columns.size(), -1);
  double newest = -HUGE_VAL;
  std::string error;
  textfile::for_each_csv_row(*text, [&](const textfile::CsvRow& row) {
    if (row.first) {  // the header names the columns
      auto find = [&](const std::string& name) {
        for (std::size_t i = 0; i < row.cells.size(); ++i)
          if (row.cells[i] == name) return static_cast<int>(i);
        return -1;
      };
      time_col = find(c.time_column);
      std::vector<std::string> missing;
      if (time_col < 0) missing.push_back(c.time_column);
      for (std::size_t k = 0; k < c.columns.size(); ++k)
        if ((col[k] = find(c.columns[k].column)) < 0) missing.push_back(c.columns[k].column);
      if (!missing.empty())
        error = fmt::format("{}:{}: the header has no column {}", c.file, row.line,
                            fmt::join(missing, ", "));
      return error.empty();
    }
    ++feed.rows;
    double t = 0;
    if (time_col >= static_cast<int>(row.cells.size()) ||
        !textfile::number(row.cells[static_cast<std::size_t>(time_col)], &t) || t < 0) {
      feed.malformed += c.columns.size();
      return true;
    }
    t = t * c.time_scale + c.time_offset;
    if (t < 0) {
      feed.malformed += c.columns.size();
      return true;
    }
    if (t < newest) ++feed.late;  // out of order: applied when its time comes, as recorded
    newest = std::max(newest, t);
    for (std::size_t k = 0; k < c.columns.size(); ++k) {
      double v = 0;
      if (col[k] >= static_cast<int>(row.cells.size()) ||
          !textfile::number(row.cells[static_cast<std::size_t>(col[k])], &v)) {
        if (col[k] < static_cast<int>(row.cells.size()) &&
            row.cells[static_cast<std::size_t>(col[k])].empty())
          continue;  // an empty cell: no value in this row
        ++feed.malformed;
        continue;
      }
      const auto& rc = c.columns[k];
      if ((rc.min && v < *rc.min) || (rc.max && v > *rc.max)) {
        ++feed.out_of_range;
        continue;
      }
      ++feed.values;
      feed.inputs.push_back(
          Input{t, rc.target, v, c.name,
                rc.kind == FeedSample::Kind::kSet ? Input::Kind::kSet : Input::Kind::kMeasure,
                /*stop_on_refusal=*/false});
    }
    return true;
  });
  if (!error.empty()) throw std::runtime_error(error);
  if (time_col < 0) throw std::runtime_error(fmt::format("{}: holds no header row", c.file));
  return feed;
}

}  // namespace plantwin::io
