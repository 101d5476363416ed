#!/usr/bin/env bash
# A Cortex-M4 kiln-runner built with only the kernels the demo model's blob
# runs (KILN_KERNELS from `kiln analyze --json`): it must run that model as the
# full runner does, be smaller, and refuse a blob that needs another kernel.
set -euo pipefail
src=$1 kiln=$2 demo=$3 shared=$4 work=$5
rm -rf "$work"
mkdir -p "$work"

"$demo" "$work/demo.tflite" "$work/input.bin" >/dev/null
kernels=$("$kiln" analyze "$work/demo.tflite" --target cortex-m4 --json |
  python3 -c "import json,sys; print(';'.join(json.load(sys.stdin)['kernels']))")
cmake -S "$src" -B "$work/fw" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchains/cortex-m4.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DKILN_KERNELS="$kernels" >"$work/fw.log" 2>&1 || { cat "$work/fw.log"; exit 1; }
cmake --build "$work/fw" --target kiln-runner >>"$work/fw.log" 2>&1 || { cat "$work/fw.log"; exit 1; }
mkdir -p "$work/firmware/cortex-m4"
cp "$work/fw/targets/kiln-runner.elf" "$work/fw/targets/kiln-runner.syms" "$work/firmware/cortex-m4/"

"$kiln" run "$work/demo.tflite" --input "$work/input.bin" --output "$work/host.bin" >/dev/null
KILN_FIRMWARE_DIR=$work/firmware "$kiln" run "$work/demo.tflite" --target cortex-m4 \
  --input "$work/input.bin" --output "$work/trimmed.bin" >/dev/null
cmp "$work/host.bin" "$work/trimmed.bin"

flash() { "$kiln" bench "$work/demo.tflite" --target cortex-m4 --json |
  python3 -c "import json,sys; print(json.load(sys.stdin)['runtime_flash_bytes'])"; }
full=$(flash)
trimmed=$(KILN_FIRMWARE_DIR=$work/firmware flash)
[ "$trimmed" -lt "$full" ] || { echo "trimmed runner ($trimmed B) is not smaller than the full one ($full B)"; exit 1; }

# EXP runs a kernel the selection left out: the firmware refuses the blob.
if KILN_FIRMWARE_DIR=$work/firmware "$kiln" run "$shared/conformance/tflm_ops/EXP/f32_0/model.tflite" \
  --target cortex-m4 --input "$shared/conformance/tflm_ops/EXP/f32_0/in0.bin" >"$work/refused.log" 2>&1; then
  echo "a runner without POINTWISE_F32 ran EXP"
  exit 1
fi
grep -q "blob uses an op this runtime does not have" "$work/refused.log" || { cat "$work/refused.log"; exit 1; }
echo "trimmed runner ($kernels): $trimmed B flash vs $full B with every kernel; output matches the host"
