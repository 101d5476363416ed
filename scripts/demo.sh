#!/usr/bin/env bash
# kiln's main job end to end on its own demo model: build a small int8
# keyword-spotting network, analyze it (per-layer cost, exact arena), compile
# it to a .kiln blob, run both forms on the host, then run it on an emulated
# Cortex-M4 and report its instructions, RAM and flash there.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_BUILD_TESTS=OFF -DKILN_BUILD_BENCH=OFF >/dev/null
cmake --build build --target kiln kiln-demo-model firmware-cortex-m4

out=build/demo
mkdir -p "$out"
kiln=build/tools/kiln/kiln
build/tools/demo_model/kiln-demo-model "$out/demo_kws.tflite" "$out/input.bin"
echo
"$kiln" analyze "$out/demo_kws.tflite"
echo
"$kiln" convert "$out/demo_kws.tflite" -o "$out/demo_kws.kiln"
echo
echo "run from .tflite:"
"$kiln" run "$out/demo_kws.tflite" --input "$out/input.bin" --output "$out/output_tflite.bin"
echo "run from .kiln:"
"$kiln" run "$out/demo_kws.kiln" --input "$out/input.bin" --output "$out/output_kiln.bin"
cmp "$out/output_tflite.bin" "$out/output_kiln.bin" && echo "both forms give identical outputs ($out/output_kiln.bin)"
echo
"$kiln" run "$out/demo_kws.kiln" --input "$out/input.bin" --output "$out/output_m4.bin" --target cortex-m4
cmp "$out/output_kiln.bin" "$out/output_m4.bin" && echo "the Cortex-M4 gives the same outputs as the host"
echo
"$kiln" bench "$out/demo_kws.tflite" --input "$out/input.bin" --target cortex-m4 --layers
