#!/usr/bin/env bash
# Builds kiln's libFuzzer targets with clang (ASan + UBSan) and runs them,
# seeded with the shared models and their blobs. By default a fixed number of
# inputs from a fixed seed (repeatable; what CI runs); KILN_FUZZ_SECONDS=N
# fuzzes each target for N seconds instead. Exits non-zero on the first
# crash, leak or sanitizer report, leaving the input in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
runs=${KILN_FUZZ_RUNS:-10000}
shared=${KILN_SHARED_DIR:-$PWD/../shared}
build=build-fuzz
# -O1 with line tables: libFuzzer's usual choice, and much quicker to build than -O2 -g.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" \
  "-DCMAKE_C_FLAGS_DEBUG=-O1 -gline-tables-only" -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DKILN_SANITIZE=ON -DKILN_BUILD_FUZZERS=ON -DKILN_BUILD_TESTS=OFF \
  -DKILN_BUILD_BENCH=OFF -DKILN_BUILD_FIRMWARE=OFF -DKILN_TRAINING=OFF "-DKILN_SHARED_DIR=$shared" >/dev/null
targets=(tflite onnx blob container updater)
# The seeds are made with the kiln tool: $KILN_TOOL (scripts/test.sh gives
# its test build's), else this build's.
if [ -n "${KILN_TOOL:-}" ]; then
  cmake --build "$build" --target "${targets[@]/#/fuzz_}"
  kiln=$KILN_TOOL
else
  cmake --build "$build" --target "${targets[@]/#/fuzz_}" kiln
  kiln=$build/tools/kiln/kiln
fi

seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds/tflite" "$seeds/onnx" "$seeds/blob" "$seeds/container" "$seeds/updater"
cp "$shared"/models/onnx_models/*.onnx "$seeds/onnx/"
cp tests/fuzz/seeds/onnx/*.onnx "$seeds/onnx/"
# Inputs that once broke a target stay in its seeds.
cp "$shared"/fuzz_findings/*.onnx "$seeds/onnx/" 2>/dev/null || true
for case in "$shared"/conformance/onnx_node/test_*/; do
  cp "$case/model.onnx" "$seeds/onnx/$(basename "$case").onnx"
done
for model in "$shared"/models/tflite_micro/*.tflite "$shared"/models/mlcommons_tiny/kws_ref_model.tflite; do
  [ -f "$model" ] || continue
  cp "$model" "$seeds/tflite/"
  "$kiln" convert "$model" -o "$seeds/blob/$(basename "$model" .tflite).kiln" >/dev/null
done
# Several subgraphs, variables, loops and recurrent state (the blobs carry a
# state region and branches); int4 weights (the blobs carry 4-bit coded
# filters and codebooks).
for case in CALL_ONCE/f32_0 VAR_HANDLE/i8_0 IF/i32_0 WHILE/i32_0 SVDF/i8_0 \
  UNIDIRECTIONAL_SEQUENCE_LSTM/i8_0 UNIDIRECTIONAL_SEQUENCE_LSTM/i16x8_0 \
  CONV_2D/i8_i4w_0 DEPTHWISE_CONV_2D/i8_i4w_1 FULLY_CONNECTED/i8_i4w_2; do
  name=$(echo "$case" | tr / _)
  cp "$shared/conformance/tflm_ops/$case/model.tflite" "$seeds/tflite/$name.tflite"
  "$kiln" convert "$seeds/tflite/$name.tflite" -o "$seeds/blob/$name.kiln" >/dev/null
done
# Compressed weights (tests/fuzz/seeds/tflite): pruned ones, whose blobs
# carry sparse filters (counts, offsets and nonzero weights, single and in
# blocks of four), made by kiln compress --prune; binary ones (bits and two
# values per channel), made by kiln train --weights binary; and the same
# filters entropy-coded.
for model in tests/fuzz/seeds/tflite/*.tflite; do
  cp "$model" "$seeds/tflite/"
  "$kiln" convert "$model" -o "$seeds/blob/$(basename "$model" .tflite).kiln" >/dev/null
  "$kiln" convert "$model" --entropy \
    -o "$seeds/blob/$(basename "$model" .tflite)_entropy.kiln" >/dev/null
done

# Containers of some of those blobs, signed with the keys the container
# fuzzer's device holds (tests/fuzz/keys), plain and encrypted both ways.
keys=tests/fuzz/keys
for blob in "$seeds"/blob/hello_world_int8.kiln "$seeds"/blob/network_tester_network_model.kiln \
  "$seeds"/blob/SVDF_i8_0.kiln; do
  name=$(basename "$blob" .kiln)
  sign=("$kiln" sign "$blob" --counter 3 --target cortex-m4)
  "${sign[@]}" --key $keys/ed25519.key -o "$seeds/container/$name.kilnc" >/dev/null
  "${sign[@]}" --key $keys/p256.key -o "$seeds/container/${name}_p256.kilnc" >/dev/null
  "${sign[@]}" --key $keys/ed25519.key --encrypt-for $keys/aes-kw.key -o "$seeds/container/${name}_kw.kilnc" >/dev/null
  "${sign[@]}" --key $keys/p256.key --encrypt-for $keys/x25519.pub -o "$seeds/container/${name}_x25519.kilnc" >/dev/null
done
# The updater's input changes its provisioned flash: no change at all, and
# a last byte or two, are its seeds.
printf '\0' >"$seeds/updater/unchanged"
head -c 2048 /dev/zero >"$seeds/updater/journal_unchanged"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in "${targets[@]}"; do
  mkdir -p "$build/corpus/$target"
  if [ -n "${KILN_FUZZ_SECONDS:-}" ]; then
    limit=(-max_total_time="$KILN_FUZZ_SECONDS")
  else
    # Blob inputs run whole inferences, updater inputs two boots and a
    # download: fewer of them in the same time.
    case $target in
      blob | updater) target_runs=$((runs / 5)) ;;
      *) target_runs=$runs ;;
    esac
    limit=(-runs="$target_runs" -seed=1)
  fi
  echo "fuzzing $target: ${limit[*]}"
  "$build/tests/fuzz/fuzz_$target" "${limit[@]}" -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz_$target-" "$build/corpus/$target" "$seeds/$target" >"$build/fuzz_$target.log" 2>&1 ||
    { tail -40 "$build/fuzz_$target.log"; exit 1; }
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$build/fuzz_$target.log"
done
