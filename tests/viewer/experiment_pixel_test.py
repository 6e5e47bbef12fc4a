"""Pixel tests of experiment files. A sweep over one parameter is a line chart whose points sit
at the KPI's means (pixels checked at positions computed here from the file), over two a heatmap
whose cells take the colour scale's colour of their means, so their colours differ in the order
of their values. Picking a case's recorded run (plantwin sweep --record-signals) shows its plant
and Gantt chart in that run's states; corrupt runs are refused with their path.
Run by CTest under Xvfb: experiment_pixel_test.py PLANTWIN VIEWER SOURCE_DIR WORK_DIR."""
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixels import STARVED, WORKING, BLOCKED, DOWN, OFF, SETUP, UNKNOWN, check, finish, near, pixel, render  # noqa: E402

plantwin, viewer, src, work = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
work.mkdir(parents=True, exist_ok=True)
SWEEP_LINE, WHISKER = (250, 205, 70), (240, 240, 240)
PER_S = {"/h": 1 / 3600, "/min": 1 / 60, "/s": 1}


def sweep(name, grid, *extra):
    h5 = work / f"{name}.h5"
    subprocess.run([plantwin, "sweep", str(src / "scenarios/two_station.yaml"), "-r", "5", "--quiet",
                    "--output", str(h5), "--set", f"experiments={{sweep: {{{grid}}}}}", *extra], check=True)
    return h5


def cases(h5, kpi):
    """Per case: its overrides as {key: number} (plain numbers and rates) and the KPI's mean."""
    comp, name = kpi.split(".", 1)
    out = []
    with h5py.File(h5, "r") as f:
        for g in f["cases"].values():
            values = {}
            for line in g.attrs["overrides"].splitlines():
                key, text = line.split("=", 1)
                number, _, unit = text.strip().partition(" ")
                values[key] = float(number) * PER_S.get(unit, 1)
            mean = next(r["mean"] for r in g["summary"][...]
                        if r["component"].decode() == comp and r["name"].decode() == name)
            out.append((g.attrs["name"], values, float(mean)))
    return out


# One parameter: a line through the means, with its 95 % intervals.
one = sweep("sweep_one", "components.wip.capacity: [0, 1, 2, 4, 8]")
img, layout = render(viewer, work, one, "sweep_line")
check(img is not None, f"a one-parameter sweep opens: {layout if img is None else 'ok'}")
if img is not None:
    sw = layout["sweep"]
    check(sw["kind"] == "line" and sw["keys"] == ["components.wip.capacity"] and sw["kpi"] == "line.throughput",
          f"it is drawn as a line chart of line.throughput over the swept key: {sw['kind']} {sw['keys']} {sw['kpi']}")
    drawn = {p["case"]: p for p in sw["points"]}
    want = cases(one, "line.throughput")
    check(len(drawn) == len(want) == 5, f"a point per case: {len(drawn)} of {len(want)}")

    def to_px(x, y):
        return (sw["x0"] + (x - sw["x_lo"]) / (sw["x_hi"] - sw["x_lo"]) * (sw["x1"] - sw["x0"]),
                sw["y1"] - (y - sw["y_lo"]) / (sw["y_hi"] - sw["y_lo"]) * (sw["y1"] - sw["y0"]))
    for case, values, mean in want:
        x, y = to_px(values["components.wip.capacity"], mean)
        got = pixel(img, x, y)
        check(near(got, SWEEP_LINE, 12), f"{case}: the point at its mean {mean:.3f} /h ({x:.0f}, {y:.0f}) is drawn: {got}")
        p = drawn.get(case)
        check(p is not None and abs(p["px"] - x) <= 1.5 and abs(p["py"] - y) <= 1.5,
              f"{case}: drawn where its value puts it: {p and (round(p['px']), round(p['py']))}")
        if p and p["half_width"]:
            _, top = to_px(values["components.wip.capacity"], mean + p["half_width"])
            # The cap is 1.5 px thick at a fractional height, so no pixel is wholly covered: its
            # brightest within 1 px is at least three quarters white.
            got = max((pixel(img, x + 3, top + dy) for dy in (-1, 0, 1)), key=sum)
            check(top < y - 8 and near(got, WHISKER, 50), f"{case}: its interval's whisker ends at the mean + half-width: {got}")
    check(all(sw["y_lo"] < m < sw["y_hi"] for _c, _v, m in want), "every mean lies inside the value axis")

    img2, other = render(viewer, work, one, "sweep_line_wip", "--kpi", "line.wip")
    check(img2 is not None and other["sweep"]["kpi"] == "line.wip", "--kpi charts another KPI")
    r = subprocess.run([viewer, str(one), "--kpi", "line.nothing", "--screenshot", str(work / "x.png")],
                       capture_output=True, text=True)
    check(r.returncode == 2 and '--kpi: no KPI "line.nothing"' in r.stderr, f"an unknown --kpi is bad input: {r.stderr.strip()}")

