// Comparing two models on the same inputs: a float model and its int8
// version, a .tflite and an .onnx, a model and its compiled blob, the host
// and an emulated core. Outputs are compared as real values (int8 dequantized)
// in kiln's layout; models given as .tflite or .onnx are also compared layer
// by layer, tensor by tensor of the same name.
#ifndef KILN_COMPILER_EVAL_VALIDATE_H
#define KILN_COMPILER_EVAL_VALIDATE_H

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct ValidateOptions {
  std::string target_b = "host";  // where model B runs: host, or an emulated core
  std::string labels;             // a labels file (dataset.h), or empty
  double threshold = 0.05;        // relative L2 error that counts as diverging
  size_t limit = 0;               // first samples only (0: all)
  std::function<void(size_t done, size_t total)> progress;
};

// Differences between two tensors' values (a is the reference).
struct Difference {
  double rmse = 0, mae = 0, max_abs_diff = 0;
  double l2r = 0;     // ||a - b|| / ||a||
  double cosine = 0;  // a . b / (||a|| ||b||)
};

struct LayerDifference {
  std::string name, op;
  Difference diff;
};

struct ValidateReport {
  size_t samples = 0;
  Difference outputs;
  double top1_agreement = 0;  // fraction of samples whose output-0 argmax agree
  std::optional<double> accuracy_a, accuracy_b;
  // With labels: samples per [label][output-0 argmax], of each model.
  std::vector<std::vector<uint32_t>> confusion_a, confusion_b;
  bool layers_compared = false;         // both models are graphs (.tflite / .onnx) run on the host
  std::vector<LayerDifference> layers;  // in model A's op order
  std::string first_divergent_layer;    // first layer with l2r > threshold; empty if none
};

// Data in `data_dir` is in model A's input type and layout; model B receives
// it converted (quantized or dequantized) to its own input type. Throws
// Error naming the file or model for inputs that do not fit.
ValidateReport validate_models(const std::string& model_a, const std::string& model_b,
                               const std::string& data_dir, const ValidateOptions& options);

// The report as JSON (`kiln validate --json`) and as text; layers whose l2r
// exceeds `threshold` are marked.
nlohmann::json to_json(const ValidateReport& report);
std::string to_table(const ValidateReport& report, double threshold);

// Accumulates a Difference over any number of value pairs.
class DifferenceMeter {
 public:
  void add(const std::vector<float>& a, const std::vector<float>& b);
  Difference result() const;

 private:
  double count_ = 0, sum_sq_ = 0, sum_abs_ = 0, max_abs_ = 0, a_sq_ = 0, b_sq_ = 0, dot_ = 0;
};

}  // namespace kiln

#endif
