"""1,000 replications of the two-station scenario through plantwin.replicate: the share of wall
time spent outside C++ (building the tidy table, and its summary). Target: under 10 %.

Run:  PYTHONPATH=build/release/python /usr/bin/python3 python/bench/bench_replicate.py [N]
Prints figures; asserts nothing.
"""
import sys
import time

import plantwin
from plantwin import _core

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
scenario = plantwin.scenarios_dir() / "two_station.yaml"

inside = []
run_cases = _core.run_cases


def timed(*args, **kwargs):
    t0 = time.perf_counter()
    try:
        return run_cases(*args, **kwargs)
    finally:
        inside.append(time.perf_counter() - t0)


_core.run_cases = timed  # the one call into C++: the runs, their statistics and the columns
best = None
for _ in range(3):
    inside.clear()
    t0 = time.perf_counter()
    runs = plantwin.replicate(scenario, n)
    t1 = time.perf_counter()
    summary = runs.summary()
    t2 = time.perf_counter()
    figures = (t1 - t0, inside[0], t2 - t1)
    if best is None or figures[0] < best[0]:
        best = figures
_core.run_cases = run_cases
total, core, summary_s = best
print(f"replications: {n}")
print(f"rows: {len(runs)}  kpis: {len(summary)}")
print(f"replicate_wall_s: {total:.3f}")
print(f"inside_cpp_s: {core:.3f}")
print(f"outside_cpp_s: {total - core:.4f}")
print(f"outside_cpp_share_pct: {100 * (total - core) / total:.2f}")
print(f"summary_s: {summary_s:.4f}")
print(f"outside_cpp_share_with_summary_pct: {100 * (total - core + summary_s) / (total + summary_s):.2f}")
