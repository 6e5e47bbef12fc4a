#include <doctest/doctest.h>

#include <H5Cpp.h>

#include <cstring>
#include <filesystem>

#include "plantwin/results.h"
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
