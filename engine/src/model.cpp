#include "plantwin/model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace plantwin {

void Component::accept(Sim&, int port, PartId) const {
  // The kernel only calls accept() after can_accept() said yes; a component that says yes
  // must take the part. Reaching here is a bug in that component.
  throw std::logic_error(fmt::format("{} ({}) cannot accept parts on port {}", name_, type_, port));
}

namespace {
std::string article(std::string_view word) {
  return !word.empty() && std::string_view("aeiou").find(word.front()) != std::string_view::npos
             ? "an"
             : "a";
}
}  // namespace

const std::string& BuildContext::component_type(const std::string& name) const {
  static const std::string kNone;
  const auto& names = component_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end() || !shared_->types) return kNone;
  return (*shared_->types)[static_cast<std::size_t>(it - names.begin())];
}

int BuildContext::require_component(const std::string& name, const std::string& type) {
  auto& implicit = shared_->implicit;
  const int scenario_size = static_cast<int>(component_names().size());
  for (std::size_t k = 0; k < implicit.size(); ++k)
    if (implicit[k].name == name) return scenario_size + static_cast<int>(k);
  implicit.push_back({name, type});
  return scenario_size + static_cast<int>(implicit.size() - 1);
}

bool BuildContext::check_component(ParamReader& params, std::string_view key,
                                   const std::string& name, std::string_view kind) {
  const Node* n = params.node().find(key);
  return check_component_at(params.diagnostics(), n ? n->location : params.node().location,
                            params.key_path(key), name, kind);
}

bool BuildContext::check_component_at(Diagnostics& diag, const SourceLocation& location,
                                      const std::string& path, const std::string& name,
                                      std::string_view kind) {
  const auto& names = component_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    const std::string hint = closest_match(name, names);
    diag.error(location, path,
               fmt::format("no component \"{}\"{}", name,
                           hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
    return false;
  }
  const std::string& type = component_type(name);
  if (kind.empty() || type == kind) return true;
  std::vector<std::string> of_kind;
  for (const auto& other : names)
    if (component_type(other) == kind) of_kind.push_back(other);
  diag.error(
      location, path,
      fmt::format("\"{}\" is {} {}; expected {} {} ({})", name, article(type), type, article(kind),
                  kind,
                  of_kind.empty() ? fmt::format("there is no {} in this scenario", kind)
                                  : fmt::format("{}s here: {}", kind, fmt::join(of_kind, ", "))));
  return false;
}

void BuildContext::check_signal(ParamReader& params, std::string_view key,
                                const std::string& signal) {
  const Node* n = params.node().find(key);
  check_signal_at(n ? n->location : params.node().location, params.key_path(key), signal);
}

void BuildContext::check_actuator(ParamReader& params, std::string_view key,
                                  const std::string& actuator) {
  const Node* n = params.node().find(key);
  check_actuator_at(n ? n->location : params.node().location, params.key_path(key), actuator);
}

void BuildContext::check_signal_at(const SourceLocation& location, const std::string& path,
                                   const std::string& signal) {
  if (signal_checks_) signal_checks_->push_back({location, path, signal, false});
}

void BuildContext::check_actuator_at(const SourceLocation& location, const std::string& path,
                                     const std::string& actuator) {
  if (signal_checks_) signal_checks_->push_back({location, path, actuator, true});
}

void BuildContext::error(std::string message) {
  params_.diagnostics().error(location_, params_.path(), std::move(message));
}

std::string periodic_work_error(double period_s, double horizon_s) {
  if (!(period_s > 0) || !(horizon_s > 0) || horizon_s / period_s <= kMaxPeriodicRuns) return "";
  return fmt::format(
      "every {} over the horizon of {} is {:.3g} runs, more than the limit of {:g}; use a "
      "period of at least {}",
      format_duration(period_s), format_duration(horizon_s), horizon_s / period_s, kMaxPeriodicRuns,
      format_duration(horizon_s / kMaxPeriodicRuns));
}

double BuildContext::period(std::string_view key, std::optional<double> fallback) {
  const double p = params_.quantity(key, Dimension::kTime, fallback, 0, HUGE_VAL, true);
  const std::string err = periodic_work_error(p, horizon_);
  if (!err.empty()) params_.error(key, err);
  return p;
}

void BuildContext::require_ports(int min_in, int max_in, int min_out, int max_out) {
  if (!ports_known_) return;
  auto check = [&](int n, int lo, int hi, const char* dir, const char* arrow) {
    if (n >= lo && n <= hi) return;
    std::string want;
    if (lo == hi)
      want = fmt::format("exactly {}", lo);
    else if (hi >= 1000000)
      want = fmt::format("at least {}", lo);
    else
      want = fmt::format("{} to {}", lo, hi);
    if (hi == 0) {
      error(fmt::format(
          "a {} has no {}s, but the flow gives it {} ({})",
          params_.node().find("type") ? params_.node().find("type")->scalar : "component", dir, n,
          arrow));
    } else {
      error(fmt::format("needs {} {}{} in the flow, got {}", want, dir,
                        lo == 1 && hi == 1 ? "" : "s", n));
    }
  };
  check(static_cast<int>(inputs_.size()), min_in, max_in, "input", "\"x -> name\"");
  check(static_cast<int>(outputs_.size()), min_out, max_out, "output", "\"name -> x\"");
}

void Registry::add(std::string type, std::string summary, ComponentFactory factory) {
  if (entries_.count(type) || controllers_.count(type))
    throw std::logic_error("component type registered twice: " + type);
  entries_.emplace(std::move(type), Entry{std::move(summary), std::move(factory)});
}

void Registry::add_implicit(std::string type, std::string summary, ComponentFactory factory) {
  if (entries_.count(type) || implicit_.count(type))
    throw std::logic_error("component type registered twice: " + type);
  implicit_.emplace(std::move(type), Entry{std::move(summary), std::move(factory)});
}

const ComponentFactory* Registry::find(const std::string& type) const {
  const auto it = entries_.find(type);
  return it == entries_.end() ? nullptr : &it->second.factory;
}

void Registry::add_controller(std::string type, std::string summary, ComponentFactory factory) {
  if (entries_.count(type) || implicit_.count(type) || controllers_.count(type))
    throw std::logic_error("component type registered twice: " + type);
  controllers_.emplace(std::move(type), Entry{std::move(summary), std::move(factory)});
}

const ComponentFactory* Registry::find_controller(const std::string& type) const {
  const auto it = controllers_.find(type);
  return it == controllers_.end() ? nullptr : &it->second.factory;
}

std::vector<std::string> Registry::controller_types() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : controllers_) out.push_back(k);
  return out;
}

