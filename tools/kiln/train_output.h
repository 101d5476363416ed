// What kiln train writes: models, test samples, progress and the report's
// epochs.
#ifndef KILN_TOOLS_KILN_TRAIN_OUTPUT_H
#define KILN_TOOLS_KILN_TRAIN_OUTPUT_H

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/train/fashion_mnist.h"
#include "compiler/train/trainer.h"

namespace kiln {
namespace cli {

// Writes `graph` as a .tflite file (TFLite's schema, float or int8), a float
// .onnx file, or, for a path ending in .kiln, a blob compiled for `target`,
// its filters entropy-coded if `entropy` (CompileOptions::entropy_weights).
// Returns its bytes.
size_t write_model(const ir::Graph& graph, const std::string& path, const std::string& target,
                   bool entropy = false);

// One line per batch on a terminal: the epoch's bar, loss, accuracy and the
// time left; none elsewhere (each epoch's summary line follows anyway).
std::function<void(const train::BatchProgress&)> batch_progress();

// The first `count` test images as sample files in `model`'s input type
// (float, or int8 quantized as its input says) and labels.txt, in the form
// kiln validate and kiln run read (eval/dataset.h).
void write_test_samples(const std::string& dir, int64_t count, const train::LabelledImages& test,
                        const ir::Graph& model);

// "epoch N: loss ..., training accuracy ..., validation accuracy ... (s)".
void print_epoch(const train::EpochReport& r);

nlohmann::json epochs_json(const std::vector<train::EpochReport>& epochs);

}  // namespace cli
}  // namespace kiln

#endif
