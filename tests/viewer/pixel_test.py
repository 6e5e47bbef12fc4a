"""Renders frames with plantwin-viewer and checks pixels and what it says it drew (--layout-json):
state colours at known times (working, starved, blocked, down, setup, unknown) in the diagram
and on the Gantt rows, buffer bars, wear bars, a cold room above its alarm limit, no overlapping
labels on a 13-station line, an experiment's bars, intervals and highlighted differences, the
alarm list, and live runs attached late (history from 0, KPIs so far, alarms, feed counters).
Run by CTest under Xvfb: pixel_test.py PLANTWIN VIEWER SOURCE_DIR WORK_DIR."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np

plantwin, viewer, src, work = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
work.mkdir(parents=True, exist_ok=True)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixels import (BLOCKED, BUFFER_EMPTY, BUFFER_FILL, DOWN, OFF, SETUP, STARVED, UNKNOWN,  # noqa: E402
                    WORKING, check, finish, near, pixel, read_png)

def shot(h5, t, name):
    png, js = work / f"{name}.png", work / f"{name}.json"
    subprocess.run([viewer, str(h5), "--time", t, "--screenshot", str(png), "--layout-json", str(js)],
                   check=True, capture_output=True, text=True)
    return read_png(png), json.loads(js.read_text())


def box(layout, name):
    return next(b for b in layout["boxes"] if b["name"] == name)


h5 = work / "viewer_test.h5"
subprocess.run([plantwin, "run", str(src / "tests/viewer/viewer_test.yaml"), "--quiet", "--output", str(h5)],
               check=True)

for t, want, label in [("6 s", DOWN, "down"), ("2 s", WORKING, "working"), ("11 s", WORKING, "working again")]:
    img, layout = shot(h5, t, f"press_{label.replace(' ', '_')}")
    b = box(layout, "press")
    got = pixel(img, b["x0"] + 5, (b["y0"] + b["y1"]) / 2)
    check(near(got, want), f"press at {t} is drawn {label} {want}: got {got}")
    # The downstream machine is starved then: nothing reached it yet.
    s = box(layout, "slow")
    got = pixel(img, s["x0"] + 5, (s["y0"] + s["y1"]) / 2)
    check(near(got, STARVED), f"slow at {t} is drawn starved: got {got}")
    want_alarms = {"down": (1, 1), "working": (0, 0), "working again": (1, 0)}[label]
    check((layout["alarms"], layout["active_alarms"]) == want_alarms,
          f"alarms raised and active at {t}: {layout['alarms']}, {layout['active_alarms']} (want {want_alarms})")

img, layout = shot(h5, "1000 s", "buffer_full")
b = box(layout, "b")
top = pixel(img, (b["x0"] + b["x1"]) / 2, b["y0"] + 4)
bottom = pixel(img, (b["x0"] + b["x1"]) / 2, b["y1"] - 4)
check(near(top, BUFFER_FILL) and near(bottom, BUFFER_FILL), f"a full buffer shows a full bar: top {top}, bottom {bottom}")
p = box(layout, "press")
got = pixel(img, p["x0"] + 5, (p["y0"] + p["y1"]) / 2)
check(near(got, BLOCKED) or near(got, DOWN) or near(got, WORKING), f"press at 1000 s has a state colour: {got}")

img, layout = shot(h5, "1 s", "buffer_empty")
b = box(layout, "b")
top = pixel(img, (b["x0"] + b["x1"]) / 2, b["y0"] + 4)
check(near(top, BUFFER_EMPTY), f"an empty buffer shows no bar: got {top}")

# The Gantt chart: the press's row is red while it is down (4 s to 9 s), green while it works.
short = work / "viewer_test_40s.h5"
subprocess.run([plantwin, "run", str(src / "tests/viewer/viewer_test.yaml"), "--until", "40 s", "--quiet",
                "--output", str(short)], check=True)
img, layout = shot(short, "20 s", "gantt")
rows = {g["name"]: g for g in layout["gantt"]}
check(set(rows) == {"press", "slow"}, f"a Gantt row per machine: {sorted(rows)}")
if "press" in rows:
    g = rows["press"]
    for t, want, label in [(6.5, DOWN, "down"), (2, WORKING, "working"), (11, WORKING, "working again")]:
        x = g["x0"] + (t - g["t0"]) / (g["t1"] - g["t0"]) * (g["x1"] - g["x0"])
        got = pixel(img, x, (g["y0"] + g["y1"]) / 2)
        check(near(got, want), f"the press's Gantt row at {t} s is {label} {want}: got {got}")

# Health on the diagram: the presses' and robots' states are recorded by the shipped scenario
# (no "unknown" box), and each shows its wear as a bar filled in proportion.
pdm = work / "automotive_pdm.h5"
subprocess.run([plantwin, "run", str(src / "scenarios/automotive_pdm.yaml"), "--until", "300 h", "--quiet",
                "--output", str(pdm)], check=True)
img, layout = shot(pdm, "300 h", "automotive_pdm")
# Sensors next to what they observe, the crew next to a machine it serves (the file's
# /meta/relations), within one cell diagonally (layout.h's next_to_distance: 1.01 x the diagonal
# of a 156 x 90 cell, at the drawing's zoom), tied to it by a tether; no box or name overlaps.
TETHER = (205, 140, 235)
zoom = (box(layout, "press1")["x1"] - box(layout, "press1")["x0"]) / 112
limit = 1.01 * (156 ** 2 + 90 ** 2) ** 0.5 * zoom
for sensor, machine in [(f"{m}_vib", m) for m in ("press1", "press2", "robot1", "robot2", "robot3")] + \
        [("mechanics", None)]:
    s = box(layout, sensor)
    target = machine or s["next_to"]
    check(s["next_to"] == target and target in ("press1", "press2", "robot1", "robot2", "robot3"),
          f"{sensor} is placed next to {target}: {s['next_to']!r}")
    if not s["next_to"]:
        continue
    t = box(layout, target)
    d = (((s["x0"] + s["x1"]) - (t["x0"] + t["x1"])) ** 2 + ((s["y0"] + s["y1"]) - (t["y0"] + t["y1"])) ** 2) ** 0.5 / 2
    check(d <= limit, f"{sensor} is {d:.0f} px from {target}, within {limit:.0f}")
    if abs(s["x0"] - t["x0"]) < 1:  # above or below: a vertical tether near the left sides
        x = t["x0"] + 6 * min(zoom, 1.5)
        y = (s["y1"] + t["y0"]) / 2 if s["y1"] <= t["y0"] else (t["y1"] + s["y0"]) / 2
        got = max((pixel(img, x + dx, y) for dx in (-1, 0, 1)), key=lambda c: -sum(abs(a - b) for a, b in zip(c, TETHER)))
        check(near(got, TETHER, 40), f"{sensor} is tied to {target} by a tether at ({x:.0f}, {y:.0f}): {got}")
rects = [(b["name"], r) for b in layout["boxes"] for r in ((b["x0"], b["y0"], b["x1"], b["y1"]), tuple(b["label"]))]
clash = [(a, b) for i, (a, ra) in enumerate(rects) for b, rb in rects[i + 1:]
         if a != b and ra[0] < rb[2] and rb[0] < ra[2] and ra[1] < rb[3] and rb[1] < ra[3]]
check(not clash, f"no box or name overlaps another in automotive_pdm: {clash[:3]}")
for name in ("press1", "press2", "robot1", "robot2", "robot3"):
    b = box(layout, name)
    got = pixel(img, b["x0"] + 3, b["y0"] + 3)
    check(any(near(got, c) for c in (WORKING, STARVED, BLOCKED, DOWN, OFF, SETUP)),
          f"{name}'s state is recorded and drawn: {got}")
wear = {w["name"]: w for w in layout["wear"]}
check(set(wear) == {"press1", "press2", "robot1", "robot2", "robot3"}, f"a wear bar per machine that wears: {sorted(wear)}")
for name, w in wear.items():
    filled = w["x0"] + min(max(w["wear"], 0), 1) * (w["x1"] - w["x0"])
    y = (w["y0"] + w["y1"]) / 2
    inside = pixel(img, max(w["x0"] + 1, filled - 3), y) if filled - w["x0"] > 4 else None
    outside = pixel(img, min(w["x1"] - 1, filled + 3), y) if w["x1"] - filled > 4 else None
    check((inside is None or sum(inside) > 300) and (outside is None or near(outside, (20, 24, 30))),
          f"{name}'s wear bar is filled to {w['wear']:.2f}: inside {inside}, beyond {outside}")

# The cold room: red while above its alarm limit (21:12:20 to 21:16:59 on day 0), blue below.
cold = work / "cold_room.h5"
subprocess.run([plantwin, "run", str(src / "scenarios/cold_room.yaml"), "--until", "30 h", "--quiet",
                "--output", str(cold)], check=True)
for t, want, label in [("21.25 h", DOWN, "above its alarm limit"), ("26 h", (40, 110, 150), "below it")]:
    img, layout = shot(cold, t, "cold_room_" + t.split()[0])
    b = box(layout, "room")
    got = pixel(img, b["x0"] + 3, b["y0"] + 3)
    check(near(got, want), f"the room at {t} is drawn {label} {want}: got {got}")

# Selecting a component (a click; --select here): its KPIs only, its main signals plotted.
png, js = work / "select.png", work / "select.json"
subprocess.run([viewer, str(h5), "--time", "6 s", "--select", "press", "--screenshot", str(png), "--layout-json",
                str(js)], check=True, capture_output=True)
sel = json.loads(js.read_text())
check(0 < sel["kpi_rows"] < sel["kpis"] and sel["plotted"][0] == "press.state",
      f"press selected: {sel['kpi_rows']} of {sel['kpis']} KPI rows, plots {sel['plotted']}")
r = subprocess.run([viewer, str(h5), "--select", "pres", "--screenshot", str(png)], capture_output=True, text=True)
check(r.returncode == 2 and '--select: no component "pres"' in r.stderr, f"--select is checked: {r.stderr.strip()}")

# A machine in setup (state 5, which the models are about to report) is drawn in setup's
# colour, in the diagram and on its Gantt row: a copy of the 40 s run whose press is set up
# from 20 s to 30 s.
setup = work / "setup_state.h5"
shutil.copy(short, setup)
with h5py.File(setup, "r+") as f:
    t = f["signals/press.state/time"][...]
    v = f["signals/press.state/value"][...]
    v[(t >= 20) & (t < 30)] = 5
    f["signals/press.state/value"][...] = v
img, layout = shot(setup, "25 s", "setup_state")
b = box(layout, "press")
got = pixel(img, b["x0"] + 5, (b["y0"] + b["y1"]) / 2)
check(near(got, SETUP), f"the press in setup at 25 s is drawn {SETUP}: got {got}")
g = {r["name"]: r for r in layout["gantt"]}["press"]
x = g["x0"] + (22 - g["t0"]) / (g["t1"] - g["t0"]) * (g["x1"] - g["x0"])
got = pixel(img, x, (g["y0"] + g["y1"]) / 2)
check(near(got, SETUP), f"its Gantt row at 22 s is setup {SETUP}: got {got}")

# A machine of three servers: one segment per server, the busy ones working, the others idle
# (starved). Arrivals every 4 s, 9 s jobs: two or three busy most of the time.
three = work / "three_servers.yaml"
three.write_text("name: three servers\nhorizon: 10 min\ncomponents:\n"
                 "  in: {type: source, interarrival: 4 s}\n"
                 "  cell: {type: machine, servers: 3, process_time: 9 s}\n"
                 "  out: {type: sink}\n"
                 "flow: [\"in -> cell -> out\"]\n"
                 "record: {period: 1 s, signals: [cell.state, cell.busy]}\n")
three_h5 = work / "three_servers.h5"
subprocess.run([plantwin, "run", str(three), "--quiet", "--output", str(three_h5)], check=True)
with h5py.File(three_h5, "r") as f:
    bt, bv = f["signals/cell.busy/time"][...], f["signals/cell.busy/value"][...]
when = next(t for t, v in zip(bt, bv) if v == 2 and t > 60)  # a time with two of three busy
img, layout = shot(three_h5, f"{when} s", "three_servers")
b = box(layout, "cell")
seg = (b["x1"] - b["x0"]) / 3
got = [pixel(img, b["x0"] + seg * (k + 0.5), (b["y0"] + b["y1"]) / 2) for k in range(3)]
check(near(got[0], WORKING) and near(got[1], WORKING) and near(got[2], STARVED),
      f"three segments at {when} s with two servers busy: working, working, starved: got {got}")

# The state colours are all distinct: "unknown" is not the grey of "off".
colours = [WORKING, STARVED, BLOCKED, DOWN, OFF, SETUP, UNKNOWN]
check(all(max(abs(a - b) for a, b in zip(c1, c2)) > 40 for i, c1 in enumerate(colours) for c2 in colours[i + 1:]),
      "every state has its own colour (each pair differs by more than 40 in a channel)")

# A machine whose state is not recorded is drawn "unknown", not "off".
partial = work / "unrecorded_state.h5"
subprocess.run([plantwin, "run", str(src / "tests/viewer/viewer_test.yaml"), "--quiet", "--output", str(partial),
                "--set", "record={period: 0.5 s, signals: [press.state, b.level]}"], check=True)
img, layout = shot(partial, "2 s", "unrecorded_state")
s = box(layout, "slow")
got = pixel(img, s["x0"] + 5, (s["y0"] + s["y1"]) / 2)
check(near(got, UNKNOWN) and not near(got, OFF, 20), f"slow, whose state is not recorded, is drawn unknown {UNKNOWN}: got {got}")

# A 13-station line without positions, with long names, at the default size: every name drawn
# (wrapped or elided), no two labels or boxes overlapping on screen.
long_h5 = work / "long_line.h5"
subprocess.run([plantwin, "run", str(src / "tests/viewer/long_line.yaml"), "--quiet", "--output", str(long_h5)],
               check=True)
img, layout = shot(long_h5, "1 h", "long_line")


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


rects = [(b["name"], "box", (b["x0"], b["y0"], b["x1"], b["y1"])) for b in layout["boxes"]] + \
        [(b["name"], "label", tuple(b["label"])) for b in layout["boxes"]]
clashes = [(n1, k1, n2, k2) for i, (n1, k1, r1) in enumerate(rects) for (n2, k2, r2) in rects[i + 1:]
           if n1 != n2 and overlap(r1, r2)]
check(not clashes, f"no two of the {len(layout['boxes'])} components' boxes and labels overlap: {clashes[:3]}")
# Text at least 7 pixels high (13 at zoom 1): a label's box is a whole number of lines.
tiny = [b["name"] for b in layout["boxes"] if b["label"][3] - b["label"][1] < 7 or b["x1"] - b["x0"] < 40]
check(not tiny, f"every component is drawn large enough to read at 1280x800: {tiny[:3]}")
inside = [b["name"] for b in layout["boxes"] if not (0 <= b["x0"] and b["x1"] <= 0.62 * layout["width"])]
check(not inside, f"the whole plant fits the plant window: {inside[:3]}")
# The label is where the name's text is: light pixels inside it.
b = box(layout, "capper_inspection")
lx0, ly0, lx1, ly1 = b["label"]
light = sum(1 for x in range(int(lx0), int(lx1)) for y in range(int(ly0), int(ly1)) if sum(pixel(img, x, y)) > 400)
check(light > 20, f"capper_inspection's name is drawn in its label box: {light} light pixels")

# The layout saved as positions (--save-positions) and given back to the scenario as overrides
# draws the same arrangement, now from the positions: every pair of boxes keeps its left/right
# and above/below order.
positions = work / "long_line_positions.txt"
r = subprocess.run([viewer, str(long_h5), "--save-positions", str(positions)], capture_output=True, text=True)
check(r.returncode == 0 and not (work / "long_line_positions.txt.tmp").exists(),
      f"--save-positions writes the file and no temporary one: rc={r.returncode} {r.stderr.strip()}")
sets = [l for l in positions.read_text().splitlines() if l and not l.startswith("#")]
names = [l.split(".")[1] for l in sets]
flow_boxes = {b["name"] for b in layout["boxes"] if b["type"] in ("source", "machine", "buffer", "sink")}
check(set(names) == flow_boxes and all(".position=[" in l for l in sets),
      f"one position for each of the {len(flow_boxes)} components of the flow: {len(sets)} lines, e.g. {sets[:1]}")
placed_h5 = work / "long_line_placed.h5"
subprocess.run([plantwin, "run", str(src / "tests/viewer/long_line.yaml"), "--quiet", "--output", str(placed_h5)] +
               [a for l in sets for a in ("--set", l)], check=True)
with h5py.File(placed_h5, "r") as f:
    placed_count = int(np.isfinite(f["meta"]["layout"]["x"][...]).sum())
check(placed_count == len(sets), f"the run records the {len(sets)} positions it was given: {placed_count}")
_, placed = shot(placed_h5, "1 h", "long_line_placed")
before = {b["name"]: b for b in layout["boxes"]}
after = {b["name"]: b for b in placed["boxes"]}
def sign(v):
    return (v > 1) - (v < -1)
flipped = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
           if sign(before[a]["x0"] - before[b]["x0"]) != sign(after[a]["x0"] - after[b]["x0"]) or
           sign(before[a]["y0"] - before[b]["y0"]) != sign(after[a]["y0"] - after[b]["y0"])]
check(not flipped, f"the saved positions give the same arrangement of {len(names)} components: {flipped[:3]}")

# Counts stay monotone across the warm-up (statistics restart; the plotted count must not drop).
warm = work / "warmup.h5"
subprocess.run([plantwin, "run", str(src / "tests/viewer/viewer_test.yaml"), "--quiet", "--output", str(warm),
                "--set", "warmup=300 s"], check=True)
with h5py.File(warm, "r") as f:
    for name in ("press.completed", "slow.completed", "supply.created", "out.count"):
        v = f["signals"][name]["value"][...]
        check(len(v) > 100 and np.all(np.isfinite(v)) and np.all(np.diff(v) >= 0),
              f"{name} never drops across the warm-up at 300 s (last {v[-1]:.0f})")

# An experiment file opens to a comparison of its cases: each KPI's bars with their intervals,
# and the paired differences against the base highlighted where their interval excludes zero.
CASE_BAR, DIFFERENT, WHISKER, BASE_BAR = (70, 130, 200), (240, 150, 40), (240, 240, 240), (125, 135, 155)
exp = work / "experiment.h5"
subprocess.run([plantwin, "sweep", str(src / "scenarios/two_station.yaml"), "-r", "5", "--quiet", "--output", str(exp),
                "--set", "experiments={variants: {bigger: {components.wip.capacity: 9}, "
                "smaller: {components.wip.capacity: 1}}}"], check=True)
r = subprocess.run([viewer, str(exp), "--screenshot", str(work / "experiment.png"), "--layout-json",
                    str(work / "experiment.json")], capture_output=True, text=True)
check(r.returncode == 0, f"an experiment file opens: rc={r.returncode} {r.stderr.strip()}")
if r.returncode == 0:
    from scipy.stats import t as student_t  # python3-scipy: only this check needs it
    img = read_png(work / "experiment.png")
    bars = json.loads((work / "experiment.json").read_text())["bars"]
    wip = {b["case"]: b for b in bars if b["kpi"] == "line.wip"}
    check(set(wip) == {"base", "bigger", "smaller"}, f"line.wip has a bar per case: {sorted(wip)}")
    # The paired differences, computed here from the replications.
    with h5py.File(exp, "r") as f:
        def reps(case, kpi):
            rows = f["cases"][case]["replications"][...]
            comp, name = kpi.split(".", 1)
            return np.array([row[3] for row in rows if row[1].decode() == comp and row[2].decode() == name])
        for b in bars:
            if b["case"] == "base":
                continue
            d = reps(b["case"], b["kpi"]) - reps("base", b["kpi"])
            hw = student_t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
            want = bool(np.isfinite(hw) and abs(d.mean()) > hw)
            if want != b["different"]:
                check(False, f"{b['kpi']} {b['case']}: highlighted {b['different']}, paired t says {want}")
    check(any(b["different"] for b in bars) and not all(b["different"] for b in bars if b["case"] != "base"),
          "some differences are highlighted and some are not, as the paired t intervals say")
    for case, b in wip.items():
        want = BASE_BAR if case == "base" else DIFFERENT if b["different"] else CASE_BAR
        got = pixel(img, b["x0"] + 2, b["y0"] + 1)
        check(near(got, want), f"line.wip's {case} bar is drawn {want}: got {got}")
        if b["hi"] - b["lo"] > 6:
            got = pixel(img, (b["lo"] + b["hi"]) / 2, b["y"])
            check(near(got, WHISKER, 20), f"line.wip's {case} bar has its interval drawn: got {got}")
    # Bars from zero, in proportion to their means.
    big = max(wip.values(), key=lambda b: b["mean"])
    for case, b in wip.items():
        want = (b["mean"] / big["mean"]) * (big["x1"] - big["x0"])
        check(abs((b["x1"] - b["x0"]) - want) <= 2, f"line.wip's {case} bar is {b['x1'] - b['x0']:.0f} px long, want {want:.0f}")

# Bad input is refused with its reason.
r = subprocess.run([viewer, str(work / "missing.h5"), "--screenshot", str(work / "x.png")], capture_output=True, text=True)
check(r.returncode == 2 and "missing.h5" in r.stderr, f"a missing file is bad input: rc={r.returncode} {r.stderr.strip()}")
r = subprocess.run([viewer, str(h5), "--time", "soon", "--screenshot", str(work / "x.png")], capture_output=True, text=True)
check(r.returncode == 2 and "--time: expected a duration" in r.stderr, f"--time is checked: {r.stderr.strip()}")

# A horizon far beyond what a float holds (the time axis's widgets are float): no abort, no hang,
# whether it is shown still, at a time near its end, or played.
huge = work / "huge_horizon.h5"
subprocess.run([plantwin, "run", str(src / "scenarios/two_station.yaml"), "--until", "1h", "--quiet",
                "--output", str(huge)], check=True)
with h5py.File(huge, "r+") as f:
    f["meta"].attrs["end_time_s"] = f["meta"].attrs["horizon_s"] = 1.7e308
    for name in f["signals"]:
        t = f["signals"][name]["time"]
        t[...] = t[...] / 3600.0 * 1.7e308
for extra in (["--screenshot", str(work / "huge.png")], ["--time", "1e300 s", "--screenshot", str(work / "huge.png")],
              ["--play", "--benchmark-frames", "20"]):
    r = subprocess.run([viewer, str(huge)] + extra, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"a horizon of 1.7e308 s is shown ({' '.join(extra[:2])}): rc={r.returncode} {r.stderr.strip()[-200:]}")


def serve(pace):
    """Starts plantwin run --serve on a free loopback port; returns the process and the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    proc = subprocess.Popen([plantwin, "run", str(src / "scenarios/two_station.yaml"), "--serve", str(free),
                             "--pace", str(pace), "--quiet"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", free), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, free


# Live: watch a paced run, then see it end and keep the data.
run, port = serve(200000)
try:
    png, js = work / "live.png", work / "live.json"
    # The run takes about 2 s of wall time and lingers 2 s after it ends: a 3.5 s watch sees it
    # move, then end, and keeps what it received.
    r = subprocess.run([viewer, "--attach", f"127.0.0.1:{port}", "--wait", "3.5", "--screenshot", str(png),
                        "--layout-json", str(js)], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"attach to a running simulation: rc={r.returncode} {r.stderr.strip()}")
    if r.returncode == 0:
        live = json.loads(js.read_text())
        check(live["samples"] > 3 and live["time"] > 0, f"live data arrived: {live['samples']} samples up to t={live['time']}")
        check(live["status"] == "ended" and live["time"] == 432000, f"the end of the run is seen: {live['status']} at t={live['time']}")
        check(any(b["name"] == "lathe" for b in live["boxes"]), "the live plant is drawn")
    run.wait(timeout=120)
    # The run has ended: attaching now is refused with a clear reason.
    r = subprocess.run([viewer, "--attach", f"127.0.0.1:{port}", "--screenshot", str(png)], capture_output=True, text=True)
    check(r.returncode == 2 and "no simulation is serving there" in r.stderr, f"attaching after the end: {r.stderr.strip()}")
finally:
    if run.poll() is None:
        run.send_signal(signal.SIGINT)
        run.wait(timeout=30)

# Attaching late: the viewer gets the history from the start of the run and the KPIs so far.
run, port = serve(100000)
try:
    time.sleep(1.5)  # about a third of the run has gone by
    png, js = work / "late.png", work / "late.json"
    r = subprocess.run([viewer, "--attach", f"127.0.0.1:{port}", "--wait", "0.5", "--screenshot", str(png),
                        "--layout-json", str(js)], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"attach late: rc={r.returncode} {r.stderr.strip()}")
    if r.returncode == 0:
        late = json.loads(js.read_text())
        check(late["status"] == "live" and late["time"] > 86400,
              f"attached while it runs, a day or more in: {late['status']} at t={late['time']}")
        check(late["first_sample"] == 0 and late["samples"] > 100,
              f"the history starts at t = 0: first sample at {late['first_sample']}, {late['samples']} samples")
        check(late["kpis"] > 0 and late["kpi_time"] is not None and 0 < late["kpi_time"] <= late["time"],
              f"the KPIs so far arrive while it runs: {late['kpis']} rows at t={late['kpi_time']}")
finally:
    if run.poll() is None:
        run.kill()
    run.wait(timeout=30)

# Live: alarms as they are raised, and a twin's feed counters, seen by a viewer that came late.
def serve_file(scenario, pace):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    proc = subprocess.Popen([plantwin, "run", str(scenario), "--serve", str(free), "--pace", str(pace), "--quiet"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", free), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, free


for scenario, pace, what in [(src / "tests/viewer/viewer_test.yaml", 250, "alarm"),
                             (src / "scenarios/cold_room_twin.yaml", 20000, "feed")]:
    run, port = serve_file(scenario, pace)
    try:
        time.sleep(1.0)
        png, js = work / f"live_{what}.png", work / f"live_{what}.json"
        r = subprocess.run([viewer, "--attach", f"127.0.0.1:{port}", "--wait", "0.5", "--screenshot", str(png),
                            "--layout-json", str(js)], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"attach to a live {what} run: rc={r.returncode} {r.stderr.strip()}")
        if r.returncode == 0:
            got = json.loads(js.read_text())
            check(got["first_sample"] == 0, f"its history starts at 0: {got['first_sample']}")
            if what == "alarm":
                # press_down is raised at 4 s and cleared at 9 s, again with each failure.
                check(got["status"] == "live" and got["alarms"] >= 1,
                      f"alarms raised before the viewer came are listed: {got['alarms']} at t={got['time']}")
            else:
                feeds = {f["name"]: f for f in got["feeds"]}
                # A file's rows are all received at the start; they are applied as the run reaches
                # their times (one a minute).
                ok = "probe" in feeds and (feeds["probe"]["received"] or 0) > 10 and \
                    0 < (feeds["probe"]["applied"] or 0) <= feeds["probe"]["received"]
                check(ok, f"the probe feed's counters are shown: {feeds.get('probe')} at t={got['time']}")
    finally:
        if run.poll() is None:
            run.kill()
        run.wait(timeout=30)

# A simulation that disappears mid-run: the viewer says so and keeps the data it has.
run, port = serve(20000)
try:
    png, js = work / "lost.png", work / "lost.json"
    watch = subprocess.Popen([viewer, "--attach", f"127.0.0.1:{port}", "--wait", "2.5", "--screenshot", str(png),
                              "--layout-json", str(js)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.2)
    run.kill()
    out, err = watch.communicate(timeout=60)
    check(watch.returncode == 0, f"the viewer survives the simulation's disappearance: rc={watch.returncode} {err.strip()}")
    if watch.returncode == 0:
        lost = json.loads(js.read_text())
        check(lost["status"] == "lost" and lost["samples"] > 3,
              f"it says so and keeps the data: {lost['status']}, {lost['samples']} samples")
finally:
    if run.poll() is None:
        run.kill()
    run.wait(timeout=30)

finish()
