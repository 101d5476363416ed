#!/usr/bin/env bash
# The runtime flash a model's own firmware takes: for each shared int8 model
# and core, kiln-runner rebuilt with only the kernels the model's blob runs
# (KILN_KERNELS, from `kiln analyze --json`), then `kiln bench` on it. One
# line per model and core, tab-separated: the kernels, the all-kernels
# runner's flash, the trimmed runner's flash, instructions (the same code, so
# the same count).
#   bench/trimmed_runtime.sh [BUILD_DIR]   (default: build; needs arm-none-eabi-gcc)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
kiln=$build/tools/kiln/kiln
shared=${KILN_SHARED_DIR:-$PWD/../shared}
cases=(mlperf_kws_ref mlperf_vww_96_int8 mlperf_resnet8_int8 mlperf_ad01_int8 tflm_micro_speech)
cores=(cortex-m4 cortex-m55)

model_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model'])" "$shared/testvectors/$1/meta.json"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

printf 'model\tcore\tkernels\tall_kernels_flash\ttrimmed_flash\tinstructions\n'
for case in "${cases[@]}"; do
  model=$shared/$(model_of "$case")
  input=$shared/testvectors/$case/s0_in0.bin
  for core in "${cores[@]}"; do
    kernels=$("$kiln" analyze "$model" --target "$core" --json |
      python3 -c "import json,sys; print(';'.join(json.load(sys.stdin)['kernels']))")
    fw=$build/firmware-trimmed/$case-$core
    cmake -S . -B "$fw" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchains/$core.cmake" \
      -DCMAKE_BUILD_TYPE=Release -DKILN_KERNELS="$kernels" >/dev/null
    cmake --build "$fw" --target kiln-runner >/dev/null
    mkdir -p "$fw/installed/$core"
    cp "$fw/targets/kiln-runner.elf" "$fw/targets/kiln-runner.syms" "$fw/installed/$core/"
    full=$("$kiln" bench "$model" --target "$core" --json -i "$input" | field runtime_flash_bytes)
    trimmed_json=$(KILN_FIRMWARE_DIR=$fw/installed "$kiln" bench "$model" --target "$core" --json -i "$input")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$core" "$kernels" "$full" \
      "$(field runtime_flash_bytes <<<"$trimmed_json")" "$(field instructions <<<"$trimmed_json")"
  done
done