const ComponentFactory* Registry::find_implicit(const std::string& type) const {
  const auto it = implicit_.find(type);
  return it == implicit_.end() ? nullptr : &it->second.factory;
}

std::vector<std::string> Registry::types() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) out.push_back(k);
  return out;
}

const std::string& Registry::summary(const std::string& type) const {
  if (const auto it = controllers_.find(type); it != controllers_.end()) return it->second.summary;
  return entries_.at(type).summary;
}

bool Model::takes_measurements(int index) const {
  if (index < 0 || static_cast<std::size_t>(index) >= signals_.size()) return false;
  const SignalRef& s = signals_[static_cast<std::size_t>(index)];
  return component(s.component).measurable(s.index);
}

std::string Model::synced_signals() const {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < signals_.size(); ++i)
    if (takes_measurements(static_cast<int>(i))) names.push_back(signals_[i].name);
  return names.empty() ? "none (give a component a sync: section)"
                       : fmt::format("{}", fmt::join(names, ", "));
}

int Model::find_component(const std::string& name) const {
  const auto it = component_index_.find(name);
  return it == component_index_.end() ? -1 : it->second;
}

int Model::find_actuator(const std::string& name) const {
  const auto it = actuator_index_.find(name);
  return it == actuator_index_.end() ? -1 : it->second;
}

int Model::find_signal(const std::string& name) const {
  const auto it = signal_index_.find(name);
  return it == signal_index_.end() ? -1 : it->second;
}

namespace {
/// Whether `text` matches `pattern`, where '*' stands for any run of characters.
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}
}  // namespace

/// Compiles a scenario in passes: top-level keys, flow links, components, record plan.
class ModelBuilder {
 public:
  ModelBuilder(const Scenario& scenario, const Registry& registry)
      : scenario_(scenario), registry_(registry), model_(std::make_shared<Model>()) {}

