#include "plantwin/result_file.h"

#include <H5Cpp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include "h5_tables.h"

namespace plantwin {

const char* version() {
  return "0.1.0";
}

namespace {

/// Why a file is not a plantwin result file. read_result_file adds "<path>: not a plantwin
/// result file: ".
struct NotResult : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An HDF5 identifier released on every path out.
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  Id(Id&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Id& operator=(Id&& o) noexcept {
    std::swap(id_, o.id_);
    return *this;
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) H5Idec_ref(id_);
  }
  hid_t get() const { return id_; }

 private:
  hid_t id_ = -1;
};

/// Reads a result file without trusting it: the kind of every object, the class and shape of
/// every type and dataspace are checked before any memory is sized from them, and the bytes read
/// in all (numbers and strings) are bounded by what the file's size can hold once decompressed.
class Reader {
 public:
  Reader(const h5::ErrorCapture& errors, std::uint64_t file_bytes)
      : errors_(errors),
        file_bytes_(file_bytes),
        // deflate expands at most about 1032:1; anything beyond is a lie of a corrupt file
        budget_((std::uint64_t{16} << 20) + 1100 * std::min(file_bytes, std::uint64_t{1} << 40)) {
    xfer_ = Id(H5Pcreate(H5P_DATASET_XFER));
    check(xfer_.get(), "a transfer property list");
    if (H5Pset_vlen_mem_manager(xfer_.get(), &Reader::vlen_alloc, &budget_, &Reader::vlen_free,
                                nullptr) < 0)
      fail("a transfer property list");
  }

  [[noreturn]] void fail(const std::string& where) const {
    throw NotResult(fmt::format("{}: {}", where, errors_.text("unreadable")));
  }
  hid_t check(hid_t id, const std::string& where) const {
    if (id < 0) fail(where);
    return id;
  }

  /// Counts `count` items of `each` bytes against what the file can hold (without overflow: a
  /// corrupt file may claim 2^63 rows).
  void charge(std::uint64_t count, std::uint64_t each, const std::string& where) {
    if (each && count > budget_ / each)
      throw NotResult(fmt::format("{}: claims more data than the file can hold", where));
    budget_ -= count * each;
  }

  /// Whether `loc` has a member `name` (a hard link: plantwin writes no other, and soft or
  /// external links could lead anywhere).
  bool has(hid_t loc, const std::string& name, const std::string& where) const {
    const htri_t e = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
    if (e < 0) fail(where);
    if (e == 0) return false;
    H5L_info_t info{};
    if (H5Lget_info(loc, name.c_str(), &info, H5P_DEFAULT) < 0) fail(where);
    if (info.type != H5L_TYPE_HARD)
      throw NotResult(fmt::format("{}: a link to another object or file", where));
    return true;
  }

  Id open(hid_t loc, const std::string& name, H5I_type_t want, const std::string& where) {
    Id obj(check(H5Oopen(loc, name.c_str(), H5P_DEFAULT), where));
    if (H5Iget_type(obj.get()) != want)
      throw NotResult(
          fmt::format("{}: expected a {}", where, want == H5I_GROUP ? "group" : "dataset"));
    if (want == H5I_DATASET) {
      // Raw data kept in other files (external storage, virtual datasets) is not read.
      Id dcpl(check(H5Dget_create_plist(obj.get()), where));
      const H5D_layout_t layout = H5Pget_layout(dcpl.get());
      if (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED)
        throw NotResult(fmt::format("{}: unsupported storage layout", where));
      if (H5Pget_external_count(dcpl.get()) != 0)
        throw NotResult(fmt::format("{}: data stored in external files", where));
      if (layout == H5D_CHUNKED) {
        // libhdf5 allocates a whole chunk to read any of it (gigabytes, for a corrupt one).
        Id type(check(H5Dget_type(obj.get()), where));
        hsize_t dims[H5S_MAX_RANK] = {};
        const int rank = H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, dims);
        if (rank < 0) fail(where);
        std::uint64_t bytes = H5Tget_size(type.get());
        for (int i = 0; i < rank; ++i)
          if (__builtin_mul_overflow(bytes, dims[i], &bytes)) bytes = ~std::uint64_t{0};
        if (bytes > budget_)
          throw NotResult(
              fmt::format("{}: chunks of {} bytes, more than the file can hold", where, bytes));
        // libhdf5 also allocates a chunk's stored size before it reads it.
        Id space(check(H5Dget_space(obj.get()), where));
        hsize_t chunks = 0;
        if (H5Dget_num_chunks(obj.get(), space.get(), &chunks) < 0) fail(where);
        charge(chunks, 64, where);
        for (hsize_t i = 0; i < chunks; ++i) {
          hsize_t offset[H5S_MAX_RANK] = {};
          unsigned mask = 0;
          haddr_t addr = 0;
          hsize_t stored = 0;
          if (H5Dget_chunk_info(obj.get(), space.get(), i, offset, &mask, &addr, &stored) < 0)
            fail(where);
          if (stored > file_bytes_)
            throw NotResult(
                fmt::format("{}: a chunk of {} bytes in a file of {}", where, stored, file_bytes_));
        }
      }
      if (layout == H5D_COMPACT || layout == H5D_CONTIGUOUS) {
        // libhdf5 copies the dataspace's worth of bytes out of a compact buffer or a contiguous
        // sieve buffer without checking that the file stored that many (heap over-reads found
        // by fuzzing). Unwritten contiguous data (size 0) reads as fill values.
        Id space(check(H5Dget_space(obj.get()), where));
        Id type(check(H5Dget_type(obj.get()), where));
        const hssize_t points = H5Sget_simple_extent_npoints(space.get());
        const std::size_t size = H5Tget_size(type.get());
        const hsize_t stored = H5Dget_storage_size(obj.get());
        std::uint64_t bytes = 0;
        if (points < 0 || size == 0 ||
            __builtin_mul_overflow(static_cast<std::uint64_t>(points), size, &bytes) ||
            (stored != bytes && !(layout == H5D_CONTIGUOUS && stored == 0)))
          throw NotResult(
              fmt::format("{}: {} bytes stored for {} bytes of data", where, stored, bytes));
      }
    }
    return obj;
  }

