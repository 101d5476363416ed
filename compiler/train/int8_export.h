// From a trained module to kiln's int8 model.
#ifndef KILN_COMPILER_TRAIN_INT8_EXPORT_H
#define KILN_COMPILER_TRAIN_INT8_EXPORT_H

#include <torch/torch.h>

#include <cstdint>
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

}  // namespace train
}  // namespace kiln

#endif