  std::shared_ptr<const Model> build() {
    const Node& root = scenario_.root;
    ParamReader top(root, "", diag_, scenario_.base_dir);
    model_->name_ = top.text("name", std::filesystem::path(scenario_.file).stem().string());
    model_->description_ = top.text("description", "");
    model_->seed_ = static_cast<std::uint64_t>(
        top.integer("seed", 1, 0, std::numeric_limits<long long>::max()));
    model_->horizon_ = top.quantity("horizon", Dimension::kTime, std::nullopt, 0, HUGE_VAL, true);
    if (model_->horizon_ > kMaxHorizon) {
      top.error("horizon", fmt::format("must be at most 1000 years (365250 d), got \"{}\"",
                                       root.find("horizon")->scalar));
      model_->horizon_ = 0;  // unknown: no estimate of the work may build on it
    }
    model_->warmup_ = top.duration("warmup", 0.0);

    if (model_->warmup_ >= model_->horizon_ && model_->horizon_ > 0)
      top.error("warmup", fmt::format("must be shorter than the horizon ({})",
                                      format_duration(model_->horizon_)));
    const Node* components = top.raw("components");
    const Node* controllers = top.raw("controllers");
    const Node* alarms = top.raw("alarms");
    const Node* flow = top.raw("flow");
    const Node* record = top.raw("record");
    const Node* statistics = top.raw("statistics");
    top.allow("experiments");   // read by the experiment runner
    top.allow("expectations");  // read by plantwin test (expectations.h)
    top.allow("feeds");         // read by the io library (feed.h, recorded_feed.h, mqtt.h)
    top.allow("publish");
    top.allow("forecast");  // read by the forecast (forecast.h)
    if (const Node* shifts = top.raw("shifts")) model_->shifts_ = parse_shifts(*shifts, diag_);
    if (const Node* physics = top.raw("physics")) parse_physics(*physics);
    top.finish();

    if (statistics) {
      if (!statistics->is_map()) {
        diag_.error(statistics->location, "statistics", "expected a map (batches: 20)");
      } else {
        ParamReader st(*statistics, "statistics", diag_);
        model_->batches_ = static_cast<int>(st.integer("batches", 20, 2, 10000));
        st.finish();
      }
    }

    if (!components) {
      diag_.error(root.location, "components", "is required: a map of component name to its keys");
    } else if (!components->is_map() || components->entries.empty()) {
      diag_.error(components->location, "components",
                  fmt::format("expected a map of component name to its keys, got {}",
                              components->kind_phrase()));
    } else {
      // Controllers are components that scan (a PLC task): one name space, one build, the
      // scenario's controllers after its components.
      all_ = *components;
      if (controllers && !controllers->is_map()) {
        diag_.error(controllers->location, "controllers",
                    fmt::format("expected a map of controller name to its keys, got {}",
                                controllers->kind_phrase()));
      } else if (controllers) {
        first_controller_ = all_.entries.size();
        for (std::size_t i = 0; i < controllers->entries.size(); ++i) {
          const std::string& name = controllers->entries[i].first;
          if (components->find(name))
            diag_.error(controllers->key_locations[i], "controllers." + name,
                        fmt::format("\"{}\" is already the name of a component", name));
          all_.entries.push_back(controllers->entries[i]);
          all_.key_locations.push_back(controllers->key_locations[i]);
        }
      }
      // Alarms are controllers of one type, `alarm`, implied: their kind follows from their
      // keys (above, below, cusum).
      if (alarms && !alarms->is_map()) {
        diag_.error(
            alarms->location, "alarms",
            fmt::format("expected a map of alarm name to its keys, got {}", alarms->kind_phrase()));
      } else if (alarms) {
        first_alarm_ = all_.entries.size();
        first_controller_ = std::min(first_controller_, first_alarm_);
        for (std::size_t i = 0; i < alarms->entries.size(); ++i) {
          const std::string& name = alarms->entries[i].first;
          if (components->find(name) || (controllers && controllers->find(name)))
            diag_.error(alarms->key_locations[i], "alarms." + name,
                        fmt::format("\"{}\" is already the name of a {}", name,
                                    components->find(name) ? "component" : "controller"));
          Node alarm = alarms->entries[i].second;
          if (alarm.is_map()) {
            for (std::size_t k = 0; k < alarm.entries.size(); ++k)
              if (alarm.entries[k].first == "type") {
                diag_.error(alarm.key_locations[k], "alarms." + name + ".type",
                            "an alarm has no type: its kind follows from above, below or cusum");
                alarm.entries.erase(alarm.entries.begin() + static_cast<std::ptrdiff_t>(k));
                alarm.key_locations.erase(alarm.key_locations.begin() +
                                          static_cast<std::ptrdiff_t>(k));
                break;
              }
            Node type;
            type.kind = Node::Kind::kScalar;
            type.scalar = "alarm";
            type.location = alarm.location;
            alarm.entries.emplace_back("type", std::move(type));
            alarm.key_locations.push_back(alarm.location);
          }
          all_.entries.emplace_back(name, std::move(alarm));
          all_.key_locations.push_back(alarms->key_locations[i]);
        }
      }
      collect_names(all_);
    }
    // A plant without material (a thermal model, a wind farm) needs no flow; one component
    // that takes part in it makes the flow required (checked as components are built).
    if (!flow) {
      flow_missing_ = true;
      flow_complete_ = false;  // the links are unknown: no port counts to check
    } else {
      parse_flow(*flow);
    }
    if (components && components->is_map() && !components->entries.empty()) build_components(all_);
    // Fixed-step integration takes horizon / dt steps.
    if (model_->num_continuous_ > 0 &&
        model_->physics_.method != PhysicsSettings::Method::kDormandPrince) {
      if (const std::string err = periodic_work_error(model_->physics_.dt, model_->horizon_);
          !err.empty()) {
        const Node* physics = root.find("physics");
        const Node* dt = physics && physics->is_map() ? physics->find("dt") : nullptr;
        diag_.error(dt ? dt->location : root.location, "physics.dt", err);
      }
    }
    if (record) {
      parse_record(*record);
    } else if (diag_.empty()) {
      // Without a record section, keep what a viewer needs to replay the plant: the state of
      // every machine and the level of every store, 2000 samples over the horizon.
      model_->record_.period = model_->horizon_ / 2000.0;
      for (std::size_t i = 0; i < model_->signals_.size(); ++i) {
        const std::string& n = model_->signals_[i].name;
        const auto dot = n.rfind('.');
        const std::string sig = n.substr(dot + 1);
        if (sig == "state" || sig == "level" || sig == "count")
          model_->record_.signals.push_back(static_cast<int>(i));
      }
    }
    diag_.throw_if_any();
    // The model keeps a copy of the scenario, made last, once the builder's copy of the
    // components is gone: a large plant (10,000 machines) held three copies of its keys at the
    // peak of its compile, 17 MB more.
    all_ = Node{};
    model_->scenario_ = scenario_;
    return model_;
  }

