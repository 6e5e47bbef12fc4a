#pragma once
/// Changeovers: the setup a machine needs when the part type it processes changes.
///
/// The machine key `setup_time` takes one of
///   a distribution ("5 min", "normal(5 min, 1 min)")  the same for every change of type;
///   a map from -> {to -> distribution}                  sequence dependent; every pair of
///                                                       different types needs a value, the
///                                                       same type none (0 unless given);
///   {file: changeovers.csv}                             the same matrix as a table: a header
///                                                       "from,<to types...>", then one row per
///                                                       from type with durations ("12 min");
///                                                       an empty cell is 0 on the diagonal.
/// A server starts set up for the first type it gets (no setup before its first part); a part
/// of another type than the last one it processed first waits for the setup, then for its
/// process time. Setup time is its own machine state (ServerPhase kSetup) and an availability
/// loss in OEE; it is not divided by the `speed` actuator.

#include <optional>
#include <string>
#include <vector>

#include "plantwin/params.h"
#include "plantwin/random.h"
#include "plantwin/registry.h"

namespace plantwin::line {

class Setup {
 public:
  /// Reads `setup_time` from a machine's keys (nothing when absent). `types` are the plant's
  /// part types.
  static Setup read(ParamReader& p, const std::vector<std::string>& types);

  bool enabled() const { return any_.has_value() || !matrix_.empty(); }
  /// The setup time from type `from` to type `to` (-1: the server has had no part yet).
  double sample(int from, int to, Rng& rng) const {
    if (from < 0) return 0;
    if (any_) return from == to ? 0.0 : any_->sample(rng);
    const auto& d = matrix_[static_cast<std::size_t>(from * n_ + to)];
    return d ? d->sample(rng) : 0.0;
  }

 private:
  std::optional<Distribution> any_;
  std::vector<std::optional<Distribution>> matrix_;  // n_ x n_, from-major
  int n_ = 0;
};

}  // namespace plantwin::line
