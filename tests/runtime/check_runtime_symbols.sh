#!/usr/bin/env bash
# The device runtime must not need a heap, exceptions or RTTI: its library may
# reference no allocator and no C++ ABI runtime symbol.
set -euo pipefail
lib=$1
nm=${2:-nm}
bad=$("$nm" -u "$lib" | grep -E ' (malloc|calloc|realloc|free|_Znw|_Zna|_Zdl|_Zda|__cxa_|__gxx_personality|_Unwind_)' || true)
if [ -n "$bad" ]; then
  echo "runtime library references forbidden symbols:"
  echo "$bad"
  exit 1
fi
echo "runtime library: no heap, exception or RTTI symbols"