 private:
  void parse_physics(const Node& node) {
    if (!node.is_map()) {
      diag_.error(node.location, "physics",
                  "expected a map (method, dt, rtol, atol, event_tolerance)");
      return;
    }
    ParamReader r(node, "physics", diag_);
    PhysicsSettings& p = model_->physics_;
    const std::string method = r.choice("method", {"rk4", "dopri45", "implicit_euler"}, "rk4");
    p.method = method == "rk4"       ? PhysicsSettings::Method::kRK4
               : method == "dopri45" ? PhysicsSettings::Method::kDormandPrince
                                     : PhysicsSettings::Method::kImplicitEuler;
    p.dt = r.quantity("dt", Dimension::kTime, 1.0, 0, HUGE_VAL, true);
    p.rtol = r.real("rtol", 1e-6, 1e-14, 1);
    p.atol = r.real("atol", 1e-9, 1e-300, 1e6);
    p.event_tolerance = r.quantity("event_tolerance", Dimension::kTime, 1e-6, 1e-12, HUGE_VAL);
    r.finish();
  }

  void collect_names(const Node& components) {
    for (std::size_t i = 0; i < components.entries.size(); ++i) {
      const auto& [name, node] = components.entries[i];
      const std::string path = section(i) + "." + name;
      const bool control = std::any_of(name.begin(), name.end(), [](char ch) {
        return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
      });
      if (name.empty() || control || name.find_first_of(" .->,") != std::string::npos) {
        diag_.error(components.key_locations[i], path,
                    "component names must not contain spaces, dots, commas, arrows or control "
                    "characters");
      }
      names_.push_back(name);
      name_index_.emplace(name, static_cast<int>(names_.size() - 1));
      inputs_.emplace_back();
      outputs_.emplace_back();
    }
  }

  // The components factories asked for (BuildContext::require_component()), after the
  // scenario's own: indices of the scenario's components do not depend on them.
  void build_implicit(BuildContext::Shared& shared, std::vector<std::unique_ptr<Component>>& built,
                      std::vector<BuildContext::SignalCheck>& signal_checks) {
    static const Node kNoKeys = [] {
      Node n;
      n.kind = Node::Kind::kMap;
      return n;
    }();
    for (std::size_t k = 0; k < shared.implicit.size(); ++k) {
      const auto [name, type] = shared.implicit[k];
      if (const int clash = index_of(name); clash >= 0) {
        diag_.error(all_.key_locations[static_cast<std::size_t>(clash)],
                    section(static_cast<std::size_t>(clash)) + "." + name,
                    fmt::format("the name \"{}\" is reserved: plantwin adds a component of that "
                                "name ({}) to this plant; rename this one",
                                name, type));
        return;
      }
      const ComponentFactory* factory = registry_.find_implicit(type);
      if (!factory) throw std::logic_error("no implicit component type " + type);
      ParamReader params(kNoKeys, "components." + name, diag_, scenario_.base_dir);
      BuildContext ctx(name, params, {}, {}, SourceLocation{});
      ctx.set_shared(&shared);
      ctx.set_signal_checks(&signal_checks);
      ctx.set_horizon(model_->horizon_);
      std::unique_ptr<Component> c = (*factory)(ctx);
      params.finish();
      if (!c) throw std::logic_error("implicit component " + name + " was not built");
      names_.push_back(name);
      name_index_.emplace(name, static_cast<int>(names_.size() - 1));
      inputs_.emplace_back();
      outputs_.emplace_back();
      built.push_back(std::move(c));
    }
  }

