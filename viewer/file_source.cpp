// The result-file implementation of DataSource (see docs/results.md for the layout).

#include <H5Cpp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "data_source.h"

namespace plantwin::viewer {

double Series::at(double time) const {
  if (t.empty() || time < t.front()) return std::nan("");
  const auto it = std::upper_bound(t.begin(), t.end(), time);
  return v[static_cast<std::size_t>(it - t.begin()) - 1];
}

const Series* DataSource::find(const std::string& name) const {
  for (const auto& s : series)
    if (s.name == name) return &s;
  return nullptr;
}

int DataSource::component_index(const std::string& name) const {
  for (std::size_t i = 0; i < components.size(); ++i)
    if (components[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

H5::StrType vlen() {
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  t.setCset(H5T_CSET_UTF8);
  return t;
}

std::string str_attr(const H5::H5Object& o, const char* name) {
  if (!o.attrExists(name)) return "";
  H5::Attribute a = o.openAttribute(name);
  std::string v;
  a.read(a.getStrType(), v);
  return v;
}

std::vector<double> doubles(const H5::DataSet& ds) {
  hsize_t n = 0;
  ds.getSpace().getSimpleExtentDims(&n);
  std::vector<double> v(n);
  if (n) ds.read(v.data(), H5::PredType::NATIVE_DOUBLE);
  return v;
}

// Reads a compound table of variable-length strings and doubles into rows of text/numbers.
struct Column {
  const char* name;
  bool text;
};

std::vector<std::vector<std::string>> read_text_table(const H5::DataSet& ds,
                                                      const std::vector<const char*>& cols) {
  hsize_t n = 0;
  ds.getSpace().getSimpleExtentDims(&n);
  const H5::StrType s = vlen();
  H5::CompType type(sizeof(char*) * cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) type.insertMember(cols[i], i * sizeof(char*), s);
  std::vector<char*> raw(n * cols.size(), nullptr);
  std::vector<std::vector<std::string>> out;
  if (!n) return out;
  ds.read(raw.data(), type);
  for (hsize_t r = 0; r < n; ++r) {
    std::vector<std::string> row;
    for (std::size_t c = 0; c < cols.size(); ++c)
      row.emplace_back(raw[r * cols.size() + c] ? raw[r * cols.size() + c] : "");
    out.push_back(std::move(row));
  }
  H5::DataSpace space = ds.getSpace();
  H5::DataSet::vlenReclaim(raw.data(), type, space);
  return out;
}

class FileSource final : public DataSource {
 public:
  explicit FileSource(const std::string& path) : path_(path) {
    try {
      H5::Exception::dontPrint();
      H5::H5File f(path, H5F_ACC_RDONLY);
      if (!f.nameExists("/meta"))
        throw std::runtime_error(path + ": not a plantwin result file (no /meta)");
      H5::Group meta = f.openGroup("/meta");
      title = str_attr(meta, "scenario_name");
      if (title.empty()) title = str_attr(meta, "scenario_file");
      read_layout(f);
      read_signals(f);
      read_events(f);
      read_kpis(f);
      read_cases(f);
      if (meta.attrExists("end_time_s")) {
        double end = 0;
        meta.openAttribute("end_time_s").read(H5::PredType::NATIVE_DOUBLE, &end);
        t1 = std::max(t1, end);
      }
    } catch (const H5::Exception& e) {
      throw std::runtime_error(
          fmt::format("{}: cannot read as a result file: {}", path, e.getDetailMsg()));
    }
  }
  std::string status() const override { return "file"; }
  void select_case(int i) override {
    if (i < 0 || i >= static_cast<int>(cases.size())) return;
    selected_case = i;
    replications = static_cast<int>(case_reps_[static_cast<std::size_t>(i)].size());
    select_replication(-1);
  }
  void select_replication(int r) override {
    const auto& reps = case_reps_[static_cast<std::size_t>(selected_case)];
    selected_replication = r >= 0 && r < static_cast<int>(reps.size()) ? r : -1;
    kpis = selected_replication < 0 ? case_kpis_[static_cast<std::size_t>(selected_case)]
                                    : reps[static_cast<std::size_t>(selected_replication)];
  }

 private:
  struct LayoutRow {
    char* name;
    char* type;
    double x, y, capacity;
  };
  void read_layout(H5::H5File& f) {
    if (f.nameExists("/meta/layout")) {
      H5::DataSet ds = f.openDataSet("/meta/layout");
      hsize_t n = 0;
      ds.getSpace().getSimpleExtentDims(&n);
      const H5::StrType s = vlen();
      H5::CompType type(sizeof(LayoutRow));
      type.insertMember("name", HOFFSET(LayoutRow, name), s);
      type.insertMember("type", HOFFSET(LayoutRow, type), s);
      type.insertMember("x", HOFFSET(LayoutRow, x), H5::PredType::NATIVE_DOUBLE);
      type.insertMember("y", HOFFSET(LayoutRow, y), H5::PredType::NATIVE_DOUBLE);
      type.insertMember("capacity", HOFFSET(LayoutRow, capacity), H5::PredType::NATIVE_DOUBLE);
      std::vector<LayoutRow> rows(n);
      if (n) {
        ds.read(rows.data(), type);
        for (const auto& r : rows) components.push_back({r.name, r.type, r.x, r.y, r.capacity});
        H5::DataSpace space = ds.getSpace();
        H5::DataSet::vlenReclaim(rows.data(), type, space);
      }
    } else if (f.nameExists("/meta/components")) {
      for (const auto& r : read_text_table(f.openDataSet("/meta/components"), {"name", "type"}))
        components.push_back({r[0], r[1], std::nan(""), std::nan(""), std::nan("")});
    }
    if (f.nameExists("/meta/links"))
      for (const auto& r : read_text_table(f.openDataSet("/meta/links"), {"from", "to"})) {
        const int a = component_index(r[0]), b = component_index(r[1]);
        if (a >= 0 && b >= 0) links.emplace_back(a, b);
      }
  }
  void read_signals(H5::H5File& f) {
    if (!f.nameExists("/signals")) return;
    H5::Group g = f.openGroup("/signals");
    for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
      const std::string name = g.getObjnameByIdx(i);
      H5::Group sg = g.openGroup(name);
      Series s;
      s.name = name;
      s.unit = str_attr(sg, "unit");
      s.t = doubles(sg.openDataSet("time"));
      s.v = doubles(sg.openDataSet("value"));
      if (!s.t.empty()) {
        t0 = series.empty() ? s.t.front() : std::min(t0, s.t.front());
        t1 = std::max(t1, s.t.back());
      }
      series.push_back(std::move(s));
    }
    std::sort(series.begin(), series.end(),
              [](const Series& a, const Series& b) { return a.name < b.name; });
  }
  struct EventRaw {
    double time;
    char* component;
    char* kind;
    char* detail;
  };
  void read_events(H5::H5File& f) {
    if (!f.nameExists("/events")) return;
    H5::DataSet ds = f.openDataSet("/events");
    hsize_t n = 0;
    ds.getSpace().getSimpleExtentDims(&n);
    const H5::StrType s = vlen();
    H5::CompType type(sizeof(EventRaw));
    type.insertMember("time", HOFFSET(EventRaw, time), H5::PredType::NATIVE_DOUBLE);
    type.insertMember("component", HOFFSET(EventRaw, component), s);
    type.insertMember("kind", HOFFSET(EventRaw, kind), s);
    type.insertMember("detail", HOFFSET(EventRaw, detail), s);
    std::vector<EventRaw> rows(n);
    if (!n) return;
    ds.read(rows.data(), type);
    for (const auto& r : rows)
      events.push_back({r.time, r.component, r.kind, r.detail ? r.detail : ""});
    H5::DataSpace space = ds.getSpace();
    H5::DataSet::vlenReclaim(rows.data(), type, space);
  }
  struct KpiRaw {
    char* component;
    char* name;
    double value;
    double half_width;
    char* unit;
  };
  std::vector<KpiItem> read_kpi_table(const H5::DataSet& ds, bool summary) {
    hsize_t n = 0;
    ds.getSpace().getSimpleExtentDims(&n);
    const H5::StrType s = vlen();
    H5::CompType type(sizeof(KpiRaw));
    type.insertMember("component", HOFFSET(KpiRaw, component), s);
    type.insertMember("name", HOFFSET(KpiRaw, name), s);
    type.insertMember(summary ? "mean" : "value", HOFFSET(KpiRaw, value),
                      H5::PredType::NATIVE_DOUBLE);
    type.insertMember("half_width", HOFFSET(KpiRaw, half_width), H5::PredType::NATIVE_DOUBLE);
    type.insertMember("unit", HOFFSET(KpiRaw, unit), s);
    std::vector<KpiRaw> rows(n);
    std::vector<KpiItem> out;
    if (!n) return out;
    ds.read(rows.data(), type);
    for (const auto& r : rows) out.push_back({r.component, r.name, r.unit, r.value, r.half_width});
    H5::DataSpace space = ds.getSpace();
    H5::DataSet::vlenReclaim(rows.data(), type, space);
    return out;
  }
  void read_kpis(H5::H5File& f) {
    if (f.nameExists("/kpi")) kpis = read_kpi_table(f.openDataSet("/kpi"), false);
  }
  void read_cases(H5::H5File& f) {
    if (!f.nameExists("/cases")) return;
    H5::Group g = f.openGroup("/cases");
    for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
      const std::string name = g.getObjnameByIdx(i);
      cases.push_back(name);
      case_kpis_.push_back(read_kpi_table(f.openDataSet("/cases/" + name + "/summary"), true));
      case_reps_.push_back(read_replications(f.openDataSet("/cases/" + name + "/replications")));
    }
    select_case(0);
  }

  struct RepRaw {
    int replication;
    char* component;
    char* name;
    double value;
  };
  std::vector<std::vector<KpiItem>> read_replications(const H5::DataSet& ds) {
    hsize_t n = 0;
    ds.getSpace().getSimpleExtentDims(&n);
    const H5::StrType s = vlen();
    H5::CompType type(sizeof(RepRaw));
    type.insertMember("replication", HOFFSET(RepRaw, replication), H5::PredType::NATIVE_INT);
    type.insertMember("component", HOFFSET(RepRaw, component), s);
    type.insertMember("name", HOFFSET(RepRaw, name), s);
    type.insertMember("value", HOFFSET(RepRaw, value), H5::PredType::NATIVE_DOUBLE);
    std::vector<RepRaw> rows(n);
    std::vector<std::vector<KpiItem>> out;
    if (!n) return out;
    ds.read(rows.data(), type);
    for (const auto& r : rows) {
      if (r.replication >= static_cast<int>(out.size()))
        out.resize(static_cast<std::size_t>(r.replication) + 1);
      out[static_cast<std::size_t>(r.replication)].push_back(
          {r.component, r.name, "", r.value, std::nan("")});
    }
    H5::DataSpace space = ds.getSpace();
    H5::DataSet::vlenReclaim(rows.data(), type, space);
    return out;
  }

  std::string path_;
  std::vector<std::vector<KpiItem>> case_kpis_;
  std::vector<std::vector<std::vector<KpiItem>>> case_reps_;
};

}  // namespace

std::unique_ptr<DataSource> open_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such file");
  return std::make_unique<FileSource>(path);
}

}  // namespace plantwin::viewer
