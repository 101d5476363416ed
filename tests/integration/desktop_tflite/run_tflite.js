// Runs a .tflite model with desktop TFLite (its WebAssembly build, with
// XNNPACK) the way a user's tools would:
//   node run_tflite.js WASM_DIR MODEL OUTPUT_PREFIX INPUT...
// Inputs are raw little-endian tensors; output i is written to
// OUTPUT_PREFIX<i>.bin. Exit codes: 3 the model does not load, 4 inference
// fails, 5 anything else.
'use strict';
const fs = require('fs');
const path = require('path');

const [wasmDir, modelPath, outputPrefix, ...inputs] = process.argv.slice(2);
const factory = require(path.join(wasmDir, 'tflite_web_api_cc.js'));
factory({wasmBinary: fs.readFileSync(path.join(wasmDir, 'tflite_web_api_cc.wasm'))})
    .then((tflite) => {
      const model = fs.readFileSync(modelPath);
      const buffer = tflite._malloc(model.length);
      tflite.HEAPU8.set(model, buffer);
      const created = tflite.TFLiteWebModelRunner.CreateFromBufferAndOptions(
          buffer, model.length, {numThreads: 1, enableProfiling: false, maxProfilingBufferEntries: 1024});
      if (!created.ok()) {
        console.error('tflite: cannot load ' + modelPath + ': ' + created.errorMessage());
        process.exit(3);
      }
      const runner = created.value();
      const tensors = runner.GetInputs();
      if (tensors.size() !== inputs.length) {
        console.error(`tflite: the model has ${tensors.size()} inputs, ${inputs.length} given`);
        process.exit(5);
      }
      for (let i = 0; i < inputs.length; ++i) {
        const data = tensors.get(i).data();
        const bytes = fs.readFileSync(inputs[i]);
        if (bytes.length !== data.byteLength) {
          console.error(`tflite: input ${i} takes ${data.byteLength} bytes, ${inputs[i]} has ${bytes.length}`);
          process.exit(5);
        }
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
      }
      if (!runner.Infer()) {
        console.error('tflite: inference failed');
        process.exit(4);
      }
      const outputs = runner.GetOutputs();
      for (let i = 0; i < outputs.size(); ++i) {
        const data = outputs.get(i).data();
        fs.writeFileSync(outputPrefix + i + '.bin', Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      }
    })
    .catch((e) => {
      console.error('tflite: ' + e);
      process.exit(5);
    });
