#!/usr/bin/python3
"""Correctness guard for optimisations (issue 11): runs every scenario in scenarios/ with two
plantwin builds (a baseline and a candidate) and compares the HDF5 result files dataset by
dataset and attribute by attribute, to the bit. Where values differ it prints the largest
relative difference (an optimisation that changes the order of floating-point operations must
stay within 1e-12 relative and say so). Attributes that differ between any two runs (start
time, wall time) are skipped. Scenarios with experiments are also compared through `sweep`.

    usage: /usr/bin/python3 tests/bench/compare_results.py BASE_PLANTWIN NEW_PLANTWIN [SCENARIO...]

Exit status: 0 when every file is bit-identical, 1 when some value differs by more than 1e-12
relative, 3 when values differ but all within 1e-12 relative.
"""
import glob
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SKIPPED_ATTRS = {"started_at", "wall_time_s", "runner_chunks"}
TOLERANCE = 1e-12


def run(plantwin, args, cwd):
    r = subprocess.run([plantwin] + args, cwd=cwd, capture_output=True, text=True, timeout=600)
    if r.returncode not in (0, 1):  # 1: an expectation failed, still a result
        raise RuntimeError(f"{' '.join([plantwin] + args)} exited {r.returncode}: {r.stderr}")


def max_rel_diff(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.abs(a - b)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    rel = np.where(both_nan | (a == b), 0.0, diff / scale)
    return float(np.max(rel)) if rel.size else 0.0


def compare_values(name, a, b, report):
    """Bit-for-bit comparison of two numpy values; records a difference in `report`."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.dtype.names != b.dtype.names:
        report.append((name, f"shape or fields differ: {a.shape} {a.dtype} vs {b.shape} {b.dtype}",
                       float("inf")))
        return
    fields = a.dtype.names or [None]
    for f in fields:
        x = a[f] if f else a
        y = b[f] if f else b
        label = f"{name}[{f}]" if f else name
        if x.dtype.kind in "fc":
            if x.tobytes() != y.tobytes():
                report.append((label, "float bits differ", max_rel_diff(x, y)))
        elif x.dtype.kind in "iub":
            if not np.array_equal(x, y):
                report.append((label, "integers differ", float("inf")))
        else:
            if list(x.ravel()) != list(y.ravel()):
                report.append((label, "text differs", float("inf")))


def compare_files(pa, pb):
    report = []
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        if sorted(names_a) != sorted(names_b):
            report.append(("/", f"objects differ: {sorted(set(names_a) ^ set(names_b))}",
                           float("inf")))
        for n in ["/"] + sorted(set(names_a) & set(names_b)):
            oa, ob = fa[n], fb[n]
            for k in sorted(set(oa.attrs) | set(ob.attrs)):
                if k in SKIPPED_ATTRS:
                    continue
                if k not in oa.attrs or k not in ob.attrs:
                    report.append((f"{n}@{k}", "attribute missing", float("inf")))
                    continue
                compare_values(f"{n}@{k}", oa.attrs[k], ob.attrs[k], report)
            if isinstance(oa, h5py.Dataset):
                compare_values(n, oa[()], ob[()], report)
    return report


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    base, new = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    scenarios = sys.argv[3:] or sorted(glob.glob(os.path.join(root, "scenarios", "*.yaml")))
    worst = 0.0
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for s in scenarios:
            s = os.path.abspath(s)
            with open(s) as f:
                text = f.read()
            commands = [("run", ["run", s, "--quiet", "-o"])]
            if "\nexperiments:" in text:
                commands.append(("sweep", ["sweep", s, "-o"]))
            for label, args in commands:
                pa = os.path.join(tmp, "base.h5")
                pb = os.path.join(tmp, "new.h5")
                run(base, args + [pa], os.path.dirname(s))
                run(new, args + [pb], os.path.dirname(s))
                report = compare_files(pa, pb)
                name = f"{os.path.basename(s)} ({label})"
                if not report:
                    print(f"{name}: bit-identical")
                    continue
                rel = max(r[2] for r in report)
                worst = max(worst, rel)
                print(f"{name}: {len(report)} differing objects, max relative difference {rel:.3g}")
                for n, why, r in report[:10]:
                    print(f"    {n}: {why} (max rel {r:.3g})")
                status = max(status, 1 if rel > TOLERANCE else 3)
    print("all bit-identical" if status == 0 else f"worst relative difference: {worst:.3g}")
    return status


if __name__ == "__main__":
    sys.exit(main())
