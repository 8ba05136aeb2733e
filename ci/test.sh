#!/usr/bin/env bash
# The test job: install what is missing, build, run every test (ctest), then the sanitizer job
# (ci/sanitize.sh: ASan+UBSan over the model tests' runtime subset and the CLI tests, and the
# libFuzzer targets briefly). WEFT_SKIP_SANITIZE=1 skips the latter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh
(cd build && ctest --output-on-failure --parallel "$(nproc)" --timeout 900)
# The installed weft consumed by examples/four_bugs (find_package) and by pkg-config.
bash ci/example.sh build
if [ "${WEFT_SKIP_SANITIZE:-0}" != 1 ]; then
  bash ci/sanitize.sh
fi