# Two parameters (one a rate: its cases' names hold a '/'): a heatmap.
VIRIDIS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]


def heat(f):
    f = min(max(f, 0.0), 1.0) * 4
    i = min(int(f), 3)
    u = f - i
    return tuple(round(a + (b - a) * u) for a, b in zip(VIRIDIS[i], VIRIDIS[i + 1]))


def lightness(c):
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


two = sweep("sweep_two", "components.wip.capacity: [0, 2, 6], components.arrivals.rate: [20 /h, 24 /h, 28 /h]")
img, layout = render(viewer, work, two, "sweep_heatmap")
check(img is not None, f"a two-parameter sweep over a rate opens: {layout if img is None else 'ok'}")
if img is not None:
    sw = layout["sweep"]
    check(sw["kind"] == "heatmap" and sorted(sw["keys"]) == ["components.arrivals.rate", "components.wip.capacity"],
          f"it is drawn as a heatmap over both keys: {sw['kind']} {sw['keys']}")
    cells = {p["case"]: p for p in sw["points"]}
    want = cases(two, "line.throughput")
    check(len(cells) == len(want) == 9, f"a cell per case: {len(cells)} of {len(want)}")
    lo, hi = min(m for _c, _v, m in want), max(m for _c, _v, m in want)
    seen = []
    for case, values, mean in want:
        c = cells.get(case)
        if c is None:
            check(False, f"{case}: no cell")
            continue
        # The cell's lower right corner (its value is written at the top left).
        got = pixel(img, c["cell"][2] - 4, c["cell"][3] - 4)
        expected = heat((mean - lo) / (hi - lo))
        check(near(got, expected, 3), f"{case}: mean {mean:.3f} is coloured {expected}: got {got}")
        check(abs(c["x"] - values[sw["keys"][0]]) < 1e-12 and abs(c["y"] - values[sw["keys"][1]]) < 1e-12,
              f"{case}: its cell is at its values ({c['x']:.4g}, {c['y']:.4g})")
        seen.append((mean, lightness(got)))
    # The colours in the order of the values: a higher mean is never drawn darker.
    seen.sort()
    distinct = [(a, b) for a, b in zip(seen, seen[1:]) if b[0] - a[0] > (hi - lo) * 0.01]
    check(distinct and all(b[1] > a[1] for a, b in distinct),
          f"cells grow lighter with their means: {[(round(m, 2), round(light)) for m, light in seen]}")

# Variants against a base are no sweep: the bars stay.
variants = work / "variants.h5"
subprocess.run([plantwin, "sweep", str(src / "scenarios/two_station.yaml"), "-r", "3", "--quiet", "--output",
                str(variants), "--set", "experiments={variants: {bigger: {components.wip.capacity: 9}}}"], check=True)
img, layout = render(viewer, work, variants, "variants")
check(img is not None and layout["sweep"]["kind"] == "" and layout["bars"],
      "variants against a base are drawn as bars, not as a sweep")

# Picking a case's recorded run shows its plant and timeline, in that run's states.
STATES = [WORKING, STARVED, BLOCKED, DOWN, OFF, SETUP]
rec = sweep("recorded", "components.wip.capacity: [0, 6]", "--record-signals")
info = subprocess.run([plantwin, "info", str(rec)], capture_output=True, text=True)
check(info.returncode == 0 and info.stdout.count("(recorded runs: 0;") == 2,
      f"plantwin info lists each case's recorded run: {info.stdout.strip()[-160:]}")
img, layout = render(viewer, work, rec, "recorded_compare")
check(img is not None and layout["boxes"] == [] and layout["sweep"]["kind"] == "line",
      "the file opens to its comparison, no plant drawn")
with h5py.File(rec, "r") as f:
    check(sorted(f["cases/wip.capacity=6/runs"]) == ["0"] and
          sorted(f["cases/wip.capacity=6/runs/0"]) == ["events", "inputs", "kpi", "measurements", "meta", "signals"],
          "a recorded run has a single run's layout under /cases/<name>/runs/0")
