#!/usr/bin/env bash
# The bottling line's expectation suite passes with its PLC program (scenarios/bottling_line.st)
# and fails, with a report naming what broke, against a variant without the labeller's timed
# restart (tests/scenarios/control/bottling_line_no_restart.st).
set -u
pw="$1"; src="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
failures=0
out=$("$pw" test "$src/scenarios/bottling_line.yaml" --junit pass.xml 2>&1); rc=$?
if [ "$rc" = 0 ] && grep -q "6 expectations: 6 passed, 0 failed" <<<"$out"; then
  echo "ok   the suite passes with the program"
else
  echo "FAIL the suite with the program: exit $rc"; echo "$out"; failures=$((failures + 1))
fi
out=$("$pw" test "$src/scenarios/bottling_line.yaml" --junit fail.xml \
      --set "controllers.plc.program=$src/tests/scenarios/control/bottling_line_no_restart.st" 2>&1); rc=$?
if [ "$rc" = 1 ] &&
   grep -q "FAIL  at least 7000 bottles/h over the shift" <<<"$out" &&
   grep -q "false at the end (line.throughput = 0)" <<<"$out" &&
   grep -q "FAIL  the labeller works at least 75 % of the time" <<<"$out" &&
   grep -q "pass  the accumulation conveyor never runs full" <<<"$out"; then
  echo "ok   the suite fails against the variant without the timed restart, and says why"
else
  echo "FAIL the broken variant: exit $rc"; echo "$out"; failures=$((failures + 1))
fi
if /usr/bin/python3 - <<'PY'
import xml.etree.ElementTree as ET
p, f = ET.parse("pass.xml").getroot(), ET.parse("fail.xml").getroot()
assert p.get("failures") == "0" and p.get("tests") == "6", p.attrib
assert f.get("failures") == "3", f.attrib
PY
then echo "ok   JUnit reports of both"; else echo "FAIL JUnit reports"; failures=$((failures + 1)); fi
[ "$failures" = 0 ]
