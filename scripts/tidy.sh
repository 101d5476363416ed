#!/usr/bin/env bash
# Runs clang-tidy 14 (.clang-tidy: checks that find real bugs) over the
# compiler, the runtime and the tool, with the compile commands of a build
# directory (default build-test, as scripts/test.sh configures it). Any
# finding fails.
#   scripts/tidy.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build-test}
tidy=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
[ -n "$tidy" ] || { echo "kiln: run-clang-tidy not found (scripts/install-deps.sh installs clang-tidy)" >&2; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "kiln: $build/compile_commands.json missing: configure $build first" >&2; exit 1; }
log=$build/clang-tidy.log
if ! "$tidy" -p "$build" -j "$(nproc)" -quiet "$PWD/(compiler|runtime|tools)/" >"$log" 2>&1 ||
  grep -qE "(warning|error): " "$log"; then
  grep -E -A4 "(warning|error): " "$log" | head -100
  echo "kiln: clang-tidy findings above (all in $log)" >&2
  exit 1
fi
echo "clang-tidy: $(grep -c '^clang-tidy' "$log" || true) files, no findings"
