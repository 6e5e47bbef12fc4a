#!/usr/bin/env bash
# Command 2 of the README: install what is needed, build everything with warnings as errors,
# and run the whole test suite (C++ doctest suites, scenario runs, CLI and Python checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
preset="${PLANTWIN_TEST_PRESET:-ci}"
cmake --preset "$preset"
cmake --build --preset "$preset"
ctest --preset "$preset"
