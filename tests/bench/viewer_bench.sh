#!/usr/bin/env bash
# Frame time of plantwin-viewer on a 1,000-component plant (500 machines, 499 buffers, a source
# and a sink), playing, on this machine's software renderer (Mesa llvmpipe under Xvfb).
# Usage: tests/bench/viewer_bench.sh [build dir] [frames]
set -euo pipefail
build="${1:-build/release}"
frames="${2:-300}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "name: 1000-component plant"
  echo "horizon: 1 d"
  echo "components:"
  echo "  supply: {type: source}"
  flow="supply"
  for i in $(seq 0 499); do
    echo "  m$i: {type: machine, process_time: exponential(60 s), ttf: exponential(8 h), ttr: exponential(20 min)}"
    flow="$flow -> m$i"
    if [ "$i" -lt 499 ]; then echo "  b$i: {type: buffer, capacity: 5}"; flow="$flow -> b$i"; fi
  done
  echo "  out: {type: sink}"
  echo "flow: [\"$flow -> out\"]"
} > "$work/plant.yaml"
"$build/plantwin" run "$work/plant.yaml" --quiet --output "$work/plant.h5"
LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$build/plantwin-viewer" "$work/plant.h5" --benchmark-frames "$frames"
