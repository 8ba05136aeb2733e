#!/usr/bin/env bash
# Installs weft's build and test dependencies from Debian's packages, only those missing.
set -euo pipefail

packages=(clang libclang-rt-14-dev cmake ninja-build libgtest-dev libfmt-dev libboost-context-dev
          libcli11-dev nlohmann-json3-dev relacy-dev libbenchmark-dev gnuplot-nox
          llvm-14 libxml2-utils pkg-config gdb)  # llvm-symbolizer for TSan's file:line; xmllint for the JUnit
          # test; pkg-config for ci/example.sh; gdb for the gdb command's test
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "weft: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "weft: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
