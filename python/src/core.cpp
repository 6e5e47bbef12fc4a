// plantwin._core: the compiled half of the Python package. The `plantwin` package wraps it with
// pandas DataFrames and Dask; keep this layer thin and typed.

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "plantwin/experiment.h"
#include "plantwin/forecast.h"
#include "plantwin/models/register.h"
#include "plantwin/result_file.h"
#include "plantwin/results.h"
#include "plantwin/runner.h"
#include "plantwin/sim.h"

namespace py = pybind11;
using namespace plantwin;

namespace {

const Registry& registry() {
  static const Registry r = builtin_registry();
  return r;
}

/// A file that is not a plantwin result file, or cannot be read: plantwin.ResultError.
struct ResultFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Applies "key=value" overrides, each located at `where['key']` (Python's name for it, e.g.
/// overrides['components.m.servers']), so that its errors name the argument the user wrote.
void apply_python_overrides(Scenario& s, const std::vector<std::string>& overrides,
                            const std::string& where) {
  for (const auto& o : overrides) {
    const SourceLocation at{fmt::format("{}['{}']", where, o.substr(0, o.find('='))), 0, 0};
    apply_override(s, o, &at);
  }
}

Scenario make_scenario(const std::string& text, const std::string& label,
                       const std::string& base_dir, const std::vector<std::string>& overrides,
                       std::optional<std::uint64_t> seed, const std::string& path = "") {
  Scenario s =
      path.empty() ? load_scenario_text(text, label, base_dir) : load_experiment_file(path);
  apply_python_overrides(s, overrides, "overrides");
  if (seed) {
    const SourceLocation at{"seed", 0, 0};
    apply_override(s, fmt::format("seed={}", *seed), &at);
  }
  return s;
}

/// Per (case, replication, KPI) rows as columns: the tidy table's numbers without a Python
/// object per row. KPIs are numbered in order of first appearance.
py::dict case_columns(const std::vector<const std::vector<std::vector<KpiRow>>*>& cases) {
  std::vector<std::int32_t> case_idx, rep, kpi;
  std::vector<double> value;
  std::vector<std::string> comp, name, unit;
  std::map<std::pair<std::string, std::string>, std::int32_t> index;
  for (std::size_t c = 0; c < cases.size(); ++c)
    for (std::size_t r = 0; r < cases[c]->size(); ++r)
      for (const auto& k : (*cases[c])[r]) {
        auto [it, fresh] =
            index.try_emplace({k.component, k.name}, static_cast<std::int32_t>(comp.size()));
        if (fresh) {
          comp.push_back(k.component);
          name.push_back(k.name);
          unit.push_back(k.unit);
        } else if (unit[static_cast<std::size_t>(it->second)].empty()) {
          unit[static_cast<std::size_t>(it->second)] = k.unit;
        }
        case_idx.push_back(static_cast<std::int32_t>(c));
        rep.push_back(static_cast<std::int32_t>(r));
        kpi.push_back(it->second);
        value.push_back(k.value);
      }
  auto arr = [](const auto& v) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
  };
  py::dict d;
  d["case"] = arr(case_idx);
  d["replication"] = arr(rep);
  d["kpi"] = arr(kpi);
  d["value"] = arr(value);
  d["kpi_component"] = comp;
  d["kpi_name"] = name;
  d["kpi_unit"] = unit;
  return d;
}

py::tuple kpi_tuple(const KpiRow& k) {
  return py::make_tuple(k.component, k.name, k.value, k.half_width, k.unit);
}

/// One call at a time per simulation. run() releases the GIL, so without this a second Python
/// thread could read or change the state while the kernel is changing it.
struct CallGuard {
  std::mutex mutex;
  std::atomic<std::thread::id> owner{};
};

/// Holds a simulation's CallGuard for one call. Another thread's call waits for it (without the
/// GIL, which a running controller callback needs); a call from the thread that holds it (a
/// controller callback calling back into its own simulation) would deadlock, so it raises.
class CallLock {
 public:
  explicit CallLock(CallGuard& g) : g_(g) {
    if (g.owner.load() == std::this_thread::get_id())
      throw std::runtime_error(
          "this Simulation is busy in a call on the same thread: a controller callback cannot "
          "call methods of the simulation it controls (read the signals it is passed, and return "
          "the actuator values)");
    if (!g.mutex.try_lock()) {
      py::gil_scoped_release release;
      g.mutex.lock();
    }
    g.owner.store(std::this_thread::get_id());
  }
  ~CallLock() {
    g_.owner.store(std::thread::id{});
    g_.mutex.unlock();
  }
  CallLock(const CallLock&) = delete;
  CallLock& operator=(const CallLock&) = delete;

