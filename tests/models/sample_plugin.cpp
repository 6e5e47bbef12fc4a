// A sample controller plugin for the tests (and a template for users): a PI controller
// out = kp (setpoint - in) + integral, configured by "kp=...;ti=...;setpoint=...". Its integral
// is per-instance state, so a fork's clone must carry it.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "plantwin/models/controller_plugin.h"

namespace {

struct Pi {
  double kp = 1, ti = 0, setpoint = 0;
  double integral = 0, last = 0;
  bool first = true;
};

void say(char* error, int size, const char* text) {
  if (error && size > 0) std::snprintf(error, static_cast<std::size_t>(size), "%s", text);
}

}  // namespace

extern "C" {

int plantwin_plugin_abi(void) {
  return PLANTWIN_PLUGIN_ABI;
}

void* plantwin_plugin_init(const char* config, int inputs, int outputs, char* error,
                           int error_size) {
  if (inputs != 1 || outputs != 1) {
    say(error, error_size, "needs one input and one output");
    return nullptr;
  }
  auto* pi = new (std::nothrow) Pi;
  if (!pi) return nullptr;
  if (std::sscanf(config, "kp=%lf;ti=%lf;setpoint=%lf", &pi->kp, &pi->ti, &pi->setpoint) != 3) {
    say(error, error_size, "config must be \"kp=...;ti=...;setpoint=...\"");
    delete pi;
    return nullptr;
  }
  return pi;
}

void* plantwin_plugin_clone(const void* instance) {
  return new (std::nothrow) Pi(*static_cast<const Pi*>(instance));
}

int plantwin_plugin_scan(void* instance, double time_s, const double* in, double* out, char* error,
                         int error_size) {
  auto* pi = static_cast<Pi*>(instance);
  if (in[0] != in[0]) {
    say(error, error_size, "the measurement is not a number");
    return 1;
  }
  const double e = pi->setpoint - in[0];
  if (!pi->first && pi->ti > 0) pi->integral += pi->kp * (time_s - pi->last) / pi->ti * e;
  pi->first = false;
  pi->last = time_s;
  out[0] = pi->kp * e + pi->integral;
  return 0;
}

void plantwin_plugin_teardown(void* instance) {
  delete static_cast<Pi*>(instance);
}
}
