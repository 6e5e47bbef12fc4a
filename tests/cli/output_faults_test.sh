#!/usr/bin/env bash
# Output files under faults, as reported: a full disk, links and devices as targets, a killed
# run, and corrupt result files for `plantwin info` and plantwin-viewer. Every case checks the message, that no
# temporary file is left and that an old result is intact. The full-disk cases mount a small
# tmpfs and need root; without it they are skipped.
set -u
pw="$1"; src="$2"; work="$3"; viewer="${4:-}"  # plantwin-viewer, when built
scenario="$src/scenarios/two_station.yaml"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
failures=0; checks=0
ok() { checks=$((checks + 1)); echo "ok   $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $1"; }
expect() {  # expect NAME WANT_RC PATTERN -- command...: exit code and a line of output
  local name="$1" want="$2" pattern="$3"; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then fail "$name: exit $rc, expected $want"; echo "$out" | head -5; return; fi
  if ! grep -qE -- "$pattern" <<<"$out"; then fail "$name: output lacks /$pattern/"; echo "$out" | head -5; return; fi
  if grep -q "HDF5-DIAG" <<<"$out"; then fail "$name: HDF5 printed its error stack"; return; fi
  ok "$name"
}
only() {  # only NAME DIR FILE...: DIR holds exactly these names (no temporary file)
  local name="$1" dir="$2"; shift 2
  local have want
  have=$(ls -A "$dir" | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
  if [ "$have" == "$want" ]; then ok "$name"; else fail "$name: $dir holds [$have], expected [$want]"; fi
}

# --- a full disk while writing: exit 1 with the reason, the old files intact, nothing left over
mounted=0
if [ "$(id -u)" == 0 ] && mkdir -p disk && mount -t tmpfs -o size=200k tmpfs disk 2>/dev/null; then
  mounted=1
  trap 'umount "$work/disk" 2>/dev/null' EXIT
  "$pw" run "$scenario" --until 1h --quiet --output disk/x.h5 --json disk/k.json
  cp disk/x.h5 old.h5; cp disk/k.json old.json
  dd if=/dev/zero of=disk/fill bs=4k 2>/dev/null  # until the disk is full
  expect "a full disk fails the HDF5 write with the reason" 1 \
    "^disk/x.h5: cannot write the result file: No space left on device$" -- \
    "$pw" run "$scenario" --until 5d --quiet --output disk/x.h5
  expect "a full disk fails the JSON write with the reason" 1 \
    "^disk/k.json: cannot write the JSON file: No space left on device$" -- \
    "$pw" run "$scenario" --until 5d --quiet --json disk/k.json
  only "a full disk leaves no temporary file" disk fill k.json x.h5
  if cmp -s disk/x.h5 old.h5 && cmp -s disk/k.json old.json; then ok "a full disk keeps the old results"
  else fail "a full disk keeps the old results"; fi
  expect "the old result is still readable" 0 "status +complete" -- "$pw" info disk/x.h5
  umount disk; trap - EXIT
else
  echo "skip a full disk (needs root to mount a tmpfs)"
fi

# --- targets that are not regular files, refused before the run starts (a run of 10000 days
#     would not end within the timeout)
expect "/dev/full as the output is refused" 2 \
  "^/dev/full: cannot write the result file: it is a device; plantwin replaces only regular files$" -- \
  timeout 20 "$pw" run "$scenario" --set horizon=10000d --quiet --output /dev/full
if [ -c /dev/full ]; then ok "/dev/full is still a device"; else fail "/dev/full is still a device"; fi
mkdir -p outdir
expect "a directory as the output is refused" 2 \
  "^outdir: cannot write the result file: it is a directory" -- \
  timeout 20 "$pw" run "$scenario" --set horizon=10000d --quiet --output outdir
expect "a missing folder is refused before the run" 2 \
  "^nope/x.h5: cannot write the result file: the folder nope does not exist$" -- \
  timeout 20 "$pw" run "$scenario" --set horizon=10000d --quiet --output nope/x.h5
expect "a directory as the JSON file is refused" 2 "^outdir: cannot write the JSON file: it is a directory" -- \
  timeout 20 "$pw" run "$scenario" --set horizon=10000d --quiet --json outdir
expect "a directory as the CSV file is refused" 2 "^outdir: cannot write the CSV file: it is a directory" -- \
  timeout 20 "$pw" sweep "$scenario" --quiet --csv outdir

# --- a link planted at the old temporary name is not followed
mkdir -p links; echo keep > links/victim
ln -s victim links/x.h5.tmp; ln -s victim links/k.json.tmp
expect "a run next to planted links succeeds" 0 "" -- \
  "$pw" run "$scenario" --until 1h --quiet --output links/x.h5 --json links/k.json
if [ "$(cat links/victim)" == keep ]; then ok "the link's target is untouched"; else fail "the link's target is untouched"; fi
only "no temporary file next to the links" links k.json k.json.tmp victim x.h5 x.h5.tmp

# --- SIGKILL at any moment of a run and its write leaves the old result or the new one, and
#     nothing else
mkdir -p killed
"$pw" run "$src/scenarios/body_shop.yaml" --until 1d --quiet --output killed/x.h5
for delay in 0.3 0.8 1.3 1.8 2.3; do
  "$pw" run "$src/scenarios/body_shop.yaml" --set horizon=200d --quiet --output killed/x.h5 &
  pid=$!; sleep "$delay"; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  only "SIGKILL after $delay s leaves only the result" killed x.h5
  expect "the result is whole after SIGKILL at $delay s" 0 "status +complete" -- "$pw" info killed/x.h5
done

# --- corrupt result files: `plantwin info` says why, exit 2, HDF5 prints nothing
"$pw" run "$scenario" --until 1h --quiet --output whole.h5
head -c 20000 whole.h5 > truncated.h5
expect "info on a truncated file" 2 "^truncated.h5: not a plantwin result file: " -- "$pw" info truncated.h5
expect "info on a scenario file under another name" 2 "^two_station.txt: not a plantwin result file: not an HDF5 file$" -- \
  bash -c "cp '$scenario' two_station.txt && '$pw' info two_station.txt"
# (slow_*: libhdf5 loops until the reader's 10 s deadline; results_test covers those.)
for f in "$src"/tests/fuzz/regressions/results/[!s]*.h5 "$src"/tests/fuzz/regressions/results/segv*.h5; do
  expect "info on fuzz finding $(basename "$f")" 2 ": not a plantwin result file: " -- "$pw" info "$f"
done

if [ -n "$viewer" ]; then
  expect "the viewer refuses a truncated file" 2 "^truncated.h5: not a plantwin result file: " -- \
    "$viewer" truncated.h5
  for f in "$src"/tests/fuzz/regressions/results/segv*.h5; do
    expect "the viewer refuses fuzz finding $(basename "$f")" 2 ": not a plantwin result file: " -- \
      "$viewer" "$f"
  done
fi

echo "$checks checks, $failures failed"
[ "$failures" == 0 ] || exit 1
