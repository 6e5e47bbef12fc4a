#include <doctest/doctest.h>

#include <H5Cpp.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include <fmt/format.h>

#include "plantwin/output_file.h"
#include "plantwin/results.h"
#include "plantwin/runner.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

const char* kYaml = R"Y(name: results test
horizon: 2 h
warmup: 10 min
components:
  arrivals: {type: source, interarrival: exponential(50 s)}
  q: {type: buffer, capacity: 20}
  m: {type: machine, process_time: exponential(40 s), ttf: exponential(30 min), ttr: exponential(3 min)}
  out: {type: sink}
flow: ["arrivals -> q -> m -> out"]
record: {period: 30 s, signals: [q.level, m.state]}
)Y";

std::string write_run(const std::string& name, const std::vector<std::string>& sets) {
  const auto dir = std::filesystem::temp_directory_path() / "plantwin_results_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  Sim sim(compile_text(kYaml, sets));
  sim.run();
  write_result_file(path, sim, RunInfo{});
  return path;
}

std::vector<double> read_doubles(const std::string& file, const std::string& dataset) {
  H5::H5File f(file, H5F_ACC_RDONLY);
  H5::DataSet ds = f.openDataSet(dataset);
  hsize_t n = 0;
  ds.getSpace().getSimpleExtentDims(&n);
  std::vector<double> v(n);
  ds.read(v.data(), H5::PredType::NATIVE_DOUBLE);
  return v;
}

}  // namespace

TEST_CASE("the same seed gives bit-identical datasets; another seed different ones") {
  const auto a = write_run("a.h5", {});
  const auto b = write_run("b.h5", {});
  const auto c = write_run("c.h5", {"seed=7"});
  for (const char* ds :
       {"/signals/q.level/value", "/signals/m.state/value", "/signals/q.level/time"}) {
    CAPTURE(ds);
    const auto va = read_doubles(a, ds), vb = read_doubles(b, ds);
    REQUIRE(va.size() == vb.size());
    CHECK(std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) == 0);
  }
  CHECK(read_doubles(a, "/signals/q.level/value") != read_doubles(c, "/signals/q.level/value"));
}

TEST_CASE("a result file holds meta, signals, events and KPIs as documented") {
  const auto path = write_run("layout.h5", {});
  const ResultContents s = read_result_file(path);
  std::map<std::string, std::string> meta(s.meta.begin(), s.meta.end());
  CHECK(meta["scenario_name"] == "results test");
  CHECK(meta["seed"] == "1");
  CHECK(meta["status"] == "complete");
  CHECK(meta["horizon_s"] == "7200");
  CHECK(meta["scenario_text"] == kYaml);
  REQUIRE(s.signals.size() == 2);
  CHECK(s.signals[0].samples == 241);  // 0, 30 s, ..., 2 h
  CHECK(s.signals[0].t1 == 7200);
  CHECK(!s.events.empty());
  bool found = false;
  for (const auto& k : s.kpis)
    if (k.component == "line" && k.name == "throughput") {
      found = true;
      CHECK(k.value > 0);
      CHECK(k.half_width > 0);
    }
  CHECK(found);
}

TEST_CASE("a run stopped part-way writes a readable file marked partial") {
  Sim sim(compile_text(kYaml));
  std::atomic<bool> stop{true};
  CHECK_FALSE(sim.run(&stop));
  const auto path = (std::filesystem::temp_directory_path() / "plantwin_partial.h5").string();
  write_result_file(path, sim, RunInfo{"partial", "", 0});
  const ResultContents s = read_result_file(path);
  std::map<std::string, std::string> meta(s.meta.begin(), s.meta.end());
  CHECK(meta["status"] == "partial");
  CHECK(std::stod(meta["end_time_s"]) < 7200);
}

TEST_CASE("writing to an impossible path says which path") {
  Sim sim(compile_text(kYaml));
  sim.run();
  CHECK_THROWS_WITH(write_result_file("/nonexistent/dir/x.h5", sim, RunInfo{}),
                    doctest::Contains("/nonexistent/dir/x.h5: cannot write the result file"));
}

// Faults while writing: the target is replaced whole or not at all, temporary files never follow
// links and never outlive the writer, and non-regular targets are refused.

namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("plantwin_results_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::directory_iterator(dir)) v.push_back(e.path().filename());
  std::sort(v.begin(), v.end());
  return v;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void put(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

/// A finished run of kYaml, for the writers.
const Sim& finished_run() {
  static const Sim sim = [] {
    Sim s(compile_text(kYaml));
    s.run();
    return s;
  }();
  return sim;
}

}  // namespace

TEST_CASE("a device node as the output is refused and stays a device") {
  // As root, `--output /dev/full` used to rename the temporary file over the device node.
  CHECK_THROWS_WITH(write_result_file("/dev/full", finished_run(), RunInfo{}),
                    "/dev/full: cannot write the result file: it is a device; plantwin replaces "
                    "only regular files");
  CHECK_THROWS_WITH(check_output_path("/dev/full", "the result file"),
                    doctest::Contains("it is a device"));
  CHECK(std::filesystem::is_character_file("/dev/full"));
}

TEST_CASE("a directory, a link or a missing folder as the output is refused before any write") {
  const auto dir = fresh_dir("targets");
  std::filesystem::create_directory(dir / "sub");
  put(dir / "victim", "keep");
  std::filesystem::create_symlink(dir / "victim", dir / "link.h5");
  SUBCASE("directory") {
    CHECK_THROWS_WITH(check_output_path((dir / "sub").string(), "the result file"),
                      doctest::Contains("sub: cannot write the result file: it is a directory"));
    CHECK_THROWS_WITH(write_kpi_json((dir / "sub").string(), finished_run(), RunInfo{}),
                      doctest::Contains("sub: cannot write the JSON file: it is a directory"));
  }
  SUBCASE("symbolic link") {
    CHECK_THROWS_WITH(write_result_file((dir / "link.h5").string(), finished_run(), RunInfo{}),
                      doctest::Contains("link.h5: cannot write the result file: it is a "
                                        "symbolic link"));
  }
  SUBCASE("missing folder") {
    const std::string want = (dir / "nope" / "x.h5").string() +
                             ": cannot write the result file: the folder " +
                             (dir / "nope").string() + " does not exist";
    CHECK_THROWS_WITH(check_output_path((dir / "nope" / "x.h5").string(), "the result file"),
                      want.c_str());
  }
  CHECK(slurp(dir / "victim") == "keep");
  CHECK(names_in(dir) == std::vector<std::string>{"link.h5", "sub", "victim"});
}

TEST_CASE("a link at the old temporary name is not followed") {
  // Old versions wrote `x.h5.tmp` next to the target, following a link planted there.
  const auto dir = fresh_dir("tmp_link");
  put(dir / "victim", "keep");
  std::filesystem::create_symlink(dir / "victim", dir / "x.h5.tmp");
  std::filesystem::create_symlink(dir / "victim", dir / "k.json.tmp");
  write_result_file((dir / "x.h5").string(), finished_run(), RunInfo{});
  write_kpi_json((dir / "k.json").string(), finished_run(), RunInfo{});
  CHECK(slurp(dir / "victim") == "keep");
  CHECK(read_result_file((dir / "x.h5").string()).signals.size() == 2);
  CHECK(slurp(dir / "k.json").find("\"kpis\"") != std::string::npos);
  CHECK(names_in(dir) ==
        std::vector<std::string>{"k.json", "k.json.tmp", "victim", "x.h5", "x.h5.tmp"});
}

TEST_CASE("a rewrite replaces the old result whole and leaves no temporary file") {
  const auto dir = fresh_dir("rewrite");
  put(dir / "x.h5", "old");
  write_result_file((dir / "x.h5").string(), finished_run(), RunInfo{});
  write_file_atomically((dir / "t.csv").string(), "a,b\n", "the CSV file");
  write_file_atomically((dir / "t.csv").string(), "c,d\n", "the CSV file");
  CHECK(slurp(dir / "t.csv") == "c,d\n");
  CHECK(read_result_file((dir / "x.h5").string()).kpis.size() > 0);
  CHECK(names_in(dir) == std::vector<std::string>{"t.csv", "x.h5"});
}

TEST_CASE("temporary files of dead writers are removed, those of live ones kept") {
  const auto dir = fresh_dir("stale");
  // A pid above the kernel's maximum (2^22) belongs to no process.
  const std::string dead = ".x.h5.4194309-00000000deadbeef.tmp";
  const std::string live = fmt::format(".x.h5.{}-00000000cafebabe.tmp", ::getpid());
  const std::string other = ".y.h5.4194309-00000000deadbeef.tmp";
  for (const auto& n : {dead, live, other}) put(dir / n, "partial");
  write_result_file((dir / "x.h5").string(), finished_run(), RunInfo{});
  CHECK(names_in(dir) == std::vector<std::string>{live, other, "x.h5"});
}

// The reader trusts nothing: each of these files once crashed plantwin info or the viewer.

namespace {

/// A result file of kYaml, changed by `edit` (with HDF5's C++ API) before it is read back.
std::string edited_run(const std::string& name, const std::function<void(H5::H5File&)>& edit) {
  const auto path = write_run(name, {});
  H5::H5File f(path, H5F_ACC_RDWR);
  edit(f);
  f.close();
  return path;
}

std::string read_error(const std::string& path) {
  try {
    read_result_file(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("an attribute stored as an array is shown as a count, not read over the stack") {
  const auto path = edited_run("array_attr.h5", [](H5::H5File& f) {
    H5::Group meta = f.openGroup("/meta");
    meta.removeAttr("seed");
    const hsize_t n = 100;
    const std::vector<double> v(n, 1.0);
    meta.createAttribute("seed", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, &n))
        .write(H5::PredType::NATIVE_DOUBLE, v.data());
    H5::Group g = f.openGroup("/signals/q.level");
    g.removeAttr("unit");
    g.createAttribute("unit", H5::PredType::NATIVE_INT, H5::DataSpace(1, &n));
  });
  const ResultContents s = read_result_file(path);
  std::map<std::string, std::string> meta(s.meta.begin(), s.meta.end());
  CHECK(meta["seed"] == "[100 values]");
  for (const auto& sig : s.signals)
    if (sig.name == "q.level") CHECK(sig.unit == "[100 values]");
}

TEST_CASE("a signal with a 2-d time dataset is refused with its path") {
  const auto path = edited_run("time_2d.h5", [](H5::H5File& f) {
    H5::Group g = f.openGroup("/signals/q.level");
    g.unlink("time");
    const hsize_t dims[2] = {300, 300};
    g.createDataSet("time", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(2, dims));
  });
  CHECK(read_error(path) == path +
                                ": not a plantwin result file: /signals/q.level/time: expected a "
                                "1-d dataset, got 2 dimensions");
}

TEST_CASE("a signal whose values outnumber its times is refused") {
  const auto path = edited_run("long_value.h5", [](H5::H5File& f) {
    H5::Group g = f.openGroup("/signals/q.level");
    g.unlink("value");
    const hsize_t n = 100000;
    g.createDataSet("value", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, &n));
  });
  CHECK(read_error(path) == path +
                                ": not a plantwin result file: /signals/q.level/value: 100000 "
                                "values where 241 were expected");
}

TEST_CASE("datasets claiming more rows than the file can hold are refused, not allocated") {
  // Chunked datasets with no chunk written: a few bytes on disk, any length claimed.
  auto huge = [](H5::Group& g, const std::string& name, const H5::DataType& type, hsize_t n) {
    const hsize_t chunk = 1024, max = H5S_UNLIMITED;
    H5::DSetCreatPropList props;
    props.setChunk(1, &chunk);
    g.createDataSet(name, type, H5::DataSpace(1, &n, &max), props);
  };
  SUBCASE("a signal of 2^40 samples") {
    const auto path = edited_run("huge_time.h5", [&](H5::H5File& f) {
      H5::Group g = f.openGroup("/signals/q.level");
      g.unlink("time");
      huge(g, "time", H5::PredType::NATIVE_DOUBLE, hsize_t{1} << 40);
    });
    CHECK(read_error(path) == path +
                                  ": not a plantwin result file: /signals/q.level/time: claims "
                                  "more data than the file can hold");
  }
  SUBCASE("a signal of 3 samples in chunks of 1 GB (libhdf5 allocates a whole chunk)") {
    const auto path = edited_run("huge_chunk.h5", [&](H5::H5File& f) {
      H5::Group g = f.openGroup("/signals/q.level");
      g.unlink("time");
      const hsize_t n = 3, chunk = hsize_t{1} << 27, max = H5S_UNLIMITED;
      H5::DSetCreatPropList props;
      props.setChunk(1, &chunk);
      g.createDataSet("time", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, &n, &max), props);
    });
    CHECK(read_error(path) == path +
                                  ": not a plantwin result file: /signals/q.level/time: chunks "
                                  "of 1073741824 bytes, more than the file can hold");
  }
  SUBCASE("an event table of 2^62 rows (2^67 bytes: the size must not wrap)") {
    const auto path = edited_run("huge_events.h5", [&](H5::H5File& f) {
      H5::DataSet old = f.openDataSet("/events");
      const H5::CompType type = old.getCompType();
      old.close();
      f.unlink("/events");
      H5::Group root = f.openGroup("/");
      huge(root, "events", type, hsize_t{1} << 62);
    });
    CHECK(read_error(path) ==
          path + ": not a plantwin result file: /events: claims more data than the file can hold");
  }
}

TEST_CASE("a table without a column, or with text stored as numbers, is refused") {
  SUBCASE("missing column") {
    const auto path = edited_run("kpi_columns.h5", [](H5::H5File& f) {
      f.unlink("/kpi");
      H5::CompType t(sizeof(double));
      t.insertMember("half_width", 0, H5::PredType::NATIVE_DOUBLE);
      const hsize_t n = 3;
      f.createDataSet("/kpi", t, H5::DataSpace(1, &n));
    });
    CHECK(read_error(path) == path + ": not a plantwin result file: /kpi: no column \"component\"");
  }
  SUBCASE("times as 32-byte floats (libhdf5 sizes its conversion buffers from them)") {
    const auto path = edited_run("wide_float_time.h5", [](H5::H5File& f) {
      H5::Group g = f.openGroup("/signals/q.level");
      g.unlink("time");
      H5::FloatType wide(H5::PredType::NATIVE_DOUBLE);
      wide.setSize(32);
      const hsize_t n = 3;
      g.createDataSet("time", wide, H5::DataSpace(1, &n));
    });
    CHECK(read_error(path) ==
          path + ": not a plantwin result file: /signals/q.level/time: expected numbers");
  }
  SUBCASE("numbers for text") {
    const auto path = edited_run("event_kinds.h5", [](H5::H5File& f) {
      f.unlink("/events");
      struct Row {
        double time;
        int component, kind, detail;
      };
      H5::CompType t(sizeof(Row));
      t.insertMember("time", HOFFSET(Row, time), H5::PredType::NATIVE_DOUBLE);
      t.insertMember("component", HOFFSET(Row, component), H5::PredType::NATIVE_INT);
      t.insertMember("kind", HOFFSET(Row, kind), H5::PredType::NATIVE_INT);
      t.insertMember("detail", HOFFSET(Row, detail), H5::PredType::NATIVE_INT);
      const hsize_t n = 2;
      const Row rows[2] = {{1, 2, 3, 4}, {5, 6, 7, 8}};
      f.createDataSet("/events", t, H5::DataSpace(1, &n)).write(rows, t);
    });
    CHECK(read_error(path) ==
          path + ": not a plantwin result file: /events: column \"component\" is not text");
  }
}

TEST_CASE("files that are no HDF5 result say why") {
  const auto dir = fresh_dir("not_results");
  put(dir / "text.h5", "horizon: 1 h\n");
  CHECK(read_error((dir / "text.h5").string()) ==
        (dir / "text.h5").string() + ": not a plantwin result file: not an HDF5 file");
  CHECK(read_error(dir.string()) ==
        dir.string() + ": not a plantwin result file: it is a directory");
  const std::string whole = slurp(write_run("whole.h5", {}));
  put(dir / "truncated.h5", whole.substr(0, whole.size() / 2));
  CHECK(read_error((dir / "truncated.h5").string())
            .starts_with((dir / "truncated.h5").string() + ": not a plantwin result file: "));
  const auto no_meta = edited_run("no_meta.h5", [](H5::H5File& f) { f.unlink("/meta"); });
  CHECK(read_error(no_meta) == no_meta + ": not a plantwin result file: no /meta group");
}

TEST_CASE("every file the fuzzer found is refused with a reason, none crashes the reader") {
  const std::filesystem::path dir =
      std::filesystem::path(PLANTWIN_SOURCE_DIR) / "tests/fuzz/regressions/results";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".h5") continue;
    const std::string path = e.path().string();
    CAPTURE(path);
    CHECK(read_error(path).starts_with(path + ": not a plantwin result file: "));
    ++n;
  }
  CHECK(n >= 18);
}

