#pragma once
/// `turbine`: a wind turbine that turns a wind speed into electrical power through its power
/// curve (power_curve.h), under a power limit (curtailment), with an optional gearbox
/// temperature model that measured temperatures can correct (state sync).
///
/// Parameters (power curve: either the cubic keys or `curve`):
///   rated_power    e.g. "2 MW" (required without `curve`)
///   cut_in         e.g. "3 m/s" (default 3 m/s)
///   rated_speed    e.g. "12 m/s" (default 12 m/s)
///   cut_out        e.g. "25 m/s" (default 25 m/s); with `curve` too
///   curve          a table of [speed, power] points, e.g. [[3 m/s, 0 kW], [7 m/s, 550 kW],
///                  [12 m/s, 2 MW]]: linear between points (power_curve.h)
///   wind           initial wind speed (default 0 m/s); the `wind_speed` actuator sets it
///   gearbox        a first-order thermal node heated by the gearbox losses:
///                  {capacitance: 6 MJ/K, r_ambient: 0.8 K/kW, loss_share: 0.025,
///                   ambient: <profile, default 20 C>, initial: <temperature, default ambient at
///                   0>, sync: {process_noise: K^2/s, measurement_sd: K, initial_sd: K (default
///                   1)}}
/// Model:  available = curve(wind); power = min(available, power_limit); curtailed =
///         available - power; both piecewise constant between inputs, so energy is integrated
///         exactly. Gearbox: C dT/dt = loss_share * power - (T - Ta(t)) / R; with `sync:` a
///         scalar Kalman filter (physics/scalar_kalman.h, as `thermal` has) corrects T from
///         measurements of `gearbox_temperature`.
/// Actuators: wind_speed (m/s, 0 to 100), power_limit (kW, >= 0, inf for none;
///            initially the rated power).
/// Ports: none (not in the flow).
/// Signals: wind_speed (m/s), available_power, power, curtailed_power, power_limit (kW),
///          energy, curtailed_energy (kWh since the start); with a gearbox: gearbox_temperature,
///          gearbox_ambient (C), gearbox_heat (kW); with its sync: gearbox_innovation (K, the
///          last measurement minus the prediction), gearbox_estimate_sd (K).
/// KPIs: energy, curtailed_energy (kWh), capacity_factor (energy over rated power times the
///       period), mean_power (kW); with a gearbox: gearbox_temperature (C, at the end); with its
///       sync: gearbox_measurements, gearbox_innovation_mean, gearbox_innovation_sd,
///       gearbox_nis_mean.

#include "plantwin/registry.h"

namespace plantwin::wind {
void register_turbine(Registry& registry);
}
