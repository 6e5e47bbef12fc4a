"""Pixel tests of an experiment's sweep: over one parameter a line chart whose points sit at the
KPI's means (pixels checked at positions computed here from the file), over two a heatmap whose
cells take the colour scale's colour of their means, so their colours differ in the order of
their values. Run by CTest under Xvfb: sweep_pixel_test.py PLANTWIN VIEWER SOURCE_DIR WORK_DIR."""
import subprocess
import sys
from pathlib import Path

import h5py

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixels import check, finish, near, pixel, render  # noqa: E402

plantwin, viewer, src, work = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
work.mkdir(parents=True, exist_ok=True)
SWEEP_LINE, WHISKER = (250, 205, 70), (240, 240, 240)
PER_S = {"/h": 1 / 3600, "/min": 1 / 60, "/s": 1}


def sweep(name, grid):
    h5 = work / f"{name}.h5"
    subprocess.run([plantwin, "sweep", str(src / "scenarios/two_station.yaml"), "-r", "5", "--quiet",
                    "--output", str(h5), "--set", f"experiments={{sweep: {{{grid}}}}}"], check=True)
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

finish()
