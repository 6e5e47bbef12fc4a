#!/usr/bin/env bash
# Cost of control logic in the loop (issue 13): the bottling line over its 8-hour shift with its
# Structured Text program and ten built-in controllers (five PID loops, five hysteresis switches)
# all scanning every 10 ms, against the same plant with no controllers. Prints wall times, the
# ratio, and how much faster than real time the controlled run is (target: at least 100x).
# Then (issue 11) one controller scanning every 100 ms over a simulated day against the plant
# alone over the same day (target: at most 1.5x): a built-in PID, and the scenario's own
# Structured Text program. CPU seconds (user + sys, best of 3) beside wall seconds: on a shared
# machine the CPU time is the steadier figure.
#   usage: tests/bench/bench_controllers.sh [PLANTWIN]   (default build/release/plantwin)
set -eu
pw="${1:-build/release/plantwin}"
src="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$src/scenarios/bottling_line.st" "$work/"
# The plant alone: the scenario up to its controllers.
sed '/^controllers:/,$d' "$src/scenarios/bottling_line.yaml" |
  sed 's/, plc.filler_speed, plc.labeller_on//' > "$work/plant.yaml"
{
  sed '/^expectations:/,$d' "$src/scenarios/bottling_line.yaml" | sed 's/scan: 100 ms/scan: 10 ms/'
  for i in 1 2 3 4 5; do
    echo "  pid$i: {type: pid, scan: 10 ms, measure: acc.level, setpoint: 40, output: c4.speed, kp: -0.01, ti: 60 s, limits: [0.4, 0.6]}"
    echo "  sw$i: {type: hysteresis, scan: 10 ms, measure: c1.level, on_above: 60, off_below: 30, output: rinser.speed, on_value: 1.2, off_value: 1}"
  done
} > "$work/controlled.yaml"
best() {  # best wall time of 3 runs
  local b=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "$pw" run "$1" --quiet --output "$work/out.h5" || exit 1; e=$(date +%s.%N)
    b=$(echo "$s $e ${b:-1e9}" | awk '{t = $2 - $1; print (t < $3 ? t : $3)}')
  done
  echo "$b"
}
plant=$(best "$work/plant.yaml")
controlled=$(best "$work/controlled.yaml")
awk -v p="$plant" -v c="$controlled" 'BEGIN {
  printf "plant alone:             %.3f s wall for 8 h\n", p
  printf "with 11 controllers:     %.3f s wall for 8 h (1 ST program + 10 built-in, 10 ms scans)\n", c
  printf "ratio:                   %.2f\n", c / p
  printf "faster than real time:   %.0fx (target: at least 100x)\n", 8 * 3600 / c }'

# ---- One controller every 100 ms over a simulated day (issue 11) ----------------------------
sed 's/^horizon: 8 h/horizon: 1 d/' "$work/plant.yaml" > "$work/day_plant.yaml"
{
  cat "$work/day_plant.yaml"
  echo "controllers:"
  echo "  pid1: {type: pid, scan: 100 ms, measure: acc.level, setpoint: 40, output: c4.speed, kp: -0.01, ti: 60 s, limits: [0.4, 0.6]}"
} > "$work/day_pid.yaml"
sed '/^expectations:/,$d' "$src/scenarios/bottling_line.yaml" | sed 's/^horizon: 8 h/horizon: 1 d/' > "$work/day_st.yaml"
cpu_best() {  # "wall cpu" of the run with the least CPU time (user + sys) of 3
  /usr/bin/python3 - "$pw" "$1" "$work/out.h5" <<'PY'
import resource, subprocess, sys, time
best = None
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.argv[1], "run", sys.argv[2], "--quiet", "--output", sys.argv[3]], check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if best is None or cpu < best[1]:
        best = (wall, cpu)
print(f"{best[0]:.4f} {best[1]:.4f}")
PY
}
read -r pw_w pw_c <<< "$(cpu_best "$work/day_plant.yaml")"
read -r pid_w pid_c <<< "$(cpu_best "$work/day_pid.yaml")"
read -r st_w st_c <<< "$(cpu_best "$work/day_st.yaml")"
awk -v pw="$pw_w" -v pc="$pw_c" -v iw="$pid_w" -v ic="$pid_c" -v sw="$st_w" -v sc="$st_c" 'BEGIN {
  printf "one day, plant alone:      %.3f s wall, %.3f s CPU\n", pw, pc
  printf "one day, PID every 100 ms: %.3f s wall, %.3f s CPU, ratio %.2f (CPU; target: at most 1.5)\n", iw, ic, ic / pc
  printf "one day, ST PLC, 100 ms:   %.3f s wall, %.3f s CPU, ratio %.2f (CPU)\n", sw, sc, sc / pc }'
