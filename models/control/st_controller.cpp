// A Structured Text program as a controller: the PLC code engineers already write, run in
// simulated time on the scan period, its VAR_INPUTs read from signals and its VAR_OUTPUTs
// written to actuators before and after each scan (docs/structured_text.md).
//
//   controllers:
//     plc:
//       type: st
//       program: bottling_line.st     # relative to the scenario file
//       scan: 10 ms
//       inputs: {infeed_level: infeed.level, labeller_state: labeller.state}
//       outputs: {filler_speed: filler.speed, filler_on: filler.enabled}

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "control.h"
#include "plantwin/models/st.h"
#include "plantwin/sim.h"

namespace plantwin::control {
namespace {

constexpr std::uintmax_t kMaxProgramBytes = 1 << 20;

struct Binding {
  int var = -1;        // index into the program's variables
  std::string signal;  // signal (inputs) or actuator (outputs) name
};

struct StState : ClonableState<StState> {
  explicit StState(st::Instance i) : instance(std::move(i)) {}
  st::Instance instance;
  std::vector<int> in_idx, out_idx;  // signal / actuator indices, resolved at start
  std::vector<double> written;       // the outputs last written (NaN: never)
  std::int64_t scans = 0;
};

class StController final : public Component {
 public:
  StController(std::string name, double scan, std::shared_ptr<const st::Program> program,
               std::vector<Binding> inputs, std::vector<Binding> outputs)
      : Component(std::move(name), "st"),
        scan_(scan),
        program_(std::move(program)),
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)),
        vars_(st::Instance(program_).variables()) {}

