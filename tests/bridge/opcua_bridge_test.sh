#!/usr/bin/env bash
# Runs the OPC UA bridge's tests: `node --test bridge/opcua/test/`. Usage: opcua_bridge_test.sh SOURCE_DIR
# Fails with what to do when Node.js or the bridge's npm packages are missing or older than
# bridge/opcua/package-lock.json.
set -euo pipefail
bridge="$1/bridge/opcua"
if ! command -v node >/dev/null; then
  echo "opcua_bridge: Node.js (node) is not installed: run scripts/setup.sh"
  exit 1
fi
if [ ! -f "$bridge/node_modules/.package-lock.json" ]; then
  echo "opcua_bridge: $bridge/node_modules is missing: run scripts/setup.sh (it runs npm ci there)"
  exit 1
fi
if [ "$bridge/package-lock.json" -nt "$bridge/node_modules/.package-lock.json" ]; then
  echo "opcua_bridge: $bridge/node_modules is older than package-lock.json: run scripts/setup.sh"
  exit 1
fi
cd "$bridge"
# Every wait in the tests is bounded in time; CTest's TIMEOUT bounds the whole.
exec node --test test/
