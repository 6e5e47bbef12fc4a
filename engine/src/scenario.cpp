#include "plantwin/scenario.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <unordered_set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "plantwin/text_file.h"

namespace plantwin {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string escape_control(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  return out;
}

std::string Diagnostic::str() const {
  // Messages quote the user's input; a terminal must not act on escape sequences in it.
  std::string s = escape_control(location.str());
  if (!s.empty()) s += ": ";
  if (!path.empty()) s += escape_control(path) + ": ";
  return s + escape_control(message);
}

namespace {
std::string join_diagnostics(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) {
    if (!out.empty()) out += '\n';
    out += d.str();
  }
  return out;
}
}  // namespace

ScenarioError::ScenarioError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void Diagnostics::throw_if_any() const {
  if (!items_.empty()) throw ScenarioError(items_);
}

const Node* Node::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

Node* Node::find(std::string_view key) {
  for (auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

std::string_view Node::kind_phrase() const {
  switch (kind) {
    case Kind::kNull:
      return "nothing";
    case Kind::kScalar:
      return "a value";
    case Kind::kSequence:
      return "a list";
    case Kind::kMap:
      return "a map";
  }
  return "";
}

std::string Node::to_yaml() const {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kScalar: {
      // Plain when safe in flow context too; double-quoted otherwise.
      const bool plain = !scalar.empty() && !quoted &&
                         scalar.find_first_of(",[]{}#&*!|>'\"%@`") == std::string::npos &&
                         scalar.find(": ") == std::string::npos && scalar.front() != ' ' &&
                         scalar.back() != ' ' && scalar.front() != '-' && scalar.front() != '?' &&
                         scalar.back() != ':';
      if (plain) return scalar;
      std::string q = "\"";
      for (char c : scalar) {
        if (c == '"' || c == '\\') q += '\\';
        if (c == '\n') {
          q += "\\n";
          continue;
        }
        q += c;
      }
      return q + "\"";
    }
    case Kind::kSequence: {
      std::string s = "[";
      for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i].to_yaml();
      return s + "]";
    }
    case Kind::kMap: {
      std::string s = "{";
      for (std::size_t i = 0; i < entries.size(); ++i)
        s += (i ? ", " : "") + entries[i].first + ": " + entries[i].second.to_yaml();
      return s + "}";
    }
  }
  return "";
}

