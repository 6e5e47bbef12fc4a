#pragma once
// The HDF5 building blocks of result and experiment files: the row types of every table, their
// HDF5 compound types, and the write/read helpers. Writers and the reader share these, so
// the layout of docs/results.md is defined in one place.

#include <H5Cpp.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "plantwin/output_file.h"

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
struct RelationRow {
  const char* component;
  const char* relation;
  const char* target;
};
struct EventRow {
  double time;
  const char* component;
  const char* kind;
  const char* detail;
};
struct InputRow {
  double time;
  const char* target;
  double value;
  const char* origin;
};
struct WarningRow {
  double time;
  const char* source;
  const char* message;
  double count;
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
inline H5::CompType relation_type() {
  H5::CompType type(sizeof(RelationRow));
  PLANTWIN_H5_STR(RelationRow, component);
  PLANTWIN_H5_STR(RelationRow, relation);
  PLANTWIN_H5_STR(RelationRow, target);
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
inline H5::CompType input_type() {
  H5::CompType type(sizeof(InputRow));
  PLANTWIN_H5_NUM(InputRow, time, NATIVE_DOUBLE);
  PLANTWIN_H5_STR(InputRow, target);
  PLANTWIN_H5_NUM(InputRow, value, NATIVE_DOUBLE);
  PLANTWIN_H5_STR(InputRow, origin);
  return type;
}
inline H5::CompType warning_type() {
  H5::CompType type(sizeof(WarningRow));
  PLANTWIN_H5_NUM(WarningRow, time, NATIVE_DOUBLE);
  PLANTWIN_H5_STR(WarningRow, source);
  PLANTWIN_H5_STR(WarningRow, message);
  PLANTWIN_H5_NUM(WarningRow, count, NATIVE_DOUBLE);
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

/// While alive, HDF5 prints nothing to stderr; instead the innermost message of its last failure
/// (e.g. "file signature not found") is kept for the error a user sees. HDF5's own error stack is
/// gone by the time a C++ exception is caught, hence this hook at the failing call.
class ErrorCapture {
 public:
  ErrorCapture() {
    H5Eget_auto2(H5E_DEFAULT, &old_func_, &old_data_);
    H5Eset_auto2(H5E_DEFAULT, &ErrorCapture::on_error, this);
  }
  ErrorCapture(const ErrorCapture&) = delete;
  ErrorCapture& operator=(const ErrorCapture&) = delete;
  ~ErrorCapture() { H5Eset_auto2(H5E_DEFAULT, old_func_, old_data_); }

  /// The last failure's innermost message, or `fallback` when HDF5 reported none.
  std::string text(const std::string& fallback) const { return last_.empty() ? fallback : last_; }

 private:
  static herr_t on_error(hid_t stack, void* self) {
    std::string text;
    H5Ewalk2(
        stack, H5E_WALK_DOWNWARD,
        [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
          if (e->desc && *e->desc) *static_cast<std::string*>(out) = e->desc;
          return 0;
        },
        &text);
    if (!text.empty()) static_cast<ErrorCapture*>(self)->last_ = text;
    return 0;
  }
  H5E_auto2_t old_func_ = nullptr;
  void* old_data_ = nullptr;
  std::string last_;
};

/// Builds an HDF5 file through `fill` in memory (the core driver, no backing store) and returns
/// its bytes. HDF5 itself never opens a file on disk: all file I/O, its errors and its atomicity
/// are write_file_atomically's.
inline std::string file_image(const std::function<void(H5::H5File&)>& fill) {
  H5::FileAccPropList fapl;
  fapl.setCore(1 << 20, false);
  H5::H5File file("plantwin-in-memory.h5", H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, fapl);
  fill(file);
  file.flush(H5F_SCOPE_GLOBAL);
  const ssize_t n = H5Fget_file_image(file.getId(), nullptr, 0);
  if (n <= 0) throw H5::FileIException("H5Fget_file_image", "cannot size the file image");
  std::string image(static_cast<std::size_t>(n), '\0');
  if (H5Fget_file_image(file.getId(), image.data(), image.size()) != n)
    throw H5::FileIException("H5Fget_file_image", "cannot copy the file image");
  return image;
}

/// Writes the HDF5 file that `fill` builds to `path`, atomically (plantwin/output_file.h): on
/// failure the old file is intact and no temporary file remains. Errors name `path` and why.
inline void write_atomically(const std::string& path,
                             const std::function<void(H5::H5File&)>& fill) {
  std::string image;
  ErrorCapture errors;
  try {
    image = file_image(fill);
  } catch (const H5::Exception& e) {
    throw std::runtime_error(
        fmt::format("{}: cannot write the result file: {}", path, errors.text(e.getDetailMsg())));
  }
  write_file_atomically(path, image, "the result file");
}

}  // namespace plantwin::h5
