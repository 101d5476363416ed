// Running a model over images with kiln's runtime on the host: the exported
// int8 model's predictions (what the device will answer, not what the float
// graph does) and a teacher's logits for distillation, from any model kiln
// runs.
#ifndef KILN_COMPILER_TRAIN_RUNTIME_OUTPUTS_H
#define KILN_COMPILER_TRAIN_RUNTIME_OUTPUTS_H

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compiler/train/graph_module.h"

namespace kiln {
namespace train {

using Progress = std::function<void(size_t done, size_t total)>;

// A contiguous tensor's bytes, as a runner's input takes them.
std::vector<uint8_t> tensor_bytes(const torch::Tensor& contiguous);

// Float images as an int8 input with this scale and zero point takes them.
torch::Tensor quantize_images(const torch::Tensor& images, float scale, int32_t zero_point);

// Output 0 for each of `images` ([N, ...] float, kiln's layout) as real
// values (int8 dequantized), [N, outputs], running the compiled `blob`;
// images are quantized to an int8 input as the input's scale and zero point
// say.
torch::Tensor runtime_outputs(const std::vector<uint8_t>& blob, const torch::Tensor& images,
                              const Progress& progress = {});

// Output 0's argmax for each of `images` ([N, ...] float, kiln's layout),
// running the compiled `blob`; images are quantized to an int8 input as the
// input's scale and zero point say.
torch::Tensor runtime_predictions(const std::vector<uint8_t>& blob, const torch::Tensor& images,
                                  const Progress& progress = {});

// A model whose logits distillation learns from: a .tflite or .onnx model
// (float or int8), whose final softmax is left out, or a .kiln blob, whose
// outputs are taken as logits, or as probabilities (log taken) when they are
// a softmax's. A float model whose ops libtorch runs goes through
// GraphModule, fast enough to score every augmented batch; anything else is
// compiled once and run by kiln's runtime. Throws Error naming the file for
// a model that is not one, or whose input does not take the images.
class Teacher {
 public:
  explicit Teacher(const std::string& path);

  // The logits for each of `images` ([N, classes] float).
  torch::Tensor logits(const torch::Tensor& images, const Progress& progress = {});

  // "libtorch" or "kiln's runtime".
  const char* engine() const { return module_ ? "libtorch" : "kiln's runtime"; }

 private:
  std::string path_;
  std::shared_ptr<GraphModule> module_;
  std::vector<int32_t> input_shape_;  // the module's
  std::vector<uint8_t> blob_;
  bool blob_gives_logits_ = true;
};

// Teacher(path).logits(images, progress).
torch::Tensor teacher_logits(const std::string& path, const torch::Tensor& images,
                             const Progress& progress = {});

}  // namespace train
}  // namespace kiln

#endif
