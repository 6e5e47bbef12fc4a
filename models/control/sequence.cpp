// A sequence as PLC engineers draw it (SFC, IEC 61131-3): steps with actions on entry and exit,
// and transitions on conditions and timers. One step is active; at each scan the first
// transition of the active step whose condition holds fires (in the order the file lists
// them): the step's exit actions run, then the next step's entry actions. At most one
// transition fires per scan, so a chain of true conditions advances one step per scan, as in a
// PLC.
//
//   controllers:
//     filler_seq:
//       type: sequence
//       scan: 100 ms
//       initial: idle
//       steps:
//         idle:
//           on_entry: {filler.enabled: 0}
//           transitions:
//             - {to: running, when: "infeed.level > 5"}
//         running:
//           on_entry: {filler.enabled: 1}
//           transitions:
//             - {to: idle, when: "infeed.level < 1", after: 30 s}

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "control.h"
#include "plantwin/expr.h"
#include "plantwin/sim.h"

namespace plantwin::control {
namespace {

constexpr std::size_t kMaxSteps = 10000;

struct Action {
  std::string actuator;
  double value = 0;
};

struct Transition {
  int to = -1;
  std::optional<Expr> when;
  double after = 0;  // seconds in the step before it may fire
};

struct Step {
  std::string name;
  std::vector<Action> on_entry, on_exit;
  std::vector<Transition> transitions;
};

struct SequenceState : ClonableState<SequenceState> {
  int step = -1;
  double entered = 0;
  std::int64_t transitions_total = 0;
  // Resolved at start: per step, per transition, the signal index of each reference.
  std::vector<std::vector<std::vector<int>>> refs;
  std::vector<std::vector<int>> entry_act, exit_act;
};

class Sequence final : public Component {
 public:
  Sequence(std::string name, double scan, int initial, std::vector<Step> steps)
      : Component(std::move(name), "sequence"),
        scan_(scan),
        initial_(initial),
        steps_(std::move(steps)) {}