for case in ("wip.capacity=0", "wip.capacity=6"):
    with h5py.File(rec, "r") as f:
        run = f[f"cases/{case}/runs/0/signals"]
        states = {m: (run[f"{m}.state/time"][...], run[f"{m}.state/value"][...]) for m in ("lathe", "mill")}
    def at(m, t):
        times, values = states[m]
        return values[np.searchsorted(times, t, side="right") - 1]

    def steady(m, t, w):
        """Whether machine m keeps one state from t - w to t + w (a Gantt bar several pixels wide)."""
        times, values = states[m]
        a, b = np.searchsorted(times, [t - w, t + w], side="right")
        return np.all(values[max(a - 1, 0):b] == at(m, t))
    # A time at which both machines keep their states for a while (1/300 of the run either side:
    # two pixels of the Gantt row), in different states when the run has such a time.
    t_all = states["lathe"][0]
    w = (t_all[-1] - t_all[0]) / 300
    grid = np.linspace(t_all[0] + w, t_all[-1] - w, 3000)
    calm = [t for t in grid if steady("lathe", t, w) and steady("mill", t, w)]
    check(len(calm) > 0, f"{case}: the run has times when both machines keep their states ({len(calm)})")
    t = float(next((t for t in calm if at("lathe", t) != at("mill", t)), calm[len(calm) // 2] if calm else grid[300]))
    img, layout = render(viewer, work, rec, f"run_{case}", "--case", case, "--replication", "0", "--time", f"{t} s")
    check(img is not None, f"{case}: its recorded run opens: {layout if img is None else 'ok'}")
    if img is None:
        continue
    names = {b["name"] for b in layout["boxes"]}
    check({"arrivals", "queue", "lathe", "wip", "mill", "done"} <= names, f"{case}: its plant is drawn: {sorted(names)}")
    gantt = {g["name"]: g for g in layout["gantt"]}
    check(set(gantt) == {"lathe", "mill"}, f"{case}: a Gantt row per machine: {sorted(gantt)}")
    for m in ("lathe", "mill"):
        want = STATES[int(at(m, t))]
        b = next(b for b in layout["boxes"] if b["name"] == m)
        got = pixel(img, b["x0"] + 5, (b["y0"] + b["y1"]) / 2)
        check(near(got, want), f"{case}: {m} is drawn in its recorded state at {t:.0f} s {want}: got {got}")
        g = gantt.get(m)
        if g:
            x = g["x0"] + (t - g["t0"]) / (g["t1"] - g["t0"]) * (g["x1"] - g["x0"])
            # The Gantt row a pixel either side of the time cursor (a white line at t).
            got = [pixel(img, x + dx, (g["y0"] + g["y1"]) / 2) for dx in (-1.5, 1.5)]
            check(any(near(c, want, 10) for c in got), f"{case}: {m}'s Gantt row shows that state at {t:.0f} s: {got}")

# A case or run the file lacks, and corrupt runs, are refused with their reason.
r = subprocess.run([viewer, str(rec), "--case", "nothing", "--screenshot", str(work / "x.png")], capture_output=True, text=True)
check(r.returncode == 2 and '--case: no case "nothing"' in r.stderr, f"an unknown --case: {r.stderr.strip()}")
r = subprocess.run([viewer, str(rec), "--case", "wip.capacity=6", "--replication", "3", "--screenshot", str(work / "x.png")],
                   capture_output=True, text=True)
check(r.returncode == 2 and "/cases/wip.capacity=6/runs/3: missing (that replication's run was not recorded)" in r.stderr,
      f"a replication not recorded: {r.stderr.strip()}")
bad = work / "bad_run.h5"
shutil.copy(rec, bad)
with h5py.File(bad, "r+") as f:
    g = f["cases/wip.capacity=6/runs/0/signals/queue.level"]
    del g["time"]
    g.create_dataset("time", data=np.zeros((3, 3)))
r = subprocess.run([viewer, str(bad), "--case", "wip.capacity=6", "--screenshot", str(work / "x.png")], capture_output=True, text=True)
check(r.returncode == 2 and "/cases/wip.capacity=6/runs/0/signals/queue.level/time: expected a 1-d dataset, got 2 dimensions"
      in r.stderr, f"a corrupt run's signal is refused with its path: {r.stderr.strip()}")
shutil.copy(rec, bad)
with h5py.File(bad, "r+") as f:
    f["cases/wip.capacity=6/runs"].move("0", "zero")
r = subprocess.run([plantwin, "info", str(bad)], capture_output=True, text=True)
check(r.returncode == 2 and "/cases/wip.capacity=6/runs/zero: expected a replication number" in r.stderr,
      f"a run not named by its replication is refused: {r.stderr.strip()}")

finish()
