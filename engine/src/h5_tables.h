#pragma once
// The HDF5 building blocks of result and experiment files: the row types of every table, their
// HDF5 compound types, and the write/read/rename helpers. Writers and the reader share these, so
// the layout of docs/results.md is defined in one place.

#include <H5Cpp.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace plantwin::h5 {

inline H5::StrType vlen_string() {
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  t.setCset(H5T_CSET_UTF8);
  return t;
}

inline void attr_string(H5::H5Object& obj, const std::string& name, const std::string& value) {
  const H5::StrType type = vlen_string();
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  const char* p = value.c_str();
  a.write(type, &p);
}

template <class T>
void attr_number(H5::H5Object& obj, const std::string& name, T value, const H5::PredType& type) {
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, &value);
}

// Row types. Strings are variable-length: char* on write (pointing into live strings) and on
// read (owned by HDF5 until read_table reclaims them).
struct ComponentRow {
  const char* name;
  const char* type;
};
struct LayoutRow {
  const char* name;
  const char* type;
  double x, y, capacity;
};
struct LinkRow {
  const char* from;
  const char* to;
};
struct EventRow {
  double time;
  const char* component;
  const char* kind;
  const char* detail;
};
struct KpiRow {
  const char* component;
  const char* name;
  double value;
  double half_width;
  const char* unit;
};
struct SummaryRow {
  const char* component;
  const char* name;
  double mean;
  double half_width;
  int n;
  const char* unit;
};
struct ReplicationRow {
  int replication;
  const char* component;
  const char* name;
  double value;
};

#define PLANTWIN_H5_STR(T, m) type.insertMember(#m, HOFFSET(T, m), vlen_string())
#define PLANTWIN_H5_NUM(T, m, p) type.insertMember(#m, HOFFSET(T, m), H5::PredType::p)

inline H5::CompType component_type() {
  H5::CompType type(sizeof(ComponentRow));
  PLANTWIN_H5_STR(ComponentRow, name);
  PLANTWIN_H5_STR(ComponentRow, type);
  return type;
}
inline H5::CompType layout_type() {
  H5::CompType type(sizeof(LayoutRow));
  PLANTWIN_H5_STR(LayoutRow, name);
  PLANTWIN_H5_STR(LayoutRow, type);
  PLANTWIN_H5_NUM(LayoutRow, x, NATIVE_DOUBLE);
  PLANTWIN_H5_NUM(LayoutRow, y, NATIVE_DOUBLE);
  PLANTWIN_H5_NUM(LayoutRow, capacity, NATIVE_DOUBLE);
  return type;
}
inline H5::CompType link_type() {
  H5::CompType type(sizeof(LinkRow));
  PLANTWIN_H5_STR(LinkRow, from);
  PLANTWIN_H5_STR(LinkRow, to);
  return type;
}
inline H5::CompType event_type() {
  H5::CompType type(sizeof(EventRow));
  PLANTWIN_H5_NUM(EventRow, time, NATIVE_DOUBLE);
  PLANTWIN_H5_STR(EventRow, component);
  PLANTWIN_H5_STR(EventRow, kind);
  PLANTWIN_H5_STR(EventRow, detail);
  return type;
}
inline H5::CompType kpi_type() {
  H5::CompType type(sizeof(KpiRow));
  PLANTWIN_H5_STR(KpiRow, component);
  PLANTWIN_H5_STR(KpiRow, name);
  PLANTWIN_H5_NUM(KpiRow, value, NATIVE_DOUBLE);
  PLANTWIN_H5_NUM(KpiRow, half_width, NATIVE_DOUBLE);
  PLANTWIN_H5_STR(KpiRow, unit);
  return type;
}
inline H5::CompType summary_type() {
  H5::CompType type(sizeof(SummaryRow));
  PLANTWIN_H5_STR(SummaryRow, component);
  PLANTWIN_H5_STR(SummaryRow, name);
  PLANTWIN_H5_NUM(SummaryRow, mean, NATIVE_DOUBLE);
  PLANTWIN_H5_NUM(SummaryRow, half_width, NATIVE_DOUBLE);
  PLANTWIN_H5_NUM(SummaryRow, n, NATIVE_INT);
  PLANTWIN_H5_STR(SummaryRow, unit);
  return type;
}
inline H5::CompType replication_type() {
  H5::CompType type(sizeof(ReplicationRow));
  PLANTWIN_H5_NUM(ReplicationRow, replication, NATIVE_INT);
  PLANTWIN_H5_STR(ReplicationRow, component);
  PLANTWIN_H5_STR(ReplicationRow, name);
  PLANTWIN_H5_NUM(ReplicationRow, value, NATIVE_DOUBLE);
  return type;
}

#undef PLANTWIN_H5_STR
#undef PLANTWIN_H5_NUM

/// A table (1-d dataset of compound rows), chunked and compressed so it can grow.
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

/// Reads a table and hands each row to `use` before HDF5's strings are reclaimed.
template <class Row>
void read_table(const H5::DataSet& ds, const H5::CompType& type,
                const std::function<void(const Row&)>& use) {
  hsize_t n = 0;
  ds.getSpace().getSimpleExtentDims(&n);
  if (!n) return;
  std::vector<Row> rows(n);
  ds.read(rows.data(), type);
  for (const auto& r : rows) use(r);
  H5::DataSpace space = ds.getSpace();
  H5::DataSet::vlenReclaim(rows.data(), type, space);
}

/// Writes through `fill` into `path`.tmp and renames it into place, so a crash while writing
/// never leaves a half-written file under the final name. Errors name `path`.
inline void write_atomically(const std::string& path,
                             const std::function<void(H5::H5File&)>& fill) {
  const std::string tmp = path + ".tmp";
  try {
    H5::Exception::dontPrint();
    H5::H5File file(tmp, H5F_ACC_TRUNC);
    fill(file);
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

}  // namespace plantwin::h5
