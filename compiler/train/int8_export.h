// From a trained module to kiln's int8 model, and that model's predictions
// through kiln's runtime, so that training reports what the device will
// compute, not what the float graph does.
#ifndef KILN_COMPILER_TRAIN_INT8_EXPORT_H
#define KILN_COMPILER_TRAIN_INT8_EXPORT_H

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/quantize/ptq.h"
#include "compiler/train/graph_module.h"

namespace kiln {
namespace train {

// The trained graph quantized by quantize_post_training, calibrated on
// `calibration` ([N, ...] float, kiln's layout). When the module's quantizer
// holds ranges (quantization-aware training), those ranges are the int8
// model's: its weights, biases and activations are then quantized exactly as
// the training graph simulated them.
QuantizeResult quantize_trained(const GraphModule& model, const torch::Tensor& calibration);

// Output 0's argmax for each of `images` ([N, ...] float, kiln's layout),
// running the compiled `blob` on the host with kiln's runtime; images are
// quantized to an int8 input as the input's scale and zero point say.
// `progress` gets (done, total) images.
torch::Tensor runtime_predictions(const std::vector<uint8_t>& blob, const torch::Tensor& images,
                                  const std::function<void(size_t, size_t)>& progress = {});

}  // namespace train
}  // namespace kiln

#endif
