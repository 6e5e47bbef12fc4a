#include "plantwin/sim.h"

#include <cmath>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plantwin/units.h"

namespace plantwin {

State::State(const Model& model, std::uint64_t rep) : replication(rep) {
  components.reserve(model.size());
  const StreamSeed seed{model.seed(), rep};
  for (std::size_t i = 0; i < model.size(); ++i)
    components.push_back(model.component(static_cast<int>(i)).make_state(seed));
  trace.values.resize(model.record().signals.size());
  const auto n = static_cast<Eigen::Index>(model.num_continuous());
  const auto ng = static_cast<Eigen::Index>(model.num_guards());
  x = Eigen::VectorXd::Zero(n);
  work = Eigen::MatrixXd::Zero(n, n > 0 ? 10 : 0);
  g0 = g1 = g2 = Eigen::VectorXd::Zero(ng);
  h_next = model.physics().dt;
}

Sim::Sim(std::shared_ptr<const Model> model, std::uint64_t replication)
    : model_(std::move(model)), state_(*model_, replication) {
  push_depth_limit_ = static_cast<int>(model_->size()) + 1;
  batch_length_ = (model_->horizon() - model_->warmup()) / model_->batches();
  // The scenario's controllers join the control plan, in the order the scenario lists them.
  for (std::size_t i = 0; i < model_->size(); ++i) {
    const int id = static_cast<int>(i);
    if (const double period = model_->component(id).scan_period(); period > 0)
      control_.add(period, 0, [id](Sim& sim) { sim.model().component(id).scan(sim); });
  }
}

Sim::Sim(std::shared_ptr<const Model> model, State state, ControlPlan control)
    : model_(std::move(model)), state_(std::move(state)), control_(std::move(control)) {
  push_depth_limit_ = static_cast<int>(model_->size()) + 1;
  batch_length_ = (model_->horizon() - model_->warmup()) / model_->batches();
}

void Sim::start() {
  state_.started = true;
  state_.time = 0;
  state_.space_queue.reserve(64);
  if (const ShiftCalendar* cal = model_->shifts()) {
    state_.on_shift = cal->on_shift(0);
    state_.next_shift_change = cal->next_change(0);
  }
  if (model_->warmup() <= 0) {
    state_.warmup_done = true;
    begin_batch();
  }
  for (int id : model_->continuous_components())
    model_->component(id).initial_continuous(*this,
                                             state_.x.data() + model_->continuous_offset(id));
  for (std::size_t i = 0; i < model_->size(); ++i) {
    model_->component(static_cast<int>(i)).start(*this);
    settle();
  }
}

double Sim::next_kernel_time() const {
  double t = Calendar::kNever;
  if (!state_.warmup_done)
    t = model_->warmup();
  else if (state_.next_batch <= model_->batches())
    t = state_.next_batch == model_->batches()
            ? model_->horizon()
            : model_->warmup() + state_.next_batch * batch_length_;
  if (model_->record().period > 0 && !model_->record().signals.empty() &&
      state_.next_sample <= model_->horizon())
    t = std::min(t, state_.next_sample);
  for (const auto& c : control_.tasks()) t = std::min(t, c.next);
  return std::min(t, state_.next_shift_change);
}

void Sim::reseed(std::uint64_t stream) {
  const StreamSeed seed{model_->seed(), stream};
  for (std::size_t i = 0; i < model_->size(); ++i)
    model_->component(static_cast<int>(i)).reseed(*this, seed);
}

void Sim::restart_statistics() {
  state_.warmup_done = true;
  state_.stats_start = state_.time;
  state_.next_batch = model_->batches() + 1;  // no batch boundaries from here on
  for (std::size_t i = 0; i < model_->size(); ++i)
    model_->component(static_cast<int>(i)).reset_statistics(*this);
  begin_batch();
}

void Sim::begin_batch() {
  for (std::size_t i = 0; i < model_->size(); ++i)
    model_->component(static_cast<int>(i)).on_batch(*this);
}

void Sim::kernel_step() {
  const double t = state_.time;
  if (t >= state_.next_shift_change) {
    const ShiftCalendar* cal = model_->shifts();
    state_.on_shift = cal->on_shift(t);
    state_.next_shift_change = cal->next_change(t);
    // Components change one at a time, in the order the scenario names them, the flow
    // settling after each (scenarios/README.md, Shifts).
    for (std::size_t i = 0; i < model_->size(); ++i) {
      model_->component(static_cast<int>(i)).on_shift_change(*this);
      settle();
    }
  }
  if (!state_.warmup_done && t >= model_->warmup()) {
    state_.warmup_done = true;
    state_.stats_start = t;
    for (std::size_t i = 0; i < model_->size(); ++i)
      model_->component(static_cast<int>(i)).reset_statistics(*this);
    begin_batch();
  }
  if (state_.warmup_done && state_.next_batch <= model_->batches()) {
    const double boundary = state_.next_batch == model_->batches()
                                ? model_->horizon()
                                : model_->warmup() + state_.next_batch * batch_length_;
    if (t >= boundary) {
      begin_batch();
      ++state_.next_batch;
    }
  }
  auto& tasks = control_.tasks();
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (t < tasks[i].next) continue;
    tasks[i].next = t + tasks[i].period;
    tasks[i].fn(*this);
    settle();
  }
  const RecordPlan& rec = model_->record();
  if (rec.period > 0 && !rec.signals.empty() && t >= state_.next_sample) {
    state_.trace.times.push_back(t);
    for (std::size_t k = 0; k < rec.signals.size(); ++k)
      state_.trace.values[k].push_back(signal(rec.signals[k]));
    // Computed from the count, not accumulated, so sample times do not drift.
    state_.next_sample = static_cast<double>(state_.trace.times.size()) * rec.period;
  }
}

