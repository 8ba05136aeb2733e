#!/usr/bin/env bash
# The test job: install what is missing, build, and run every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 900
cd ..
# The installed weft consumed by examples/four_bugs (find_package) and by pkg-config.
bash ci/example.sh build
