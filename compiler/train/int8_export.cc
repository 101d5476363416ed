#include "compiler/train/int8_export.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/common/error.h"
#include "compiler/exec/host_runner.h"

namespace kiln {
namespace train {
namespace {

std::vector<uint8_t> bytes_of(const torch::Tensor& contiguous) {
  const auto* data = static_cast<const uint8_t*>(contiguous.data_ptr());
  return {data, data + contiguous.numel() * static_cast<int64_t>(contiguous.element_size())};
}

// Index of the largest value (the first of equal ones, as torch's argmax).
template <typename T>
int64_t argmax(const std::vector<uint8_t>& bytes) {
  const size_t n = bytes.size() / sizeof(T);
  int64_t best = 0;
  T best_value{};
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, &bytes[i * sizeof(T)], sizeof(T));
    if (i == 0 || v > best_value) {
      best = static_cast<int64_t>(i);
      best_value = v;
    }
  }
  return best;
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

torch::Tensor runtime_predictions(const std::vector<uint8_t>& blob, const torch::Tensor& images,
                                  const std::function<void(size_t, size_t)>& progress) {
  HostRunner runner(blob);
  if (runner.inputs().size() != 1 || runner.outputs().empty()) {
    throw Error(ErrorKind::kUnsupported, "predictions need a model with one input");
  }
  const TensorPort& in = runner.inputs()[0];
  const TensorPort& out = runner.outputs()[0];
  torch::Tensor values = images.to(torch::kFloat32);
  if (in.dtype == KILN_DTYPE_INT8 && in.quantized()) {
    values =
        torch::clamp(torch::round(values / in.scale) + in.zero_point, -128, 127).to(torch::kInt8);
  } else if (in.dtype != KILN_DTYPE_FLOAT32) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("input '{}' is neither float nor quantized int8", in.name));
  }
  if (out.dtype != KILN_DTYPE_INT8 && out.dtype != KILN_DTYPE_FLOAT32) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("output '{}' is neither float nor int8", out.name));
  }
  values = values.contiguous();
  const auto n = static_cast<size_t>(values.size(0));
  std::vector<int64_t> predicted(n);
  for (size_t i = 0; i < n; ++i) {
    runner.set_input(0, bytes_of(values[static_cast<int64_t>(i)]));
    runner.invoke();
    const std::vector<uint8_t> bytes = runner.output(0);
    predicted[i] = out.dtype == KILN_DTYPE_INT8 ? argmax<int8_t>(bytes) : argmax<float>(bytes);
    if (progress) progress(i + 1, n);
  }
  return torch::tensor(predicted, torch::kInt64);
}

}  // namespace train
}  // namespace kiln