namespace {

SourceLocation location_of(const YAML::Mark& mark, const std::string& file) {
  // yaml-cpp gives -1 for "no mark" (an error at the very end, say).
  return SourceLocation{file, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
}

// A scenario is a tree, but YAML aliases (*name) repeat a value without writing it out: an
// alias inside its own anchor makes a cycle and a few nested aliases make billions of values
// ("billion laughs"). The conversion walks the expanded tree, so it counts what it builds.
struct ConvertBudget {
  std::size_t values = 0;
  std::size_t bytes = 0;
  std::vector<YAML::Node> ancestors;  // the chain from the root, to find cycles
  bool exhausted = false;
};

Node convert(const YAML::Node& y, const std::string& file, Diagnostics& diag,
             const std::string& path, ConvertBudget& budget) {
  Node n;
  n.location = location_of(y.Mark(), file);
  if (budget.exhausted) return n;
  const auto stop = [&](std::string message) {
    diag.error(n.location, path, std::move(message));
    budget.exhausted = true;  // one error is enough; the rest would repeat it
    return n;
  };
  for (const auto& a : budget.ancestors)
    if (a.is(y))
      return stop("this value contains itself (an alias *name inside its own anchor &name)");
  if (budget.ancestors.size() >= kMaxScenarioDepth)
    return stop(fmt::format("nested deeper than {} levels of maps and lists", kMaxScenarioDepth));
  if (++budget.values > kMaxScenarioValues)
    return stop(
        fmt::format("the scenario expands to more than {} values (aliases *name repeat "
                    "their anchor's values)",
                    kMaxScenarioValues));
  switch (y.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      n.kind = Node::Kind::kNull;
      break;
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::kScalar;
      n.scalar = y.Scalar();
      n.quoted = y.Tag() == "!";
      budget.bytes += n.scalar.size();
      if (budget.bytes > kMaxScenarioBytes)
        return stop(
            fmt::format("the scenario expands to more than {} MiB of text (aliases *name "
                        "repeat their anchor's values)",
                        kMaxScenarioBytes >> 20));
      break;
    case YAML::NodeType::Sequence: {
      n.kind = Node::Kind::kSequence;
      budget.ancestors.push_back(y);
      int i = 0;
      for (const auto& item : y) {
        n.items.push_back(convert(item, file, diag, fmt::format("{}[{}]", path, i), budget));
        if (budget.exhausted) break;
        ++i;
      }
      budget.ancestors.pop_back();
      break;
    }
    case YAML::NodeType::Map: {
      n.kind = Node::Kind::kMap;
      budget.ancestors.push_back(y);
      std::unordered_set<std::string> seen;  // maps can hold thousands of components
      for (const auto& kv : y) {
        const SourceLocation kloc = location_of(kv.first.Mark(), file);
        if (!kv.first.IsScalar()) {
          diag.error(kloc, path, "map keys must be plain words");
          continue;
        }
        const std::string key = kv.first.Scalar();
        const std::string child_path = path.empty() ? key : path + "." + key;
        if (!seen.insert(key).second) {
          diag.error(kloc, child_path, "key appears twice");
          continue;
        }
        budget.bytes += key.size();
        n.entries.emplace_back(key, convert(kv.second, file, diag, child_path, budget));
        n.key_locations.push_back(kloc);
        if (budget.exhausted) break;
      }
      budget.ancestors.pop_back();
      break;
    }
  }
  return n;
}

Node parse_yaml(const std::string& text, const std::string& file) {
  YAML::Node y;
  try {
    y = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's parser stops deep nesting with the bare message "bad file".
    const std::string msg =
        e.msg == YAML::ErrorMsg::BAD_FILE
            ? fmt::format("nested deeper than {} levels of maps and lists", kMaxScenarioDepth)
            : "YAML syntax: " + e.msg;
    throw ScenarioError({Diagnostic{location_of(e.mark, file), "", msg}});
  }
  Diagnostics diag;
  ConvertBudget budget;
  Node n = convert(y, file, diag, "", budget);
  diag.throw_if_any();
  return n;
}

}  // namespace

Scenario load_scenario_text(std::string text, std::string label, std::string base_dir) {
  Scenario s;
  s.file = std::move(label);
  if (text.size() > kMaxScenarioBytes)
    throw ScenarioError({Diagnostic{
        SourceLocation{s.file, 0, 0}, "",
        fmt::format("the scenario text is larger than {} MiB", kMaxScenarioBytes >> 20)}});
  s.root = parse_yaml(text, s.file);
  s.text = std::move(text);
  s.base_dir = std::move(base_dir);
  if (!s.root.is_map()) {
    throw ScenarioError(
        {Diagnostic{s.root.location.line ? s.root.location : SourceLocation{s.file, 1, 1}, "",
                    fmt::format("a scenario must be a map of keys (name, horizon, "
                                "components, flow ...), got {}",
                                s.root.kind_phrase())}});
  }
  return s;
}

Scenario load_scenario_file(const std::string& path, const SourceLocation* named_at) {
  std::string why;
  auto text = textfile::read_text_file(path, kMaxScenarioBytes, "a scenario (YAML text)", &why,
                                       /*regular_only=*/named_at != nullptr);
  if (!text) {
    if (named_at)
      throw ScenarioError({Diagnostic{*named_at, "scenario",
                                      fmt::format("cannot read the file \"{}\": {}", path, why)}});
    throw ScenarioError(
        {Diagnostic{SourceLocation{path, 0, 0}, "", "cannot read the file: " + why}});
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return load_scenario_text(std::move(*text), path, dir);
}

namespace {

void relabel(Node& n, const SourceLocation& loc) {
  n.location = loc;
  for (auto& c : n.items) relabel(c, loc);
  for (auto& [k, v] : n.entries) relabel(v, loc);
  for (auto& kl : n.key_locations) kl = loc;
}

}  // namespace

void apply_override(Scenario& scenario, std::string_view assignment, const SourceLocation* at) {
  const std::string label = fmt::format("--set {}", assignment);
  const SourceLocation loc = at ? *at : SourceLocation{label, 0, 0};
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw ScenarioError({Diagnostic{loc, "", "expected key.path=value"}});
  }
  const std::string path(assignment.substr(0, eq));
  const std::string value_text(assignment.substr(eq + 1));
  Node value;
  try {
    value = parse_yaml(value_text.empty() ? std::string("null") : value_text, label);
  } catch (const ScenarioError& e) {
    throw ScenarioError(
        {Diagnostic{loc, path, "the value is not valid YAML: " + e.diagnostics().front().message}});
  }
  relabel(value, loc);

  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Node* cur = &scenario.root;
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& key = parts[i];
    if (key.empty()) throw ScenarioError({Diagnostic{loc, path, "empty key in the path"}});
    walked += (walked.empty() ? "" : ".") + key;
    const bool last = i + 1 == parts.size();
    if (cur->is_seq()) {
      std::size_t idx = 0;
      auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), idx);
      if (ec != std::errc() || p != key.data() + key.size() || idx >= cur->items.size()) {
        throw ScenarioError({Diagnostic{
            loc, walked, fmt::format("expected a list index below {}", cur->items.size())}});
      }
      cur = &cur->items[idx];
    } else {
      if (cur->is_null()) cur->kind = Node::Kind::kMap;
      if (!cur->is_map()) {
        throw ScenarioError({Diagnostic{
            loc, walked, fmt::format("cannot set a key inside {}", cur->kind_phrase())}});
      }
      Node* child = cur->find(key);
      if (last && value.is_null()) {
        // key=null removes the key: a variant without a component, say.
        for (std::size_t k = 0; k < cur->entries.size(); ++k)
          if (cur->entries[k].first == key) {
            cur->entries.erase(cur->entries.begin() + static_cast<std::ptrdiff_t>(k));
            cur->key_locations.erase(cur->key_locations.begin() + static_cast<std::ptrdiff_t>(k));
            break;
          }
        scenario.overrides.emplace_back(assignment);
        return;
      }
      if (!child) {
        cur->entries.emplace_back(key, Node{});
        cur->key_locations.push_back(loc);
        child = &cur->entries.back().second;
        child->location = loc;
      }
      cur = child;
    }
    if (last) *cur = value;
  }
  scenario.overrides.emplace_back(assignment);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& k : known) {
    const std::size_t d = edit_distance(word, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

}  // namespace plantwin
