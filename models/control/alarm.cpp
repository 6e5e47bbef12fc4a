// Alarms (the scenario's `alarms:` section): a check of one signal every `check` period that
// raises an alarm and clears it again, logged as events ("alarm", "cleared") and kept as
// signals, so that a run, a live twin or `plantwin test` sees what drifted and when.
//
//   threshold with hysteresis: above: H [clear_below: L]   raised when x > H, cleared when x < L
//                              below: L [clear_above: H]   raised when x < L, cleared when x > H
//                              delay: T                    raised only once x has stayed beyond
//                                                          the limit for T (an on-delay)
//   CUSUM (Page's two one-sided sums, on the deviation from a target):
//       S+ = max(0, S+ + x - target - slack),  S- = max(0, S- + target - x - slack)
//       raised when S (S+, S- or the larger of the two, by `side`) exceeds `threshold`,
//       cleared when it is back at 0.
// A NaN value (a signal not yet known) is skipped: it neither raises nor clears.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "control.h"
#include "plantwin/sim.h"
#include "plantwin/units.h"

namespace plantwin::control {
namespace {

struct AlarmState : ClonableState<AlarmState> {
  int signal = -1;
  bool active = false;
  double beyond_since = NAN;  // threshold: when x went beyond the limit (for the delay)
  double s_up = 0, s_down = 0;
  double statistic = NAN;
  std::int64_t raised = 0, raised_total = 0;
  double active_time = 0, active_since = 0, stats_start = 0;
  double first_raised = NAN;
};

class Alarm final : public Component {
 public:
  enum class Kind { kAbove, kBelow, kCusum };
  enum class Side { kUpper, kLower, kBoth };
  struct Params {
    double check = 1;
    std::string signal;
    Kind kind = Kind::kAbove;
    double limit = 0, clear = 0, delay = 0;  // threshold
    double target = 0, slack = 0, threshold = 1;
    Side side = Side::kUpper;
  };
  Alarm(std::string name, Params p) : Component(std::move(name), "alarm"), p_(std::move(p)) {}

  bool material() const override { return false; }
  double scan_period() const override { return p_.check; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<AlarmState>();
  }
  void start(Sim& sim) const override {
    sim.state_of<AlarmState>(*this).signal = sim.model().find_signal(p_.signal);
  }
  void scan(Sim& sim) const override {
    auto& s = sim.state_of<AlarmState>(*this);
    const double x = sim.signal(s.signal);
    if (std::isnan(x)) return;
    bool raise = false, clear = false;
    std::string why;
    switch (p_.kind) {
      case Kind::kAbove:
      case Kind::kBelow: {
        s.statistic = x;
        const bool above = p_.kind == Kind::kAbove;
        const bool beyond = above ? x > p_.limit : x < p_.limit;
        if (!beyond) s.beyond_since = NAN;
        if (beyond && std::isnan(s.beyond_since)) s.beyond_since = sim.now();
        raise = beyond && sim.now() - s.beyond_since >= p_.delay;
        clear = above ? x < p_.clear : x > p_.clear;
        if (raise && !s.active)
          why = fmt::format("{} = {:.6g} ({} {:.6g}{})", p_.signal, x, above ? ">" : "<", p_.limit,
                            p_.delay > 0 ? fmt::format(" for {}", format_duration(p_.delay)) : "");
        else if (clear && s.active)
          why = fmt::format("{} = {:.6g} ({} {:.6g})", p_.signal, x, above ? "<" : ">", p_.clear);
        break;
      }
      case Kind::kCusum: {
        s.s_up = std::max(0.0, s.s_up + x - p_.target - p_.slack);
        s.s_down = std::max(0.0, s.s_down + p_.target - x - p_.slack);
        s.statistic = p_.side == Side::kUpper   ? s.s_up
                      : p_.side == Side::kLower ? s.s_down
                                                : std::max(s.s_up, s.s_down);
        raise = s.statistic > p_.threshold;
        clear = s.statistic == 0;
        if (raise && !s.active)
          why = fmt::format("CUSUM of {} = {:.6g} (> {:.6g}; {} = {:.6g} now)", p_.signal,
                            s.statistic, p_.threshold, p_.signal, x);
        else if (clear && s.active)
          why = fmt::format("CUSUM of {} back at 0 ({} = {:.6g} now)", p_.signal, p_.signal, x);
        break;
      }
    }
    if (raise && !s.active) {
      s.active = true;
      s.active_since = sim.now();
      ++s.raised;
      ++s.raised_total;
      if (std::isnan(s.first_raised)) s.first_raised = sim.now();
      sim.log_event(*this, "alarm", std::move(why));
    } else if (clear && s.active && !raise) {
      s.active = false;
      s.active_time += sim.now() - std::max(s.active_since, s.stats_start);
      sim.log_event(*this, "cleared", std::move(why));
    }
  }
  std::vector<SignalSpec> signals() const override {
    return {{"active", "", "1 while the alarm is raised"},
            {"raised", "count", "times raised since the start of the run"},
            {"statistic", "",
             p_.kind == Kind::kCusum ? "the CUSUM sum compared with the threshold"
                                     : "the value last checked"}};
  }
  double signal(const Sim& sim, int index) const override {
    const auto& s = sim.state_of<AlarmState>(*this);
    switch (index) {
      case 0:
        return s.active ? 1.0 : 0.0;
      case 1:
        return static_cast<double>(s.raised_total);
      default:
        return s.statistic;
    }
  }
  void reset_statistics(Sim& sim) const override {
    auto& s = sim.state_of<AlarmState>(*this);
    s.raised = 0;
    s.active_time = 0;
    s.stats_start = sim.now();
  }
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const auto& s = sim.state_of<AlarmState>(*this);
    const double span = sim.now() - s.stats_start;
    double active = s.active_time;
    if (s.active) active += sim.now() - std::max(s.active_since, s.stats_start);
    rows.push_back({name(), "raised", static_cast<double>(s.raised), std::nan(""), "count"});
    rows.push_back(
        {name(), "active_share", span > 0 ? active / span : std::nan(""), std::nan(""), "share"});
    rows.push_back({name(), "first_raised", s.first_raised, std::nan(""), "s"});
  }

