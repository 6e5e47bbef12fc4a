#!/usr/bin/env bash
# Installs the build into a fresh prefix, builds a consumer project against it with
# find_package(plantwin), runs a scenario from C++ and imports the Python package from there.
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -x "$work/prefix/bin/plantwin"
test -f "$work/prefix/lib/cmake/plantwin/plantwinConfig.cmake"
# The OPC UA bridge where the installed plantwin looks for it (bin/../share/plantwin/opcua).
test -f "$work/prefix/share/plantwin/opcua/bridge.js"
test -f "$work/prefix/share/plantwin/opcua/lib/config.js"
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release > "$work/consumer.log"
cmake --build "$work/consumer" -j2 >> "$work/consumer.log"
out=$("$work/consumer/consumer" "$src/scenarios/two_station.yaml")
echo "$out"
[[ "$out" == throughput* ]]
# The CLI from the prefix gives the same throughput as the consumer (the same Runner grid).
"$work/prefix/bin/plantwin" run "$src/scenarios/two_station.yaml" --quiet --json "$work/k.json"
# The Python package from the prefix, found without PYTHONPATH once the prefix's dist-packages
# is on the path (the install into /usr/local needs nothing: Debian's python3 reads it).
pydir=$(find "$work/prefix/lib" -maxdepth 3 -name dist-packages -type d | head -1)
if [ -n "$pydir" ]; then
  PYTHONPATH="$pydir" /usr/bin/python3 -c "
import plantwin, json
sim = plantwin.load('$src/scenarios/two_station.yaml'); sim.run()
k = sim.kpis().query(\"component == 'line' and name == 'throughput'\")['value'].iloc[0]
print('python throughput', k)
assert abs(k - float('$out'.split()[1])) <= 1e-4 * abs(k)
"
fi
echo "install test passed"