  int index_of(const std::string& name) const {
    const auto it = name_index_.find(name);
    return it == name_index_.end() ? -1 : it->second;
  }

  void parse_flow(const Node& flow) {
    if (!flow.is_seq()) {
      diag_.error(flow.location, "flow",
                  fmt::format("expected a list of chains such as \"a -> b -> c\", got {}",
                              flow.kind_phrase()));
      flow_complete_ = false;
      return;
    }
    std::set<std::pair<int, int>> seen;
    for (std::size_t i = 0; i < flow.items.size(); ++i) {
      const Node& item = flow.items[i];
      const std::string path = fmt::format("flow[{}]", i);
      if (!item.is_scalar()) {
        diag_.error(item.location, path,
                    fmt::format("expected a chain such as \"a -> b\", got {}", item.kind_phrase()));
        flow_complete_ = false;
        continue;
      }
      const std::string& text = item.scalar;
      std::vector<std::pair<std::string, int>> tokens;  // name, column offset
      std::size_t start = 0;
      for (;;) {
        const auto arrow = text.find("->", start);
        std::string_view part(text.data() + start,
                              (arrow == std::string::npos ? text.size() : arrow) - start);
        std::size_t lead = 0;
        while (lead < part.size() && part[lead] == ' ') ++lead;
        std::size_t len = part.size();
        while (len > lead && part[len - 1] == ' ') --len;
        tokens.emplace_back(std::string(part.substr(lead, len - lead)),
                            static_cast<int>(start + lead));
        if (arrow == std::string::npos) break;
        start = arrow + 2;
      }
      if (tokens.size() < 2) {
        diag_.error(item.location, path,
                    fmt::format("expected a chain such as \"a -> b\", got \"{}\"", text));
        flow_complete_ = false;
        continue;
      }
      std::vector<int> ids;
      bool ok = true;
      for (const auto& [tok, col] : tokens) {
        SourceLocation loc = item.location;
        if (loc.line > 0) loc.column += col + (item.quoted ? 1 : 0);
        if (tok.empty()) {
          diag_.error(loc, path, fmt::format("empty name in \"{}\"", text));
          ok = false;
          continue;
        }
        const int id = index_of(tok);
        if (id < 0) {
          const std::string hint = closest_match(tok, names_);
          diag_.error(
              loc, path,
              fmt::format("unknown component \"{}\"{}", tok,
                          hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
          ok = false;
        }
        ids.push_back(id);
      }
      if (!ok) {
        flow_complete_ = false;
        continue;
      }
      for (std::size_t k = 0; k + 1 < ids.size(); ++k) {
        const int a = ids[k], b = ids[k + 1];
        if (a == b) {
          diag_.error(item.location, path, fmt::format("\"{}\" cannot feed itself", names_[a]));
          continue;
        }
        if (!seen.insert({a, b}).second) {
          diag_.error(item.location, path,
                      fmt::format("the link {} -> {} is given twice", names_[a], names_[b]));
          continue;
        }
        outputs_[a].push_back(b);
        inputs_[b].push_back(a);
      }
    }
  }

  void build_components(const Node& components) {
    const auto types = registry_.types();
    std::vector<std::unique_ptr<Component>> built(names_.size());
    // Every component's type as written, so that references can be checked for their kind
    // whatever the order components are built in.
    std::vector<std::string> written_types(names_.size());
    for (std::size_t i = 0; i < components.entries.size() && i < names_.size(); ++i) {
      const Node& node = components.entries[i].second;
      if (!node.is_map()) continue;
      if (const Node* t = node.find("type"); t && t->is_scalar()) written_types[i] = t->scalar;
    }
    std::vector<BuildContext::SignalCheck> signal_checks;
    BuildContext::Shared shared;
    shared.components = &components;
    shared.names = &names_;
    shared.types = &written_types;
    bool all_built = true;
    const auto controller_types = registry_.controller_types();
    for (std::size_t i = 0; i < components.entries.size(); ++i) {
      const auto& [name, node] = components.entries[i];
      const bool controller = i >= first_controller_;
      const std::string path = section(i) + "." + name;
      if (!node.is_map()) {
        diag_.error(node.location, path,
                    fmt::format("expected a map with a type (e.g. type: machine), got {}",
                                node.kind_phrase()));
        all_built = false;
        continue;
      }
      ParamReader params(node, path, diag_, scenario_.base_dir);
      const Node* type = params.raw("type");
      if (!type && node.location.line == 0 && components.key_locations[i].line == 0) {
        // Made by an override (--set components.x.key=...) that names no existing component.
        std::vector<std::string> others;
        for (const auto& n : names_)
          if (n != name) others.push_back(n);
        const std::string hint = closest_match(name, others);
        diag_.error(node.location, path,
                    fmt::format("no {} \"{}\" in the scenario{}; to add one, give its type "
                                "too ({}.{}.type=...)",
                                controller ? "controller" : "component", name,
                                hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint),
                                section(i), name));
        all_built = false;
        continue;
      }
      const auto& known = controller ? controller_types : types;
      if (!type || !type->is_scalar()) {
        diag_.error(node.location, path + ".type",
                    fmt::format("is required; one of {}", fmt::join(known, ", ")));
        all_built = false;
        continue;
      }
      const ComponentFactory* factory =
          controller ? registry_.find_controller(type->scalar) : registry_.find(type->scalar);
      if (!factory) {
        const std::string hint = closest_match(type->scalar, known);
        const bool elsewhere = controller ? registry_.find(type->scalar) != nullptr
                                          : registry_.find_controller(type->scalar) != nullptr;
        diag_.error(
            type->location, path + ".type",
            elsewhere
                ? fmt::format("a {} is {}: put it under {}", type->scalar,
                              controller ? "a component, not a controller"
                                         : "a controller, not a component",
                              controller ? "components" : "controllers")
                : fmt::format("unknown {} type \"{}\"{}; known: {}",
                              controller ? "controller" : "component", type->scalar,
                              hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint),
                              fmt::join(known, ", ")));
        all_built = false;
        continue;
      }
      if (const Node* pos = params.raw("position")) {  // for the viewer's layout
        std::string why;
        if (!pos->is_seq() || pos->items.size() != 2) {
          params.error("position", "expected [x, y] (numbers, any unit of your drawing)");
        } else {
          auto x = parse_quantity(pos->items[0].scalar, Dimension::kDimensionless, &why);
          auto y = parse_quantity(pos->items[1].scalar, Dimension::kDimensionless, &why);
          if (!x || !y)
            params.error("position", "expected [x, y] with plain numbers");
          else
            positions_[name] = {*x, *y};
        }
      }
      std::vector<std::string> in_names, out_names;
      for (int u : inputs_[i]) in_names.push_back(names_[static_cast<std::size_t>(u)]);
      for (int d : outputs_[i]) out_names.push_back(names_[static_cast<std::size_t>(d)]);
      BuildContext ctx(name, params, in_names, out_names, components.key_locations[i]);
      ctx.set_shared(&shared);
      ctx.set_signal_checks(&signal_checks);
      ctx.set_horizon(model_->horizon_);
      const std::size_t errors_before = diag_.size();
      ctx.set_ports_known(flow_complete_);
      std::unique_ptr<Component> c = (*factory)(ctx);
      params.finish();
      if (c && flow_missing_ && c->material()) {
        if (!flow_reported_)
          diag_.error(scenario_.root.location, "flow",
                      fmt::format("is required: a list such as [\"source -> m1 -> sink\"] ({} is "
                                  "{} {}, which takes part in the material flow)",
                                  name, article(c->type()), c->type()));
        flow_reported_ = true;
      } else if (c && flow_complete_ && c->material() && in_names.empty() && out_names.empty()) {
        diag_.error(components.key_locations[i], path, "is not connected: name it in the flow");
      }
      if (c && !c->material() && (!in_names.empty() || !out_names.empty())) {
        diag_.error(
            components.key_locations[i], path,
            fmt::format("a {} takes no part in the material flow; remove it from flow", c->type()));
      }
      if (c && diag_.size() == errors_before && controller != (c->scan_period() > 0))
        throw std::logic_error(fmt::format("{}: a controller type must scan, and only one", path));
      if (!c || diag_.size() != errors_before) {
        all_built = false;
        continue;
      }
      built[i] = std::move(c);
    }
    if (!all_built || !diag_.empty()) return;
    model_->scenario_size_ = built.size();
    // Each feed (`feeds:`) gets a component of its name that holds its counters.
    if (const Node* feeds = scenario_.root.find("feeds");
        feeds && feeds->is_map() && registry_.find_implicit("feed"))
      for (std::size_t k = 0; k < feeds->entries.size(); ++k) {
        const std::string& feed = feeds->entries[k].first;
        if (feed.empty() || feed.find_first_of(" .,:>-\t") != std::string::npos) {
          diag_.error(feeds->key_locations[k], "feeds." + feed,
                      "a feed's name is a word (letters, digits, _): it names the component "
                      "that holds its counters");
          continue;
        }
        shared.implicit.push_back({feed, "feed"});
      }
    if (!diag_.empty()) return;
    build_implicit(shared, built, signal_checks);
    if (!diag_.empty()) return;

    for (std::size_t i = 0; i < built.size(); ++i) {
      Component& c = *built[i];
      c.id_ = static_cast<int>(i);
      model_->component_index_[names_[i]] = static_cast<int>(i);
    }
    // Port numbers follow the order links appear in the flow.
    for (std::size_t a = 0; a < built.size(); ++a) {
      for (int b : outputs_[a]) {
        const auto& ins = inputs_[static_cast<std::size_t>(b)];
        const int in_port =
            static_cast<int>(std::find(ins.begin(), ins.end(), static_cast<int>(a)) - ins.begin());
        built[a]->outputs_.push_back(Link{b, in_port});
      }
      for (int u : inputs_[a]) {
        const auto& outs = outputs_[static_cast<std::size_t>(u)];
        const int out_port = static_cast<int>(
            std::find(outs.begin(), outs.end(), static_cast<int>(a)) - outs.begin());
        built[a]->inputs_.push_back(Link{u, out_port});
      }
      if (!built[a]->inputs_.empty()) built[a]->input0_ = built[a]->inputs_[0];
      if (!built[a]->outputs_.empty()) built[a]->output0_ = built[a]->outputs_[0];
    }
    for (auto& c : built) {
      const auto specs = c->signals();
      for (std::size_t k = 0; k < specs.size(); ++k) {
        SignalRef ref{c->name() + "." + specs[k].name, specs[k].unit, c->id(), static_cast<int>(k)};
        model_->signal_index_[ref.name] = static_cast<int>(model_->signals_.size());
        model_->signals_.push_back(std::move(ref));
      }
      const auto acts = c->actuators();
      for (std::size_t k = 0; k < acts.size(); ++k) {
        SignalRef ref{c->name() + "." + acts[k].name, acts[k].unit, c->id(), static_cast<int>(k)};
        model_->actuator_index_[ref.name] = static_cast<int>(model_->actuators_.size());
        model_->actuators_.push_back(std::move(ref));
      }
      model_->components_.push_back(std::move(c));
    }
    for (const auto& check : signal_checks) {
      const auto& table = check.actuator ? model_->actuators_ : model_->signals_;
      if (std::any_of(table.begin(), table.end(),
                      [&](const SignalRef& r) { return r.name == check.signal; }))
        continue;
      std::vector<std::string> names;
      for (const auto& r : table) names.push_back(r.name);
      const std::string hint = closest_match(check.signal, names);
      std::string why;
      if (check.actuator && model_->find_signal(check.signal) >= 0)
        why = " (it is a signal, an output; settable here: " +
              (names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))) +
              ")";
      diag_.error(
          check.location, check.path,
          fmt::format("no {} \"{}\"{}{}", check.actuator ? "actuator" : "signal", check.signal,
                      hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint), why));
    }
    model_->positions_.assign(model_->components_.size(), {std::nan(""), std::nan("")});
    for (const auto& [n, xy] : positions_)
      model_->positions_[static_cast<std::size_t>(model_->find_component(n))] = xy;
    for (std::size_t i = 0; i < model_->components_.size(); ++i) {
      const Component& c = *model_->components_[i];
      model_->continuous_offset_.push_back(model_->num_continuous_);
      model_->guard_offset_.push_back(model_->num_guards_);
      model_->num_continuous_ += c.continuous_states();
      model_->num_guards_ += c.guards();
      if (c.continuous_states() > 0 || c.guards() > 0)
        model_->continuous_components_.push_back(static_cast<int>(i));
    }
  }

  void parse_record(const Node& record) {
    if (!record.is_map()) {
      diag_.error(record.location, "record",
                  fmt::format("expected a map (period, signals, events, exits), got {}",
                              record.kind_phrase()));
      return;
    }
    ParamReader r(record, "record", diag_);
    RecordPlan& plan = model_->record_;
    plan.period = r.quantity("period", Dimension::kTime, 0.0, 0);
    if (const std::string err = periodic_work_error(plan.period, model_->horizon_); !err.empty())
      r.error("period", err);
    plan.events = r.boolean("events", true);
    plan.exits = r.boolean("exits", false);
    if (plan.exits && !plan.events) r.error("exits", "are logged as events: needs events: true");
    const Node* signals = r.raw("signals");
    r.finish();
    if (!diag_.empty() && model_->signals_.empty()) return;  // components failed; names unknown
    if (!signals || (signals->is_scalar() && signals->scalar == "all")) {
      if (plan.period > 0)
        for (std::size_t i = 0; i < model_->signals_.size(); ++i)
          plan.signals.push_back(static_cast<int>(i));
    } else if (!signals->is_seq()) {
      diag_.error(signals->location, "record.signals",
                  fmt::format("expected a list of signal names or \"all\", got {}",
                              signals->kind_phrase()));
    } else {
      // The names, for patterns and hints only (a copy of every name of a large plant).
      std::vector<std::string> known;
      for (const auto& s : model_->signals_) known.push_back(s.name);
      for (std::size_t i = 0; i < signals->items.size(); ++i) {
        const Node& s = signals->items[i];
        if (s.is_scalar() && s.scalar.find('*') != std::string::npos) {
          // A pattern: "*.state", "press*.vibration". Matches in signal order, no duplicates.
          bool any = false;
          for (std::size_t k = 0; k < known.size(); ++k)
            if (glob_match(s.scalar, known[k])) {
              any = true;
              if (std::find(plan.signals.begin(), plan.signals.end(), static_cast<int>(k)) ==
                  plan.signals.end())
                plan.signals.push_back(static_cast<int>(k));
            }
          if (!any)
            diag_.error(s.location, fmt::format("record.signals[{}]", i),
                        fmt::format("the pattern \"{}\" matches no signal", s.scalar));
          continue;
        }
        const int idx = s.is_scalar() ? model_->find_signal(s.scalar) : -1;
        if (idx >= 0 &&
            std::find(plan.signals.begin(), plan.signals.end(), idx) != plan.signals.end())
          continue;
        if (idx < 0) {
          const std::string hint = s.is_scalar() ? closest_match(s.scalar, known) : "";
          diag_.error(
              s.location, fmt::format("record.signals[{}]", i),
              fmt::format("unknown signal \"{}\"{}", s.is_scalar() ? s.scalar : s.to_yaml(),
                          hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
          continue;
        }
        plan.signals.push_back(idx);
      }
      if (plan.period <= 0 && !plan.signals.empty())
        diag_.error(record.location, "record.period", "is required when signals are listed");
    }
    const double values =
        plan.period > 0 ? model_->horizon_ / plan.period * static_cast<double>(plan.signals.size())
                        : 0;
    if (values > kMaxRecordedValues && diag_.empty())
      r.error("period", fmt::format("recording {} signals every {} over the horizon of {} is "
                                    "{:.3g} samples, more than the limit of {:g}",
                                    plan.signals.size(), format_duration(plan.period),
                                    format_duration(model_->horizon_), values, kMaxRecordedValues));
  }

  const Scenario& scenario_;
  const Registry& registry_;
  std::shared_ptr<Model> model_;
  Diagnostics diag_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> name_index_;
  std::unordered_map<std::string, std::pair<double, double>> positions_;
  std::vector<std::vector<int>> inputs_, outputs_;
  // False when a flow line could not be read: the links of its components are then unknown,
  // and counting them would only repeat that error in other words.
  bool flow_complete_ = true;
  bool flow_missing_ = false, flow_reported_ = false;  // no `flow:` key; its error given once
  // The scenario's components, then its controllers (from first_controller_ on).
  Node all_;
  std::size_t first_controller_ = static_cast<std::size_t>(-1);
  std::size_t first_alarm_ = static_cast<std::size_t>(-1);  // alarms come last
  std::string section(std::size_t i) const {
    if (i >= first_alarm_) return "alarms";
    return i >= first_controller_ ? "controllers" : "components";
  }
};

std::shared_ptr<const Model> compile(const Scenario& scenario, const Registry& registry) {
  return ModelBuilder(scenario, registry).build();
}

}  // namespace plantwin
