#pragma once
/// Reading a component's (or any section's) keys from a scenario map, with validation.
///
/// A ParamReader is handed a map node. Each typed getter reads one key, checks it and records
/// an error (with file:line:column and key path) instead of throwing, so that one pass finds
/// every error. `finish()` reports keys that no getter asked for, with a "did you mean" hint.

#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantwin/profile.h"
#include "plantwin/random.h"
#include "plantwin/scenario.h"
#include "plantwin/units.h"

namespace plantwin {

/// Parses distribution text such as "exponential(2 min)", "normal(mean=30 s, sd=5 s)",
/// "empirical([30 s, 45 s], [1, 3])", "empirical(file=\"data/ct.csv\")" or a bare quantity
/// ("45 s", a constant). Values use `dim`; empirical files resolve against `base_dir`.
/// For durations the draws are non-negative (normal is truncated at zero).
/// On failure returns std::nullopt and stores a sentence in `why`.
std::optional<Distribution> parse_distribution(std::string_view text, Dimension dim,
                                               const std::string& base_dir, std::string* why);

class ParamReader {
 public:
  /// `node` must outlive the reader; `path` is the dotted key path of `node`.
  ParamReader(const Node& node, std::string path, Diagnostics& diag, std::string base_dir = ".");

  bool has(std::string_view key) const;
  /// The raw node for `key` (marked as known), or nullptr when absent.
  const Node* raw(std::string_view key);
  /// Marks a key as known without reading it.
  void allow(std::string_view key) { known_.emplace_back(key); }

  /// A quantity of `dim`; `fallback` when absent (required when fallback is nullopt).
  /// Values outside [min, max] are errors.
  double quantity(std::string_view key, Dimension dim, std::optional<double> fallback,
                  double min = -HUGE_VAL, double max = HUGE_VAL, bool min_exclusive = false);
  double duration(std::string_view key, std::optional<double> fallback, double min = 0) {
    return quantity(key, Dimension::kTime, fallback, min);
  }
  double real(std::string_view key, std::optional<double> fallback, double min = -HUGE_VAL,
              double max = HUGE_VAL) {
    return quantity(key, Dimension::kDimensionless, fallback, min, max);
  }
  double probability(std::string_view key, double fallback) { return real(key, fallback, 0, 1); }
  long long integer(std::string_view key, std::optional<long long> fallback, long long min,
                    long long max);
  bool boolean(std::string_view key, bool fallback);
  std::string text(std::string_view key, std::optional<std::string> fallback);
  /// One of `choices`; an unknown word is an error with a hint.
  std::string choice(std::string_view key, const std::vector<std::string>& choices,
                     std::string fallback);
  /// A distribution of `dim`; absent gives nullopt unless `required`.
  std::optional<Distribution> distribution(std::string_view key, Dimension dim, bool required);
  /// An optional quantity of `dim`: nullopt when absent.
  std::optional<double> optional_quantity(std::string_view key, Dimension dim);
  /// A time profile of `dim` (profile.h); `fallback` when absent.
  Profile profile(std::string_view key, Dimension dim, const Profile& fallback);
  /// A map of name -> non-negative number, e.g. weights.
  std::vector<std::pair<std::string, double>> weights(std::string_view key);

  /// Reports an error located at `key` (or at the map itself when the key is absent).
  void error(std::string_view key, std::string message);
  /// Reports keys nobody asked for. Call once after every getter.
  void finish();

  const std::string& path() const { return path_; }
  const Node& node() const { return node_; }
  Diagnostics& diagnostics() { return diag_; }
  const std::string& base_dir() const { return base_dir_; }
  std::string key_path(std::string_view key) const;

 private:
  const Node* get_scalar(std::string_view key);
  const Node& node_;
  std::string path_;
  Diagnostics& diag_;
  std::string base_dir_;
  std::vector<std::string> known_;
};

}  // namespace plantwin