  /// Whether a numeric type is one of at most 16 bytes: libhdf5 sizes conversion buffers from
  /// a corrupt float's claimed size (a 4 GB malloc found by fuzzing).
  static bool plain_number(hid_t type) {
    const std::size_t size = H5Tget_size(type);
    return size > 0 && size <= 16;
  }

  /// The length of a 1-d dataset.
  hsize_t length(hid_t ds, const std::string& where) const {
    Id space(check(H5Dget_space(ds), where));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) fail(where);
    if (rank != 1 || H5Sget_simple_extent_type(space.get()) != H5S_SIMPLE)
      throw NotResult(fmt::format("{}: expected a 1-d dataset, got {} dimensions", where, rank));
    hsize_t n = 0;
    if (H5Sget_simple_extent_dims(space.get(), &n, nullptr) != 1) fail(where);
    return n;
  }

  /// The names of a group's members, in name order.
  std::vector<std::string> members(hid_t g, const std::string& where) {
    H5G_info_t info{};
    if (H5Gget_info(g, &info) < 0) fail(where);
    charge(info.nlinks, 64, where);
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const ssize_t n =
          H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (n < 0) fail(where);
      charge(static_cast<std::uint64_t>(n), 1, where);
      std::string name(static_cast<std::size_t>(n) + 1, '\0');
      if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                             H5P_DEFAULT) < 0)
        fail(where);
      name.resize(static_cast<std::size_t>(n));
      names.push_back(std::move(name));
    }
    return names;
  }

  /// An attribute's value as text: strings as they are, numbers formatted, anything else "?".
  std::string attribute_text(hid_t attr, const std::string& where) {
    Id space(check(H5Aget_space(attr), where));
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    if (points < 0) fail(where);
    Id type(check(H5Aget_type(attr), where));
    const H5T_class_t cls = H5Tget_class(type.get());
    if (points != 1) return fmt::format("[{} values]", points);
    if (cls == H5T_STRING) {
      const htri_t vlen = H5Tis_variable_str(type.get());
      if (vlen < 0) fail(where);
      if (vlen) {
        Id mem(check(H5Tcopy(H5T_C_S1), where));
        if (H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
            H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0)
          fail(where);
        char* p = nullptr;
        if (H5Aread(attr, mem.get(), &p) < 0) fail(where);
        std::string v = p ? p : "";
        H5free_memory(p);
        charge(v.size(), 1, where);
        return v;
      }
      const std::size_t size = H5Tget_size(type.get());
      if (size == 0) fail(where);
      charge(size, 1, where);
      Id mem(check(H5Tcopy(H5T_C_S1), where));
      if (H5Tset_size(mem.get(), size) < 0 || H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0)
        fail(where);
      std::string v(size, '\0');
      if (H5Aread(attr, mem.get(), v.data()) < 0) fail(where);
      return v.substr(0, v.find('\0'));
    }
    if ((cls == H5T_FLOAT || cls == H5T_INTEGER) && !plain_number(type.get())) return "?";
    if (cls == H5T_FLOAT) {
      double v = 0;
      if (H5Aread(attr, H5T_NATIVE_DOUBLE, &v) < 0) fail(where);
      return fmt::format("{:g}", v);
    }
    if (cls == H5T_INTEGER) {
      if (H5Tget_sign(type.get()) == H5T_SGN_2) {
        long long v = 0;
        if (H5Aread(attr, H5T_NATIVE_LLONG, &v) < 0) fail(where);
        return fmt::format("{}", v);
      }
      unsigned long long v = 0;
      if (H5Aread(attr, H5T_NATIVE_ULLONG, &v) < 0) fail(where);
      return fmt::format("{}", v);
    }
    return "?";
  }

  /// Every attribute of `obj`, name and text.
  std::vector<std::pair<std::string, std::string>> attributes(hid_t obj, const std::string& where) {
    H5O_info_t info{};
    if (H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS) < 0) fail(where);
    charge(info.num_attrs, 64, where);
    std::vector<std::pair<std::string, std::string>> out;
    for (hsize_t i = 0; i < info.num_attrs; ++i) {
      Id a(check(
          H5Aopen_by_idx(obj, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT),
          where));
      const ssize_t n = H5Aget_name(a.get(), 0, nullptr);
      if (n < 0) fail(where);
      charge(static_cast<std::uint64_t>(n), 1, where);
      std::string name(static_cast<std::size_t>(n) + 1, '\0');
      if (H5Aget_name(a.get(), name.size(), name.data()) < 0) fail(where);
      name.resize(static_cast<std::size_t>(n));
      std::string value = attribute_text(a.get(), where + "." + name);
      out.emplace_back(std::move(name), std::move(value));
    }
    return out;
  }

  /// A dataset of numbers (floating point or integer), opened, or NotResult.
  Id numeric(hid_t loc, const std::string& name, const std::string& where) {
    if (!has(loc, name, where)) throw NotResult(where + ": missing");
    Id ds = open(loc, name, H5I_DATASET, where);
    Id type(check(H5Dget_type(ds.get()), where));
    const H5T_class_t cls = H5Tget_class(type.get());
    if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || !plain_number(type.get()))
      throw NotResult(fmt::format("{}: expected numbers", where));
    return ds;
  }

  /// A 1-d numeric dataset as doubles; `expected` its length when another dataset fixes it.
  std::vector<double> numbers(hid_t loc, const std::string& name, const std::string& where,
                              std::optional<hsize_t> expected = std::nullopt) {
    Id ds = numeric(loc, name, where);
    const hsize_t n = length(ds.get(), where);
    if (expected && n != *expected)
      throw NotResult(fmt::format("{}: {} values where {} were expected", where, n, *expected));
    charge(n, sizeof(double), where);
    std::vector<double> v(static_cast<std::size_t>(n));
    if (n && H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, xfer_.get(), v.data()) < 0)
      fail(where);
    return v;
  }

  /// A 1-d numeric dataset's length and its first and last values (NaN when empty), with the
  /// checks of numbers() but reading two values only: listing a large file stays fast.
  std::tuple<hsize_t, double, double> ends(hid_t loc, const std::string& name,
                                           const std::string& where) {
    Id ds = numeric(loc, name, where);
    const hsize_t n = length(ds.get(), where);
    double v[2] = {std::nan(""), std::nan("")};
    if (n) {
      Id space(check(H5Dget_space(ds.get()), where));
      const hsize_t points[2] = {0, n - 1};
      const hsize_t two = 2;
      Id mem(check(H5Screate_simple(1, &two, nullptr), where));
      if (H5Sselect_elements(space.get(), H5S_SELECT_SET, 2, points) < 0 ||
          H5Dread(ds.get(), H5T_NATIVE_DOUBLE, mem.get(), space.get(), xfer_.get(), v) < 0)
        fail(where);
    }
    return {n, v[0], v[1]};
  }

  /// A table: a 1-d dataset of compound rows with at least the columns of `mem`, each string
  /// column a string in the file and each number a number. Each row goes to `use` before the
  /// strings are released; strings are never null there.
  template <class Row>
  void table(hid_t loc, const std::string& name, const H5::CompType& mem, const std::string& where,
             const std::function<void(const Row&)>& use) {
    if (!has(loc, name, where)) throw NotResult(where + ": missing");
    Id ds = open(loc, name, H5I_DATASET, where);
    Id type(check(H5Dget_type(ds.get()), where));
    if (H5Tget_class(type.get()) != H5T_COMPOUND)
      throw NotResult(fmt::format("{}: expected a table", where));
    const int columns = H5Tget_nmembers(mem.getId());
    for (int c = 0; c < columns; ++c) {
      char* col = H5Tget_member_name(mem.getId(), static_cast<unsigned>(c));
      const std::string column = col ? col : "";
      H5free_memory(col);
      const H5T_class_t want = H5Tget_member_class(mem.getId(), static_cast<unsigned>(c));
      const int i = H5Tget_member_index(type.get(), column.c_str());
      if (i < 0) throw NotResult(fmt::format("{}: no column \"{}\"", where, column));
      const H5T_class_t got = H5Tget_member_class(type.get(), static_cast<unsigned>(i));
      Id member(check(H5Tget_member_type(type.get(), static_cast<unsigned>(i)), where));
      const bool ok = want == H5T_STRING
                          ? got == H5T_STRING
                          : (got == H5T_INTEGER || got == H5T_FLOAT) && plain_number(member.get());
      if (!ok)
        throw NotResult(fmt::format("{}: column \"{}\" is not {}", where, column,
                                    want == H5T_STRING ? "text" : "a number"));
    }
    const hsize_t n = length(ds.get(), where);
    if (!n) return;
    charge(n, sizeof(Row), where);
    std::vector<Row> rows(static_cast<std::size_t>(n));  // zeroed: null strings, not garbage
    if (H5Dread(ds.get(), mem.getId(), H5S_ALL, H5S_ALL, xfer_.get(), rows.data()) < 0) fail(where);
    struct Reclaim {
      hid_t type, xfer;
      std::vector<Row>& rows;
      ~Reclaim() {
        const hsize_t count = rows.size();
        const hid_t space = H5Screate_simple(1, &count, nullptr);
        if (space >= 0) {
          H5Dvlen_reclaim(type, space, xfer, rows.data());
          H5Sclose(space);
        }
      }
    } reclaim{mem.getId(), xfer_.get(), rows};
    for (const auto& r : rows) use(r);
  }

 private:
  static void* vlen_alloc(std::size_t size, void* info) {
    auto* left = static_cast<std::uint64_t*>(info);
    if (size > *left) return nullptr;  // HDF5 then fails the read instead of us the process
    *left -= size;
    return std::malloc(size ? size : 1);
  }
  static void vlen_free(void* p, void*) { std::free(p); }

  const h5::ErrorCapture& errors_;
  std::uint64_t file_bytes_;
  std::uint64_t budget_;
  Id xfer_;
};

