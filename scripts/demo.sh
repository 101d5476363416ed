#!/usr/bin/env bash
# kiln's main job end to end on real data: train a small CNN on Fashion-MNIST
# (Debian's dataset-fashion-mnist) with libtorch, quantization-aware, and
# export the int8 model (kiln train prints the float, post-training and
# quantization-aware int8 accuracy on all 10,000 test images, the int8 ones
# through kiln's runtime); analyze and compile it for the Cortex-M4; run test
# images on the emulated M4, whose outputs must equal the host's; report
# accuracy, flash, RAM and instructions per inference there; write the HTML
# report of the model on an STM32L4R5 (build/demo/report.html).
# KILN_DEMO_EPOCHS (default 8) sets the float epochs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_BUILD_TESTS=OFF -DKILN_BUILD_BENCH=OFF >/dev/null
cmake --build build --target kiln firmware-cortex-m4

out=build/demo
mkdir -p "$out"
kiln=build/tools/kiln/kiln
echo
"$kiln" train --arch cnn --epochs "${KILN_DEMO_EPOCHS:-8}" --qat-epochs 1 \
  --float-output "$out/fashion_cnn_float.tflite" -o "$out/fashion_cnn_int8.tflite" \
  --samples "$out/test_images" --sample-count 100 --report "$out/training.json"
echo
"$kiln" analyze "$out/fashion_cnn_int8.tflite" --target cortex-m4
echo
"$kiln" convert "$out/fashion_cnn_int8.tflite" --target cortex-m4 -o "$out/fashion_cnn.kiln"
echo
echo "the int8 model on the host and on the emulated Cortex-M4, 100 test images:"
"$kiln" validate "$out/fashion_cnn_int8.tflite" "$out/fashion_cnn.kiln" --target cortex-m4 \
  --data "$out/test_images" --labels "$out/test_images/labels.txt" | tee "$out/validate_m4.txt"
if grep -q 'max |a-b| 0$' "$out/validate_m4.txt"; then
  echo "the Cortex-M4 gives the host's outputs byte for byte on every image"
else
  echo "the Cortex-M4's outputs differ from the host's" >&2
  exit 1
fi
echo
"$kiln" bench "$out/fashion_cnn.kiln" --target cortex-m4 --input "$out/test_images/t10k_00000.bin"
echo
"$kiln" report "$out/fashion_cnn_int8.tflite" --part STM32L4R5 --cores cortex-m4 \
  --input "$out/test_images/t10k_00000.bin" --rate 1 --battery 220,3 \
  --data "$out/test_images" --labels "$out/test_images/labels.txt" \
  --reference "$out/fashion_cnn_float.tflite" -o "$out/report.html"
echo "open $out/report.html: fit, estimated cycles and energy on an STM32L4R5, the memory plan, float vs int8 accuracy"
echo
echo "shipping it: signed, encrypted for one device, installed on its flash (an image file) and confirmed:"
rm -f "$out/signer".* "$out/device".* "$out/flash.img" "$out/flash.img.layout.json"
"$kiln" keygen --type ed25519 -o "$out/signer"
"$kiln" keygen --type x25519 -o "$out/device"
"$kiln" sign "$out/fashion_cnn.kiln" --key "$out/signer.key" --counter 1 --target cortex-m4 \
  --model-id fashion_cnn --encrypt-for "$out/device.pub" -o "$out/fashion_cnn.kilnc"
"$kiln" device format "$out/flash.img" --slot-size 524288
device_keys=(--key "$out/signer.pub" --key "$out/device.key" --target cortex-m4)
"$kiln" device install "$out/flash.img" "$out/fashion_cnn.kilnc" "${device_keys[@]}"
"$kiln" device boot "$out/flash.img" "${device_keys[@]}" -o "$out/booted.kiln"
if cmp -s "$out/booted.kiln" "$out/fashion_cnn.kiln"; then
  echo "the device booted the model byte for byte"
else
  echo "the device booted something else" >&2
  exit 1
fi
"$kiln" device confirm "$out/flash.img"
