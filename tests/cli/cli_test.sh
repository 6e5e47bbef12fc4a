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

# A plant without material flow: no flow key, no Line section, no parts anywhere.
cat > room.yaml <<'YAML'
name: a cold room alone
horizon: 1 d
components:
  room: {type: thermal, capacitance: 5 MJ/K, r_ambient: 0.005 K/W, ambient: 30 degC, initial: 4 degC, heat: -4 kW}
YAML
check "a plant without material runs without a flow" 0 "room +\(thermal\) +temperature=" -- "$pw" run room.yaml -o room.h5
checks=$((checks + 1))
if "$pw" run room.yaml --quiet --json room.json >/dev/null 2>&1 && ! "$pw" run room.yaml 2>&1 | grep -qiE "part|^Line" &&
   ! grep -q '"line"' room.json && ! "$pw" info room.h5 | grep -qiE "parts|^Line"; then
  echo "ok   a plant without material shows no line and no parts"
else
  echo "FAIL a plant without material shows no line and no parts"; failures=$((failures + 1))
fi

cat > pid.yaml <<'YAML'
horizon: 1 h
components:
  room: {type: thermal, capacitance: 1 MJ/K, r_ambient: 0.01 K/W}
controllers:
  tc: {type: pid, scan: 1 s, measure: room.temperature, setpoint: 30, output: room.heat_input, kp: 500}
YAML
check "validate counts controllers apart" 0 "pid.yaml: ok \(1 component, 1 controller, 0 links, 9 signals\)" -- "$pw" validate pid.yaml
check "info on a scenario lists its actuators with units" 0 "room.heat_input +W +heat into node 1" -- "$pw" info pid.yaml
check "info on a scenario says which controllers scan" 0 "tc +pid, scans every 1 s" -- "$pw" info pid.yaml

# plantwin test: expectations judged; exit 0 pass, 1 fail, 2 bad suite; JUnit XML for CI.
cat > suite.yaml <<'YAML'
horizon: 4 h
record: {period: 10 s, signals: [room.temperature]}
components:
  room: {type: thermal, capacitance: 1 MJ/K, r_ambient: 0.01 K/W, ambient: 20 degC, initial: 20 degC}
controllers:
  tc: {type: pid, scan: 1 s, measure: room.temperature, setpoint: 30, output: room.heat_input, kp: 500, ti: 600 s, limits: [0, 3000]}
expectations:
  - always: room.temperature < 31.5
  - eventually: {within: 2 h, that: room.temperature > 29.5}
  - at_end: abs(room.temperature - 30) < 0.1
    name: holds its setpoint
YAML
check "test: a passing suite exits 0" 0 "3 expectations: 3 passed, 0 failed" -- "$pw" test suite.yaml --junit pass.xml
sed 's/within: 2 h/within: 30 min/' suite.yaml > failing.yaml
check "test: a failing suite exits 1 and names the expectation" 1 "FAIL  eventually: room.temperature > 29.5" -- "$pw" test failing.yaml --junit fail.xml
check "test: the failure says when and what" 1 "not true within 30 min \(room.temperature = 2[0-9.]+ at 30.02 min\)" -- "$pw" test failing.yaml -q
checks=$((checks + 1))
if /usr/bin/python3 - pass.xml fail.xml <<'PY'
import sys, xml.etree.ElementTree as ET
p, f = (ET.parse(x).getroot() for x in sys.argv[1:3])
assert p.tag == "testsuites" and p.get("tests") == "3" and p.get("failures") == "0", p.attrib
cases = f.findall("./testsuite/testcase")
assert [c.get("name") for c in cases] == ["always: room.temperature < 31.5",
    "eventually: room.temperature > 29.5", "holds its setpoint"], [c.get("name") for c in cases]
