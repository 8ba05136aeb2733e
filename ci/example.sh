#!/usr/bin/env bash
# The example job: installs the built weft (build/) to a scratch prefix, then configures,
# builds and tests examples/four_bugs and examples/own_scenarios (weft_add_scenarios) against it
# through find_package(weft), and a pkg-config consumer.
# usage: ci/example.sh [build dir, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=$(mktemp -d "${TMPDIR:-/tmp}/weft-example.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S examples/four_bugs -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_COMPILER="${CXX:-clang++}" "${launcher[@]}" >/dev/null
cmake --build "$work/build" --parallel "$(nproc)"
(cd "$work/build" && ctest --output-on-failure)
# weft_add_scenarios(): examples/own_scenarios' scenarios on every engine (its ctest runs
# `weft check --all` over them).
cmake -S examples/own_scenarios -B "$work/own" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_COMPILER="${CXX:-clang++}" "${launcher[@]}" >/dev/null
cmake --build "$work/own" --parallel "$(nproc)"
(cd "$work/own" && ctest --output-on-failure)
# pkg-config: the installed weft.pc compiles and links a test body.
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cat >"$work/pc.cpp" <<'CPP'
#include "weft/explore.hpp"
#include "weft/sync.hpp"
int main() {
  weft::Result r = weft::explore([] {
    weft::atomic<int> n(0);
    weft::thread a([&] { n.fetch_add(1); });
    n.fetch_add(1);
    a.join();
    WEFT_ASSERT(n.load() == 2);
  });
  return r.ok() && r.complete ? 0 : 1;
}
CPP
# shellcheck disable=SC2046
"${CXX:-clang++}" "$work/pc.cpp" -o "$work/pc" $(pkg-config --cflags --libs weft)
"$work/pc"
echo "weft: example and pkg-config consumer passed against $work/prefix"
