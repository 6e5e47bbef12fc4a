"""A result file is readable with h5py alone, in the documented layout (docs/results.md)."""
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

pw, src, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
work.mkdir(parents=True, exist_ok=True)
out = work / "two_station.h5"
subprocess.run([pw, "run", str(src / "scenarios/two_station.yaml"), "--quiet", "--output", str(out)],
               check=True)

with h5py.File(out, "r") as f:
    meta = f["meta"].attrs
    assert meta["scenario_name"] == "Two-station teaching line", meta["scenario_name"]
    assert meta["status"] == "complete"
    assert int(meta["seed"]) == 42
    assert "flow:" in meta["scenario_text"]
    names = [n.decode() if isinstance(n, bytes) else n for n in f["meta/components"]["name"]]
    assert "lathe" in names, names

    t = f["signals/queue.level/time"][:]
    v = f["signals/queue.level/value"][:]
    assert t.dtype == np.float64 and v.shape == t.shape and t.size == 7201, (t.dtype, t.shape)
    assert np.all(np.diff(t) > 0)
    assert f["signals/queue.level"].attrs["unit"] == "parts"
    assert f["signals/queue.level/value"].compression == "gzip"

    ev = f["events"][:]
    assert set(ev.dtype.names) == {"time", "component", "kind", "detail"}, ev.dtype
    kinds = {k.decode() if isinstance(k, bytes) else k for k in ev["kind"]}
    assert "failure" in kinds, kinds

    kpi = f["kpi"][:]
    rows = {((r["component"].decode() if isinstance(r["component"], bytes) else r["component"]),
             (r["name"].decode() if isinstance(r["name"], bytes) else r["name"])): r for r in kpi}
    th = rows[("line", "throughput")]
    assert 20 < th["value"] < 30 and th["half_width"] > 0, th
print("1 passed, 0 failed")
