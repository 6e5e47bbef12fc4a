#!/usr/bin/env python3
"""Generates data/wind_farm.csv: four days of one-minute readings from a wind farm of six 2 MW
turbines in a row, the recorded feed of scenarios/wind_farm.yaml. Synthetic: every number comes
from the model stated here. Run with Debian's /usr/bin/python3 (numpy); seed 20261128.

Wind (m/s), per turbine and minute: u_i(t) = U(t) (1 + I e_i(t)) + g_i(t), at least 0.
  * U(t), the farm's mean speed: hourly values whose marginal is Weibull (shape k = 2, scale
    c = 8.5 m/s) and which follow each other as weather does (a Gaussian AR(1) at one hour,
    rho = 0.93, mapped through the normal CDF and the Weibull quantile function: a Gaussian
    copula), times a daily cycle 1 + 0.12 cos(2 pi (h - 15) / 24) (h the hour of day: windiest
    in the afternoon), linearly interpolated to minutes.
  * Turbulence e_i(t): AR(1) at one minute (rho = 0.8), unit variance, with intensity I = 0.10;
    turbines 400 m apart along a row, their turbulence correlated as exp(-d / 1000 m) (spatial
    correlation: neighbours see much of the same eddies).
  * Gusts g_i(t): a Poisson process of 1 per 4 h over the farm; each gust is a 1 - cos bump of
    amplitude uniform in [3, 7] m/s lasting 2 to 6 min, reaching turbine i (400 (i - 1) m
    downwind of t1) a delay d / U later, rounded to whole minutes.
  A row's wind is the mean over the minute that begins at its time (the twin holds it constant
  over that minute).

Power and curtailment: the cubic power curve (cut-in 3 m/s, rated 12 m/s at 2 MW, cut-out 25
m/s), and the farm's grid connection exports at most 9 MW, shared by water-filling (equal
shares, a turbine's unused share going to the others), as the twin's export_limit does.

Gearbox temperature (C) per turbine: C dT/dt = 0.025 P + Qf(t) - (T - Ta(t)) / R with
C = 6 MJ/K, R = 0.8 K/kW (tau = 80 min), the nacelle air Ta(t) = 16 + 4 cos(2 pi (t - 15 h) /
24 h) C (12 C to 20 C, warmest at 15:00), plus process noise of spectral density 2e-5 K^2/s
(draughts, oil flow); integrated exactly for the power constant over each minute (the ambient in
10 s sub-steps), starting at 35 C. The reading at a row's time is T plus Gaussian noise of sd
0.3 K, rounded to 0.01 K.

The fault: turbine t4's gearbox bearing goes bad from 60 h (day 3, 12:00) on: extra heat Qf
ramps linearly from 0 to 12 kW over 12 h and stays (a 9.6 K rise once settled). The other five
turbines stay healthy. The twin's model knows nothing of it.
"""
import math
import os

import numpy as np

SEED = 20261128
DAYS, STEP = 4, 60.0
N = int(DAYS * 86400 / STEP)
TURBINES = 6
SPACING_M, CORR_LENGTH_M = 400.0, 1000.0
WEIBULL_K, WEIBULL_C, RHO_HOUR = 2.0, 8.5, 0.93
DAILY_AMPLITUDE, DAILY_PEAK_H = 0.12, 15.0
TURB_INTENSITY, RHO_MIN = 0.10, 0.8
GUST_RATE_PER_S, GUST_AMP, GUST_MIN = 1 / (4 * 3600), (3.0, 7.0), (2, 6)
CUT_IN, RATED_SPEED, RATED_KW, CUT_OUT = 3.0, 12.0, 2000.0, 25.0
LIMIT_KW = 9000.0
C_J_PER_K, R_K_PER_W, LOSS_SHARE = 6e6, 0.8e-3, 0.025
TA_MEAN, TA_AMP, TA_PEAK_S = 16.0, 4.0, 15 * 3600.0
PROCESS_NOISE, MEASUREMENT_SD, T0 = 2e-5, 0.3, 35.0
FAULT_TURBINE, FAULT_ONSET_S, FAULT_RAMP_S, FAULT_W = 4, 60 * 3600.0, 12 * 3600.0, 12000.0

rng = np.random.default_rng(SEED)


def norm_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def farm_mean_speed():
    hours = DAYS * 24 + 2
    z = np.empty(hours)
    z[0] = rng.normal()
    for h in range(1, hours):
        z[h] = RHO_HOUR * z[h - 1] + math.sqrt(1 - RHO_HOUR**2) * rng.normal()
    u = np.array([norm_cdf(v) for v in z])
    hourly = WEIBULL_C * (-np.log(1 - u)) ** (1 / WEIBULL_K)
    hour_of_day = np.arange(hours) % 24
    hourly *= 1 + DAILY_AMPLITUDE * np.cos(2 * np.pi * (hour_of_day - DAILY_PEAK_H) / 24)
    t_min = np.arange(N) * STEP / 3600.0 + 0.5 / 60  # the middle of each minute, in hours
    return np.interp(t_min, np.arange(hours), hourly)


