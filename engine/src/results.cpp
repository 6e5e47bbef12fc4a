#include "plantwin/results.h"

#include <H5Cpp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "h5_tables.h"
#include "run_group.h"

namespace plantwin {

namespace {

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

}  // namespace

std::string iso_time_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace h5 {

void write_run(H5::Group& root, const Sim& sim, const RunInfo& info) {
  const Model& m = sim.model();
  const State& s = sim.state();
  H5::Group meta = root.createGroup("meta");
  attr_string(meta, "plantwin_version", version());
  attr_string(meta, "scenario_name", m.name());
  attr_string(meta, "scenario_file", m.scenario().file);
  attr_string(meta, "scenario_text", m.scenario().text);
  attr_string(meta, "resolved_scenario", m.scenario().root.to_yaml());
  std::string overrides;
  for (const auto& o : m.scenario().overrides) overrides += (overrides.empty() ? "" : "\n") + o;
  attr_string(meta, "overrides", overrides);
  attr_number(meta, "seed", static_cast<unsigned long long>(m.seed()), H5::PredType::NATIVE_ULLONG);
  attr_number(meta, "replication", static_cast<unsigned long long>(s.replication),
              H5::PredType::NATIVE_ULLONG);
  attr_number(meta, "horizon_s", m.horizon(), H5::PredType::NATIVE_DOUBLE);
  attr_number(meta, "warmup_s", m.warmup(), H5::PredType::NATIVE_DOUBLE);
  attr_number(meta, "end_time_s", s.time, H5::PredType::NATIVE_DOUBLE);
  attr_string(meta, "status", info.status);
  attr_string(meta, "started_at", info.started_at);
  attr_number(meta, "wall_time_s", info.wall_time_s, H5::PredType::NATIVE_DOUBLE);
  attr_number(meta, "runner_chunks", static_cast<long long>(info.runner_chunks),
              H5::PredType::NATIVE_LLONG);
  attr_number(meta, "events_executed", static_cast<unsigned long long>(s.events_executed),
              H5::PredType::NATIVE_ULLONG);

  // Components with their layout for viewers: positions (NaN when the scenario gives none),
  // capacities, and the flow's links.
  std::vector<ComponentRow> components;
  std::vector<LayoutRow> layout;
  std::vector<LinkRow> links;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const Component& c = m.component(static_cast<int>(i));
    components.push_back({c.name().c_str(), c.type().c_str()});
    layout.push_back({c.name().c_str(), c.type().c_str(), m.positions()[i].first,
                      m.positions()[i].second, c.display_capacity()});
    for (int o = 0; o < c.num_outputs(); ++o)
      links.push_back({c.name().c_str(), m.component(c.output(o).component).name().c_str()});
  }
  write_table(meta, "components", component_type(), components);
  write_table(meta, "layout", layout_type(), layout);
  write_table(meta, "links", link_type(), links);
  // What components outside the flow observe or serve: a sensor observes the component whose
  // signal it reads; a crew or pool serves the machines that name it.
  std::vector<RelationRow> relations;
  std::vector<std::vector<Component::Relation>> related(m.size());
  for (std::size_t i = 0; i < m.size(); ++i)
    related[i] = m.component(static_cast<int>(i)).relations();
  for (std::size_t i = 0; i < m.size(); ++i)
    for (const auto& r : related[i]) {
      const int other = m.find_component(r.component);
      if (other < 0) continue;
      const char* self = m.component(static_cast<int>(i)).name().c_str();
      const char* them = m.component(other).name().c_str();
      if (r.kind == "served_by")
        relations.push_back({them, "serves", self});
      else
        relations.push_back({self, r.kind.c_str(), them});
    }
  write_table(meta, "relations", relation_type(), relations);

  H5::Group signals = root.createGroup("signals");
  const RecordPlan& rec = m.record();
  for (std::size_t k = 0; k < rec.signals.size(); ++k) {
    const SignalRef& ref = m.signals()[static_cast<std::size_t>(rec.signals[k])];
    H5::Group g = signals.createGroup(ref.name);
    write_column(g, "time", s.trace.times);
    write_column(g, "value", s.trace.values[k]);
    attr_string(g, "unit", ref.unit);
  }

  std::vector<EventRow> events;
  events.reserve(s.trace.events.size());
  for (const auto& e : s.trace.events)
    events.push_back({e.time, m.component(e.component).name().c_str(), e.kind, e.detail.c_str()});
  write_table(root, "events", event_type(), events);

  std::vector<InputRow> inputs;
  for (const auto& in : s.trace.inputs)
    inputs.push_back({in.time, in.target.c_str(), in.value, in.origin.c_str()});
  write_table(root, "inputs", input_type(), inputs);
  std::vector<InputRow> measurements;
  for (const auto& in : s.trace.measurements)
    measurements.push_back({in.time, in.target.c_str(), in.value, in.origin.c_str()});
  write_table(root, "measurements", input_type(), measurements);
  std::vector<WarningRow> warnings;
  for (const auto& w : s.trace.warnings)
    warnings.push_back({w.time, w.source.c_str(), w.message.c_str(), static_cast<double>(w.count)});
  write_table(meta, "warnings", warning_type(), warnings);

  const auto kpis = sim.kpis();
  std::vector<h5::KpiRow> rows;
  for (const auto& k : kpis)
    rows.push_back({k.component.c_str(), k.name.c_str(), k.value, k.half_width, k.unit.c_str()});
  write_table(root, "kpi", kpi_type(), rows);
}

}  // namespace h5

void write_result_file(const std::string& path, const Sim& sim, const RunInfo& info) {
  h5::write_atomically(path, [&](H5::H5File& file) {
    H5::Group root = file.openGroup("/");
    h5::write_run(root, sim, info);
  });
}

namespace {
std::string json_number(double v) {
  return std::isfinite(v) ? fmt::format("{:.17g}", v) : "null";
}
}  // namespace

void write_kpi_json(const std::string& path, const Sim& sim, const RunInfo& info) {
  const Model& m = sim.model();
  std::string out = "{\n";
  out += fmt::format("  \"scenario\": {},\n", json_quote(m.name()));
  out += fmt::format("  \"seed\": {},\n", m.seed());
  out += fmt::format("  \"status\": \"{}\",\n", info.status);
  out += fmt::format("  \"end_time_s\": {},\n", json_number(sim.now()));
  out += "  \"kpis\": [\n";
  const auto rows = sim.kpis();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    out += fmt::format(
        "    {{\"component\": {}, \"name\": {}, \"value\": {}, \"half_width\": {}, "
        "\"unit\": {}}}{}\n",
        json_quote(r.component), json_quote(r.name), json_number(r.value),
        json_number(r.half_width), json_quote(r.unit), i + 1 < rows.size() ? "," : "");
  }
  out += "  ]\n}\n";
  write_file_atomically(path, out, "the JSON file");
}

}  // namespace plantwin
