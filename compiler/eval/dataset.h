// Sample data for calibration and validation: a directory of input files in
// a model's input type and its source layout (NCHW for ONNX models).
#ifndef KILN_COMPILER_EVAL_DATASET_H
#define KILN_COMPILER_EVAL_DATASET_H

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/exec/runner.h"

namespace kiln {

struct Dataset {
  std::vector<std::string> names;  // per sample: its file, or its prefix
  std::vector<std::vector<std::vector<uint8_t>>>
      samples;  // [sample][input]: bytes as the files hold them
};

// The .bin and .npy files of a directory, in name order. Error(kFileNotFound)
// when it cannot be opened.
std::vector<std::string> sample_files(const std::string& dir);

// Reads a directory in file-name order. Each `.bin` (raw little-endian) or
// `.npy` file is one sample of a single-input model; files named
// `<prefix>_in<i>.bin` (or .npy) are input i of sample <prefix>, the form
// ../shared/testvectors uses and the one models with several inputs need.
// `limit` > 0 keeps the first samples only. Every file is checked against its
// input: a wrong size or .npy shape is Error(kBadInput) naming the file, both
// shapes and `what` ("calibration sample").
Dataset load_dataset(const std::string& dir, const std::vector<TensorPort>& inputs, size_t limit,
                     const char* what);

// Class labels for a dataset: a text file with one integer per sample in
// the dataset's order, or lines "<sample name> <label>". Error(kBadInput)
// naming the line for anything else or a missing sample.
std::vector<int> load_labels(const std::string& path, const Dataset& data);

}  // namespace kiln

#endif