 private:
  CallGuard& g_;
};

/// One simulation: a compiled model and a running state. Safe to share between threads: calls
/// that touch the state take turns (see CallLock); the model is immutable.
class Simulation {
 public:
  Simulation(std::shared_ptr<const Model> model, std::unique_ptr<Sim> sim)
      : model_(std::move(model)),
        sim_(std::move(sim)),
        runner_(std::make_unique<Runner>(*sim_)),
        guard_(std::make_unique<CallGuard>()) {}

  static Simulation load(const std::string& text, const std::string& label,
                         const std::string& base_dir, const std::vector<std::string>& overrides,
                         std::optional<std::uint64_t> seed, std::uint64_t replication,
                         const std::string& path) {
    auto model = compile(make_scenario(text, label, base_dir, overrides, seed, path), registry());
    return Simulation(model, std::make_unique<Sim>(model, replication));
  }

  void run(std::optional<double> until) {
    if (until && !std::isfinite(*until))
      throw std::invalid_argument(fmt::format(
          "until must be a finite time in seconds (or None for the horizon), got {}", *until));
    CallLock lock(*guard_);
    const double t = until.value_or(model_->horizon());
    if (t < sim_->now())
      throw std::invalid_argument(
          fmt::format("until={} lies before the current time {}", t, sim_->now()));
    py::gil_scoped_release release;
    runner_->run_until(t);  // the CLI's grid: the same results as plantwin run, to the bit
  }
  void step(double dt) {
    if (!(dt >= 0) || !std::isfinite(dt))
      throw std::invalid_argument(
          fmt::format("dt must be a finite time >= 0 in seconds, got {}", dt));
    CallLock lock(*guard_);
    runner_->run_until(sim_->now() + dt);  // short: the GIL is kept, releasing it costs more
  }
  double time() const {
    CallLock lock(*guard_);
    return sim_->now();
  }

