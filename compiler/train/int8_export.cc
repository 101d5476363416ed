#include "compiler/train/int8_export.h"

#include "compiler/train/runtime_outputs.h"

namespace kiln {
namespace train {

QuantizeResult quantize_trained(const GraphModule& model, const torch::Tensor& calibration) {
  std::vector<std::vector<std::vector<uint8_t>>> samples;
  const torch::Tensor images = calibration.to(torch::kFloat32).contiguous();
  for (int64_t i = 0; i < images.size(0); ++i) samples.push_back({tensor_bytes(images[i])});
  QuantizeOptions options;
  options.ranges = model.quantizer().ranges();
  options.weight_levels = model.weight_levels();
  options.binary_weights = model.binary_weights();
  options.weight_layers = model.weight_layers();
  options.binary_activations = model.quantizer().binary_steps();
  return quantize_post_training(model.trained(), samples, options);
}

}  // namespace train
}  // namespace kiln
