// plantwin._core: the compiled half of the Python package. The `plantwin` package wraps it with
// pandas DataFrames and Dask; keep this layer thin and typed.

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "plantwin/experiment.h"
#include "plantwin/models/register.h"
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

Scenario make_scenario(const std::string& text, const std::string& label,
                       const std::string& base_dir, const std::vector<std::string>& overrides,
                       std::optional<std::uint64_t> seed) {
  Scenario s = load_scenario_text(text, label, base_dir);
  for (const auto& o : overrides) apply_override(s, o);
  if (seed) apply_override(s, fmt::format("seed={}", *seed));
  return s;
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
                         std::optional<std::uint64_t> seed, std::uint64_t replication) {
    auto model = compile(make_scenario(text, label, base_dir, overrides, seed), registry());
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
};

py::list summary_list(const std::vector<KpiSummary>& s) {
  py::list out;
  for (const auto& k : s)
    out.append(py::make_tuple(k.component, k.name, k.mean, k.half_width, k.n, k.unit));
  return out;
}

py::list diff_list(const std::vector<PairedDifference>& s) {
  py::list out;
  for (const auto& d : s)
    out.append(py::make_tuple(d.component, d.name, d.mean, d.half_width, d.n, d.unit, d.base_mean));
  return out;
}

/// Runs cases x replications in C++ threads. Returns per case (name, summary, diffs,
/// bottlenecks, replication rows).
py::list run_cases(const std::string& text, const std::string& label, const std::string& base_dir,
                   const std::vector<std::string>& overrides, std::optional<std::uint64_t> seed,
                   const std::vector<std::pair<std::string, std::vector<std::string>>>& cases,
                   int replications, double confidence) {
  if (replications < 1)
    throw std::invalid_argument(
        fmt::format("replications must be a whole number >= 1, got {}", replications));
  if (!(confidence > 0 && confidence < 1))
    throw std::invalid_argument(
        fmt::format("confidence must lie between 0 and 1 (e.g. 0.95), got {}", confidence));
  Scenario s = make_scenario(text, label, base_dir, overrides, seed);
  ExperimentSpec spec;
  spec.replications = replications;
  spec.confidence = confidence;
  for (const auto& [name, o] : cases) spec.cases.push_back(ExperimentCase{name, o, {}});
  ExperimentResult res;
  {
    py::gil_scoped_release release;
    res = run_experiment(s, spec, registry());
  }
  py::list out;
  for (const auto& c : res.cases) {
    if (!c.error.empty())
      throw std::runtime_error(fmt::format("case {}: {}", c.spec.name, c.error));
    py::list reps;
    for (const auto& r : c.replications) {
      py::list rows;
      for (const auto& k : r) rows.append(kpi_tuple(k));
      reps.append(rows);
    }
    out.append(py::make_tuple(c.spec.name, summary_list(c.summary), diff_list(c.versus_base),
                              c.bottlenecks, reps));
  }
  return out;
}

/// One replication of one case, for a Dask worker: the KPI rows and the bottleneck.
py::tuple run_one(const std::string& text, const std::string& label, const std::string& base_dir,
                  const std::vector<std::string>& overrides, std::optional<std::uint64_t> seed,
                  std::uint64_t replication) {
  auto model = compile(make_scenario(text, label, base_dir, overrides, seed), registry());
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
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
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
                  py::arg("overrides"), py::arg("seed"), py::arg("replication") = 0)
      .def("run", &Simulation::run, py::arg("until") = py::none())
      .def("step", &Simulation::step, py::arg("dt"))
      .def_property_readonly("time", &Simulation::time)
      .def("signal", &Simulation::signal, py::arg("name"))
      .def("recorded_signals", &Simulation::recorded_signals)
      .def("signal_names", &Simulation::signal_names)
      .def("actuator_names", &Simulation::actuator_names)
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
      .def("save", &Simulation::save, py::arg("path"))
      .def("add_controller", &Simulation::add_controller, py::arg("fn"), py::arg("period"),
           py::arg("reads"))
      .def_property_readonly("name", &Simulation::name)
      .def_property_readonly("horizon", &Simulation::horizon)
      .def_property_readonly("seed", &Simulation::seed)
      .def_property_readonly("events_executed", &Simulation::events_executed);

  m.def("run_cases", &run_cases, py::arg("text"), py::arg("label"), py::arg("base_dir"),
        py::arg("overrides"), py::arg("seed"), py::arg("cases"), py::arg("replications"),
        py::arg("confidence") = 0.95);
  m.def("run_one", &run_one, py::arg("text"), py::arg("label"), py::arg("base_dir"),
        py::arg("overrides"), py::arg("seed"), py::arg("replication"));
  m.def(
      "t_interval",
      [](const std::vector<double>& v, double confidence) {
        const Estimate e = t_interval(v, confidence);
        return py::make_tuple(e.mean, std::isnan(e.half_width) ? 0.0 : e.half_width, e.samples);
      },
      py::arg("values"), py::arg("confidence") = 0.95);
}
