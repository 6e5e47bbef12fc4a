#pragma once
/// `sensor`: observes any signal the way a real instrument would. Its readings are a signal
/// themselves, recorded like any other: plantwin thus also produces realistic synthetic IIoT data.
///
/// Parameters:
///   signal       the observed signal, e.g. press1.vibration (required)
///   period       sampling period (required)
///   noise_sd     standard deviation of Gaussian noise, in the signal's unit (default 0)
///   bias         constant offset (default 0)
///   drift        offset growth per unit of time, e.g. "0.05 /h" (signal units per hour; default 0)
///   resolution   quantisation step: readings are rounded to a multiple of it (default: none)
///   dropout      probability that a reading is missing (NaN) (default 0)
/// reading = round((true + bias + drift * t + noise) / resolution) * resolution, or NaN.
/// Ports: none. Signals: value (the last reading), true (the observed signal now).
/// KPIs: readings, dropouts.

#include "plantwin/registry.h"

namespace plantwin::physics {
void register_sensor(Registry& registry);
}
