#!/usr/bin/env bash
# The plantwin CLI as a user meets it: exit codes, error texts, help, and output files.
set -u
pw="$1"; src="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
failures=0; checks=0
check() {  # check NAME EXPECTED_RC PATTERN -- command...
  local name="$1" want="$2" pattern="$3"; shift 4
  checks=$((checks + 1))
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; echo "$out" | head -20; failures=$((failures + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: output lacks /$pattern/"; echo "$out" | head -20; failures=$((failures + 1)); return
  fi
  echo "ok   $name"
}

check "help" 0 "run.*validate.*info|Subcommands" -- "$pw" --help
check "run --help" 0 "--until" -- "$pw" run --help
check "validate --help" 0 "FILE" -- "$pw" validate --help
check "info --help" 0 "FILE" -- "$pw" info --help
check "no subcommand is bad input" 2 "" -- "$pw"
check "unknown option is bad input" 2 "" -- "$pw" run "$src/scenarios/two_station.yaml" --frobnicate
check "validate every shipped scenario" 0 "ok" -- "$pw" validate "$src"/scenarios/*.yaml
check "missing file" 2 "nope.yaml: cannot read the file" -- "$pw" run nope.yaml

cat > broken.yaml <<'YAML'
horizon: 1 h
components:
  src: {type: source}
  m1: {type: machine, process_time: fast}
  out: {type: sink}
flow: ["src -> m1 -> out"]
YAML
check "validate reports file:line:column and key" 2 \
  "broken.yaml:4:37: components.m1.process_time: expected a distribution" -- "$pw" validate broken.yaml
check "run refuses a broken scenario" 2 "components.m1.process_time" -- "$pw" run broken.yaml
check "--set is validated too" 2 "--set components.lathe.servers=zero: components.lathe.servers: expected a whole number" -- \
  "$pw" run "$src/scenarios/two_station.yaml" --set components.lathe.servers=zero
check "--until must be a duration" 2 "--until: expected a duration" -- \
  "$pw" run "$src/scenarios/two_station.yaml" --until soon
check "run prints the KPI table and writes HDF5 and JSON" 0 "throughput.*parts/h" -- \
  "$pw" run "$src/scenarios/two_station.yaml" --until 1d --seed 3 --set components.wip.capacity=8 \
  --output run.h5 --json kpis.json
checks=$((checks + 1))
if [ -s run.h5 ] && grep -q '"name": "throughput"' kpis.json; then echo "ok   files written"; else
  echo "FAIL files written"; failures=$((failures + 1)); fi
check "info describes the result file" 0 "status +complete" -- "$pw" info run.h5
check "info on a non-result file is bad input" 2 "broken.yaml: not a plantwin result file: not an HDF5 file" -- "$pw" info broken.yaml
check "quiet prints nothing" 0 "^$" -- "$pw" run "$src/scenarios/two_station.yaml" --until 1h --quiet
check "an output in a missing folder is bad input, found before the run" 2 \
  "/nonexistent/x.h5: cannot write the result file: the folder /nonexistent does not exist" -- \
  "$pw" run "$src/scenarios/two_station.yaml" --until 1h --quiet --output /nonexistent/x.h5

check "run --replications reports t intervals over replications" 0 "mean over replications" -- \
  "$pw" run "$src/scenarios/two_station.yaml" -r 4 --output reps.h5
check "sweep prints paired differences against the base" 0 "Paired differences" -- \
  "$pw" sweep "$src/scenarios/body_shop.yaml" -r 3 --csv variants.csv --output variants.h5
check "info lists the cases of an experiment file" 0 "/cases: 5" -- "$pw" info variants.h5
checks=$((checks + 1))
if head -1 variants.csv | grep -q '^case,replications,line.throughput,line.throughput_hw' && [ "$(wc -l < variants.csv)" = 6 ]; then
  echo "ok   sweep CSV has one row per case with CI columns"; else echo "FAIL sweep CSV"; failures=$((failures + 1)); fi
check "an experiment file sweeps a grid and allocates buffers" 0 "Buffer allocation: total" -- \
  "$pw" sweep "$src/scenarios/body_shop_buffers.yaml" -r 2 --quiet --csv grid.csv
cat > badvariant.yaml <<YAML
scenario: $src/scenarios/two_station.yaml
experiments:
  variants:
    wider: {components.wip.capacty: 9}
YAML
check "validate checks every experiment case" 2 "in case \"wider\": unknown key \(did you mean \"capacity\"\?\)" -- \
  "$pw" validate badvariant.yaml
check "sweep prints energy per good part for a metered line" 0 "energy / good part" -- \
  "$pw" sweep "$src/scenarios/energy_shifts.yaml" -r 2
check "a bad variant is bad input" 2 "in case \"x\"" -- \
  "$pw" sweep "$src/scenarios/two_station.yaml" --set "experiments={variants: {x: {components.lathe.servrs: 2}}}"

# Ctrl-C: a long run interrupted leaves a readable file marked partial.
"$pw" run "$src/scenarios/two_station.yaml" --set horizon=100000d --quiet --output partial.h5 &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid; rc=$?
checks=$((checks + 1))
if [ "$rc" = 1 ] && "$pw" info partial.h5 | grep -qE "status +partial"; then echo "ok   interrupted run leaves a partial file"
else echo "FAIL interrupted run: rc=$rc"; failures=$((failures + 1)); fi

# Ctrl-C during a sweep: the finished replications are written, marked partial.
"$pw" sweep "$src/scenarios/two_station.yaml" --set horizon=3000d -r 50 --quiet --output partial_sweep.h5 &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid; rc=$?
checks=$((checks + 1))
if [ "$rc" = 1 ] && /usr/bin/python3 -c "import h5py,sys; f=h5py.File('partial_sweep.h5'); sys.exit(f['meta'].attrs['status']!='partial')"; then
  echo "ok   interrupted sweep leaves a partial file"
else echo "FAIL interrupted sweep: rc=$rc"; failures=$((failures + 1)); fi

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
