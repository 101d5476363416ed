#include "compiler/train/int8_export.h"

namespace kiln {
namespace train {
namespace {

std::vector<uint8_t> bytes_of(const torch::Tensor& contiguous) {
  const auto* data = static_cast<const uint8_t*>(contiguous.data_ptr());
  return {data, data + contiguous.numel() * static_cast<int64_t>(contiguous.element_size())};
}

}  // namespace

QuantizeResult quantize_trained(const GraphModule& model, const torch::Tensor& calibration) {
  std::vector<std::vector<std::vector<uint8_t>>> samples;
  const torch::Tensor images = calibration.to(torch::kFloat32).contiguous();
  for (int64_t i = 0; i < images.size(0); ++i) samples.push_back({bytes_of(images[i])});
  QuantizeOptions options;
  options.ranges = model.quantizer().ranges();
  return quantize_post_training(model.trained(), samples, options);
}

}  // namespace train
}  // namespace kiln
