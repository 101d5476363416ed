#!/usr/bin/env bash
# Checks the layout of every C and C++ file (scripts/format.sh --check),
# builds kiln with AddressSanitizer and UndefinedBehaviorSanitizer, runs
# clang-tidy over it (scripts/tidy.sh), runs the fuzzers for a fixed number
# of inputs (scripts/fuzz.sh), then the test suite with CTest (labels unit,
# device, cli, integration: `ctest -L unit` is the quick subset), all but
# the tests labelled long.
# The golden tests read ../shared (override with KILN_SHARED_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase's wall time, for keeping the whole run within CI's budget.
phase_start=$SECONDS
phase_done() {
  echo "kiln: $1 took $((SECONDS - phase_start)) s" >&2
  phase_start=$SECONDS
}

scripts/install-deps.sh
scripts/format.sh --check
phase_done "set-up and the format check"
build=${KILN_TEST_BUILD_DIR:-build-test}
# -Og -g1: under the sanitizers, -O2 -g compiles kiln about 3.5x slower;
# line tables keep file:line in the reports. The runtime's kernels, which
# the tests run hardest, stay at -O2.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-Og -g1" \
  "-DCMAKE_C_FLAGS_DEBUG=-Og -g1" -DKILN_RUNTIME_OPTIMIZATION=-O2 -DKILN_SANITIZE=ON \
  -DKILN_WERROR=ON -DKILN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build"
phase_done "the sanitized build"
scripts/tidy.sh "$build"
phase_done "clang-tidy"
# The fuzzers' seeds come from this build's kiln tool.
KILN_TOOL=$PWD/$build/tools/kiln/kiln scripts/fuzz.sh
phase_done "the fuzzers' build and runs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Tests labelled long (minutes each) run with `ctest -L long`.
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -LE long
phase_done "the tests"