  py::tuple signal(const std::string& name) const {
    const int idx = model_->find_signal(name);
    const auto& plan = model_->record().signals;
    const auto it = std::find(plan.begin(), plan.end(), idx);
    if (idx < 0 || it == plan.end()) {
      std::vector<std::string> recorded;
      for (int i : plan) recorded.push_back(model_->signals()[static_cast<std::size_t>(i)].name);
      if (idx < 0) {
        std::vector<std::string> all;
        for (const auto& r : model_->signals()) all.push_back(r.name);
        const std::string close = closest_match(name, recorded.empty() ? all : recorded);
        const std::string any = close.empty() ? closest_match(name, all) : close;
        if (!any.empty())
          throw std::invalid_argument(
              fmt::format("no signal \"{}\" (did you mean \"{}\"?)", name, any));
      }
      throw std::invalid_argument(fmt::format(
          "signal \"{}\" is not recorded{}; recorded: {} (add it to record.signals, or use value() "
          "for the current value)",
          name, idx < 0 ? " (no such signal)" : "",
          recorded.empty() ? "none" : fmt::format("{}", fmt::join(recorded, ", "))));
    }
    CallLock lock(*guard_);
    const auto& tr = sim_->state().trace;
    const auto& v = tr.values[static_cast<std::size_t>(it - plan.begin())];
    // One copy each, straight from the recorder's buffers into numpy's.
    py::array_t<double> t(static_cast<py::ssize_t>(tr.times.size()), tr.times.data());
    py::array_t<double> y(static_cast<py::ssize_t>(v.size()), v.data());
    return py::make_tuple(t, y);
  }
  std::vector<std::string> recorded_signals() const {
    std::vector<std::string> out;
    for (int i : model_->record().signals)
      out.push_back(model_->signals()[static_cast<std::size_t>(i)].name);
    return out;
  }
  std::vector<std::string> signal_names() const {
    std::vector<std::string> out;
    for (const auto& s : model_->signals()) out.push_back(s.name);
    return out;
  }
  /// (name, unit, description, component type) of every actuator or every signal.
  py::list describe(bool actuators) const {
    py::list out;
    for (const auto& r : actuators ? model_->actuators() : model_->signals()) {
      const Component& c = model_->component(r.component);
      const auto specs = actuators ? c.actuators() : c.signals();
      const auto i = static_cast<std::size_t>(r.index);
      out.append(py::make_tuple(r.name, r.unit, i < specs.size() ? specs[i].doc : "", c.type()));
    }
    return out;
  }
  std::vector<std::string> actuator_names() const {
    std::vector<std::string> out;
    for (const auto& s : model_->actuators()) out.push_back(s.name);
    return out;
  }
  double value(const std::string& name) const {
    CallLock lock(*guard_);
    return sim_->value(name);
  }
  void set(const std::string& name, double value) {
    CallLock lock(*guard_);
    sim_->apply_input(name, value, "python");
  }
  /// Queues an input from any thread, without waiting for a run in progress.
  void push(const std::string& name, double value, std::optional<double> time,
            const std::string& origin) {
    runner_->push(Input{time.value_or(std::nan("")), name, value, origin});
  }
  void measure(const std::string& name, double value, std::optional<double> time,
               const std::string& origin) {
    runner_->push(Input{time.value_or(std::nan("")), name, value, origin, Input::Kind::kMeasure});
  }
  py::list measurements() const { return applied(&Trace::measurements); }
  py::list inputs() const { return applied(&Trace::inputs); }
  // One of the run's logs of what came from outside, as (time, target, value, origin) tuples.
  py::list applied(std::vector<AppliedInput> Trace::*log) const {
    CallLock lock(*guard_);
    py::list out;
    for (const auto& in : sim_->state().trace.*log)
      out.append(py::make_tuple(in.time, in.target, in.value, in.origin));
    return out;
  }
  py::list warnings() const {
    CallLock lock(*guard_);
    py::list out;
    for (const auto& w : sim_->state().trace.warnings)
      out.append(py::make_tuple(w.time, w.source, w.message, w.count));
    return out;
  }

