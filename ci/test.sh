#!/usr/bin/env bash
# The test job: install what is missing, build, and run every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 900
