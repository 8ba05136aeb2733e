#!/usr/bin/env bash
# The sanitizer job: the model engine, checkers, catalog, CLI and their tests built with
# AddressSanitizer + UndefinedBehaviorSanitizer (fiber switches annotated, runtime/fiber.hpp) into
# build-asan/ (or $WEFT_ASAN_BUILD_DIR); the model tests and the CLI contract tests run with zero
# reports (any report aborts the test binary: the job fails); then each libFuzzer target runs for
# $WEFT_FUZZ_SECONDS (default 20) from its seed corpus (tests/fuzz/corpus/).
#
# What runs: the whole model suite (every runtime path: fiber hand-over, spawn/join/exit, every
# sync object, aborted executions unwinding, the exception-state swap, every strategy, the fair
# mode, the priority policy, every checker, tokens and parameters; about 2.5 minutes under ASan on
# 2 cores) except the tests listed in EXCLUDED below, then the CLI contract tests against the
# instrumented weft binary.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${WEFT_ASAN_BUILD_DIR:-build-asan}
fuzz_seconds=${WEFT_FUZZ_SECONDS:-20}

# halt_on_error: the first report fails the run. detect_stack_use_after_return works with the
# fiber annotations (each context keeps its own fake stack across switches).
export ASAN_OPTIONS=detect_stack_use_after_return=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

if [ ! -f "$build_dir/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "${launcher[@]}" -DWEFT_SANITIZE=address,undefined -DWEFT_BUILD_FUZZ=ON \
    -DWEFT_BUILD_NATIVE=OFF -DWEFT_BUILD_RELACY=OFF -DWEFT_BUILD_RT=OFF -DWEFT_BUILD_BENCH=OFF
fi
cmake --build "$build_dir" --parallel "$(nproc)" \
  --target weft_model_tests weft weft_cli_tests fuzz_schedule_token fuzz_params

# Not meaningful under ASan: its quarantine keeps freed memory resident by design, so resident
# memory is not flat over many executions (the uninstrumented ctest asserts it).
NOT_UNDER_ASAN="Runtime.MemoryStaysFlatOverManyExecutions"
# Not yet under ASan: crash isolation leaves a fault or a hang by jumping from the signal handler
# (on the alternate signal stack) straight to the runner's stack, a switch ASan's fiber bookkeeping
# is not told about ("finishing a fiber switch that has not started"). The uninstrumented ctest
# runs them; annotating that jump is open work (README, Reliability).
NOT_YET_UNDER_ASAN="Crash.*"
EXCLUDED="$NOT_UNDER_ASAN:$NOT_YET_UNDER_ASAN"
MODEL_FILTER="*-$EXCLUDED"
echo "weft: sanitize: model tests ($MODEL_FILTER)" >&2
"$build_dir/tests/weft_model_tests" --gtest_filter="$MODEL_FILTER" --gtest_brief=1
echo "weft: sanitize: CLI contract tests" >&2
"$build_dir/tests/weft_cli_tests" --gtest_brief=1

for target in fuzz_schedule_token fuzz_params; do
  corpus=tests/fuzz/corpus/${target#fuzz_}
  work=$(mktemp -d)
  echo "weft: sanitize: $target for ${fuzz_seconds}s" >&2
  "$build_dir/tests/fuzz/$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build_dir/$target-" "$work" "$corpus" 2>&1 | tail -n 12
  status=${PIPESTATUS[0]}
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then
    echo "weft: sanitize: $target failed (artifact in $build_dir/$target-*)" >&2
    exit 1
  fi
done
echo "weft: sanitize: clean" >&2
