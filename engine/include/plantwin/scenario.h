#pragma once
/// Scenario files: parsed YAML that remembers where every value came from.
///
/// A `Scenario` is the text of a scenario file as a tree of `Node`s, each with its
/// file:line:column, plus any `--set` overrides applied on top. `compile()` (model.h) turns it
/// into a Model; every error found on the way names the location and the key path.

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plantwin {

/// Limits on what a scenario file may hold, so that no input exhausts the stack or memory.
/// Deeper nesting, more values (after YAML aliases are expanded) or more text is an error.
inline constexpr std::size_t kMaxScenarioDepth = 64;
inline constexpr std::size_t kMaxScenarioValues = 250000;
inline constexpr std::size_t kMaxScenarioBytes = std::size_t{16} << 20;

/// `text` with control characters written as \n, \t, \x1b ...: every message that quotes
/// user input passes through it, so that a terminal never acts on escape sequences.
std::string escape_control(std::string_view text);

/// `text` as a JSON string, quotes included: `"` and `\` escaped, control characters as \u00XX.
std::string json_quote(std::string_view text);

/// Where a value was written. Lines and columns count from 1.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;
};

/// One problem found in a scenario: where, which key, what was expected and found.
struct Diagnostic {
  SourceLocation location;
  std::string path;     ///< Dotted key path, e.g. "components.press1.ttf".
  std::string message;  ///< e.g. "expected a duration (e.g. \"45 s\"), got \"fast\"".
  std::string str() const;
};

/// Thrown when a scenario has errors; what() lists all of them, one per line.
class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// Collects diagnostics so that one pass reports every error, not only the first.
class Diagnostics {
 public:
  void error(const SourceLocation& loc, std::string path, std::string message) {
    items_.push_back({loc, std::move(path), std::move(message)});
  }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  /// Throws ScenarioError if any error was collected.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> items_;
};

/// A YAML value with its source location. Maps keep their keys in file order.
struct Node {
  // Declared here, defaulted below where Node is complete: clang with libstdc++ refuses
  // std::pair<std::string, Node> while Node is still incomplete (the fuzz build uses clang).
  Node();
  Node(const Node&);
  Node(Node&&) noexcept;
  Node& operator=(const Node&);
  Node& operator=(Node&&) noexcept;
  ~Node();

  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;
  bool quoted = false;  ///< The scalar was written in quotes.
  std::vector<Node> items;
  std::vector<std::pair<std::string, Node>> entries;
  std::vector<SourceLocation> key_locations;  ///< One per entry.
  SourceLocation location;

  bool is_map() const { return kind == Kind::kMap; }
  bool is_seq() const { return kind == Kind::kSequence; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_null() const { return kind == Kind::kNull; }
  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
  /// "a map", "a list", "a value" or "nothing": for error texts.
  std::string_view kind_phrase() const;
  /// The node written back as compact YAML (flow style).
  std::string to_yaml() const;
};
inline Node::Node() = default;
inline Node::Node(const Node&) = default;
inline Node::Node(Node&&) noexcept = default;
inline Node& Node::operator=(const Node&) = default;
inline Node& Node::operator=(Node&&) noexcept = default;
inline Node::~Node() = default;

/// A parsed scenario file with its overrides.
struct Scenario {
  std::string file;  ///< Path as given (or a label like "<text>").
  std::string text;  ///< The file's full text, stored in result files.
  Node root;
  std::vector<std::string> overrides;  ///< "key.path=value" as applied, in order.
  /// Directory against which relative data paths in the scenario resolve.
  std::string base_dir;
};

/// Reads and parses a scenario file. Throws ScenarioError on YAML syntax errors (with the
/// location), on a file that cannot be read, is no text or exceeds kMaxScenarioBytes, and on
/// a tree beyond kMaxScenarioDepth or kMaxScenarioValues. `named_at`, when given, is where
/// another file named this one (an experiment file's `scenario:` key); read errors point there.
Scenario load_scenario_file(const std::string& path, const SourceLocation* named_at = nullptr);
/// Parses scenario text; `label` stands for the file name in error texts.
Scenario load_scenario_text(std::string text, std::string label = "<text>",
                            std::string base_dir = ".");

/// Applies `--set key.path=value`. The value is parsed as YAML, so lists and maps work too;
/// `key.path=null` removes the key (a component, in a variant without it).
/// A path through a missing map creates it; a path through a list uses numeric indices.
/// Throws ScenarioError when the assignment is malformed or its path cannot exist.
/// `at`, when given, is where the assignment was written (an experiment's variant, say); new
/// values and errors are then located there instead of at "--set ...".
void apply_override(Scenario& scenario, std::string_view assignment,
                    const SourceLocation* at = nullptr);

/// The known word closest to `word` (edit distance at most about a third of its length),
/// or empty: used for "did you mean" hints.
std::string closest_match(std::string_view word, const std::vector<std::string>& known);

/// Levenshtein distance between two strings.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace plantwin