  py::list kpis() const {
    CallLock lock(*guard_);
    py::list out;
    for (const auto& k : sim_->kpis()) out.append(kpi_tuple(k));
    return out;
  }
  py::tuple events() const {
    CallLock lock(*guard_);
    const auto& ev = sim_->state().trace.events;
    py::array_t<double> t(static_cast<py::ssize_t>(ev.size()));
    auto tm = t.mutable_unchecked<1>();
    py::list comp, kind, detail;
    for (std::size_t i = 0; i < ev.size(); ++i) {
      tm(static_cast<py::ssize_t>(i)) = ev[i].time;
      comp.append(model_->component(ev[i].component).name());
      kind.append(ev[i].kind);
      detail.append(ev[i].detail);
    }
    return py::make_tuple(t, comp, kind, detail);
  }
  Simulation fork(bool controllers) const {
    CallLock lock(*guard_);
    return Simulation(model_,
                      std::make_unique<Sim>(model_, State(sim_->state()),
                                            controllers ? sim_->control_plan() : ControlPlan{}));
  }
  using Settings = std::vector<std::pair<std::string, double>>;
  /// Forks the current state and runs `variants` (name, set, after, then) ahead, replicated
  /// (forecast.h). Returns (from, to, rows of (variant, component, kpi, mean, half_width, n,
  /// unit)).
  py::tuple forecast(double ahead, int replications, std::vector<std::string> kpis,
                     std::vector<std::tuple<std::string, Settings, double, Settings>> variants) {
    if (!(ahead > 0) || !std::isfinite(ahead))
      throw std::invalid_argument(
          fmt::format("ahead must be a positive, finite time in seconds, got {}", ahead));
    if (replications < 1)
      throw std::invalid_argument(
          fmt::format("replications must be a whole number >= 1, got {}", replications));
    ForecastSpec spec;
    spec.ahead = ahead;
    spec.replications = replications;
    spec.kpis = std::move(kpis);
    for (auto& [name, set, after, then] : variants) {
      if (!(after >= 0) || !std::isfinite(after))
        throw std::invalid_argument(fmt::format(
            "variants['{}']['after'] must be a finite time >= 0 in seconds, got {}", name, after));
      spec.variants.push_back(ForecastVariant{name, std::move(set), after, std::move(then)});
    }
    if (spec.variants.empty()) spec.variants.push_back(ForecastVariant{"as_is", {}, 0, {}});
    CallLock lock(*guard_);
    ForecastResult r;
    {
      py::gil_scoped_release release;
      r = run_forecast(*sim_, spec, ++forecasts_);
    }
    py::list rows;
    for (const auto& c : r.cases)
      for (const auto& k : c.kpis)
        rows.append(
            py::make_tuple(c.variant, k.component, k.name, k.mean, k.half_width, k.n, k.unit));
    return py::make_tuple(r.from, r.to, rows);
  }
  void save(const std::string& path) const {
    CallLock lock(*guard_);
    RunInfo info;
    info.status = sim_->finished() ? "complete" : "partial";
    info.started_at = iso_time_now();
    info.runner_chunks = runner_->options().chunks;
    write_result_file(path, *sim_, info);
  }
  void add_controller(py::function fn, double period, std::vector<std::string> reads) {
    if (!(period > 0) || !std::isfinite(period))
      throw std::invalid_argument(
          fmt::format("period must be a positive, finite time in seconds, got {}", period));
    CallLock lock(*guard_);
    // A period below the clock's resolution at the horizon would never advance a scan.
    const double t_max = std::max(model_->horizon(), sim_->now());
    if (t_max + period <= t_max)
      throw std::invalid_argument(
          fmt::format("period {} s is too short to advance simulated time at t = {} s (the clock's "
                      "resolution there is {:.3g} s)",
                      period, t_max, std::nextafter(t_max, HUGE_VAL) - t_max));
    for (const auto& r : reads)
      if (model_->find_signal(r) < 0) (void)sim_->value(r);  // throws with a hint
    sim_->add_controller(period, [fn, reads](Sim& sim) {
      py::gil_scoped_acquire gil;
      py::dict in;
      for (const auto& r : reads) in[py::str(r)] = sim.value(r);
      py::object out = fn(sim.now(), in);
      if (out.is_none()) return;
      if (!py::isinstance<py::dict>(out))
        throw std::invalid_argument("a controller must return a dict of actuator: value, or None");
      for (auto item : py::cast<py::dict>(out))
        sim.set(py::cast<std::string>(item.first), py::cast<double>(item.second));
    });
  }
  std::string name() const { return model_->name(); }
  double horizon() const { return model_->horizon(); }
  std::uint64_t seed() const { return model_->seed(); }
  std::uint64_t events_executed() const {
    CallLock lock(*guard_);
    return sim_->state().events_executed;
  }

