#!/usr/bin/python3
"""Writes data/cold_chain_readings.csv: a day of temperature readings from the four
refrigerated containers of scenarios/cold_chain.yaml, one reading a minute per container.

The recording is synthetic. Each container is simulated with the model the `reefer` component
uses (models/coldchain/reefer.h), with the same parameters and route as the scenario, plus what
the twin does not know:

    C dT/dt = Q - cooling * on * available + door_heat * open
              - (UA + UA_door * open) (T - Ta(t)) + process noise

- Time steps of 1 s, each solved exactly for the constant inputs of the step:
  T' = Tinf + (T - Tinf) a with a = exp(-h / tau), tau = C / UA_total,
  Tinf = Ta + Q_total / UA_total, plus N(0, q tau / 2 (1 - a^2)) (an Ornstein-Uhlenbeck
  disturbance of spectral density q = PROCESS_NOISE K^2/s: loads, air flow, the sun).
- The thermostat compares the true temperature with setpoint +- band / 2 after every step.
- The ambient is the route item's (a constant) or, off the route, the day's cosine
  daily(min=16 C, max=30 C, peak=15:00) = 23 + 7 cos(2 pi (t - 15 h) / 24 h).
- Readings: every 60 s from t = 60 s, the true temperature plus N(0, MEASUREMENT_SD^2),
  rounded to 0.01 C (a calibrated logger; its resolution adds a variance of 8e-6 K^2), in the
  columns <container>_c; the true temperatures at those times in <container>_true_c (for
  checking the twin, never fed to it).

Two faults are in the data and not in the scenario:
- `meat`: its compressor fails at 11:00 (cooling_available 0 from then on).
- `produce`: at the Tilburg delivery its door stays open 35 min instead of the planned 10 min.

Deterministic: numpy's default_rng(SEED). Run with Debian's interpreter from the repository root:
    /usr/bin/python3 data/generate_cold_chain.py [--out data/cold_chain_readings.csv]
It prints each container's time above its limit in the truth, for comparison with the twin.
"""

import argparse
import math
import os

import numpy as np

SEED = 20261128
HORIZON_S = 24 * 3600
STEP_S = 1.0
READING_PERIOD_S = 60
MEASUREMENT_SD = 0.2  # K
PROCESS_NOISE = 1e-5  # K^2/s
DEPART_S = 5 * 3600

# The route of scenarios/cold_chain.yaml: (kind, place, stay in s, ambient in C).
ROUTE = [
    ("depot", "Venlo DC", 45 * 60, 12.0),
    ("leg", "A73", 2 * 3600, 24.0),
    ("delivery", "Eindhoven", 30 * 60, 25.0),
    ("leg", "A58", 90 * 60, 27.0),
    ("delivery", "Tilburg", 40 * 60, 27.0),
    ("leg", "A58", 90 * 60, 29.0),
    ("delivery", "Breda", 30 * 60, 28.0),
    ("leg", "A67", 2 * 3600, 26.0),
    ("depot", "Venlo DC", 30 * 60, 12.0),
]

DOOR_HEAT_W = 4000.0
DOOR_UA = 1 / 0.01  # W/K

# Per container: the scenario's parameters and door time per route stop (planned), in s.
CONTAINERS = {
    "dairy": dict(c=2.5e6, ua=1 / 0.0167, heat=0.0, setpoint=3.0, band=1.0, cooling=3000.0,
                  doors={0: (25 * 60, 1), 2: (8 * 60, 1), 6: (10 * 60, 1), 8: (20 * 60, 1)}),
    "produce": dict(c=2.0e6, ua=1 / 0.0167, heat=150.0, setpoint=2.0, band=1.0, cooling=3000.0,
                    doors={0: (25 * 60, 1), 2: (10 * 60, 2), 4: (10 * 60, 1),
                           8: (20 * 60, 1)}),
    "meat": dict(c=3.0e6, ua=1 / 0.0167, heat=0.0, setpoint=0.0, band=1.0, cooling=3000.0,
                 doors={0: (25 * 60, 1), 6: (15 * 60, 2), 8: (20 * 60, 1)}),
    "pharma": dict(c=1.2e6, ua=1 / 0.025, heat=0.0, setpoint=5.0, band=2.0, cooling=2000.0,
                   doors={0: (15 * 60, 1), 2: (5 * 60, 1), 6: (10 * 60, 1)}),
}
LIMITS = {"dairy": 7.0, "produce": 6.0, "meat": 4.0, "pharma": 8.0}

