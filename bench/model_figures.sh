#!/usr/bin/env bash
# Prints the figures kiln states for the shared int8 models: per emulated core,
# instructions, MACs per instruction, arena, RAM and flash (`kiln bench`); per
# host target, arena and blob bytes (`kiln analyze`). One line per model and
# target, tab-separated, so two runs compare with diff.
#   bench/model_figures.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
kiln=${1:-build}/tools/kiln/kiln
shared=${KILN_SHARED_DIR:-$PWD/../shared}
cases=(mlperf_kws_ref mlperf_vww_96_int8 mlperf_resnet8_int8 mlperf_ad01_int8 tflm_micro_speech)

model_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model'])" "$shared/testvectors/$1/meta.json"; }

printf 'model\ttarget\tinstructions\tmacs_per_instruction\tarena_bytes\tram_bytes\truntime_flash_bytes\tmodel_flash_bytes\n'
for case in "${cases[@]}"; do
  model=$shared/$(model_of "$case")
  for core in cortex-m4 cortex-m7 cortex-m33 cortex-m55; do
    "$kiln" bench "$model" --target "$core" --json -i "$shared/testvectors/$case/s0_in0.bin" |
      python3 -c "import json,sys; j=json.load(sys.stdin); print('\t'.join(str(x) for x in [sys.argv[1], sys.argv[2], j['instructions'], '%.3f' % j['macs_per_instruction'], j['arena_bytes'], j['ram_bytes'], j['runtime_flash_bytes'], j['model_flash_bytes']]))" "$case" "$core"
  done
  for target in portable host; do
    "$kiln" analyze "$model" --target "$target" --json |
      python3 -c "import json,sys; j=json.load(sys.stdin); print('\t'.join(str(x) for x in [sys.argv[1], sys.argv[2], '-', '-', j['arena_bytes'], '-', '-', j['blob_bytes']]))" "$case" "$target"
  done
done
