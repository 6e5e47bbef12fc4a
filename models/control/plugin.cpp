// Controllers compiled into shared libraries (plantwin/models/controller_plugin.h): loaded by path
// when the scenario compiles, every symbol and the ABI version checked then, one instance per
// run (cloned for forks), scanned like every controller.

#include <dlfcn.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "control.h"
#include "plantwin/models/controller_plugin.h"
#include "plantwin/sim.h"

namespace plantwin::control {
namespace {

constexpr int kErrorSize = 512;

// The library's entry points; the library stays loaded while the Model lives.
struct PluginLibrary {
  void* handle = nullptr;
  decltype(&plantwin_plugin_init) init = nullptr;
  decltype(&plantwin_plugin_clone) clone = nullptr;
  decltype(&plantwin_plugin_scan) scan = nullptr;
  decltype(&plantwin_plugin_teardown) teardown = nullptr;
  ~PluginLibrary() {
    if (handle) ::dlclose(handle);
  }
};

// One run's instance of the plugin, owned (and copied through clone) by the component state.
class PluginInstance {
 public:
  PluginInstance(std::shared_ptr<const PluginLibrary> lib, void* p) : lib_(std::move(lib)), p_(p) {}
  PluginInstance(const PluginInstance& o) : lib_(o.lib_), p_(o.p_ ? o.lib_->clone(o.p_) : nullptr) {
    if (o.p_ && !p_) throw std::runtime_error("a controller plugin could not clone its instance");
  }
  PluginInstance& operator=(const PluginInstance&) = delete;
  ~PluginInstance() {
    if (p_) lib_->teardown(p_);
  }
  void* get() const { return p_; }

 private:
  std::shared_ptr<const PluginLibrary> lib_;
  void* p_;
};

struct PluginState : ClonableState<PluginState> {
  std::unique_ptr<PluginInstance> instance;  // made at start (init may refuse: a run error)
  std::vector<int> in_idx, out_idx;
  std::vector<double> in, out, written;
  std::int64_t scans = 0;
  PluginState() = default;
  PluginState(const PluginState& o)
      : instance(o.instance ? std::make_unique<PluginInstance>(*o.instance) : nullptr),
        in_idx(o.in_idx),
        out_idx(o.out_idx),
        in(o.in),
        out(o.out),
        written(o.written),
        scans(o.scans) {}
};

class PluginController final : public Component {
 public:
  PluginController(std::string name, double scan, std::shared_ptr<const PluginLibrary> lib,
                   std::string library, std::string config, std::vector<std::string> inputs,
                   std::vector<std::string> outputs)
      : Component(std::move(name), "plugin"),
        scan_(scan),
        lib_(std::move(lib)),
        library_(std::move(library)),
        config_(std::move(config)),
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)) {}

  bool material() const override { return false; }
  double scan_period() const override { return scan_; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<PluginState>();
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<PluginState>(*this);
    for (const auto& n : inputs_) s.in_idx.push_back(sim.model().find_signal(n));
    for (const auto& n : outputs_) s.out_idx.push_back(sim.model().find_actuator(n));
    s.in.assign(inputs_.size(), 0);
    s.out.assign(outputs_.size(), std::nan(""));
    s.written.assign(outputs_.size(), std::nan(""));
    char error[kErrorSize] = "";
    void* p = lib_->init(config_.c_str(), static_cast<int>(inputs_.size()),
                         static_cast<int>(outputs_.size()), error, kErrorSize);
    error[kErrorSize - 1] = '\0';
    if (!p)
      throw std::runtime_error(
          fmt::format("{}: {} refused to start: {}", name(), library_, escape_control(error)));
    s.instance = std::make_unique<PluginInstance>(lib_, p);
  }
  void scan(Sim& sim) const override {
    auto& s = sim.state_of<PluginState>(*this);
    for (std::size_t i = 0; i < s.in.size(); ++i) s.in[i] = sim.signal(s.in_idx[i]);
    char error[kErrorSize] = "";
    if (lib_->scan(s.instance->get(), sim.now(), s.in.data(), s.out.data(), error, kErrorSize) !=
        0) {
      error[kErrorSize - 1] = '\0';
      throw std::runtime_error(fmt::format("{}: {} failed at {} s: {}", name(), library_, sim.now(),
                                           escape_control(error)));
    }
    ++s.scans;
    for (std::size_t i = 0; i < s.out.size(); ++i) {
      const double v = s.out[i];
      if (std::isnan(v) || v == s.written[i]) continue;  // NaN: the plugin leaves it as it is
      s.written[i] = v;
      sim.set_actuator(s.out_idx[i], v);
    }
  }
  std::vector<SignalSpec> signals() const override {
    return {{"scans", "count", "scans run since the start"}};
  }
  double signal(const Sim& sim, int) const override {
    return static_cast<double>(sim.state_of<PluginState>(*this).scans);
  }

