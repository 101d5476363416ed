#!/usr/bin/env bash
# kiln train beside PyTorch (Debian's python3-torch, bench/train_pytorch.py)
# in one run: the same architecture, epochs and hyper-parameters, one after
# the other with the same threads. Prints both test accuracies, their
# difference and the ratio of training wall times (kiln / PyTorch).
#   bench/train_side_by_side.sh [BUILD_DIR] [ARCH] [EPOCHS] [THREADS]
set -euo pipefail
build=${1:-build}
arch=${2:-cnn}
epochs=${3:-10}
threads=${4:-2}
python=${PYTHON:-/usr/bin/python3}  # Debian's, where python3-torch is
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tools/kiln/kiln" train --arch "$arch" --epochs "$epochs" --threads "$threads" \
  -o "$work/model.tflite" --report "$work/kiln.json" >/dev/null
"$python" "$(dirname "$0")/train_pytorch.py" --arch "$arch" --epochs "$epochs" \
  --threads "$threads" >"$work/pytorch.json"
"$python" - "$work/kiln.json" "$work/pytorch.json" <<'PY'
import json, sys
kiln, torch = (json.load(open(p)) for p in sys.argv[1:3])
print(f"{kiln['architecture']}, {kiln['parameters']} parameters, {len(kiln['epochs'])} epochs")
print(f"kiln train:  test accuracy {kiln['test_accuracy']:.4f}, {kiln['training_seconds']:.1f} s")
print(f"PyTorch {torch['torch']}: test accuracy {torch['test_accuracy']:.4f}, "
      f"{torch['training_seconds']:.1f} s")
print(f"difference {100 * (kiln['test_accuracy'] - torch['test_accuracy']):+.2f} points; "
      f"wall time kiln / PyTorch {kiln['training_seconds'] / torch['training_seconds']:.2f}")
PY