def turbulence():
    pos = np.arange(TURBINES) * SPACING_M
    corr = np.exp(-np.abs(pos[:, None] - pos[None, :]) / CORR_LENGTH_M)
    chol = np.linalg.cholesky(corr)
    e = np.empty((N, TURBINES))
    e[0] = chol @ rng.normal(size=TURBINES)
    for k in range(1, N):
        e[k] = RHO_MIN * e[k - 1] + math.sqrt(1 - RHO_MIN**2) * (chol @ rng.normal(size=TURBINES))
    return e


def gusts(mean_speed):
    g = np.zeros((N, TURBINES))
    t = rng.exponential(1 / GUST_RATE_PER_S)
    while t < N * STEP:
        k0 = int(t // STEP)
        amp = rng.uniform(*GUST_AMP)
        length = int(rng.integers(GUST_MIN[0], GUST_MIN[1] + 1))
        shape = amp * 0.5 * (1 - np.cos(2 * np.pi * (np.arange(length) + 0.5) / length))
        for i in range(TURBINES):
            delay = int(round(i * SPACING_M / max(mean_speed[k0], 1.0) / STEP))
            for j, v in enumerate(shape):
                k = k0 + delay + j
                if k < N:
                    g[k, i] += v
        t += rng.exponential(1 / GUST_RATE_PER_S)
    return g


def power_curve(v):
    p = RATED_KW * (v**3 - CUT_IN**3) / (RATED_SPEED**3 - CUT_IN**3)
    p = np.where(v < CUT_IN, 0.0, np.where(v >= RATED_SPEED, RATED_KW, p))
    return np.where(v >= CUT_OUT, 0.0, p)


def water_filling(avail, limit):
    if avail.sum() <= limit:
        return avail.copy()
    s = np.sort(avail)
    left, level = limit, 0.0
    for k in range(len(s)):
        level = left / (len(s) - k)
        if s[k] >= level:
            break
        left -= s[k]
    return np.minimum(avail, level)


def ambient(t):
    return TA_MEAN + TA_AMP * np.cos(2 * np.pi * (t - TA_PEAK_S) / 86400.0)


def fault_w(t):
    return FAULT_W * min(max((t - FAULT_ONSET_S) / FAULT_RAMP_S, 0.0), 1.0)


def main():
    U = farm_mean_speed()
    wind = np.maximum(U[:, None] * (1 + TURB_INTENSITY * turbulence()) + gusts(U), 0.0)
    wind = np.round(wind, 2)  # as written, so the twin and the truth see the same wind
    power = np.array([water_filling(power_curve(w), LIMIT_KW) for w in wind])

    tau = R_K_PER_W * C_J_PER_K
    sub = 6
    h = STEP / sub
    a = math.exp(-h / tau)
    noise_sd = math.sqrt(PROCESS_NOISE * tau / 2 * (1 - math.exp(-2 * STEP / tau)))
    temp = np.full(TURBINES, T0)
    readings = np.empty((N, TURBINES))
    truth = np.empty((N, TURBINES))
    for k in range(N):
        t = k * STEP
        truth[k] = temp
        readings[k] = np.round(temp + rng.normal(0, MEASUREMENT_SD, TURBINES), 2)
        for j in range(sub):
            tm = t + (j + 0.5) * h
            q = LOSS_SHARE * power[k] * 1000.0
            q[FAULT_TURBINE - 1] += fault_w(tm)
            eq = ambient(tm) + R_K_PER_W * q
            temp = eq + (temp - eq) * a
        temp = temp + rng.normal(0, noise_sd, TURBINES)

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "wind_farm.csv"), "w") as f:
        f.write("# generated by data/generate_wind_farm.py (see its docstring for the model);\n")
        f.write(f"# gearbox fault on t{FAULT_TURBINE} from t_s = {FAULT_ONSET_S:.0f}\n")
        names = [f"wind_t{i + 1}" for i in range(TURBINES)]
        names += [f"gearbox_t{i + 1}" for i in range(TURBINES)]
        f.write("t_s," + ",".join(names) + "\n")
        for k in range(N):
            cells = [f"{k * STEP:.0f}"] + [f"{v:.2f}" for v in wind[k]]
            cells += [f"{v:.2f}" for v in readings[k]]
            f.write(",".join(cells) + "\n")
    farm = power.sum(axis=1)
    avail = np.array([power_curve(w) for w in wind]).sum(axis=1)
    print(f"wrote {N} rows; mean wind {wind.mean():.2f} m/s, farm capacity factor "
          f"{farm.mean() / (TURBINES * RATED_KW):.3f}, curtailed share "
          f"{1 - farm.sum() / avail.sum():.3f}, minutes at the limit {(avail > LIMIT_KW).sum()}, "
          f"gearbox {truth.min():.1f} to {truth.max():.1f} C")


if __name__ == "__main__":
    main()