 private:
  double scan_;
  std::shared_ptr<const PluginLibrary> lib_;
  std::string library_, config_;
  std::vector<std::string> inputs_, outputs_;
};

std::vector<std::string> names(BuildContext& ctx, ParamReader& p, const char* key, bool actuators) {
  std::vector<std::string> out;
  const Node* n = p.raw(key);
  if (!n) return out;
  if (!n->is_seq()) {
    p.error(key, actuators ? "expected a list of actuators, e.g. [room.heat_input]"
                           : "expected a list of signals, e.g. [room.temperature]");
    return out;
  }
  for (std::size_t i = 0; i < n->items.size(); ++i) {
    const Node& item = n->items[i];
    const std::string path = fmt::format("{}[{}]", p.key_path(key), i);
    if (!item.is_scalar() || item.scalar.empty()) {
      p.diagnostics().error(item.location, path,
                            actuators ? "expected an actuator name" : "expected a signal name");
      continue;
    }
    if (actuators)
      ctx.check_actuator_at(item.location, path, item.scalar);
    else
      ctx.check_signal_at(item.location, path, item.scalar);
    out.push_back(item.scalar);
  }
  return out;
}

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  const double scan = ctx.period("scan", std::nullopt);
  const std::string library = p.text("library", std::nullopt);
  const std::string config = p.text("config", "");
  auto inputs = names(ctx, p, "inputs", false);
  auto outputs = names(ctx, p, "outputs", true);
  if (library.empty()) return nullptr;
  std::filesystem::path path(library);
  if (path.is_relative()) path = std::filesystem::path(p.base_dir()) / path;
  auto lib = std::make_shared<PluginLibrary>();
  ::dlerror();
  lib->handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    const char* why = ::dlerror();
    p.error("library", fmt::format("cannot load \"{}\": {}", path.string(),
                                   escape_control(why ? why : "unknown reason")));
    return nullptr;
  }
  std::vector<std::string> missing;
  auto sym = [&](const char* name) -> void* {
    void* f = ::dlsym(lib->handle, name);
    if (!f) missing.emplace_back(name);
    return f;
  };
  auto* abi = reinterpret_cast<decltype(&plantwin_plugin_abi)>(sym("plantwin_plugin_abi"));
  lib->init = reinterpret_cast<decltype(lib->init)>(sym("plantwin_plugin_init"));
  lib->clone = reinterpret_cast<decltype(lib->clone)>(sym("plantwin_plugin_clone"));
  lib->scan = reinterpret_cast<decltype(lib->scan)>(sym("plantwin_plugin_scan"));
  lib->teardown = reinterpret_cast<decltype(lib->teardown)>(sym("plantwin_plugin_teardown"));
  if (!missing.empty()) {
    p.error("library", fmt::format("\"{}\" does not export {} (see "
                                   "plantwin/models/controller_plugin.h)",
                                   path.string(), fmt::join(missing, ", ")));
    return nullptr;
  }
  if (const int v = abi(); v != PLANTWIN_PLUGIN_ABI) {
    p.error("library", fmt::format("\"{}\" was built for plugin ABI {}; this plantwin speaks {}",
                                   path.string(), v, PLANTWIN_PLUGIN_ABI));
    return nullptr;
  }
  return std::make_unique<PluginController>(ctx.name(), scan, std::move(lib), path.string(), config,
                                            std::move(inputs), std::move(outputs));
}

}  // namespace

void register_plugin(Registry& registry) {
  registry.add_controller(
      "plugin", "control logic in a shared library with plantwin's C ABI (init, scan, teardown)",
      build);
}

}  // namespace plantwin::control
