#!/usr/bin/env bash
# The cold-room twin follows its recorded probe (scenarios/cold_room_twin.yaml): its expectation
# suite passes, its estimate is closer to the room's true temperature (the generator's true_c
# column) than the probe's own readings are, and the run replays bit for bit from its
# /measurements (the feed is not read again).
set -u
pw="$1"; src="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
failures=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
"$pw" test "$src/scenarios/cold_room_twin.yaml" -q && ok "the suite passes" || fail "the suite"
"$pw" run "$src/scenarios/cold_room_twin.yaml" -q -o twin.h5 || fail "the run"
"$pw" replay twin.h5 --check -q && ok "the run replays bit for bit from /measurements" ||
  fail "replay --check"
if /usr/bin/python3 - "$src/data/cold_room_probe.csv" <<'PY'
import sys
import h5py, numpy as np
rows = [l.split(",") for l in open(sys.argv[1]) if l[0].isdigit()]
data = {"t_s": [float(r[0]) for r in rows], "probe_c": [float(r[1]) for r in rows],
        "true_c": [float(r[2]) for r in rows]}
with h5py.File("twin.h5") as f:
    t = f["signals/room.temperature/time"][:]
    est = f["signals/room.temperature/value"][:]
    assert len(f["measurements"]) == 1440, len(f["measurements"])
truth = dict(zip(data["t_s"], data["true_c"]))
probe = dict(zip(data["t_s"], data["probe_c"]))
after = [(x, e) for x, e in zip(t, est) if x >= 1800 and x in truth]
err_twin = np.sqrt(np.mean([(e - truth[x]) ** 2 for x, e in after]))
err_probe = np.sqrt(np.mean([(probe[x] - truth[x]) ** 2 for x, _ in after]))
print(f"     rms error after 30 min: twin {err_twin:.3f} K, probe {err_probe:.3f} K")
assert err_twin < err_probe, (err_twin, err_probe)
PY
then ok "the twin's estimate is closer to the truth than the probe"
else fail "the estimate against the truth"; fi
[ "$failures" = 0 ]
