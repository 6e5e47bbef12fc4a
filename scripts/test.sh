#!/usr/bin/env bash
# Command 2 of the README: install what is needed, build everything with warnings as errors,
# and run the whole test suite (C++ doctest suites, scenario runs, CLI and Python checks).
# Then the same suite under AddressSanitizer + UBSan (asan preset), and each libFuzzer harness
# for a bounded time (fuzz preset). PLANTWIN_TEST_PRESET=NAME runs one preset only.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on paths relative to the clone, so another clone (CI's) reuses the objects.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
bash scripts/setup.sh
presets=(ci asan fuzz)
if [ -n "${PLANTWIN_TEST_PRESET:-}" ]; then presets=("$PLANTWIN_TEST_PRESET"); fi
for preset in "${presets[@]}"; do
  start=$SECONDS
  echo "== preset $preset"
  cmake --preset "$preset"
  cmake --build --preset "$preset"
  ctest --preset "$preset"
  echo "== preset $preset: built and tested in $((SECONDS - start)) s"
done
