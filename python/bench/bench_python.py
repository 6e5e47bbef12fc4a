"""Python overhead: sim.step() calls against one sim.run(), and sim.signal() on a million samples.

Run:  PYTHONPATH=build/release/python /usr/bin/python3 python/bench/bench_python.py
Prints figures; asserts nothing.
"""
import time
import tracemalloc

import numpy as np

import plantwin

LINE = {
    "horizon": "10000 s",
    "components": {
        "arrivals": {"type": "source", "interarrival": "exponential(2 s)"},
        "q": {"type": "buffer"},
        "m": {"type": "machine", "process_time": "exponential(1 s)"},
        "out": {"type": "sink"},
    },
    "flow": ["arrivals -> q -> m -> out"],
}

# 10,000 step() calls of 1 s against one run() over the same 10,000 s.
best_steps = best_run = float("inf")
for _ in range(5):
    sim = plantwin.load(LINE)
    t0 = time.perf_counter()
    for _ in range(10000):
        sim.step(1.0)
    best_steps = min(best_steps, time.perf_counter() - t0)
    sim = plantwin.load(LINE)
    t0 = time.perf_counter()
    sim.run()
    best_run = min(best_run, time.perf_counter() - t0)
print(f"steps_10000_s: {best_steps:.4f}")
print(f"run_s: {best_run:.4f}")
print(f"overhead_per_step_us: {(best_steps - best_run) / 10000 * 1e6:.3f}")

# A signal of a million samples: the copies made on the way to numpy.
big = dict(LINE, horizon="1000000 s", record={"period": "1 s", "signals": ["q.level"]})
sim = plantwin.load(big).run()
tracemalloc.start()
t0 = time.perf_counter()
t, v = sim.signal("q.level")
elapsed = time.perf_counter() - t0
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
assert t.size == v.size == 1_000_001
array_bytes = t.nbytes + v.nbytes
print(f"signal_samples: {t.size}")
print(f"signal_s: {elapsed:.4f}")
print(f"signal_array_bytes: {array_bytes}")
print(f"python_peak_alloc_bytes: {peak}")
print(f"copies_into_numpy: {peak / array_bytes:.2f}")