template <bool kPrefetch>
bool Sim::run_events(double limit, bool one, const std::atomic<bool>* stop) {
  Calendar& cal = state_.calendar;
  while (cal.next_time() <= limit) {
    const Event ev = cal.pop();
    state_.time = ev.time;
    ++state_.events_executed;
    const Component& target = model_->component(ev.target);
    // In a large plant, its neighbours on the material flow are what an event touches next (a
    // finished part goes downstream, the room it frees goes upstream): their states and the
    // first lines of their objects (what a virtual call and a buffer's capacity read) start
    // loading now, from memory that a small plant would find in its caches anyway.
    if constexpr (kPrefetch)
      for (const int id : {target.output_hint(), target.input_hint()}) {
        if (id < 0) continue;
        const char* s =
            reinterpret_cast<const char*>(&state_.components[static_cast<std::size_t>(id)]);
        for (int line = 0; line < 5; ++line) __builtin_prefetch(s + 64 * line);
        const char* c = reinterpret_cast<const char*>(&model_->component(id));
        __builtin_prefetch(c);
        __builtin_prefetch(c + 64);
      }
    target.on_event(*this, ev.kind, ev.arg);
    settle();
    // A large plant's next event is likely to find its component out of the caches: start
    // loading its first lines (object and state) now, while this loop finds and pops it.
    // The one after it gets a head start too: the next event's object is often still on its
    // way when the event begins.
    if constexpr (kPrefetch)
      for (const std::int32_t next : {cal.next_target_hint(), cal.second_target_hint()}) {
        if (next < 0) continue;
        const char* c = reinterpret_cast<const char*>(&model_->component(next));
        const char* s =
            reinterpret_cast<const char*>(&state_.components[static_cast<std::size_t>(next)]);
        for (int line = 0; line < 4; ++line) {
          __builtin_prefetch(c + 64 * line);
          __builtin_prefetch(s + 64 * line);
        }
      }
    if (monitor_) monitor_(*this);
    if (stop && (state_.events_executed & 0x3FFF) == 0 && stop->load(std::memory_order_relaxed))
      return false;
    // With continuous states, the next event waits until they have been brought up to it.
    if (one) break;
  }
  return true;
}

bool Sim::run_until(double t_end, const std::atomic<bool>* stop) {
  if (!state_.started) start();
  t_end = std::min(t_end, model_->horizon());
  double kernel_t = next_kernel_time();
  Calendar& cal = state_.calendar;
  const bool physics = !model_->continuous_components().empty();
  // Prefetching pays where the components' states outgrow the caches (a few MB).
  const bool prefetch = model_->size() >= 2048;
  for (;;) {
    const double te = cal.next_time();
    if (physics) {
      // Bring the continuous states up to the next time point; a state event on the way
      // becomes the current time point instead.
      const double tn = std::min({te, kernel_t, t_end});
      if (tn > state_.x_time && advance_continuous(tn)) {
        kernel_t = next_kernel_time();
        if (stop && stop->load(std::memory_order_relaxed)) return false;
        continue;
      }
    }
    // Without continuous states the events up to the next kernel time run back to back; with
    // them, one at a time.
    if (te <= kernel_t && te <= t_end) {
      const double limit = std::min(kernel_t, t_end);
      if (!(prefetch ? run_events<true>(limit, physics, stop)
                     : run_events<false>(limit, physics, stop)))
        return false;
      continue;
    }
    if (kernel_t <= t_end) {
      state_.time = kernel_t;
      kernel_step();
      if (monitor_) monitor_(*this);
      kernel_t = next_kernel_time();
      if (stop && stop->load(std::memory_order_relaxed)) return false;
      continue;
    }
    if (t_end > state_.time) state_.time = t_end;
    return true;
  }
}