# The faults (not in the scenario).
MEAT_FAILS_AT_S = 11 * 3600
PRODUCE_TILBURG_DOOR_S = 35 * 60


def yard_ambient(t):
    return 23.0 + 7.0 * math.cos(2 * math.pi * (t - 15 * 3600) / 86400.0)


def schedule(name, spec):
    """Per second: (route item or None, door open) over the horizon."""
    item = np.full(HORIZON_S, -1, dtype=np.int64)
    door = np.zeros(HORIZON_S, dtype=bool)
    t = DEPART_S
    for i, (_kind, _place, stay, _amb) in enumerate(ROUTE):
        item[t:t + stay] = i
        if i in spec["doors"]:
            open_s, openings = spec["doors"][i]
            if name == "produce" and i == 4:
                open_s = PRODUCE_TILBURG_DOOR_S  # the fault: left open
            for k in range(openings):
                start = t + k * stay // openings
                door[start:start + open_s // openings] = True
        t += stay
    return item, door


def simulate(name, spec, rng):
    item, door = schedule(name, spec)
    T = spec["setpoint"]
    on = False
    temps = np.empty(HORIZON_S + 1)
    temps[0] = T
    for k in range(HORIZON_S):
        t = k * STEP_S
        i = item[k]
        ta = ROUTE[i][3] if i >= 0 else yard_ambient(t)
        if not on and T >= spec["setpoint"] + spec["band"] / 2:
            on = True
        elif on and T <= spec["setpoint"] - spec["band"] / 2:
            on = False
        available = 0.0 if (name == "meat" and t >= MEAT_FAILS_AT_S) else 1.0
        ua = spec["ua"] + (DOOR_UA if door[k] else 0.0)
        q = spec["heat"] + (DOOR_HEAT_W if door[k] else 0.0) - (
            spec["cooling"] * available if on else 0.0)
        tau = spec["c"] / ua
        a = math.exp(-STEP_S / tau)
        tinf = ta + q / ua
        sd = math.sqrt(PROCESS_NOISE * tau / 2 * (1 - a * a))
        T = tinf + (T - tinf) * a + sd * rng.standard_normal()
        temps[k + 1] = T
    return temps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "cold_chain_readings.csv"))
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    times = np.arange(READING_PERIOD_S, HORIZON_S + 1, READING_PERIOD_S)
    columns, true_at = {}, {}
    for name, spec in CONTAINERS.items():
        truth = simulate(name, spec, rng)
        above = float(np.sum(truth[1:] > LIMITS[name]) * STEP_S)
        print(f"{name}: truth above {LIMITS[name]:g} C for {above / 60:.0f} min, "
              f"max {truth.max():.2f} C")
        z = truth[times] + MEASUREMENT_SD * rng.standard_normal(times.size)
        columns[name] = np.round(z, 2)
        true_at[name] = truth[times]
    with open(args.out, "w") as f:
        f.write("# Synthetic reefer readings for scenarios/cold_chain.yaml, written by "
                "data/generate_cold_chain.py (its docstring states the model)\n")
        f.write("t_s," + ",".join(f"{n}_c" for n in CONTAINERS) + "," +
                ",".join(f"{n}_true_c" for n in CONTAINERS) + "\n")
        for r, t in enumerate(times):
            f.write(f"{t}," + ",".join(f"{columns[n][r]:.2f}" for n in CONTAINERS) + "," +
                    ",".join(f"{true_at[n][r]:.4f}" for n in CONTAINERS) + "\n")
    print(f"wrote {args.out}: {times.size} rows")


if __name__ == "__main__":
    main()