/// A case's name: the group's attribute `name` where the group's own name could not hold it (a
/// '/' in "rate=20 /h" is written "%2F"), else the group's name.
std::string case_name(Reader& rd, hid_t group, const std::string& group_name,
                      const std::string& where) {
  for (auto& [attr, value] : rd.attributes(group, where))
    if (attr == "name") return std::move(value);
  return group_name;
}

std::string text(const char* s) {
  return s ? s : "";
}

/// Reads a file's contents (or a recorded run's, under the group `at`, the path in error
/// texts); with `only`, the samples of those signals and nothing else.
void read_contents(Reader& rd, hid_t file, bool with_samples, ResultContents& out,
                   const std::vector<std::string>* only = nullptr, const std::string& at = "") {
  using namespace h5;
  if (only) {
    if (!rd.has(file, "signals", at + "/signals")) throw NotResult("no " + at + "/signals group");
    Id sig = rd.open(file, "signals", H5I_GROUP, at + "/signals");
    for (const auto& name : *only) {
      const std::string where = at + "/signals/" + name;
      if (!rd.has(sig.get(), name, where)) throw NotResult(where + ": missing");
      Id g = rd.open(sig.get(), name, H5I_GROUP, where);
      ResultContents::Signal s;
      s.name = name;
      s.time = rd.numbers(g.get(), "time", where + "/time");
      s.value = rd.numbers(g.get(), "value", where + "/value", s.time.size());
      s.samples = s.time.size();
      if (!s.time.empty()) {
        s.t0 = s.time.front();
        s.t1 = s.time.back();
      }
      out.signals.push_back(std::move(s));
    }
    return;
  }
  if (!rd.has(file, "meta", at + "/meta")) throw NotResult("no " + at + "/meta group");
  Id meta = rd.open(file, "meta", H5I_GROUP, at + "/meta");
  out.meta = rd.attributes(meta.get(), at + "/meta");
  const double nan = std::nan("");
  if (rd.has(meta.get(), "layout", at + "/meta/layout")) {
    rd.table<LayoutRow>(
        meta.get(), "layout", layout_type(), at + "/meta/layout", [&](const LayoutRow& r) {
          out.components.push_back({text(r.name), text(r.type), r.x, r.y, r.capacity});
        });
  } else if (rd.has(meta.get(), "components", at + "/meta/components")) {
    rd.table<ComponentRow>(meta.get(), "components", component_type(), at + "/meta/components",
                           [&](const ComponentRow& r) {
                             out.components.push_back({text(r.name), text(r.type), nan, nan, nan});
                           });
  }
  if (rd.has(meta.get(), "relations", at + "/meta/relations"))
    rd.table<RelationRow>(
        meta.get(), "relations", relation_type(), at + "/meta/relations",
        [&](const RelationRow& r) {
          out.relations.push_back({text(r.component), text(r.relation), text(r.target)});
        });
  if (rd.has(meta.get(), "links", at + "/meta/links"))
    rd.table<LinkRow>(meta.get(), "links", link_type(), at + "/meta/links",
                      [&](const LinkRow& r) { out.links.emplace_back(text(r.from), text(r.to)); });
  if (rd.has(file, "signals", at + "/signals")) {
    Id sig = rd.open(file, "signals", H5I_GROUP, at + "/signals");
    for (const auto& name : rd.members(sig.get(), at + "/signals")) {
      const std::string where = at + "/signals/" + name;
      ResultContents::Signal s;
      s.name = name;
      if (!rd.has(sig.get(), name, where)) throw NotResult(where + ": missing");
      Id g = rd.open(sig.get(), name, H5I_GROUP, where);
      const htri_t unit = H5Aexists(g.get(), "unit");
      if (unit < 0) rd.fail(where);
      if (unit) {
        Id a(rd.check(H5Aopen(g.get(), "unit", H5P_DEFAULT), where + ".unit"));
        s.unit = rd.attribute_text(a.get(), where + ".unit");
      }
      if (with_samples) {
        std::vector<double> time = rd.numbers(g.get(), "time", where + "/time");
        s.samples = time.size();
        if (!time.empty()) {
          s.t0 = time.front();
          s.t1 = time.back();
        }
        s.value = rd.numbers(g.get(), "value", where + "/value", time.size());
        s.time = std::move(time);
      } else {
        std::tie(s.samples, s.t0, s.t1) = rd.ends(g.get(), "time", where + "/time");
        if (!s.samples) s.t0 = s.t1 = 0;
      }
      out.signals.push_back(std::move(s));
    }
  }
  if (rd.has(file, "events", at + "/events"))
    rd.table<EventRow>(file, "events", event_type(), at + "/events", [&](const EventRow& r) {
      out.events.push_back({r.time, text(r.component), text(r.kind), text(r.detail)});
    });
  if (rd.has(file, "inputs", at + "/inputs"))
    rd.table<InputRow>(file, "inputs", input_type(), at + "/inputs", [&](const InputRow& r) {
      out.inputs.push_back({r.time, text(r.target), r.value, text(r.origin)});
    });
  if (rd.has(file, "measurements", at + "/measurements"))
    rd.table<InputRow>(
        file, "measurements", input_type(), at + "/measurements", [&](const InputRow& r) {
          out.measurements.push_back({r.time, text(r.target), r.value, text(r.origin)});
        });
  if (rd.has(meta.get(), "warnings", at + "/meta/warnings"))
    rd.table<WarningRow>(
        meta.get(), "warnings", warning_type(), at + "/meta/warnings", [&](const WarningRow& r) {
          out.warnings.push_back({r.time, text(r.source), text(r.message),
                                  static_cast<std::uint64_t>(std::max(1.0, r.count))});
        });
  auto kpi_rows = [&](hid_t loc, const std::string& name, const std::string& where, bool summary) {
    std::vector<plantwin::KpiRow> rows;
    if (summary)
      rd.table<SummaryRow>(loc, name, summary_type(), where, [&](const SummaryRow& r) {
        rows.push_back({text(r.component), text(r.name), r.mean, r.half_width, text(r.unit)});
      });
    else
      rd.table<h5::KpiRow>(loc, name, kpi_type(), where, [&](const h5::KpiRow& r) {
        rows.push_back({text(r.component), text(r.name), r.value, r.half_width, text(r.unit)});
      });
    return rows;
  };
  if (rd.has(file, "kpi", at + "/kpi")) out.kpis = kpi_rows(file, "kpi", at + "/kpi", false);
  if (rd.has(file, "cases", at + "/cases")) {
    Id cases = rd.open(file, "cases", H5I_GROUP, at + "/cases");
    for (const auto& name : rd.members(cases.get(), at + "/cases")) {
      const std::string where = at + "/cases/" + name;
      ResultContents::Case c;
      c.name = name;
      if (!rd.has(cases.get(), name, where)) throw NotResult(where + ": missing");
      Id g = rd.open(cases.get(), name, H5I_GROUP, where);
      c.name = case_name(rd, g.get(), name, where);
      for (auto& [attr, value] : rd.attributes(g.get(), where))
        if (attr == "overrides") c.overrides = std::move(value);
      c.summary = kpi_rows(g.get(), "summary", where + "/summary", true);
      if (rd.has(g.get(), "runs", where + "/runs")) {
        // Recorded replications: groups named by their number, read one at a time later.
        Id runs = rd.open(g.get(), "runs", H5I_GROUP, where + "/runs");
        for (const auto& run : rd.members(runs.get(), where + "/runs")) {
          const std::string at_run = where + "/runs/" + run;
          if (run.empty() || run.size() > 6 ||
              run.find_first_not_of("0123456789") != std::string::npos)
            throw NotResult(at_run + ": expected a replication number");
          rd.has(runs.get(), run, at_run);  // a hard link, not one to elsewhere
          rd.open(runs.get(), run, H5I_GROUP, at_run);
          c.runs.push_back(std::stoi(run));
        }
        std::sort(c.runs.begin(), c.runs.end());
      }
      rd.table<ReplicationRow>(
          g.get(), "replications", replication_type(), where + "/replications",
          [&](const ReplicationRow& r) {
            // A replication index beyond what plantwin runs (1e6) is a
            // corrupt file, not a reason to allocate.
            if (r.replication < 0 || r.replication >= 1000000)
              throw NotResult(fmt::format("{}/replications: replication index {} out of range",
                                          where, r.replication));
            const auto k = static_cast<std::size_t>(r.replication);
            if (k >= c.replications.size()) c.replications.resize(k + 1);
            c.replications[k].push_back({text(r.component), text(r.name), r.value, nan, ""});
          });
      out.cases.push_back(std::move(c));
    }
  }
}

}  // namespace

