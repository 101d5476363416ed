// `kiln quantize` as one call: a float model file, calibrated on a directory
// of samples, written as an int8 .tflite or .kiln file.
#ifndef KILN_COMPILER_QUANTIZE_QUANTIZE_FILE_H
#define KILN_COMPILER_QUANTIZE_QUANTIZE_FILE_H

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/pipeline/compile.h"
#include "compiler/quantize/ptq.h"

namespace kiln {

struct QuantizeFileOptions {
  std::string
      calibration_dir;  // samples in the model's input type and source layout (eval/dataset.h)
  size_t limit = 0;     // first samples only (0: all)
  std::string target = "portable";  // kernel variants of a .kiln output
  QuantizeOptions quantize;
};

struct QuantizedFile {
  QuantizeResult result;
  CompiledModel compiled;     // the int8 graph compiled for the target
  std::vector<uint8_t> file;  // what was written
  size_t samples = 0;
  double calibration_seconds = 0;
  uint64_t weight_bytes() const;
};

// Writes `output` (.tflite: TFLite's int8 scheme; .kiln: the compiled blob).
// Compiling the result checks that every op has an int8 kernel.
QuantizedFile quantize_file(const std::string& model, const std::string& output,
                            const QuantizeFileOptions& options);

// The samples in `dir` (the graph's input types, source layout) as
// quantize_post_training takes them: per sample, per input, kiln's layout.
std::vector<std::vector<std::vector<uint8_t>>> calibration_samples(const ir::Graph& graph,
                                                                   const std::string& dir,
                                                                   size_t limit);

// Applies "NAME=METHOD" (`--tensor-method`): Error(kUsage) if malformed.
void add_tensor_method(const std::string& spec, QuantizeOptions* options);

// One line per activation: range observed and chosen, scale, zero point.
std::string activation_table(const QuantizeResult& result);

}  // namespace kiln

#endif
