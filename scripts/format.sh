#!/usr/bin/env bash
# Formats kiln's C and C++ files (tracked, and new ones git does not ignore)
# with clang-format 14 (.clang-format), or with
# --check only lists the files it would change and fails if there are any
# (scripts/test.sh runs that).
set -euo pipefail
cd "$(dirname "$0")/.."

format=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$format" ] || { echo "kiln: clang-format not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.h' '*.cc' '*.c')
if [ "${1:-}" = "--check" ]; then
  unformatted=()
  for f in "${files[@]}"; do
    "$format" --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
  done
  if [ ${#unformatted[@]} -gt 0 ]; then
    echo "kiln: not formatted (run scripts/format.sh): ${unformatted[*]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files as .clang-format lays them out"
else
  "$format" -i "${files[@]}"
fi