namespace {

/// The reader's answer in bytes, from the child process that read the file to its parent.
class Wire {
 public:
  // Writing.
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(const std::string& v) {
    u64(v.size());
    bytes_.append(v);
  }
  void doubles(const std::vector<double>& v) {
    u64(v.size());
    raw(v.data(), v.size() * sizeof(double));
  }
  void kpis(const std::vector<plantwin::KpiRow>& rows) {
    u64(rows.size());
    for (const auto& k : rows) {
      str(k.component);
      str(k.name);
      f64(k.value);
      f64(k.half_width);
      str(k.unit);
    }
  }
  void contents(const ResultContents& r) {
    u64(r.meta.size());
    for (const auto& [k, v] : r.meta) {
      str(k);
      str(v);
    }
    u64(r.components.size());
    for (const auto& c : r.components) {
      str(c.name);
      str(c.type);
      f64(c.x);
      f64(c.y);
      f64(c.capacity);
    }
    u64(r.links.size());
    for (const auto& [a, b] : r.links) {
      str(a);
      str(b);
    }
    u64(r.relations.size());
    for (const auto& rel : r.relations) {
      str(rel.component);
      str(rel.relation);
      str(rel.target);
    }
    u64(r.signals.size());
    for (const auto& sg : r.signals) {
      str(sg.name);
      str(sg.unit);
      u64(sg.samples);
      f64(sg.t0);
      f64(sg.t1);
      doubles(sg.time);
      doubles(sg.value);
    }
    u64(r.events.size());
    for (const auto& e : r.events) {
      f64(e.time);
      str(e.component);
      str(e.kind);
      str(e.detail);
    }
    for (const auto* list : {&r.inputs, &r.measurements}) {
      u64(list->size());
      for (const auto& in : *list) {
        f64(in.time);
        str(in.target);
        f64(in.value);
        str(in.origin);
      }
    }
    u64(r.warnings.size());
    for (const auto& w : r.warnings) {
      f64(w.time);
      str(w.source);
      str(w.message);
      u64(w.count);
    }
    kpis(r.kpis);
    u64(r.cases.size());
    for (const auto& c : r.cases) {
      str(c.name);
      str(c.overrides);
      kpis(c.summary);
      u64(c.replications.size());
      for (const auto& rep : c.replications) kpis(rep);
      u64(c.runs.size());
      for (const int run : c.runs) u64(static_cast<std::uint64_t>(run));
    }
  }
  std::string& bytes() { return bytes_; }