fails = [c for c in cases if c.find("failure") is not None]
assert len(fails) == 1 and fails[0].find("failure").get("type") == "eventually"
assert "not true within 30 min" in fails[0].find("failure").get("message")
PY
then echo "ok   test: JUnit XML parses, one test case per expectation"
else echo "FAIL test: JUnit XML"; failures=$((failures + 1)); fi
printf 'horizon: 1 h\ncomponents:\n  room: {type: thermal, capacitance: 1 MJ/K, r_ambient: 0.01 K/W}\n' > none.yaml
check "test: a scenario without expectations is a bad suite" 2 "none.yaml: has no expectations" -- "$pw" test none.yaml
sed 's/always: room.temperature < 31.5/always: room.temprature < 31.5/' suite.yaml > typo.yaml
check "test: a typo in an expectation is a bad suite with file:line:col" 2 "typo.yaml:8:13: expectations\[0\].always: no signal \"room.temprature\"" -- "$pw" test typo.yaml
check "test: an unwritable JUnit path is refused before the run" 2 "" -- "$pw" test suite.yaml --junit /nonexistent/x.xml

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
cp broken.yaml broken.txt
check "info on a non-result file is bad input" 2 "broken.txt: not a plantwin result file: not an HDF5 file" -- "$pw" info broken.txt
check "info on a broken scenario gives its errors" 2 "broken.yaml:4:37: components.m1.process_time" -- "$pw" info broken.yaml
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
# The hospital twin takes RFID read events from a feed: a recorded one here, an MQTT topic live.
printf 't_s,read\n# tag 3 read in zone 7 (sterile), tag 0 in zone 1\n3600,3007\n7200,1\n7300,99999\n' > reads.csv
sed '/^experiments:/,$d' "$src/scenarios/hospital_assets.yaml" > hospital_feed.yaml
printf 'feeds:\n  readers: {type: csv, file: reads.csv, time: t_s, columns: {read: {target: rfid.read}}}\n' >> hospital_feed.yaml
check "RFID reads come from a feed into the rfid's read signal" 0 "readers +\(feed\) +received=3 +applied=2" -- \
  "$pw" run hospital_feed.yaml --until 3h --set warmup=0s
check "a sweep of a plant without material flow prints every KPI's paired difference" 0 \
  "one_more_pump_per_ward +pumps.served_within" -- "$pw" sweep "$src/scenarios/hospital_assets.yaml" -r 2
check "sweep prints energy per good part for a metered line" 0 "energy / good part" -- \
  "$pw" sweep "$src/scenarios/energy_shifts.yaml" -r 2
check "a bad variant is bad input" 2 "in case \"x\"" -- \
  "$pw" sweep "$src/scenarios/two_station.yaml" --set "experiments={variants: {x: {components.lathe.servrs: 2}}}"

# Hostile input ends in a clear error with exit code 2, quickly (issue: hardening).
printf 'x: &a\n  y: *a\n' > recursive.yaml
check "a recursive alias is refused, not a stack overflow" 2 \
  "recursive.yaml:1:4: x.y: this value contains itself \(an alias \*name inside its own anchor &name\)" -- \
  timeout 20 "$pw" validate recursive.yaml
check "a recursive alias through --set is refused" 2 "the value is not valid YAML: this value contains itself" -- \
  timeout 20 "$pw" run "$src/scenarios/two_station.yaml" --set 'x=&a {y: *a}'
check "a billion laughs is refused by its expanded size" 2 "expands to more than 250000 values" -- \
  timeout 20 "$pw" validate "$src/tests/scenarios/broken/39_billion_laughs.yaml"
check "nesting too deep says so" 2 "nested deeper than 64 levels of maps and lists" -- \
  timeout 20 "$pw" validate "$src/tests/scenarios/broken/41_nesting_far_too_deep.yaml"
check "/dev/zero as a scenario is no text" 2 \
  "^/dev/zero: cannot read the file: it holds binary data \(a NUL byte at offset 0\), expected a scenario \(YAML text\)" -- \
  timeout 20 "$pw" validate /dev/zero
check "a directory as a scenario says so" 2 "cannot read the file: it is a directory, expected a file of a scenario" -- \
  timeout 20 "$pw" run "$src/scenarios"
printf 'scenario: /dev/zero\n' > exp_zero.yaml
check "an experiment file's scenario target that is a device" 2 \
  "exp_zero.yaml:1:11: scenario: cannot read the file \"/dev/zero\": it is not a regular file" -- \
  timeout 20 "$pw" validate exp_zero.yaml
check "an empirical column below zero" 2 "empirical column must be a whole number from 0 to 1000, got -1" -- \
  timeout 20 "$pw" validate "$src/tests/scenarios/broken/45_empirical_column_m1.yaml"
check "a nanosecond record period is refused with the estimate" 2 \
  "record.period: every 1e-09 s over the horizon of 5 d is 4.32e\+14 runs, more than the limit of 1e\+08" -- \
  timeout 20 "$pw" run "$src/scenarios/two_station.yaml" --set 'record={period: 1e-9 s}'
check "an arrival rate of 1e300 /s is refused with the estimate" 2 "components.arrivals.rate: gives about 4.32e\+305 arrivals" -- \
  timeout 20 "$pw" run "$src/scenarios/two_station.yaml" --set 'components.arrivals.rate=1e300 /s'