 private:
  Params p_;
};

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  Alarm::Params ap;
  ap.check = ctx.period("check", 1.0);
  ap.signal = p.text("signal", std::nullopt);
  if (!ap.signal.empty()) ctx.check_signal(p, "signal", ap.signal);
  const int kinds = (p.has("above") ? 1 : 0) + (p.has("below") ? 1 : 0) + (p.has("cusum") ? 1 : 0);
  if (kinds != 1) {
    ctx.error(
        "give one of above (raised when the signal is above it), below (raised when below) or "
        "cusum: {target, slack, threshold} (a drift of the signal's mean)");
    for (const char* k : {"above", "below", "cusum", "clear_below", "clear_above", "delay"})
      p.allow(k);
    return nullptr;
  }
  if (p.has("above") || p.has("below")) {
    const bool above = p.has("above");
    ap.kind = above ? Alarm::Kind::kAbove : Alarm::Kind::kBelow;
    ap.limit = p.real(above ? "above" : "below", std::nullopt);
    const char* clear_key = above ? "clear_below" : "clear_above";
    ap.clear = p.real(clear_key, ap.limit);
    if (above ? ap.clear > ap.limit : ap.clear < ap.limit)
      p.error(clear_key,
              fmt::format("must be {} {} ({}), or the alarm would clear while it is "
                          "still beyond it",
                          above ? "at most" : "at least", above ? "above" : "below", ap.limit));
    ap.delay = p.duration("delay", 0.0);
    if (p.has(above ? "clear_above" : "clear_below"))
      p.error(above ? "clear_above" : "clear_below",
              fmt::format("goes with {}; with {} the alarm clears with {}",
                          above ? "below" : "above", above ? "above" : "below", clear_key));
    p.allow("clear_above");
    p.allow("clear_below");
    return std::make_unique<Alarm>(ctx.name(), std::move(ap));
  }
  ap.kind = Alarm::Kind::kCusum;
  const Node* cusum = p.raw("cusum");
  if (!cusum->is_map()) {
    p.error("cusum", fmt::format("expected a map such as {{target: 0, slack: 0.5, threshold: "
                                 "5}}, got {}",
                                 cusum->kind_phrase()));
    return nullptr;
  }
  ParamReader c(*cusum, p.key_path("cusum"), p.diagnostics(), p.base_dir());
  ap.target = c.real("target", 0.0);
  ap.slack = c.real("slack", std::nullopt, 0);
  ap.threshold = c.real("threshold", std::nullopt);
  if (!(ap.threshold > 0)) c.error("threshold", "must be positive");
  const std::string side = c.choice("side", {"upper", "lower", "both"}, "upper");
  ap.side = side == "upper"   ? Alarm::Side::kUpper
            : side == "lower" ? Alarm::Side::kLower
                              : Alarm::Side::kBoth;
  c.finish();
  for (const char* k : {"clear_below", "clear_above", "delay"})
    if (p.has(k)) p.error(k, "goes with above or below, not with cusum");
  for (const char* k : {"clear_below", "clear_above", "delay"}) p.allow(k);
  return std::make_unique<Alarm>(ctx.name(), std::move(ap));
}

}  // namespace

void register_alarm(Registry& registry) {
  registry.add_controller("alarm", "an alarm on a signal: a threshold with hysteresis or a CUSUM",
                          build);
}

}  // namespace plantwin::control
