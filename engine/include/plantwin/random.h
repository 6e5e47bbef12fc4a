#pragma once
/// Random streams and the distributions scenario files can name.
///
/// Every stream is derived from (scenario seed, replication, component name, purpose), so a
/// component keeps its random numbers when others are added or removed: variants of a what-if
/// share streams (common random numbers) and a run is reproducible whatever the thread count.

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plantwin {

/// xoshiro256** (Blackman and Vigna): 256 bits of state, period 2^256 - 1, passes BigCrush.
/// Seeded through splitmix64, never from std::random_device.
class Rng {
 public:
  Rng() : Rng(0) {}
  explicit Rng(std::uint64_t seed);

  /// The stream for (seed, replication, component, purpose). Distinct inputs give
  /// statistically independent streams.
  static Rng stream(std::uint64_t seed, std::uint64_t replication, std::string_view component,
                    std::string_view purpose);

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform on (0, 1]: safe under log().
  double uniform_pos() { return 1.0 - uniform(); }
  /// Standard normal (Box-Muller, one pair per call; the second value is not kept so that
  /// a stream's state is the generator state alone).
  double normal();

  /// Position in a trace (Distribution::trace): each stream reads its trace from the start.
  std::uint64_t next_trace_index() { return trace_index_++; }

  bool operator==(const Rng& o) const = default;

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  std::uint64_t trace_index_ = 0;
};

/// 64-bit FNV-1a hash of a string; stable across platforms and runs.
std::uint64_t stable_hash(std::string_view text);

/// A probability distribution as written in a scenario: "exponential(2 min)".
/// Values are SI (seconds for durations). Build with the named constructors, which check
/// their parameters and throw std::invalid_argument with a sentence a user can act on.
class Distribution {
 public:
  enum class Kind {
    kConstant,
    kUniform,
    kTriangular,
    kExponential,
    kNormal,
    kLognormal,
    kWeibull,
    kGamma,
    kErlang,
    kEmpirical,
    kTrace
  };

  Distribution() = default;
  static Distribution constant(double value);
  static Distribution uniform(double low, double high);
  static Distribution triangular(double low, double mode, double high);
  static Distribution exponential(double mean);
  /// Normal; when `truncate_at_zero`, draws below zero are redrawn (for durations).
  static Distribution normal(double mean, double sd, bool truncate_at_zero);
  /// Lognormal given the mean and standard deviation of the variable itself.
  static Distribution lognormal(double mean, double sd);
  static Distribution weibull(double shape, double scale);
  static Distribution gamma(double shape, double scale);
  /// Erlang-k with the given overall mean (sum of k exponentials of mean/k).
  static Distribution erlang(int k, double mean);
  /// Discrete empirical: `values[i]` with probability weights[i] / sum(weights).
  static Distribution empirical(std::vector<double> values, std::vector<double> weights);

  /// Measured values taken in order, one per draw, starting again from the first when they
  /// run out. The position is kept in the stream that samples it, so every stream (a machine's
  /// process times, its times to failure ...) replays the trace from its first value.
  static Distribution trace(std::vector<double> values);

  double sample(Rng& rng) const {
    // The two most common kinds inline (every part a machine processes draws one).
    if (kind_ == Kind::kExponential) return -a_ * std::log(rng.uniform_pos());
    if (kind_ == Kind::kConstant) return a_;
    return sample_other(rng);
  }
  Kind kind() const { return kind_; }
  /// The exact mean (of the truncated normal too).
  double mean() const;
  /// The exact variance (of the truncated normal too).
  double variance() const;
  /// Smallest value a draw can take.
  double lower_bound() const;
  /// A readable form, e.g. "exponential(mean=120 s)".
  std::string describe() const;

 private:
  double sample_other(Rng& rng) const;
  double sample_gamma(Rng& rng, double shape) const;
  Kind kind_ = Kind::kConstant;
  double a_ = 0, b_ = 0, c_ = 0, d_ = 0;  // meaning depends on kind
  int k_ = 0;
  bool truncate_ = false;
  std::vector<double> values_, cumulative_;
};

}  // namespace plantwin