check "a network of 1e8 thermal nodes is refused" 2 "components.oven.nodes: must be between 1 and 1000000, got 100000000" -- \
  timeout 20 "$pw" validate "$src/tests/scenarios/broken/47_thermal_network_too_many_nodes.yaml"
check "a horizon beyond 1000 years is refused" 2 "horizon: must be at most 1000 years" -- \
  timeout 20 "$pw" run "$src/scenarios/two_station.yaml" --set 'horizon=1e300 d'
check "--seed -1 is refused" 2 "--seed: expected a whole number from 0 to 9223372036854775807, got \"-1\"" -- \
  "$pw" run "$src/scenarios/two_station.yaml" --seed -1
check "--pace nan is refused" 2 "--pace: expected a positive number, got \"nan\"" -- \
  "$pw" run "$src/scenarios/two_station.yaml" --pace nan
check "escape sequences in a key are shown escaped" 2 'comp\\x1b\[31monents: unknown key' -- \
  "$pw" validate "$src/scenarios/two_station.yaml" --set $'comp\e[31monents.x=1'
checks=$((checks + 1))
if "$pw" validate "$src/scenarios/two_station.yaml" --set $'comp\e[31monents.x=1' 2>&1 | grep -q $'\e'; then
  echo "FAIL an escape character reached the terminal"; failures=$((failures + 1)); else echo "ok   no raw escape character in the output"; fi
check "an unknown option with an escape sequence is shown escaped" 2 'not expected: --fro\\x1b\[2J' -- \
  "$pw" run "$src/scenarios/two_station.yaml" $'--fro\e[2J'
sed 's/respot -> /respto -> /' "$src/scenarios/body_shop.yaml" > one_typo.yaml
check "one misspelt name in a flow line is one error" 2 "^one_typo.yaml: 1 error$" -- "$pw" validate one_typo.yaml
check "the misspelt flow name is named with a hint" 2 'unknown component "respto" \(did you mean "respot"\?\)' -- \
  "$pw" validate one_typo.yaml
check "a process time without unit is one error, no false unknown key" 2 "body_shop.yaml: 1 error$" -- \
  "$pw" validate "$src/scenarios/body_shop.yaml" --set components.respot.process_time=0.55
check "--set on a component the scenario lacks says so" 2 \
  'components.labeller: no component "labeller" in the scenario; to add one, give its type too' -- \
  "$pw" validate "$src/scenarios/body_shop.yaml" --set components.labeller.process_time=0.55
cat > alloc_conveyor.yaml <<'YAML'
horizon: 1 d
components:
  src: {type: source, rate: 20 /h}
  belt: {type: conveyor, length: 10 m, speed: 0.5 m/s, spacing: 1 m}
  m: {type: machine, process_time: 2 min}
  out: {type: sink}
flow: ["src -> belt -> m -> out"]
experiments:
  buffer_allocation: {buffers: [belt], target_throughput: 10 /h, max_capacity: 4}
YAML
check "validate refuses a buffer allocation over a conveyor, in one message" 2 \
  'alloc_conveyor.yaml:9:33: experiments.buffer_allocation.buffers\[0\]: "belt" is a conveyor, not a buffer' -- \
  "$pw" validate alloc_conveyor.yaml
check "... and only one" 2 "^alloc_conveyor.yaml: 1 error$" -- "$pw" validate alloc_conveyor.yaml
check "a sweep grid beyond 10000 cases is refused before it is built" 2 \
  "experiments.sweep: the grid has 1e\+09 points, more than the limit of 10000 cases" -- \
  timeout 20 "$pw" validate "$src/scenarios/two_station.yaml" --set "experiments={sweep: {seed: [$(seq -s, 1 1000)], components.wip.capacity: [$(seq -s, 1 1000)], components.lathe.servers: [$(seq -s, 1 1000)]}}"
check "a compound duration is a duration" 0 "until 1.458 d" -- \
  "$pw" run "$src/scenarios/two_station.yaml" --until 1d11h
check "full day names are days" 0 "ok" -- \
  "$pw" validate "$src/scenarios/energy_shifts.yaml" --set 'shifts.days=[monday, tuesday, Wednesday]'

# Ctrl-C: a long run interrupted leaves a readable file marked partial.
# (sampled hourly: every minute for 100000 d would be more samples than a run may record)
"$pw" run "$src/scenarios/two_station.yaml" --set horizon=100000d --set record.period=1h --quiet --output partial.h5 &
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
