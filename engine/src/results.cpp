#include "plantwin/results.h"

#include <H5Cpp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace plantwin {

const char* version() {
  return "0.1.0";
}

namespace {

void attr_string(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  const char* p = value.c_str();
  a.write(type, &p);
}

template <class T>
void attr_number(H5::H5Object& obj, const std::string& name, T value, const H5::PredType& type) {
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, &value);
}

void write_column(H5::Group& g, const std::string& name, const std::vector<double>& v) {
  const hsize_t n = v.size();
  const hsize_t maxdims = H5S_UNLIMITED;
  H5::DataSpace space(1, &n, &maxdims);
  H5::DSetCreatPropList props;
  const hsize_t chunk = std::max<hsize_t>(1, std::min<hsize_t>(n, 16384));
  props.setChunk(1, &chunk);
  props.setShuffle();
  props.setDeflate(4);
  H5::DataSet ds = g.createDataSet(name, H5::PredType::IEEE_F64LE, space, props);
  if (n) ds.write(v.data(), H5::PredType::NATIVE_DOUBLE);
}

H5::StrType vlen_string() {
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  t.setCset(H5T_CSET_UTF8);
  return t;
}

struct EventRow {
  double time;
  const char* component;
  const char* kind;
  const char* detail;
};

struct KpiRecord {
  const char* component;
  const char* name;
  double value;
  double half_width;
  const char* unit;
};

struct ComponentRecord {
  const char* name;
  const char* type;
};

struct LayoutRecord {
  const char* name;
  const char* type;
  double x, y, capacity;
};

struct LinkRecord {
  const char* from;
  const char* to;
};

/// The /kpi table's row type, shared by the writer and the reader.
H5::CompType kpi_type() {
  const H5::StrType str = vlen_string();
  H5::CompType type(sizeof(KpiRecord));
  type.insertMember("component", HOFFSET(KpiRecord, component), str);
  type.insertMember("name", HOFFSET(KpiRecord, name), str);
  type.insertMember("value", HOFFSET(KpiRecord, value), H5::PredType::NATIVE_DOUBLE);
  type.insertMember("half_width", HOFFSET(KpiRecord, half_width), H5::PredType::NATIVE_DOUBLE);
  type.insertMember("unit", HOFFSET(KpiRecord, unit), str);
  return type;
}

template <class Row>
void write_table(H5::Group& g, const std::string& name, const H5::CompType& type,
                 const std::vector<Row>& rows) {
  const hsize_t n = rows.size();
  const hsize_t maxdims = H5S_UNLIMITED;
  H5::DataSpace space(1, &n, &maxdims);
  H5::DSetCreatPropList props;
  const hsize_t chunk = std::max<hsize_t>(1, std::min<hsize_t>(n, 4096));
  props.setChunk(1, &chunk);
  props.setDeflate(4);
  H5::DataSet ds = g.createDataSet(name, type, space, props);
  if (n) ds.write(rows.data(), type);
}

}  // namespace

