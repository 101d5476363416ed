#!/usr/bin/env bash
# examples/consumer built both ways a firmware project can take kiln —
# add_subdirectory() of the source tree and find_package() of an installed
# kiln — for the host and for the emulated Cortex-M4, from a clean tree each
# time, and once more as a subproject of a consumer with flags of its own
# that kiln must neither break nor override. Each build runs the generated
# demo model and must reproduce `kiln run`.
set -euo pipefail
src=$1 kiln=$2 demo=$3 work=$4
m4_toolchain=$src/cmake/toolchains/cortex-m4.cmake
rm -rf "$work"
mkdir -p "$work"

"$demo" "$work/demo.tflite" "$work/input.bin" >/dev/null
"$kiln" run "$work/demo.tflite" --input "$work/input.bin" --output "$work/expected.bin" >/dev/null
"$kiln" compile "$work/demo.tflite" --name demo_kws --target host -o "$work/model-host" >/dev/null
"$kiln" compile "$work/demo.tflite" --name demo_kws --target cortex-m4 -o "$work/model-m4" >/dev/null

configure() {  # build dir, extra cmake args...
  local dir=$1
  shift
  cmake -S "$src/examples/consumer" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >"$dir.log" 2>&1 ||
    { cat "$dir.log"; exit 1; }
  cmake --build "$dir" >>"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
}

run_host() {  # build dir
  "$1/consumer" "$work/input.bin" "$1.out"
  cmp "$1.out" "$work/expected.bin"
}

run_m4() {  # build dir
  qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
    -semihosting-config "enable=on,target=native,arg=consumer,arg=$work/input.bin,arg=$1.out" \
    -kernel "$1/consumer.elf"
  cmp "$1.out" "$work/expected.bin"
}

# 1. add_subdirectory(kiln)
configure "$work/subdir-host" -DKILN_SOURCE_DIR="$src" -DKILN_MODEL_DIR="$work/model-host"
run_host "$work/subdir-host"
configure "$work/subdir-m4" -DKILN_SOURCE_DIR="$src" -DKILN_MODEL_DIR="$work/model-m4" \
  -DCMAKE_TOOLCHAIN_FILE="$m4_toolchain"
run_m4 "$work/subdir-m4"

# 2. add_subdirectory(kiln) under a consumer's own build type, language
# standards, strict warnings and kiln options that only a top-level kiln
# obeys (sanitizers, its own -Werror): the runtime builds clean under them,
# and kiln changes neither the build type nor the consumer's instrumentation.
configure "$work/subdir-strict" -DKILN_SOURCE_DIR="$src" -DKILN_MODEL_DIR="$work/model-host" \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_STANDARD=20 -DCMAKE_C_STANDARD=11 \
  "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wshadow -Wpedantic -Werror" "-DCMAKE_C_FLAGS=-Wall -Wextra -Wshadow -Werror" \
  -DKILN_SANITIZE=ON -DKILN_WERROR=ON
run_host "$work/subdir-strict"
grep -q '^CMAKE_BUILD_TYPE:STRING=Debug$' "$work/subdir-strict/CMakeCache.txt" ||
  { echo "kiln changed the consumer's build type"; exit 1; }
if nm "$work/subdir-strict/consumer" | grep -q __asan; then
  echo "kiln's sanitizer option reached the consumer's build"
  exit 1
fi

# 3. find_package(kiln) after cmake --install
install_kiln() {  # prefix, extra cmake args...
  local prefix=$1
  shift
  cmake -S "$src" -B "$prefix-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_BUILD_COMPILER=OFF \
    -DKILN_BUILD_FIRMWARE=OFF "$@" >"$prefix.log" 2>&1 || { cat "$prefix.log"; exit 1; }
  cmake --build "$prefix-build" >>"$prefix.log" 2>&1 || { cat "$prefix.log"; exit 1; }
  cmake --install "$prefix-build" --prefix "$prefix" >>"$prefix.log" 2>&1 || { cat "$prefix.log"; exit 1; }
}
install_kiln "$work/prefix-host"
configure "$work/package-host" -DCMAKE_PREFIX_PATH="$work/prefix-host" -DKILN_MODEL_DIR="$work/model-host"
run_host "$work/package-host"
install_kiln "$work/prefix-m4" -DCMAKE_TOOLCHAIN_FILE="$m4_toolchain"
configure "$work/package-m4" -DCMAKE_PREFIX_PATH="$work/prefix-m4" -DKILN_MODEL_DIR="$work/model-m4" \
  -DCMAKE_TOOLCHAIN_FILE="$m4_toolchain"
run_m4 "$work/package-m4"

echo "consumer example: add_subdirectory and find_package builds, host and cortex-m4, match kiln run"
