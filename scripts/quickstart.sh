#!/usr/bin/env bash
# Command 1 of the README: install what is needed, build, and run the flagship scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release
cmake --build --preset release --target plantwin plantwin_python plantwin-viewer
./build/release/plantwin run scenarios/body_shop.yaml --output body_shop.h5 --json body_shop_kpis.json