TEST_CASE("links to other objects or files are not followed") {
  const auto soft = edited_run("soft_link.h5", [](H5::H5File& f) {
    f.unlink("/events");
    f.link(H5L_TYPE_SOFT, "/kpi", "/events");
  });
  CHECK(read_error(soft) ==
        soft + ": not a plantwin result file: /events: a link to another object or file");
  const auto external = edited_run("external_link.h5", [](H5::H5File& f) {
    f.unlink("/kpi");
    H5Lcreate_external("/etc/passwd", "/", f.getId(), "kpi", H5P_DEFAULT, H5P_DEFAULT);
  });
  CHECK(read_error(external) ==
        external + ": not a plantwin result file: /kpi: a link to another object or file");
}

TEST_CASE("a result file keeps the applied inputs, the runner's grid and the warnings") {
  auto model = compile_text(kYaml);
  Sim sim(model);
  Runner runner(sim, Runner::Options{120, 0});
  runner.push(Input{600, "q.capacity", 5, "operator"});
  runner.push(Input{std::nan(""), "q.capacity", 8, "feed"});
  CHECK(runner.run());
  sim.warn(model->component(model->find_component("m")), "a test warning");
  const auto dir = std::filesystem::temp_directory_path() / "plantwin_results_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "inputs.h5").string();
  RunInfo info;
  info.runner_chunks = 120;
  write_result_file(path, sim, info);
  const ResultContents s = read_result_file(path);
  REQUIRE(s.inputs.size() == 2);
  CHECK(s.inputs[0].time == 0);  // the untimed input: at once, where the run starts
  CHECK(s.inputs[0].origin == "feed");
  CHECK(s.inputs[1].time == 600);
  CHECK(s.inputs[1].target == "q.capacity");
  CHECK(s.inputs[1].value == 5);
  REQUIRE(s.warnings.size() == 1);
  CHECK(s.warnings[0].source == "m");
  CHECK(s.warnings[0].message == "a test warning");
  CHECK(s.warnings[0].count == 1);
  std::map<std::string, std::string> meta(s.meta.begin(), s.meta.end());
  CHECK(meta["runner_chunks"] == "120");
}