 private:
  std::shared_ptr<const Model> model_;
  std::unique_ptr<Sim> sim_;
  std::unique_ptr<Runner> runner_;    // drives sim_; its input queue is safe from any thread
  std::unique_ptr<CallGuard> guard_;  // behind a pointer: a Simulation moves into Python
  std::uint64_t forecasts_ = 0;       // numbers the forecasts, each drawing its own streams
};

/// An experiment's results for the Python package: the tidy table's columns (case_columns),
/// per case its name, swept parameters, bottleneck per replication and error, and the run's
/// replications, completeness, confidence, warnings, threads and wall time.
py::dict experiment_dict(const ExperimentResult& res, const ExperimentSpec& spec) {
  std::vector<const std::vector<std::vector<KpiRow>>*> reps;
  py::list cases;
  for (const auto& c : res.cases) {
    reps.push_back(&c.replications);
    py::list params;
    for (const auto& [k, v] : c.spec.parameters) params.append(py::make_tuple(k, v));
    cases.append(py::make_tuple(c.spec.name, params, c.bottlenecks, c.error));
  }
  py::dict d = case_columns(reps);
  d["cases"] = cases;
  d["replications_run"] = res.replications_run;
  d["complete"] = res.complete;
  d["confidence"] = spec.confidence;
  d["warnings"] = res.warnings;
  d["threads"] = res.threads;
  d["wall_time_s"] = res.wall_time_s;
  d["swept_keys"] = spec.swept_keys;
  return d;
}

/// Runs cases x replications in C++ threads (see experiment_dict for what it returns). Each
/// case's overrides are checked first under `case_labels[i]` (grid, variants['x']).
py::dict run_cases(const std::string& text, const std::string& label, const std::string& base_dir,
                   const std::vector<std::string>& overrides, std::optional<std::uint64_t> seed,
                   const std::vector<std::pair<std::string, std::vector<std::string>>>& cases,
                   int replications, double confidence, const std::vector<std::string>& case_labels,
                   bool run, const std::string& path) {
  if (replications < 1)
    throw std::invalid_argument(
        fmt::format("replications must be a whole number >= 1, got {}", replications));
  if (!(confidence > 0 && confidence < 1))
    throw std::invalid_argument(
        fmt::format("confidence must lie between 0 and 1 (e.g. 0.95), got {}", confidence));
  Scenario s = make_scenario(text, label, base_dir, overrides, seed, path);
  ExperimentSpec spec;
  spec.replications = replications;
  spec.confidence = confidence;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [name, o] = cases[i];
    spec.cases.push_back(ExperimentCase{name, o, {}});
    if (o.empty()) continue;
    Scenario c = s;
    apply_python_overrides(c, o, i < case_labels.size() ? case_labels[i] : "overrides");
    (void)compile(c, registry());
  }
  if (!run) return py::dict();  // checked only: a Dask client runs the cases
  ExperimentResult res;
  {
    py::gil_scoped_release release;
    res = run_experiment(s, spec, registry());
  }
  for (const auto& c : res.cases)
    if (!c.error.empty())
      throw std::runtime_error(fmt::format("case {}: {}", c.spec.name, c.error));
  return experiment_dict(res, spec);
}

/// A scenario's or experiment file's `experiments:` block as `plantwin sweep` reads it: the
/// cases (name, overrides), replications, confidence, whether it is sequential, and the buffer
/// allocation's buffers (empty when none).
py::dict experiment_plan(const Scenario& s, int replications) {
  const ExperimentSpec spec = parse_experiment(s, replications);
  py::list cases;
  for (const auto& c : spec.cases) cases.append(py::make_tuple(c.name, c.overrides, c.parameters));
  py::dict d;
  d["cases"] = cases;
  d["replications"] = spec.replications;
  d["confidence"] = spec.confidence;
  d["sequential"] = spec.sequential.has_value();
  d["swept_keys"] = spec.swept_keys;
  d["buffers"] =
      spec.buffer_allocation ? spec.buffer_allocation->buffers : std::vector<std::string>{};
  return d;
}

/// Runs a scenario's or experiment file's `experiments:` block exactly as `plantwin sweep`
/// does: the same loading (an experiment file's `scenario:`), parse, runner and buffer
/// allocation. `run` false: only the plan (experiment_plan) and, with `buffers`, the
/// allocation (for a Dask client that runs the cases itself).
py::dict run_experiment_file(const std::string& text, const std::string& label,
                             const std::string& base_dir, const std::string& path,
                             const std::vector<std::string>& overrides,
                             std::optional<std::uint64_t> seed, int replications, bool run,
                             bool buffers) {
  if (replications < 0)
    throw std::invalid_argument(
        fmt::format("replications must be a whole number >= 1, got {}", replications));
  const Scenario s = make_scenario(text, label, base_dir, overrides, seed, path);
  const ExperimentSpec spec = parse_experiment(s, replications);
  py::dict d;
  ExperimentResult res;
  std::optional<BufferAllocationResult> alloc;
  {
    py::gil_scoped_release release;
    if (run) res = run_experiment(s, spec, registry());
    if (buffers && spec.buffer_allocation)
      alloc = allocate_buffers(s, *spec.buffer_allocation, spec.replications, registry());
  }
  if (run) d = experiment_dict(res, spec);
  d["plan"] = experiment_plan(s, replications);
  d["name"] = compile(s, registry())->name();
  if (alloc) {
    const auto& ba = *spec.buffer_allocation;
    py::dict a;
    a["buffers"] = ba.buffers;
    a["found"] = alloc->found;
    a["capacities"] = alloc->capacities;
    a["throughput_per_h"] = alloc->throughput_per_h;
    a["target_throughput_per_h"] = ba.target_throughput_per_h;
    a["max_capacity"] = ba.max_capacity;
    a["evaluations"] = alloc->evaluations;
    a["replications"] = spec.replications;
    d["buffer_allocation"] = a;
  } else {
    d["buffer_allocation"] = py::none();
  }
  return d;
}

