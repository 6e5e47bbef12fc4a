#pragma once
/// The maintenance policy part: when a component is due for a service. The Failure part then
/// carries the service out (with the crew, if any); this part only decides.
///
/// Policies: corrective (never: run to failure); preventive (every `every` of operating time
/// or every `every_parts` parts since the last renewal); condition (a sensor reading at or
/// above `threshold`, read every `check_every`); predictive (readings from the last `window`
/// turned into wear estimates through the vibration law, a line fitted to them, and a service
/// when its crossing of the wear limit is `lead_time` away or less).
///
/// A component holds a MaintenancePolicy and a PolicyState in its state, calls advance() when
/// its working state may change, part_done() for each part, and forwards the check event
/// (kCheckEvent) to check().
///
/// Parameters (the `maintenance:` map, read by read_policy()): policy, every, every_parts,
///   sensor, threshold, lead_time, window, check_every, min_samples; duration and cost of a
///   service go to the Failure part's FailureParams.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "failure.h"
#include "wear.h"

namespace plantwin::maintenance {

enum class PolicyKind : std::uint8_t { kCorrective, kPreventive, kCondition, kPredictive };

struct PolicyParams {
  PolicyKind kind = PolicyKind::kCorrective;
  double every_s = 0;
  long long every_parts = 0;
  std::string sensor;  // component name of the sensor (its signal `value` is read)
  double threshold = 0, lead_time = 0, window = 0, check_every = 600;
  int min_samples = 6;
};

/// Per-run data of the part, kept in the host's state.
struct PolicyState {
  double op_time = 0, op_last = 0;  // operating time since the last renewal
  std::int64_t parts_since_renewal = 0;
  int sensor_signal = -1;
  int checks_without_reading = 0;
  std::vector<std::pair<double, double>> trend;  // (time, wear estimate), predictive policy
};

class MaintenancePolicy {
 public:
  /// The event kind of the periodic check the part schedules on its host.
  static constexpr int kCheckEvent = 4;

  explicit MaintenancePolicy(PolicyParams p) : p_(std::move(p)) {}

  const PolicyParams& params() const { return p_; }
  PolicyKind kind() const { return p_.kind; }
  /// Whether it counts operating time (advance() does nothing otherwise).
  bool preventive() const { return p_.kind == PolicyKind::kPreventive; }

  /// At time 0: finds the sensor's signal and schedules the first check.
  void start(Sim& sim, const Component& host, PolicyState& s) const;
  /// Brings the operating time up to now; `working` is what held since the last call.
  void advance(double now, PolicyState& s, bool working) const {
    if (!preventive()) return;
    if (working) s.op_time += now - s.op_last;
    s.op_last = now;
  }
  /// A part is done: returns whether a preventive service is due.
  bool part_done(PolicyState& s) const {
    ++s.parts_since_renewal;
    return preventive() && ((p_.every_s > 0 && s.op_time >= p_.every_s) ||
                            (p_.every_parts > 0 && s.parts_since_renewal >= p_.every_parts));
  }
  /// The check event: reads the sensor and returns why a service is due ("condition",
  /// "predictive"), or nullptr. `wear` inverts the vibration law. Warns once when the sensor
  /// gave no reading at 10 checks in a row. Call only while up with no service pending.
  const char* check(Sim& sim, const Component& host, PolicyState& s, const Wear& wear) const;
  /// Schedules the next check.
  void schedule_check(Sim& sim, const Component& host) const;
  /// As good as new: the counts since the last renewal restart.
  void renew(PolicyState& s) const {
    s.op_time = 0;
    s.parts_since_renewal = 0;
    s.trend.clear();
  }

 private:
  PolicyParams p_;
};

/// Reads the `maintenance:` map under `p` (the service's duration and cost into `fp`), with its
/// errors; corrective without the key. `wear`: whether the component has a wear model.
PolicyParams read_policy(ParamReader& p, BuildContext& ctx, bool wear, FailureParams& fp);

}  // namespace plantwin::maintenance