  // Reading, every count checked against what is left.
  explicit Wire(std::string bytes = {}) : bytes_(std::move(bytes)) {}
  std::uint64_t get_u64() {
    std::uint64_t v = 0;
    take(&v, sizeof v);
    return v;
  }
  double get_f64() {
    double v = 0;
    take(&v, sizeof v);
    return v;
  }
  std::size_t count(std::size_t min_each) {
    const std::uint64_t n = get_u64();
    if (n > (bytes_.size() - at_) / std::max<std::size_t>(min_each, 1)) short_read();
    return static_cast<std::size_t>(n);
  }
  std::string get_str() {
    const std::size_t n = count(1);
    std::string v = bytes_.substr(at_, n);
    at_ += n;
    return v;
  }
  std::vector<double> get_doubles() {
    std::vector<double> v(count(sizeof(double)));
    take(v.data(), v.size() * sizeof(double));
    return v;
  }
  std::vector<plantwin::KpiRow> get_kpis() {
    std::vector<plantwin::KpiRow> rows(count(40));
    for (auto& k : rows) {
      k.component = get_str();
      k.name = get_str();
      k.value = get_f64();
      k.half_width = get_f64();
      k.unit = get_str();
    }
    return rows;
  }
  ResultContents get_contents() {
    ResultContents r;
    r.meta.resize(count(16));
    for (auto& [k, v] : r.meta) {
      k = get_str();
      v = get_str();
    }
    r.components.resize(count(40));
    for (auto& c : r.components) {
      c.name = get_str();
      c.type = get_str();
      c.x = get_f64();
      c.y = get_f64();
      c.capacity = get_f64();
    }
    r.links.resize(count(16));
    for (auto& [a, b] : r.links) {
      a = get_str();
      b = get_str();
    }
    r.relations.resize(count(24));
    for (auto& rel : r.relations) {
      rel.component = get_str();
      rel.relation = get_str();
      rel.target = get_str();
    }
    r.signals.resize(count(56));
    for (auto& sg : r.signals) {
      sg.name = get_str();
      sg.unit = get_str();
      sg.samples = static_cast<std::size_t>(get_u64());
      sg.t0 = get_f64();
      sg.t1 = get_f64();
      sg.time = get_doubles();
      sg.value = get_doubles();
    }
    r.events.resize(count(32));
    for (auto& e : r.events) {
      e.time = get_f64();
      e.component = get_str();
      e.kind = get_str();
      e.detail = get_str();
    }
    for (auto* list : {&r.inputs, &r.measurements}) {
      list->resize(count(32));
      for (auto& in : *list) {
        in.time = get_f64();
        in.target = get_str();
        in.value = get_f64();
        in.origin = get_str();
      }
    }
    r.warnings.resize(count(32));
    for (auto& w : r.warnings) {
      w.time = get_f64();
      w.source = get_str();
      w.message = get_str();
      w.count = get_u64();
    }
    r.kpis = get_kpis();
    r.cases.resize(count(40));
    for (auto& c : r.cases) {
      c.name = get_str();
      c.overrides = get_str();
      c.summary = get_kpis();
      c.replications.resize(count(8));
      for (auto& rep : c.replications) rep = get_kpis();
      c.runs.resize(count(8));
      for (auto& run : c.runs) run = static_cast<int>(get_u64());
    }
    if (at_ != bytes_.size()) short_read();
    return r;
  }

