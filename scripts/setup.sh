#!/usr/bin/env bash
# Installs every Debian 12 package plantwin needs to build, test and run, and the OPC UA
# bridge's npm packages (npm ci in bridge/opcua, from its package-lock.json).
# Safe to run twice: when everything is already installed it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ccache git pkg-config ca-certificates
  libeigen3-dev libhdf5-dev libyaml-cpp-dev libcli11-dev libfmt-dev doctest-dev
  python3 python3-numpy python3-h5py python3-pandas python3-pytest python3-yaml pybind11-dev
  python3-matplotlib python3-pil python3-nbclient python3-nbformat python3-ipykernel
  python3-distributed python3-dask
  python3-xarray python3-scipy mypy  # to_xarray; the calibration notebook's fits; the type check
  python3-sphinx python3-myst-parser python3-nbsphinx pandoc doxygen  # scripts/docs.sh
  libimgui-dev libstb-dev libglfw3-dev libgl-dev xvfb xauth libgl1-mesa-dri
  fonts-dejavu-core  # the viewer's fonts (it falls back to ImGui's own without them)
  clang-14 libclang-rt-14-dev libomp-14-dev  # the fuzz preset: libFuzzer and sanitizer runtimes
  nodejs npm  # the OPC UA bridge (bridge/opcua) and its tests
  mosquitto mosquitto-clients libmosquitto-dev openssl  # MQTT feeds and publisher; a broker (and TLS certificates) for the tests
  libmodbus-dev python3-pymodbus python3-serial-asyncio  # Modbus TCP; pymodbus's client imports serial_asyncio
)

missing=()
for p in "${packages[@]}"; do
  # NodeSource's nodejs package bundles npm and conflicts with Debian's: its npm command counts.
  if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The bridge's node-opcua, exactly as package-lock.json pins it; npm ci writes
# node_modules/.package-lock.json, so a lock file newer than that asks for a fresh install.
bridge=bridge/opcua
if [ ! -f "$bridge/node_modules/.package-lock.json" ] ||
   [ "$bridge/package-lock.json" -nt "$bridge/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in $bridge"
  (cd "$bridge" && npm ci --no-audit --no-fund)
else
  echo "setup: $bridge/node_modules is up to date"
fi
