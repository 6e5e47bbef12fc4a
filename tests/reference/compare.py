#!/usr/bin/python3
"""Runs plantwin and the reference simulator on generated topologies and compares their exits.

For each of --count topologies (seeds --seed, --seed+1, ...) it writes the scenario and its
traces under --keep-dir, runs `plantwin run FILE --output x.h5 --quiet`, reads the `exit` events
of every sink from /events, runs tests/reference/refsim.py on the same file, and compares, sink by
sink, the sorted exit times (absolute tolerance 1e-9 s) and then the creation times of the parts
in exit order. Prints each mismatch with its kept scenario file and the first differing exit, then
`agreed: K of N topologies`. Exit code 0 only when all agree.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_topologies  # noqa: E402
import refsim  # noqa: E402

TOL = 1e-9


def plantwin_exits(plantwin, scenario, workdir, timeout=300):
    out = os.path.join(workdir, "plantwin.h5")
    proc = subprocess.run([plantwin, "run", scenario, "--output", out, "--quiet"],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"plantwin exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[:2000]}")
    exits = {}
    with h5py.File(out, "r") as f:
        ev = f["events"][:]
    dec = lambda v: v.decode("utf-8") if isinstance(v, bytes) else str(v)
    for row in ev:
        if dec(row["kind"]) == "exit":
            exits.setdefault(dec(row["component"]), []).append((float(row["time"]), float(dec(row["detail"]))))
    return exits


def apply_readings(readings):
    for text in readings:
        name, _, value = text.partition("=")
        if not name.isupper() or not hasattr(refsim, name):
            raise SystemExit(f"--reading {text}: refsim.py has no switch {name}")
        setattr(refsim, name, value.strip().lower() in ("1", "true", "yes"))


def first_difference(ours, theirs):
    """A description of the first difference between two {sink: [(exit, created)]} maps, or None."""
    found = first_difference_at(ours, theirs)
    return None if found is None else found[0]


def first_difference_at(ours, theirs):
    """(description, time of the earliest exit involved) of the first difference, or None."""
    for sink in sorted(set(ours) | set(theirs)):
        a = sorted(t for t, _ in ours.get(sink, []))
        b = sorted(t for t, _ in theirs.get(sink, []))
        for i in range(min(len(a), len(b))):
            if abs(a[i] - b[i]) > TOL:
                return (f"{sink}: exit #{i + 1} at {a[i]:.17g} s in plantwin, "
                        f"{b[i]:.17g} s in the reference (diff {a[i] - b[i]:+.3g} s)", min(a[i], b[i]))
        if len(a) != len(b):
            i = min(len(a), len(b))
            nxt = lambda v: f"{v[i]:.17g} s" if i < len(v) else "none"
            return (f"{sink}: {len(a)} exits in plantwin, {len(b)} in the reference; exit #{i + 1}: "
                    f"plantwin {nxt(a)}, reference {nxt(b)}", (a + b)[0] if i == 0 else max(a[i - 1], b[i - 1]))
    for sink in sorted(ours):
        a = sorted(ours[sink])
        b = sorted(theirs[sink])
        for i, ((ta, ca), (tb, cb)) in enumerate(zip(a, b)):
            if abs(ca - cb) > TOL:
                return (f"{sink}: exit #{i + 1} at {ta:.17g} s: part created at {ca:.17g} s in plantwin, "
                        f"{cb:.17g} s in the reference (creation times)", ta)
    return None


def compare_files(plantwin, files):
    agreed = 0
    for scenario in files:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                why = first_difference(plantwin_exits(plantwin, scenario, tmp), refsim.simulate(scenario))
            except Exception as e:  # noqa: BLE001
                why = f"failed: {e}"
        if why is None:
            agreed += 1
            print(f"agree: {scenario}")
        else:
            print(f"MISMATCH {scenario}\n  {why}")
    print(f"agreed: {agreed} of {len(files)} scenarios")
    return 0 if agreed == len(files) else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--plantwin", default=os.path.join(HERE, "..", "..", "build", "ci", "plantwin"))
    ap.add_argument("--keep-dir", default=None,
                    help="where scenarios are written and kept (default: a temporary folder, "
                         "mismatches copied to ./refsim_mismatches)")
    ap.add_argument("--reading", action="append", default=[], metavar="SWITCH=VALUE",
                    help="another reading of a point the docs leave open, e.g. "
                         "CONVEYOR_SPACING_FROM_CAPACITY=True (see the switches in refsim.py)")
    ap.add_argument("--scenario", action="append", default=[], metavar="FILE",
                    help="compare on this scenario file (e.g. one of cases/) instead of generated ones")
    args = ap.parse_args(argv)
    apply_readings(args.reading)
    if args.scenario:
        return compare_files(args.plantwin, args.scenario)
    keep = args.keep_dir
    tmp = None
    if keep is None:
        tmp = tempfile.mkdtemp(prefix="refsim_")
        work_root = tmp
    else:
        work_root = keep
    agreed = 0
    failed = []
    for k in range(args.count):
        seed = args.seed + k
        d = os.path.join(work_root, f"topology_{seed}")
        if os.path.isdir(d):
            shutil.rmtree(d)
        scenario = gen_topologies.generate(seed, d)
        try:
            theirs = refsim.simulate(scenario)
        except Exception as e:  # noqa: BLE001
            theirs, why = None, f"reference failed: {type(e).__name__}: {e}"
        try:
            ours = plantwin_exits(args.plantwin, scenario, d)
        except Exception as e:  # noqa: BLE001
            ours, why = None, f"plantwin failed: {e}"
        if ours is not None and theirs is not None:
            why = first_difference(ours, theirs)
        if why is None:
            agreed += 1
            continue
        if tmp is not None:
            dest = os.path.join(os.getcwd(), "refsim_mismatches", f"topology_{seed}")
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(d, dest)
            scenario = os.path.join(dest, "scenario.yaml")
        failed.append(seed)
        print(f"MISMATCH seed {seed}: {scenario}\n  {why}", flush=True)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"agreed: {agreed} of {args.count} topologies")
    return 0 if agreed == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
