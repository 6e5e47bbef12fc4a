#!/usr/bin/env bash
# Installs every Debian 12 package plantwin needs to build, test and run.
# Safe to run twice: when everything is already installed it does nothing.
set -euo pipefail

packages=(
  build-essential cmake ccache git pkg-config ca-certificates
  libeigen3-dev libhdf5-dev libyaml-cpp-dev libcli11-dev libfmt-dev doctest-dev
  python3 python3-numpy python3-h5py python3-pandas python3-pytest python3-yaml pybind11-dev
  python3-matplotlib python3-pil python3-nbclient python3-nbformat python3-ipykernel
  python3-distributed python3-dask
  libimgui-dev libstb-dev libglfw3-dev libgl-dev xvfb xauth libgl1-mesa-dri
  clang-14 libclang-rt-14-dev libomp-14-dev  # the fuzz preset: libFuzzer and sanitizer runtimes
  mosquitto mosquitto-clients libmosquitto-dev openssl  # MQTT feeds and publisher; a broker (and TLS certificates) for the tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
