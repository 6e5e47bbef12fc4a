#!/usr/bin/env bash
# A small continuous model over a long horizon (issue 11): the cold room (scenarios/cold_room.yaml,
# two thermal nodes, a door machine, a sensor) for a simulated year, with RK4 at dt = 1 s
# (target: under 10 s) and with adaptive dopri45 (target: well under 1 s). Prints the wall time
# of each (best of 3) and the largest difference of the room temperature between the two.
#   usage: tests/bench/bench_cold_room.sh [PLANTWIN]   (default build/release/plantwin)
set -eu
pw="$(realpath "${1:-build/release/plantwin}")"
src="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$src/scenarios"
best() {  # best wall time of 3 runs of: plantwin run cold_room.yaml ARGS...
  local b=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N)
    "$pw" run cold_room.yaml --set horizon=365d "$@" --quiet || exit 1
    e=$(date +%s.%N)
    b=$(echo "$s $e ${b:-1e9}" | awk '{t = $2 - $1; print (t < $3 ? t : $3)}')
  done
  echo "$b"
}
rk4=$(best --set physics.dt=1s --output "$work/rk4.h5")
dopri=$(best --set physics.method=dopri45 --output "$work/dopri.h5")
printf "cold room, 365 d, rk4 dt 1 s:  %.2f s wall (target: under 10 s)\n" "$rk4"
printf "cold room, 365 d, dopri45:     %.2f s wall (target: well under 1 s)\n" "$dopri"
/usr/bin/python3 - "$work/rk4.h5" "$work/dopri.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["signals/room.temperature/value"][()] for p in sys.argv[1:3])
print(f"max |rk4 - dopri45| room temperature: {np.max(np.abs(a - b)):.2g} C over {len(a)} samples")
PY
