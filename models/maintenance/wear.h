#pragma once
/// The wear part: one continuous state, wear w (0 at renewal), growing with load,
/// dw/dt = rate x load, where each life draws its own rate (machines of one type wear at
/// different speeds). A guard fires when w reaches the limit; the host then fails (see
/// Failure::fail with FailureCause::kWear). Wear shows as vibration through
/// v = base + (at_limit - base) (w / limit)^exponent, which sensors read.
///
/// A component holds a Wear and a WearState in its state, owns continuous_states() states and
/// guards() guards from its own declarations, and gives the load (0..1) in its derivatives.
///
/// Parameters (the `wear:` map, read by read_wear()):
///   rate         wear (1 = the limit) per hour of full load, a distribution drawn each life
///   limit        wear at which the component fails (default 1)
///   idle_factor  load of an idle component on shift (default 0)
///   ttr          repair at the wear limit (default: the component's ttr)
///   repair_cost  cost of that repair (default: the component's repair_cost)
///   vibration    {base (default 1 mm/s), at_limit (default 7.1 mm/s), exponent (default 2)}

#include <optional>
#include <string>

#include "plantwin/registry.h"
#include "plantwin/sim.h"

namespace plantwin::maintenance {

struct WearParams {
  std::optional<Distribution> rate;  // per second at full load; no wear model when absent
  double limit = 1, idle_factor = 0;
  double vib_base = 0, vib_limit = 0, vib_exponent = 2;
  std::optional<Distribution> ttr;  // repair at the limit
  double repair_cost = -1;          // negative: the component's repair_cost
};

/// Per-run data of the part, kept in the host's state.
struct WearState {
  double rate = 0;  // per second of full load, drawn each life
  Rng rng;
};

class Wear {
 public:
  explicit Wear(WearParams p) : p_(std::move(p)) {}

  const WearParams& params() const { return p_; }
  /// Whether there is a wear model at all.
  bool enabled() const { return p_.rate.has_value(); }
  /// Continuous states and guards the host declares for it (1 each with a model, else 0).
  int continuous_states() const { return enabled() ? 1 : 0; }
  double limit() const { return p_.limit; }
  double idle_factor() const { return p_.idle_factor; }

  /// Fills a fresh state: the stream of component `name` and the first life's rate.
  void init(WearState& s, const StreamSeed& seed, const std::string& name) const {
    s.rng = Rng::stream(seed.seed, seed.replication, name, "wear");
    if (p_.rate) s.rate = p_.rate->sample(s.rng);
  }
  /// A new stream for a fork's replication (Component::reseed); the rate of this life stays.
  void reseed(WearState& s, const StreamSeed& seed, const std::string& name) const {
    s.rng = Rng::stream(seed.seed, seed.replication, name, "wear");
  }
  /// dw/dt at `load` (share of full load).
  double derivative(const WearState& s, double load) const { return s.rate * load; }
  /// The guard value at wear `w`: it fires when w reaches the limit.
  double guard(double w) const { return w - p_.limit; }
  /// Vibration velocity RMS (mm/s) at wear `w`; 0 without a wear model.
  double vibration(double w) const;
  /// The wear that vibration `v` indicates (the vibration law inverted; below base reads as 0).
  double wear_from_vibration(double v) const;
  /// As good as new: wear back to zero (`x` is the host's slice) and a fresh rate.
  void renew(double* x, WearState& s) const {
    if (!p_.rate) return;
    x[0] = 0.0;
    s.rate = p_.rate->sample(s.rng);
  }

 private:
  WearParams p_;
};

/// Reads the `wear:` map under `p`, with its errors; no wear model when the key is absent.
WearParams read_wear(ParamReader& p);

}  // namespace plantwin::maintenance