/// Per group (codes 0..k-1 in `group`, values in replication order within each) the t
/// interval of the values: the same function and order as the C++ experiment summaries, so
/// the same numbers to the bit. Returns (mean, half_width, n) arrays; a half-width that needs
/// two values is 0 with one, as in the CLI's tables.
py::tuple summarise_groups(
    py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> group,
    py::array_t<double, py::array::c_style | py::array::forcecast> values, double confidence) {
  if (group.size() != values.size())
    throw std::invalid_argument("summarise: group and values differ in length");
  const auto g = group.unchecked<1>();
  const auto v = values.unchecked<1>();
  std::int64_t k = 0;
  for (py::ssize_t i = 0; i < g.shape(0); ++i) {
    if (g(i) < 0) throw std::invalid_argument("summarise: negative group code");
    k = std::max(k, g(i) + 1);
  }
  std::vector<std::vector<double>> per(static_cast<std::size_t>(k));
  for (py::ssize_t i = 0; i < g.shape(0); ++i) per[static_cast<std::size_t>(g(i))].push_back(v(i));
  py::array_t<double> mean(k), hw(k);
  py::array_t<std::int64_t> n(k);
  auto m = mean.mutable_unchecked<1>();
  auto h = hw.mutable_unchecked<1>();
  auto c = n.mutable_unchecked<1>();
  for (std::int64_t i = 0; i < k; ++i) {
    const Estimate e = t_interval(per[static_cast<std::size_t>(i)], confidence);
    m(i) = e.mean;
    h(i) = std::isnan(e.half_width) ? 0.0 : e.half_width;
    c(i) = e.samples;
  }
  return py::make_tuple(mean, hw, n);
}

/// What read_result and read_run return: meta, layout, signals (without samples), events,
/// inputs, warnings, KPIs and an experiment's cases.
py::dict contents_dict(const ResultContents& r) {
  py::dict d;
  py::list meta;
  for (const auto& [k, v] : r.meta) meta.append(py::make_tuple(k, v));
  d["meta"] = meta;
  py::list comps;
  for (const auto& c : r.components)
    comps.append(py::make_tuple(c.name, c.type, c.x, c.y, c.capacity));
  d["components"] = comps;
  d["links"] = r.links;
  py::list sigs;
  for (const auto& x : r.signals)
    sigs.append(py::make_tuple(x.name, x.unit, x.samples, x.t0, x.t1));
  d["signals"] = sigs;
  py::array_t<double> et(static_cast<py::ssize_t>(r.events.size()));
  auto etm = et.mutable_unchecked<1>();
  py::list ec, ek, ed;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    etm(static_cast<py::ssize_t>(i)) = r.events[i].time;
    ec.append(r.events[i].component);
    ek.append(r.events[i].kind);
    ed.append(r.events[i].detail);
  }
  d["events"] = py::make_tuple(et, ec, ek, ed);
  auto applied = [](const std::vector<AppliedInput>& log) {
    py::list out;
    for (const auto& in : log) out.append(py::make_tuple(in.time, in.target, in.value, in.origin));
    return out;
  };
  d["inputs"] = applied(r.inputs);
  d["measurements"] = applied(r.measurements);
  py::list warns;
  for (const auto& w : r.warnings)
    warns.append(py::make_tuple(w.time, w.source, w.message, w.count));
  d["warnings"] = warns;
  py::list kpis;
  for (const auto& k : r.kpis) kpis.append(kpi_tuple(k));
  d["kpis"] = kpis;
  std::vector<const std::vector<std::vector<KpiRow>>*> reps;
  py::list cases;
  for (const auto& c : r.cases) {
    reps.push_back(&c.replications);
    py::list summary;
    for (const auto& k : c.summary) summary.append(kpi_tuple(k));
    cases.append(py::make_tuple(c.name, summary));
  }
  d["case_list"] = cases;
  d["case_columns"] = case_columns(reps);
  py::list runs;
  for (const auto& c : r.cases)
    for (const int run : c.runs) runs.append(py::make_tuple(c.name, run));
  d["recorded_runs"] = runs;
  return d;
}

