#!/usr/bin/env bash
# Command 1 of the README: install what is needed, build, and run the flagship scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on paths relative to the clone, so another clone (CI's) reuses the objects.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
bash scripts/setup.sh
cmake --preset release
cmake --build --preset release --target plantwin plantwin_python plantwin-viewer
# Installs under /usr/local: plantwin and plantwin-viewer on PATH, the headers, libraries and
# find_package(plantwin) for C++ projects, and the Python package for /usr/bin/python3.
cmake --install build/release > build/release/install.log
./build/release/plantwin run scenarios/body_shop.yaml --output body_shop.h5 --json body_shop_kpis.json
