#!/usr/bin/env bash
# A firmware image with kiln's container verifier and updater (and the
# libsodium and mbed TLS they call) must contain no heap allocator, no
# abort() and no C++ exception runtime: the libraries' allocation goes to a
# static buffer, their abort paths trap.
set -euo pipefail
image=$1
nm=${2:-nm}
symbols=$("$nm" "$image")
bad=$(echo "$symbols" | grep -E ' [TtWw] (malloc|calloc|realloc|free|_malloc_r|_free_r|_sbrk|_sbrk_r|abort|_Znw|_Zna|_Zdl|_Zda|__cxa_throw|__cxa_allocate_exception|__gxx_personality_v0|_Unwind_RaiseException)$' || true)
if [ -n "$bad" ]; then
  echo "$image links forbidden symbols:"
  echo "$bad"
  exit 1
fi
echo "$image: no heap, abort or exception runtime"