 private:
  void raw(const void* p, std::size_t n) { bytes_.append(static_cast<const char*>(p), n); }
  void take(void* p, std::size_t n) {
    if (n > bytes_.size() - at_) short_read();
    if (n) std::memcpy(p, bytes_.data() + at_, n);
    at_ += n;
  }
  [[noreturn]] static void short_read() {
    throw std::runtime_error("the reader's answer is garbled");
  }
  std::string bytes_;
  std::size_t at_ = 0;
};

bool write_all(int fd, const std::string& bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

namespace {

/// A recorded run of an experiment file: its case's name and its replication.
struct RunAddress {
  std::string case_name;
  int replication = 0;
};

/// The group of a recorded run (RunAddress), opened, and its path for error texts.
std::pair<Id, std::string> open_run(Reader& rd, hid_t file, const RunAddress& run) {
  if (!rd.has(file, "cases", "/cases")) throw NotResult("no /cases group: not an experiment file");
  Id cases = rd.open(file, "cases", H5I_GROUP, "/cases");
  std::vector<std::string> names;
  for (const auto& name : rd.members(cases.get(), "/cases")) {
    const std::string where = "/cases/" + name;
    if (!rd.has(cases.get(), name, where)) throw NotResult(where + ": missing");
    Id g = rd.open(cases.get(), name, H5I_GROUP, where);
    names.push_back(case_name(rd, g.get(), name, where));
    if (names.back() != run.case_name) continue;
    const std::string at = fmt::format("{}/runs/{}", where, run.replication);
    const std::string number = fmt::format("{}", run.replication);
    if (!rd.has(g.get(), "runs", where + "/runs"))
      throw NotResult(at + ": missing (that replication's run was not recorded)");
    Id runs = rd.open(g.get(), "runs", H5I_GROUP, where + "/runs");
    if (!rd.has(runs.get(), number, at))
      throw NotResult(at + ": missing (that replication's run was not recorded)");
    return {rd.open(runs.get(), number, H5I_GROUP, at), at};
  }
  throw NotResult(fmt::format("/cases: no case \"{}\" (the file's cases: {})", run.case_name,
                              names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
}

ResultContents read_in_process(const std::string& path, bool with_samples,
                               const std::vector<std::string>* only,
                               const RunAddress* run = nullptr) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw std::runtime_error(path + ": no such file");
    throw std::runtime_error(
        fmt::format("{}: cannot read: {}", path, std::generic_category().message(errno)));
  }
  auto not_result = [&](const std::string& why) {
    return std::runtime_error(fmt::format("{}: not a plantwin result file: {}", path, why));
  };
  if (!S_ISREG(st.st_mode))
    throw not_result(S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file");
  if (::access(path.c_str(), R_OK) != 0)
    throw std::runtime_error(
        fmt::format("{}: cannot read: {}", path, std::generic_category().message(errno)));
  h5::ErrorCapture errors;
  ResultContents out;
  try {
    const htri_t is_h5 = H5Fis_hdf5(path.c_str());
    if (is_h5 == 0) throw NotResult("not an HDF5 file");
    Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (is_h5 < 0 || file.get() < 0) throw NotResult(errors.text("HDF5 cannot open it"));
    Reader rd(errors, static_cast<std::uint64_t>(st.st_size));
    if (run) {
      const auto [group, at] = open_run(rd, file.get(), *run);
      read_contents(rd, group.get(), true, out, nullptr, at);
    } else {
      read_contents(rd, file.get(), with_samples, out, only);
    }
  } catch (const NotResult& e) {
    throw not_result(e.what());
  } catch (const H5::Exception& e) {
    throw not_result(errors.text(e.getDetailMsg()));
  }
  return out;
}

ResultContents read_in_child(const std::string& path, bool with_samples,
                             const std::vector<std::string>* only, double time_limit_s,
                             const RunAddress* run = nullptr) {
  // libhdf5 1.10 itself reads past buffers and crashes on some corrupt files (found by
  // tests/fuzz/fuzz_results.cpp), which no check before the call can rule out. So the file is
  // read in a child process: whatever a corrupt file does to libhdf5 stays there, and the
  // parent says why it got no answer. The checks above still run in the child, so a file that
  // merely breaks the layout gets its precise message.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(
        fmt::format("{}: cannot read: {}", path, std::generic_category().message(errno)));
  std::fflush(nullptr);  // no buffered output is written twice
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(
        fmt::format("{}: cannot read: {}", path, std::generic_category().message(e)));
  }
  if (pid == 0) {
    ::close(fds[0]);
    // A crash here must end this process quietly, not run the parent's crash handlers.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    // glibc's "free(): invalid pointer" and the like from a crashing libhdf5 are noise: the
    // parent says what happened.
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) ::dup2(null, STDERR_FILENO);
    // libhdf5 sizes some buffers from the file (a corrupt vlen length asks for gigabytes): the
    // child may map only what the reader's own budget allows on top of what it inherited.
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
      unsigned long long pages = 0;
      if (std::fscanf(f, "%llu", &pages) == 1) {
        struct stat st {};
        const unsigned long long file_bytes =
            ::stat(path.c_str(), &st) == 0 ? static_cast<unsigned long long>(st.st_size) : 0;
        const unsigned long long limit = pages * static_cast<unsigned long long>(::getpagesize()) +
                                         (512ULL << 20) + 1100 * std::min(file_bytes, 1ULL << 40);
        const rlimit lim{limit, limit};
        ::setrlimit(RLIMIT_AS, &lim);
      }
      std::fclose(f);
    }
    Wire w;
    try {
      const ResultContents r = read_in_process(path, with_samples, only, run);
      w.u64(0);
      w.contents(r);
    } catch (const std::exception& e) {
      w.u64(1);
      w.str(e.what());
    } catch (...) {
      w.u64(1);
      w.str(path + ": not a plantwin result file: unexpected error");
    }
    ::_exit(write_all(fds[1], w.bytes()) ? 0 : 3);  // no atexit handlers: the parent owns them
  }
  ::close(fds[1]);
  // libhdf5 loops for ever on some corrupt files: the child gets a deadline that a healthy read
  // of a file this size meets many times over (10 s plus 1 s per 2 MB).
  struct stat st {};
  const double limit_s =
      time_limit_s > 0
          ? time_limit_s
          : 10 + (::stat(path.c_str(), &st) == 0 ? static_cast<double>(st.st_size) / 2e6 : 0.0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  std::string answer;
  bool late = false;
  char buf[1 << 16];
  for (;;) {
    const double left =
        std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    pollfd p{fds[0], POLLIN, 0};
    const int ready =
        left > 0 ? ::poll(&p, 1, static_cast<int>(std::min(left * 1000, 6e4)) + 1) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0 && left > 0) continue;
    if (ready <= 0) {
      late = true;
      ::kill(pid, SIGKILL);
      break;
    }
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  auto not_result = [&](const std::string& why) {
    return std::runtime_error(fmt::format("{}: not a plantwin result file: {}", path, why));
  };
  if (late)
    throw not_result(
        fmt::format("the HDF5 library did not finish reading it within {:.0f} s", limit_s));
  if (WIFSIGNALED(status))
    throw not_result(
        fmt::format("the HDF5 library crashed reading it ({})", ::strsignal(WTERMSIG(status))));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw not_result("the HDF5 library failed reading it");
  Wire w(std::move(answer));
  std::string error;
  ResultContents out;
  try {
    if (w.get_u64() != 0)
      error = w.get_str();
    else
      out = w.get_contents();
  } catch (const std::exception&) {
    throw not_result("the reader's answer is garbled");
  }
  if (!error.empty()) throw std::runtime_error(error);
  return out;
}

}  // namespace

ResultContents read_result_file_in_process(const std::string& path, bool with_samples) {
  return read_in_process(path, with_samples, nullptr);
}

ResultContents read_result_file(const std::string& path, bool with_samples, double time_limit_s) {
  return read_in_child(path, with_samples, nullptr, time_limit_s);
}

ResultContents read_result_run(const std::string& path, const std::string& case_name,
                               int replication, double time_limit_s) {
  const RunAddress run{case_name, replication};
  return read_in_child(path, true, nullptr, time_limit_s, &run);
}

ResultContents read_result_run_in_process(const std::string& path, const std::string& case_name,
                                          int replication) {
  const RunAddress run{case_name, replication};
  return read_in_process(path, true, nullptr, &run);
}

ResultContents read_result_signals(const std::string& path, const std::vector<std::string>& names,
                                   double time_limit_s) {
  return read_in_child(path, true, &names, time_limit_s);
}

}  // namespace plantwin