namespace {
std::string names_hint(const std::vector<SignalRef>& refs, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& r : refs) names.push_back(r.name);
  const std::string hint = closest_match(name, names);
  if (!hint.empty()) return fmt::format(" (did you mean \"{}\"?)", hint);
  if (names.size() > 12) names.resize(12), names.push_back("...");
  return names.empty() ? "" : fmt::format("; known: {}", fmt::join(names, ", "));
}
}  // namespace

void Sim::set(const std::string& name, double v) {
  const int idx = model_->find_actuator(name);
  if (idx < 0) {
    const bool is_signal = model_->find_signal(name) >= 0;
    throw std::invalid_argument(fmt::format("\"{}\" cannot be set during a run{}{}", name,
                                            is_signal ? " (it is a signal, an output)" : "",
                                            names_hint(model_->actuators(), name)));
  }
  if (!state_.started) start();
  set_actuator(idx, v);
}

void Sim::set_actuator(int index, double v) {
  const SignalRef& a = model_->actuators()[static_cast<std::size_t>(index)];
  try {
    model_->component(a.component).set_actuator(*this, a.index, v);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("{}: {}", a.name, e.what()));
  }
  settle();
}

void Sim::warn(const Component& c, std::string message) {
  warn_from(c.name(), std::move(message));
}

void Sim::warn_from(const std::string& source, std::string message) {
  for (auto& w : state_.trace.warnings)
    if (w.source == source && w.message == message) {
      ++w.count;
      return;
    }
  state_.trace.warnings.push_back(RunWarning{state_.time, source, std::move(message), 1});
}

void Sim::apply_measurement(const std::string& name, double value, const std::string& origin) {
  const int idx = model_->find_signal(name);
  const SignalRef* ref = idx >= 0 ? &model_->signals()[static_cast<std::size_t>(idx)] : nullptr;
  if (!ref || !model_->component(ref->component).measurable(ref->index)) {
    throw std::invalid_argument(
        fmt::format("\"{}\" takes no measurements{}; signals synced here: {}", name,
                    ref ? "" : " (no such signal)", model_->synced_signals()));
  }
  if (!std::isfinite(value))
    throw std::invalid_argument(
        fmt::format("{}: a measurement must be a finite number, got {}", name, value));
  if (!state_.started) start();
  try {
    model_->component(ref->component).measure(*this, ref->index, value);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("{}: {}", name, e.what()));
  }
  settle();
  state_.trace.measurements.push_back(AppliedInput{state_.time, name, value, origin});
}

void Sim::apply_input(const std::string& name, double value, const std::string& origin) {
  set(name, value);
  state_.trace.inputs.push_back(AppliedInput{state_.time, name, value, origin});
}

double Sim::value(const std::string& name) const {
  const int idx = model_->find_signal(name);
  if (idx < 0)
    throw std::invalid_argument(
        fmt::format("unknown signal \"{}\"{}", name, names_hint(model_->signals(), name)));
  return signal(idx);
}

void Sim::too_deep(const Component& from) const {
  throw std::runtime_error(fmt::format(
      "at {}: parts loop through components that hold none (splits, buffers of capacity 0) "
      "around {}; give a buffer on the loop a capacity of at least 1",
      format_duration(state_.time), from.name()));
}

void Sim::add_controller(double period, Controller fn) {
  if (!(period > 0) || !std::isfinite(period))
    throw std::invalid_argument(
        fmt::format("a controller needs a positive scan period, got {}", period));
  control_.add(period, state_.time, std::move(fn));
}

std::vector<KpiRow> Sim::kpis() const {
  std::vector<KpiRow> rows;
  if (state_.warmup_done)
    for (std::size_t i = 0; i < model_->size(); ++i)
      model_->component(static_cast<int>(i)).report(*this, rows);
  for (std::size_t i = 0; i < model_->size(); ++i)
    model_->component(static_cast<int>(i)).finish_report(*this, rows);
  return rows;
}

}  // namespace plantwin
