#!/usr/bin/env bash
# Configures (clang, Ninja) and builds weft into build/ (or $WEFT_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${WEFT_BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
cmake --build "$build_dir" --parallel "$(nproc)"