  bool material() const override { return false; }
  double scan_period() const override { return scan_; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<SequenceState>();
  }
  void start(Sim& sim) const override {
    auto& s = sim.state_of<SequenceState>(*this);
    const Model& m = sim.model();
    s.refs.clear();
    s.entry_act.clear();
    s.exit_act.clear();
    auto acts = [&](const std::vector<Action>& as) {
      std::vector<int> idx;
      for (const auto& a : as) idx.push_back(m.find_actuator(a.actuator));
      return idx;
    };
    for (const auto& st : steps_) {
      auto& per_step = s.refs.emplace_back();
      for (const auto& tr : st.transitions) {
        auto& per_tr = per_step.emplace_back();
        if (tr.when)
          for (const auto& r : tr.when->refs()) per_tr.push_back(m.find_signal(r.name));
      }
      s.entry_act.push_back(acts(st.on_entry));
      s.exit_act.push_back(acts(st.on_exit));
    }
  }
  void scan(Sim& sim) const override {
    auto& s = sim.state_of<SequenceState>(*this);
    if (s.step < 0) {  // the first scan activates the initial step
      enter(sim, s, initial_);
      return;
    }
    const Step& st = steps_[static_cast<std::size_t>(s.step)];
    const double in_step = sim.now() - s.entered;
    for (std::size_t k = 0; k < st.transitions.size(); ++k) {
      const Transition& tr = st.transitions[k];
      if (in_step < tr.after) continue;
      if (tr.when) {
        const auto& idx = s.refs[static_cast<std::size_t>(s.step)][k];
        if (tr.when->eval([&](std::size_t i) { return sim.signal(idx[i]); }) == 0) continue;
      }
      const int from = s.step;
      run(sim, steps_[static_cast<std::size_t>(from)].on_exit,
          s.exit_act[static_cast<std::size_t>(from)]);
      ++s.transitions_total;
      sim.log_event(*this, "step",
                    fmt::format("{} -> {}", steps_[static_cast<std::size_t>(from)].name,
                                steps_[static_cast<std::size_t>(tr.to)].name));
      enter(sim, s, tr.to);
      return;
    }
  }
  std::vector<SignalSpec> signals() const override {
    return {{"step", "", "the active step's number (0 = the first step the file lists)"},
            {"step_time", "s", "time since the active step was entered"},
            {"transitions", "count", "transitions fired since the start of the run"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<SequenceState>(*this);
    if (index == 0) return s.step;
    if (index == 1) return s.step < 0 ? 0 : sim.now() - s.entered;
    return static_cast<double>(s.transitions_total);
  }

 private:
  void enter(Sim& sim, SequenceState& s, int step) const {
    s.step = step;
    s.entered = sim.now();
    run(sim, steps_[static_cast<std::size_t>(step)].on_entry,
        s.entry_act[static_cast<std::size_t>(step)]);
  }
  static void run(Sim& sim, const std::vector<Action>& actions, const std::vector<int>& idx) {
    for (std::size_t i = 0; i < actions.size(); ++i) sim.set_actuator(idx[i], actions[i].value);
  }

  double scan_;
  int initial_;
  std::vector<Step> steps_;
};

std::vector<Action> read_actions(BuildContext& ctx, ParamReader& p, std::string_view key) {
  std::vector<Action> out;
  const Node* n = p.raw(key);
  if (!n) return out;
  const std::string path = p.key_path(key);
  if (!n->is_map()) {
    p.error(key, "expected a map of actuator: value, e.g. {filler.enabled: 1}");
    return out;
  }
  for (std::size_t i = 0; i < n->entries.size(); ++i) {
    const auto& [name, v] = n->entries[i];
    std::string why;
    const auto value =
        v.is_scalar() ? parse_quantity(v.scalar, Dimension::kDimensionless, &why) : std::nullopt;
    if (!value) {
      p.diagnostics().error(v.location, path + "." + name,
                            "expected a number, in the actuator's unit (plantwin info)");
      continue;
    }
    ctx.check_actuator_at(n->key_locations[i], path + "." + name, name);
    out.push_back({name, *value});
  }
  return out;
}

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  Diagnostics& diag = p.diagnostics();
  const double scan = ctx.period("scan", std::nullopt);
  const std::string initial = p.text("initial", "");
  const Node* steps_node = p.raw("steps");
  if (!steps_node || !steps_node->is_map() || steps_node->entries.empty()) {
    p.error("steps", "is required: a map of step name to its actions and transitions");
    return nullptr;
  }
  if (steps_node->entries.size() > kMaxSteps) {
    p.error("steps", fmt::format("has more than {} steps", kMaxSteps));
    return nullptr;
  }
  std::map<std::string, int> index;
  std::vector<std::string> names;
  for (const auto& [name, node] : steps_node->entries) {
    index.emplace(name, static_cast<int>(names.size()));
    names.push_back(name);
  }
  auto step_index = [&](const std::string& name, const SourceLocation& at,
                        const std::string& path) {
    const auto it = index.find(name);
    if (it != index.end()) return it->second;
    const std::string hint = closest_match(name, names);
    diag.error(at, path,
               fmt::format("no step \"{}\"{}", name,
                           hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
    return -1;
  };
  int first = -1;
  if (!initial.empty()) {
    const Node* in = p.node().find("initial");
    first = step_index(initial, in->location, p.key_path("initial"));
  }
  std::vector<Step> steps;
  for (std::size_t i = 0; i < steps_node->entries.size(); ++i) {
    const auto& [name, node] = steps_node->entries[i];
    const std::string path = p.key_path("steps") + "." + name;
    Step st;
    st.name = name;
    if (node.is_null()) {  // a step with nothing to do and no way out: a final step
      steps.push_back(std::move(st));
      continue;
    }
    if (!node.is_map()) {
      diag.error(node.location, path, "expected a map with on_entry, on_exit, transitions");
      continue;
    }
    ParamReader sp(node, path, diag);
    st.on_entry = read_actions(ctx, sp, "on_entry");
    st.on_exit = read_actions(ctx, sp, "on_exit");
    const Node* trs = sp.raw("transitions");
    sp.finish();
    if (trs && !trs->is_seq()) {
      diag.error(trs->location, path + ".transitions",
                 "expected a list such as [{to: running, when: \"tank.level > 5\"}]");
    } else if (trs) {
      for (std::size_t k = 0; k < trs->items.size(); ++k) {
        const Node& t = trs->items[k];
        const std::string tpath = fmt::format("{}.transitions[{}]", path, k);
        if (!t.is_map()) {
          diag.error(t.location, tpath, "expected a map: {to: STEP, when: CONDITION, after: TIME}");
          continue;
        }
        ParamReader tp(t, tpath, diag);
        Transition tr;
        const std::string to = tp.text("to", std::nullopt);
        tr.after = tp.duration("after", 0.0);
        const Node* when = tp.raw("when");
        tp.finish();
        if (!to.empty()) tr.to = step_index(to, t.find("to")->location, tpath + ".to");
        if (!when && !t.find("after"))
          diag.error(t.location, tpath, "needs when (a condition), after (a time) or both");
        if (when) {
          if (!when->is_scalar() || when->scalar.empty()) {
            diag.error(when->location, tpath + ".when", "expected a condition such as \"x > 5\"");
          } else {
            tr.when =
                Expr::parse(when->scalar, when->location, when->quoted, tpath + ".when", diag);
            if (tr.when)
              for (std::size_t r = 0; r < tr.when->refs().size(); ++r) {
                const auto& ref = tr.when->refs()[r];
                if (!ref.function.empty())
                  diag.error(
                      tr.when->location_of(r), tpath + ".when",
                      fmt::format("{}() is for expectations, not for sequences", ref.function));
                else
                  ctx.check_signal_at(tr.when->location_of(r), tpath + ".when", ref.name);
              }
          }
        }
        st.transitions.push_back(std::move(tr));
      }
    }
    steps.push_back(std::move(st));
  }
  if (first < 0 && initial.empty()) first = 0;
  if (first < 0 || steps.size() != steps_node->entries.size()) return nullptr;
  for (const auto& st : steps)
    for (const auto& tr : st.transitions)
      if (tr.to < 0) return nullptr;
  return std::make_unique<Sequence>(ctx.name(), scan, first, std::move(steps));
}

}  // namespace

void register_sequence(Registry& registry) {
  registry.add_controller(
      "sequence", "steps with entry/exit actions and transitions on conditions and timers (SFC)",
      build);
}

}  // namespace plantwin::control
