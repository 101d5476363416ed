#!/usr/bin/env bash
# Builds kiln with AddressSanitizer and UndefinedBehaviorSanitizer and runs
# the fuzzers for a fixed number of inputs (scripts/fuzz.sh), then the whole
# test suite (unit, golden, Cortex-M, generated code, corruption, CLI,
# integration) with CTest.
# The golden tests read ../shared (override with KILN_SHARED_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/fuzz.sh
build=${KILN_TEST_BUILD_DIR:-build-test}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_SANITIZE=ON -DKILN_WERROR=ON \
  -DKILN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
