#include "thermal_network.h"

#include <algorithm>

#include "plantwin/profile.h"
#include "plantwin/sim.h"

namespace plantwin::physics {
namespace {

// From this many nodes on, the derivative loop runs on OpenMP threads (the integrator's
// threshold, engine/src/integrator.cpp).
constexpr int kParallelNodes = 50000;

struct NetworkState : ClonableState<NetworkState> {};

class ThermalNetwork final : public Component {
 public:
  ThermalNetwork(std::string name, int n, double c, double ra, double rn, double heat_w,
                 Profile ambient, std::optional<double> initial)
      : Component(std::move(name), "thermal_network"),
        n_(n),
        inv_c_(1.0 / c),
        ga_(1.0 / ra),
        gn_(rn > 0 ? 1.0 / rn : 0.0),
        heat_w_(heat_w),
        ambient_(std::move(ambient)),
        initial_(initial) {}

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    return std::make_unique<NetworkState>();
  }
  int continuous_states() const override { return n_; }
  void initial_continuous(const Sim&, double* x) const override {
    std::fill(x, x + n_, initial_.value_or(ambient_.at(0)));
  }
  void derivatives(const Sim&, double t, const double* x, double* dx) const override {
    const double ta = ambient_.at(t);
    const double base = heat_w_ + ga_ * ta;
    const int n = n_;
    // Large networks spread the loop over OpenMP threads; a small one must not enter the
    // OpenMP runtime at all (an `if` clause on the pragma still does).
    const bool wide = n >= kParallelNodes;
    if (gn_ == 0) {
      if (wide) {
#pragma omp parallel for simd
        for (int i = 0; i < n; ++i) dx[i] = (base - ga_ * x[i]) * inv_c_;
      } else {
        for (int i = 0; i < n; ++i) dx[i] = (base - ga_ * x[i]) * inv_c_;
      }
      return;
    }
    dx[0] = (base - ga_ * x[0] + gn_ * (n > 1 ? x[1] - x[0] : 0.0)) * inv_c_;
    if (wide) {
#pragma omp parallel for simd
      for (int i = 1; i < n - 1; ++i)
        dx[i] = (base - ga_ * x[i] + gn_ * (x[i - 1] - 2 * x[i] + x[i + 1])) * inv_c_;
    } else {
      for (int i = 1; i < n - 1; ++i)
        dx[i] = (base - ga_ * x[i] + gn_ * (x[i - 1] - 2 * x[i] + x[i + 1])) * inv_c_;
    }
    if (n > 1) dx[n - 1] = (base - ga_ * x[n - 1] + gn_ * (x[n - 2] - x[n - 1])) * inv_c_;
  }
  std::vector<SignalSpec> signals() const override {
    return {{"mean_temperature", "C", ""},
            {"max_temperature", "C", ""},
            {"first_temperature", "C", ""},
            {"last_temperature", "C", ""}};
  }
  double signal(const Sim& sim, int index) const override {
    const double* x = sim.continuous(*this);
    switch (index) {
      case 0: {
        double s = 0;
        for (int i = 0; i < n_; ++i) s += x[i];
        return s / n_;
      }
      case 1:
        return *std::max_element(x, x + n_);
      case 2:
        return x[0];
      default:
        return x[n_ - 1];
    }
  }

 private:
  int n_;
  double inv_c_, ga_, gn_, heat_w_;
  Profile ambient_;
  std::optional<double> initial_;
};

}  // namespace

void register_thermal_network(Registry& registry) {
  registry.add("thermal_network", "a chain of N lumped thermal nodes", [](BuildContext& ctx) {
    ParamReader& p = ctx.params();
    ctx.require_ports(0, 0, 0, 0);
    const int n = static_cast<int>(p.integer("nodes", std::nullopt, 1, 1'000'000));
    const double c =
        p.quantity("capacitance", Dimension::kHeatCapacity, std::nullopt, 0, HUGE_VAL, true);
    const double ra =
        p.quantity("r_ambient", Dimension::kThermalResistance, std::nullopt, 0, HUGE_VAL, true);
    const double rn = p.quantity("r_neighbour", Dimension::kThermalResistance, 0.0, 0);
    const double heat = p.quantity("heat", Dimension::kPower, 0.0, 0) * 1000.0;
    const Profile ambient = p.profile("ambient", Dimension::kTemperature, Profile::constant(20));
    const std::optional<double> initial = p.optional_quantity("initial", Dimension::kTemperature);
    if (!(c > 0 && ra > 0 && n > 0)) return std::unique_ptr<Component>();
    return std::unique_ptr<Component>(
        std::make_unique<ThermalNetwork>(ctx.name(), n, c, ra, rn, heat, ambient, initial));
  });
}

}  // namespace plantwin::physics
