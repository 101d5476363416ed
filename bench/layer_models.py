#!/usr/bin/env python3
"""Writes single-layer models at realistic sizes for `kiln bench`, made from
TFLite Micro's single-op conformance models (../shared/conformance/tflm_ops)
by resizing their tensors and filling the constants with seeded random values
(flatc converts the model to JSON and back; the quantization is the case's).

    bench/layer_models.py OUT_DIR
    kiln bench OUT_DIR/depthwise_16x8.tflite --target cortex-m4

depthwise_16x8.tflite: DEPTHWISE_CONV_2D, 16x8, 25x5x64, 3x3, SAME (72,000 MACs)
lstm_int8.tflite, lstm_16x8.tflite: UNIDIRECTIONAL_SEQUENCE_LSTM, 25 steps of
40 inputs, 64 units (665,600 MACs)
"""
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "compiler", "tflite", "tflite_schema.fbs")
CASES = os.path.join(os.environ.get("KILN_SHARED_DIR", os.path.join(ROOT, "..", "shared")),
                     "conformance", "tflm_ops")
SIZES = {"INT8": 1, "INT16": 2, "INT32": 4, "INT64": 8}


def load(case, work):
    model = os.path.join(CASES, case, "model.tflite")
    subprocess.run(["flatc", "--json", "--raw-binary", "--strict-json", "--defaults-json", "-o",
                    work, SCHEMA, "--", model], check=True)
    with open(os.path.join(work, "model.json")) as f:
        return json.load(f)


def save(model, path, work):
    name = os.path.splitext(os.path.basename(path))[0]
    with open(os.path.join(work, name + ".json"), "w") as f:
        json.dump(model, f)
    subprocess.run(["flatc", "-b", "-o", work, SCHEMA, os.path.join(work, name + ".json")],
                   check=True)
    os.replace(os.path.join(work, name + ".bin"), path)


def resize(model, shapes, rng):
    """Gives each named tensor its shape, and constants random values."""
    graph = model["subgraphs"][0]
    for tensor in graph["tensors"]:
        if tensor["name"] not in shapes:
            continue
        tensor["shape"] = shapes[tensor["name"]]
        quant = tensor.get("quantization", {})
        channels = quant.get("scale", [])
        if len(channels) > 1:  # per channel: one scale per entry of the new axis
            count = tensor["shape"][quant.get("quantized_dimension", 0)]
            quant["scale"] = [channels[i % len(channels)] for i in range(count)]
            quant["zero_point"] = [0] * count
        buffer = model["buffers"][tensor["buffer"]]
        if buffer.get("data"):
            size = SIZES[tensor["type"]]
            elements = 1
            for d in tensor["shape"]:
                elements *= d
            data = []
            for _ in range(elements):
                value = rng.randint(-127, 127) if size == 1 else rng.randint(-3000, 3000)
                data += list((value % (1 << (8 * size))).to_bytes(size, "little"))
            buffer["data"] = data


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as work:
        model = load("DEPTHWISE_CONV_2D/i16x8_0", work)
        resize(model, {"input": [1, 25, 5, 64], "filter": [1, 3, 3, 64], "bias": [64],
                       "output": [1, 25, 5, 64]}, rng)
        options = model["subgraphs"][0]["operators"][0]["builtin_options"]
        options.update(padding="SAME", stride_w=1, stride_h=1, depth_multiplier=1)
        save(model, os.path.join(out, "depthwise_16x8.tflite"), work)

        for case, name in (("i8_0", "lstm_int8"), ("i16x8_0", "lstm_16x8")):
            model = load("UNIDIRECTIONAL_SEQUENCE_LSTM/" + case, work)
            steps, inputs, units = 25, 40, 64
            time_major = model["subgraphs"][0]["operators"][0]["builtin_options"]["time_major"]
            shapes = {"input": [steps, 1, inputs] if time_major else [1, steps, inputs],
                      "output": [steps, 1, units] if time_major else [1, steps, units],
                      "output_state": [1, units], "cell_state": [1, units]}
            for tensor in model["subgraphs"][0]["tensors"]:
                n = tensor["name"]
                if n.startswith("input_to_"):
                    shapes[n] = [units, inputs]
                elif n.startswith("recurrent_to_"):
                    shapes[n] = [units, units]
                elif n.endswith("_bias"):
                    shapes[n] = [units]
            resize(model, shapes, rng)
            save(model, os.path.join(out, name + ".tflite"), work)


if __name__ == "__main__":
    main()