/// What `read` returns, read without the GIL; its errors as plantwin.ResultError.
template <class Read>
ResultContents read_unlocked(Read read) {
  try {
    py::gil_scoped_release release;
    return read();
  } catch (const std::exception& e) {
    throw ResultFileError(e.what());
  }
}

/// A result or experiment file read back (read_result_file: in a child process, trusting
/// nothing), without signal samples; read_signals gets those on demand.
py::dict read_result(const std::string& path) {
  return contents_dict(read_unlocked([&] { return read_result_file(path, false); }));
}

/// A recorded run of an experiment file (read_result_run), with every signal's samples under
/// "samples": [(name, time, value)].
py::dict read_run(const std::string& path, const std::string& case_name, int replication) {
  const ResultContents r =
      read_unlocked([&] { return read_result_run(path, case_name, replication); });
  py::dict d = contents_dict(r);
  py::list samples;
  for (const auto& x : r.signals)
    samples.append(py::make_tuple(x.name, py::array_t<double>(x.time.size(), x.time.data()),
                                  py::array_t<double>(x.value.size(), x.value.data())));
  d["samples"] = samples;
  return d;
}

/// The samples of some signals of a result file: [(name, time, value)], read in a child process.
py::list read_signals(const std::string& path, const std::vector<std::string>& names) {
  ResultContents r = read_unlocked([&] { return read_result_signals(path, names); });
  py::list out;
  for (auto& x : r.signals) {
    // The vectors move into capsules that numpy's arrays own: no copy of a large signal.
    auto* t = new std::vector<double>(std::move(x.time));
    auto* v = new std::vector<double>(std::move(x.value));
    py::capsule ct(t, [](void* p) { delete static_cast<std::vector<double>*>(p); });
    py::capsule cv(v, [](void* p) { delete static_cast<std::vector<double>*>(p); });
    out.append(py::make_tuple(
        x.name, py::array_t<double>(static_cast<py::ssize_t>(t->size()), t->data(), ct),
        py::array_t<double>(static_cast<py::ssize_t>(v->size()), v->data(), cv)));
  }
  return out;
}