TEST_CASE("a result file says what sensors observe and what crews and worker pools serve") {
  const auto dir = std::filesystem::temp_directory_path() / "plantwin_results_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "relations.h5").string();
  Sim sim(compile_text(R"Y(horizon: 1 h
components:
  mechanics: {type: crew}
  operators: {type: pool, workers: [{count: 2}]}
  arrivals: {type: source, interarrival: exponential(50 s)}
  m1: {type: machine, process_time: 40 s, ttf: exponential(30 min), ttr: 3 min, crew: mechanics,
       operator: {pool: operators}}
  m2: {type: machine, process_time: 30 s, ttf: exponential(30 min), ttr: 3 min, crew: mechanics}
  out: {type: sink}
  level: {type: sensor, signal: m1.busy, period: 1 min}
flow: ["arrivals -> m1 -> m2 -> out"]
)Y"));
  sim.run();
  write_result_file(path, sim, RunInfo{});
  const ResultContents r = read_result_file(path);
  std::vector<std::string> rows;
  for (const auto& rel : r.relations)
    rows.push_back(rel.component + " " + rel.relation + " " + rel.target);
  CHECK(rows == std::vector<std::string>{"mechanics serves m1", "operators serves m1",
                                         "mechanics serves m2", "level observes m1"});
}