  bool material() const override { return false; }
  double scan_period() const override { return scan_; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<StState>(st::Instance(program_));
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<StState>(*this);
    s.in_idx.clear();
    s.out_idx.clear();
    for (const auto& b : inputs_) s.in_idx.push_back(sim.model().find_signal(b.signal));
    for (const auto& b : outputs_) s.out_idx.push_back(sim.model().find_actuator(b.signal));
    s.written.assign(outputs_.size(), std::nan(""));
  }
  void scan(Sim& sim) const override {
    auto& s = sim.state_of<StState>(*this);
    try {
      for (std::size_t i = 0; i < inputs_.size(); ++i)
        s.instance.set(inputs_[i].var, sim.signal(s.in_idx[i]));
      s.instance.scan(sim.now());
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: at {}: {}", name(), sim.now(), e.what()));
    }
    ++s.scans;
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      const double v = s.instance.get(outputs_[i].var);
      if (v == s.written[i]) continue;  // a PLC output holds; only changes reach the plant
      s.written[i] = v;
      sim.set_actuator(s.out_idx[i], v);
    }
  }
  std::vector<SignalSpec> signals() const override {
    std::vector<SignalSpec> out;
    for (const auto& v : vars_)
      out.push_back({v.name, v.type == st::Instance::Var::Type::kTime ? "s" : "",
                     v.dir == st::Instance::Var::Dir::kInput    ? "a VAR_INPUT of the program"
                     : v.dir == st::Instance::Var::Dir::kOutput ? "a VAR_OUTPUT of the program"
                                                                : "a VAR of the program"});
    out.push_back({"scans", "count", "scans run since the start"});
    return out;
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<StState>(*this);
    if (index < static_cast<int>(vars_.size())) return s.instance.get(index);
    return static_cast<double>(s.scans);
  }

 private:
  double scan_;
  std::shared_ptr<const st::Program> program_;
  std::vector<Binding> inputs_, outputs_;
  std::vector<st::Instance::Var> vars_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  Diagnostics& diag = p.diagnostics();
  const double scan = ctx.period("scan", std::nullopt);
  const std::string file = p.text("program", std::nullopt);
  const Node* in_node = p.raw("inputs");
  const Node* out_node = p.raw("outputs");
  if (file.empty()) return nullptr;
  std::filesystem::path path(file);
  if (path.is_relative()) path = std::filesystem::path(p.base_dir()) / path;
  const Node* pn = p.node().find("program");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::string text;
  if (ec || !std::filesystem::is_regular_file(path, ec)) {
    p.error("program", fmt::format("cannot read \"{}\": {}", path.string(),
                                   ec ? ec.message() : "not a regular file"));
    return nullptr;
  }
  if (size > kMaxProgramBytes) {
    p.error("program", fmt::format("\"{}\" is larger than 1 MB", path.string()));
    return nullptr;
  }
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  st::Compiled compiled = st::compile(text, path.string());
  if (!compiled.program) {
    for (const auto& e : compiled.errors)
      diag.error(SourceLocation{e.file, e.line, e.column}, p.key_path("program"), e.message);
    (void)pn;
    return nullptr;
  }
  const st::Instance probe(compiled.program);
  const auto& vars = probe.variables();
  auto bind = [&](const Node* map, const char* key, st::Instance::Var::Dir dir) {
    std::vector<Binding> out;
    if (!map) return out;
    const std::string kpath = p.key_path(key);
    if (!map->is_map()) {
      p.error(key, fmt::format("expected a map of program variable: {}",
                               dir == st::Instance::Var::Dir::kInput ? "signal" : "actuator"));
      return out;
    }
    for (std::size_t i = 0; i < map->entries.size(); ++i) {
      const auto& [var, target] = map->entries[i];
      const std::string vpath = kpath + "." + var;
      const int idx = probe.find(var);
      const bool input = dir == st::Instance::Var::Dir::kInput;
      if (idx < 0 || vars[static_cast<std::size_t>(idx)].dir != dir) {
        std::vector<std::string> names;
        for (const auto& v : vars)
          if (v.dir == dir) names.push_back(v.name);
        const std::string hint = closest_match(var, names);
        diag.error(
            map->key_locations[i], vpath,
            fmt::format("{} has no {} \"{}\"{}", file, input ? "VAR_INPUT" : "VAR_OUTPUT", var,
                        hint.empty()
                            ? fmt::format(" ({}: {})", input ? "its inputs" : "its outputs",
                                          names.empty() ? std::string("none")
                                                        : fmt::format("{}", fmt::join(names, ", ")))
                            : fmt::format(" (did you mean \"{}\"?)", hint)));
        continue;
      }
      if (!target.is_scalar() || target.scalar.empty()) {
        diag.error(target.location, vpath,
                   input ? "expected a signal name" : "expected an actuator name");
        continue;
      }
      if (input)
        ctx.check_signal_at(target.location, vpath, target.scalar);
      else
        ctx.check_actuator_at(target.location, vpath, target.scalar);
      out.push_back({idx, target.scalar});
    }
    return out;
  };
  auto inputs = bind(in_node, "inputs", st::Instance::Var::Dir::kInput);
  auto outputs = bind(out_node, "outputs", st::Instance::Var::Dir::kOutput);
  // A PLC input left unwired is a bug that would read as a constant: every VAR_INPUT is bound.
  for (std::size_t i = 0; i < vars.size(); ++i) {
    if (vars[i].dir != st::Instance::Var::Dir::kInput) continue;
    const bool bound = std::any_of(inputs.begin(), inputs.end(),
                                   [&](const Binding& b) { return b.var == static_cast<int>(i); });
    if (!bound)
      p.error("inputs",
              fmt::format("the program's VAR_INPUT \"{}\" is not bound to a signal", vars[i].name));
  }
  return std::make_unique<StController>(ctx.name(), scan, compiled.program, std::move(inputs),
                                        std::move(outputs));
}

}  // namespace

void register_st(Registry& registry) {
  registry.add_controller(
      "st", "an IEC 61131-3 Structured Text program: inputs from signals, outputs to actuators",
      build);
}

}  // namespace plantwin::control