/// One replication of one case, for a Dask worker: the KPI rows and the bottleneck.
py::tuple run_one(const std::string& text, const std::string& label, const std::string& base_dir,
                  const std::vector<std::string>& overrides, std::optional<std::uint64_t> seed,
                  std::uint64_t replication, const std::string& path) {
  auto model = compile(make_scenario(text, label, base_dir, overrides, seed, path), registry());
  std::vector<KpiRow> rows;
  {
    py::gil_scoped_release release;
    Sim sim(model, replication);
    sim.run();
    rows = sim.kpis();
  }
  py::list out;
  for (const auto& k : rows) out.append(kpi_tuple(k));
  return py::make_tuple(out, find_bottleneck(*model, rows).name);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "plantwin's compiled core. Use the `plantwin` package instead.";
  m.attr("__version__") = version();

  static py::exception<ScenarioError> scenario_error(m, "ScenarioError", PyExc_ValueError);
  static py::exception<ResultFileError> result_error(m, "ResultError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ResultFileError& e) {
      PyErr_SetString(result_error.ptr(), e.what());
    } catch (const ScenarioError& e) {
      py::object type = py::reinterpret_borrow<py::object>(scenario_error.ptr());
      py::object ex = type(e.what());
      const Diagnostic& d = e.diagnostics().front();
      ex.attr("file") = d.location.file;
      ex.attr("line") = d.location.line;
      ex.attr("column") = d.location.column;
      ex.attr("path") = d.path;
      py::list all;
      for (const auto& x : e.diagnostics()) {
        py::dict item;
        item["file"] = x.location.file;
        item["line"] = x.location.line;
        item["column"] = x.location.column;
        item["path"] = x.path;
        item["message"] = x.message;
        all.append(item);
      }
      ex.attr("diagnostics") = all;
      PyErr_SetObject(scenario_error.ptr(), ex.ptr());
    }
  });

  py::class_<Simulation>(m, "Simulation")
      .def_static("load", &Simulation::load, py::arg("text"), py::arg("label"), py::arg("base_dir"),
                  py::arg("overrides"), py::arg("seed"), py::arg("replication") = 0,
                  py::arg("path") = "")
      .def("run", &Simulation::run, py::arg("until") = py::none())
      .def("step", &Simulation::step, py::arg("dt"))
      .def_property_readonly("time", &Simulation::time)
      .def("signal", &Simulation::signal, py::arg("name"))
      .def("recorded_signals", &Simulation::recorded_signals)
      .def("signal_names", &Simulation::signal_names)
      .def("actuator_names", &Simulation::actuator_names)
      .def("describe", &Simulation::describe, py::arg("actuators"))
      .def("value", &Simulation::value, py::arg("name"))
      .def("set", &Simulation::set, py::arg("name"), py::arg("value"))
      .def("push", &Simulation::push, py::arg("name"), py::arg("value"), py::arg("time"),
           py::arg("origin"))
      .def("measure", &Simulation::measure, py::arg("name"), py::arg("value"), py::arg("time"),
           py::arg("origin"))
      .def("measurements", &Simulation::measurements)
      .def("inputs", &Simulation::inputs)
      .def("warnings", &Simulation::warnings)
      .def("kpis", &Simulation::kpis)
      .def("events", &Simulation::events)
      .def("fork", &Simulation::fork, py::arg("controllers") = false)
      .def("forecast", &Simulation::forecast, py::arg("ahead"), py::arg("replications"),
           py::arg("kpis"), py::arg("variants"))
      .def("save", &Simulation::save, py::arg("path"))
      .def("add_controller", &Simulation::add_controller, py::arg("fn"), py::arg("period"),
           py::arg("reads"))
      .def_property_readonly("name", &Simulation::name)
      .def_property_readonly("horizon", &Simulation::horizon)
      .def_property_readonly("seed", &Simulation::seed)
      .def_property_readonly("events_executed", &Simulation::events_executed);

  m.def("run_cases", &run_cases, py::arg("text"), py::arg("label"), py::arg("base_dir"),
        py::arg("overrides"), py::arg("seed"), py::arg("cases"), py::arg("replications"),
        py::arg("confidence") = 0.95, py::arg("case_labels") = std::vector<std::string>{},
        py::arg("run") = true, py::arg("path") = "");
  m.def("run_experiment_file", &run_experiment_file, py::arg("text"), py::arg("label"),
        py::arg("base_dir"), py::arg("path"), py::arg("overrides"), py::arg("seed"),
        py::arg("replications"), py::arg("run") = true, py::arg("buffers") = true);
  m.def("summarise", &summarise_groups, py::arg("group"), py::arg("values"), py::arg("confidence"));
  m.def("read_result", &read_result, py::arg("path"));
  m.def("read_signals", &read_signals, py::arg("path"), py::arg("names"));
  m.def("read_run", &read_run, py::arg("path"), py::arg("case"), py::arg("replication"));
  m.def("run_one", &run_one, py::arg("text"), py::arg("label"), py::arg("base_dir"),
        py::arg("overrides"), py::arg("seed"), py::arg("replication"), py::arg("path") = "");
  m.def(
      "t_interval",
      [](const std::vector<double>& v, double confidence) {
        const Estimate e = t_interval(v, confidence);
        return py::make_tuple(e.mean, std::isnan(e.half_width) ? 0.0 : e.half_width, e.samples);
      },
      py::arg("values"), py::arg("confidence") = 0.95);
}
