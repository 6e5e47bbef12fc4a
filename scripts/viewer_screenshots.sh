#!/usr/bin/env bash
# Renders the viewer screenshots of the README and docs/ headless (Xvfb, Mesa's llvmpipe):
# the body shop, the predictive-maintenance line (wear, vibration, remaining life), the cold
# room (its temperature against the alarm limit), an experiment's comparison of cases and a
# sweep over two buffers' sizes as a heatmap.
# Usage: scripts/viewer_screenshots.sh [build dir]   (default build/release)
set -euo pipefail
build="${1:-build/release}"
src="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shot() {  # result file, time, png
  LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$build/plantwin-viewer" "$1" ${2:+--time "$2"} --screenshot "$src/docs/$3"
}
"$build/plantwin" run "$src/scenarios/body_shop.yaml" --quiet --output "$work/body_shop.h5"
shot "$work/body_shop.h5" "2 d" viewer_body_shop.png
"$build/plantwin" run "$src/scenarios/automotive_pdm.yaml" --quiet --output "$work/pdm.h5"
shot "$work/pdm.h5" "300 h" viewer_automotive_pdm.png
"$build/plantwin" run "$src/scenarios/cold_room.yaml" --quiet --output "$work/cold_room.h5"
shot "$work/cold_room.h5" "21.25 h" viewer_cold_room.png
"$build/plantwin" sweep "$src/scenarios/two_station.yaml" -r 8 --quiet --output "$work/experiment.h5" \
  --set "experiments={variants: {bigger_wip: {components.wip.capacity: 9}, one_place: {components.wip.capacity: 1}}}"
shot "$work/experiment.h5" "" viewer_experiment.png
"$build/plantwin" sweep "$src/scenarios/body_shop_buffers.yaml" --quiet --record-signals \
  --output "$work/buffers.h5"
shot "$work/buffers.h5" "" viewer_sweep.png