std::string iso_time_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_result_file(const std::string& path, const Sim& sim, const RunInfo& info) {
  const Model& m = sim.model();
  const State& s = sim.state();
  const std::string tmp = path + ".tmp";
  try {
    H5::Exception::dontPrint();
    H5::H5File file(tmp, H5F_ACC_TRUNC);
    H5::Group meta = file.createGroup("/meta");
    attr_string(meta, "plantwin_version", version());
    attr_string(meta, "scenario_name", m.name());
    attr_string(meta, "scenario_file", m.scenario().file);
    attr_string(meta, "scenario_text", m.scenario().text);
    attr_string(meta, "resolved_scenario", m.scenario().root.to_yaml());
    std::string overrides;
    for (const auto& o : m.scenario().overrides) overrides += (overrides.empty() ? "" : "\n") + o;
    attr_string(meta, "overrides", overrides);
    attr_number(meta, "seed", static_cast<unsigned long long>(m.seed()),
                H5::PredType::NATIVE_ULLONG);
    attr_number(meta, "replication", static_cast<unsigned long long>(s.replication),
                H5::PredType::NATIVE_ULLONG);
    attr_number(meta, "horizon_s", m.horizon(), H5::PredType::NATIVE_DOUBLE);
    attr_number(meta, "warmup_s", m.warmup(), H5::PredType::NATIVE_DOUBLE);
    attr_number(meta, "end_time_s", s.time, H5::PredType::NATIVE_DOUBLE);
    attr_string(meta, "status", info.status);
    attr_string(meta, "started_at", info.started_at);
    attr_number(meta, "wall_time_s", info.wall_time_s, H5::PredType::NATIVE_DOUBLE);
    attr_number(meta, "events_executed", static_cast<unsigned long long>(s.events_executed),
                H5::PredType::NATIVE_ULLONG);

    const H5::StrType str = vlen_string();
    {
      H5::CompType type(sizeof(ComponentRecord));
      type.insertMember("name", HOFFSET(ComponentRecord, name), str);
      type.insertMember("type", HOFFSET(ComponentRecord, type), str);
      std::vector<ComponentRecord> rows;
      for (std::size_t i = 0; i < m.size(); ++i) {
        const Component& c = m.component(static_cast<int>(i));
        rows.push_back({c.name().c_str(), c.type().c_str()});
      }
      write_table(meta, "components", type, rows);
    }

    {
      // Layout for viewers: positions (NaN when the scenario gives none), capacities, links.
      H5::CompType type(sizeof(LayoutRecord));
      type.insertMember("name", HOFFSET(LayoutRecord, name), str);
      type.insertMember("type", HOFFSET(LayoutRecord, type), str);
      type.insertMember("x", HOFFSET(LayoutRecord, x), H5::PredType::NATIVE_DOUBLE);
      type.insertMember("y", HOFFSET(LayoutRecord, y), H5::PredType::NATIVE_DOUBLE);
      type.insertMember("capacity", HOFFSET(LayoutRecord, capacity), H5::PredType::NATIVE_DOUBLE);
      std::vector<LayoutRecord> rows;
      std::vector<LinkRecord> links;
      for (std::size_t i = 0; i < m.size(); ++i) {
        const Component& c = m.component(static_cast<int>(i));
        rows.push_back({c.name().c_str(), c.type().c_str(), m.positions()[i].first,
                        m.positions()[i].second, c.display_capacity()});
        for (int o = 0; o < c.num_outputs(); ++o)
          links.push_back({c.name().c_str(), m.component(c.output(o).component).name().c_str()});
      }
      write_table(meta, "layout", type, rows);
      H5::CompType lt(sizeof(LinkRecord));
      lt.insertMember("from", HOFFSET(LinkRecord, from), str);
      lt.insertMember("to", HOFFSET(LinkRecord, to), str);
      write_table(meta, "links", lt, links);
    }

    H5::Group signals = file.createGroup("/signals");
    const RecordPlan& rec = m.record();
    for (std::size_t k = 0; k < rec.signals.size(); ++k) {
      const SignalRef& ref = m.signals()[static_cast<std::size_t>(rec.signals[k])];
      H5::Group g = signals.createGroup(ref.name);
      write_column(g, "time", s.trace.times);
      write_column(g, "value", s.trace.values[k]);
      attr_string(g, "unit", ref.unit);
    }

    {
      H5::CompType type(sizeof(EventRow));
      type.insertMember("time", HOFFSET(EventRow, time), H5::PredType::NATIVE_DOUBLE);
      type.insertMember("component", HOFFSET(EventRow, component), str);
      type.insertMember("kind", HOFFSET(EventRow, kind), str);
      type.insertMember("detail", HOFFSET(EventRow, detail), str);
      std::vector<EventRow> rows;
      rows.reserve(s.trace.events.size());
      for (const auto& e : s.trace.events)
        rows.push_back({e.time, m.component(e.component).name().c_str(), e.kind, e.detail.c_str()});
      H5::Group root = file.openGroup("/");
      write_table(root, "events", type, rows);
    }

    {
      const auto kpis = sim.kpis();
      const H5::CompType type = kpi_type();
      std::vector<KpiRecord> rows;
      for (const auto& k : kpis)
        rows.push_back(
            {k.component.c_str(), k.name.c_str(), k.value, k.half_width, k.unit.c_str()});
      H5::Group root = file.openGroup("/");
      write_table(root, "kpi", type, rows);
    }
    file.close();
  } catch (const H5::Exception& e) {
    std::remove(tmp.c_str());
    throw std::runtime_error(
        fmt::format("{}: cannot write the result file: {}", path, e.getDetailMsg()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw std::runtime_error(
        fmt::format("{}: cannot write the result file: {}", path, ec.message()));
  }
}

namespace {

std::string attr_as_text(const H5::Attribute& a) {
  const H5::DataType t = a.getDataType();
  if (t.getClass() == H5T_STRING) {
    std::string v;
    a.read(a.getStrType(), v);
    return v;
  }
  if (t.getClass() == H5T_FLOAT) {
    double v = 0;
    a.read(H5::PredType::NATIVE_DOUBLE, &v);
    return fmt::format("{:g}", v);
  }
  if (t.getClass() == H5T_INTEGER) {
    unsigned long long v = 0;
    a.read(H5::PredType::NATIVE_ULLONG, &v);
    return fmt::format("{}", v);
  }
  return "?";
}

}  // namespace

ResultSummary read_result_summary(const std::string& path) {
  ResultSummary out;
  try {
    H5::Exception::dontPrint();
    H5::H5File file(path, H5F_ACC_RDONLY);
    if (!file.nameExists("/meta"))
      throw std::runtime_error(path + ": not a plantwin result file (no /meta)");
    H5::Group meta = file.openGroup("/meta");
    for (int i = 0; i < meta.getNumAttrs(); ++i) {
      H5::Attribute a = meta.openAttribute(static_cast<unsigned>(i));
      out.meta.emplace_back(a.getName(), attr_as_text(a));
    }
    if (file.nameExists("/meta/components")) {
      H5::DataSet ds = file.openDataSet("/meta/components");
      hsize_t n = 0;
      ds.getSpace().getSimpleExtentDims(&n);
      const H5::StrType str = vlen_string();
      H5::CompType type(sizeof(ComponentRecord));
      type.insertMember("name", HOFFSET(ComponentRecord, name), str);
      type.insertMember("type", HOFFSET(ComponentRecord, type), str);
      std::vector<ComponentRecord> rows(n);
      if (n) {
        ds.read(rows.data(), type);
        for (const auto& r : rows) out.components.emplace_back(r.name, r.type);
        H5::DataSpace space = ds.getSpace();
        H5::DataSet::vlenReclaim(rows.data(), type, space);
      }
    }
    if (file.nameExists("/signals")) {
      H5::Group sig = file.openGroup("/signals");
      for (hsize_t i = 0; i < sig.getNumObjs(); ++i) {
        const std::string name = sig.getObjnameByIdx(i);
        H5::Group g = sig.openGroup(name);
        ResultSummary::Signal s;
        s.name = name;
        if (g.attrExists("unit")) s.unit = attr_as_text(g.openAttribute("unit"));
        H5::DataSet t = g.openDataSet("time");
        hsize_t n = 0;
        t.getSpace().getSimpleExtentDims(&n);
        s.samples = n;
        if (n) {
          std::vector<double> v(n);
          t.read(v.data(), H5::PredType::NATIVE_DOUBLE);
          s.t0 = v.front();
          s.t1 = v.back();
        }
        out.signals.push_back(s);
      }
    }
    if (file.nameExists("/cases")) {
      H5::Group g = file.openGroup("/cases");
      for (hsize_t i = 0; i < g.getNumObjs(); ++i) out.cases.push_back(g.getObjnameByIdx(i));
    }
    if (file.nameExists("/events")) {
      hsize_t n = 0;
      file.openDataSet("/events").getSpace().getSimpleExtentDims(&n);
      out.events = n;
    }
    if (file.nameExists("/kpi")) {
      H5::DataSet ds = file.openDataSet("/kpi");
      hsize_t n = 0;
      ds.getSpace().getSimpleExtentDims(&n);
      const H5::StrType str = vlen_string();
      const H5::CompType type = kpi_type();
      std::vector<KpiRecord> rows(n);
      if (n) ds.read(rows.data(), type);
      for (const auto& r : rows)
        out.kpis.push_back({r.component, r.name, r.value, r.half_width, r.unit});
      if (n) {
        H5::DataSpace space = ds.getSpace();
        H5::DataSet::vlenReclaim(rows.data(), type, space);
      }
    }
  } catch (const H5::Exception& e) {
    throw std::runtime_error(
        fmt::format("{}: cannot read as a result file: {}", path, e.getDetailMsg()));
  }
  return out;
}

namespace {
std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\t':
        o += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          o += fmt::format("\\u{:04x}", c);
        else
          o += c;
    }
  }
  return o;
}
std::string json_number(double v) {
  return std::isfinite(v) ? fmt::format("{:.17g}", v) : "null";
}
}  // namespace

void write_kpi_json(const std::string& path, const Sim& sim, const RunInfo& info) {
  const Model& m = sim.model();
  std::string out = "{\n";
  out += fmt::format("  \"scenario\": \"{}\",\n", json_escape(m.name()));
  out += fmt::format("  \"seed\": {},\n", m.seed());
  out += fmt::format("  \"status\": \"{}\",\n", info.status);
  out += fmt::format("  \"end_time_s\": {},\n", json_number(sim.now()));
  out += "  \"kpis\": [\n";
  const auto rows = sim.kpis();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    out += fmt::format(
        "    {{\"component\": \"{}\", \"name\": \"{}\", \"value\": {}, \"half_width\": {}, "
        "\"unit\": \"{}\"}}{}\n",
        json_escape(r.component), json_escape(r.name), json_number(r.value),
        json_number(r.half_width), json_escape(r.unit), i + 1 < rows.size() ? "," : "");
  }
  out += "  ]\n}\n";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << out;
    if (!f) throw std::runtime_error(path + ": cannot write the JSON file");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace plantwin
