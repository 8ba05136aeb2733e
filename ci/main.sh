#!/usr/bin/env bash
# The main job: install what is missing, build, and run the explorer over the whole catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh
exec ./build/weft check --all
