#include "compiler/train/fake_quantization.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "compiler/common/error.h"
#include "compiler/compress/cluster.h"
#include "compiler/quantize/ptq.h"

namespace kiln {
namespace train {
namespace {

// A tensor shaped to multiply dim 0 of `like` (one value per output channel).
torch::Tensor per_channel(const torch::Tensor& values, const torch::Tensor& like) {
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = values.numel();
  return values.numel() == 1 ? values : values.reshape(shape);
}

// The straight-through estimator: forward gives `quantized`, backward the
// gradient of `x`.
torch::Tensor straight_through(const torch::Tensor& x, const torch::Tensor& quantized) {
  return x + (quantized - x).detach();
}

Range merged(const std::optional<Range>& a, Range b) {
  return a ? Range{std::min(a->min, b.min), std::max(a->max, b.max)} : b;
}

}  // namespace

torch::Tensor weight_scales(const torch::Tensor& w, bool per_channel_scales, int32_t levels) {
  torch::NoGradGuard no_grad;
  const torch::Tensor magnitude = w.detach().abs();
  const torch::Tensor max_abs = per_channel_scales && w.dim() > 1
                                    ? magnitude.reshape({w.size(0), -1}).amax(1)
                                    : magnitude.max().reshape({1});
  // max / levels in float, as quantize_post_training divides.
  return torch::where(max_abs > 0, max_abs / static_cast<float>(levels), torch::ones_like(max_abs));
}

torch::Tensor fake_quantize_weights(const torch::Tensor& w, const torch::Tensor& scales,
                                    int32_t levels) {
  const torch::Tensor s = per_channel(scales, w);
  torch::Tensor rounded;
  {
    torch::NoGradGuard no_grad;
    rounded = torch::clamp(torch::round(w.detach() / s), -levels, levels);
  }
  return straight_through(w, rounded * s);
}

torch::Tensor fake_cluster_weights(const torch::Tensor& w, const torch::Tensor& scales,
                                   int32_t clusters) {
  const torch::Tensor s = per_channel(scales, w);
  torch::Tensor shared;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor levels =
        torch::clamp(torch::round(w.detach() / s), -kInt8WeightLevels, kInt8WeightLevels);
    const torch::Tensor index = (levels + 128).to(torch::kLong).reshape({-1});
    const torch::Tensor weight = (s * s).expand_as(levels).reshape({-1}).to(torch::kFloat64);
    const torch::Tensor histogram =
        torch::zeros({256}, torch::kFloat64).index_add_(0, index, weight).contiguous();
    Int8Histogram h{};
    std::copy_n(histogram.data_ptr<double>(), h.size(), h.begin());
    const Int8Mapping mapping = optimal_int8_centres(h, clusters);
    torch::Tensor centres = torch::empty({256}, torch::kFloat32);
    for (size_t v = 0; v < mapping.size(); ++v) {
      centres[static_cast<int64_t>(v)] = static_cast<float>(mapping[v]);
    }
    shared = centres.index_select(0, index).reshape(levels.sizes()) * s;
  }
  return straight_through(w, shared);
}

torch::Tensor fake_binarize_weights(const torch::Tensor& w, bool per_channel_scales,
                                    torch::Tensor* scales) {
  torch::Tensor binary;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor magnitude = w.detach().abs().reshape({w.size(0), -1}).mean(1);
    const torch::Tensor top = per_channel_scales ? magnitude : magnitude.max().reshape({1});
    *scales =
        torch::where(top > 0, top / static_cast<float>(kInt8WeightLevels), torch::ones_like(top));
    const torch::Tensor levels =
        torch::clamp(torch::round(magnitude / *scales), 0, kInt8WeightLevels);
    const torch::Tensor ones = torch::ones_like(w);
    const torch::Tensor signs = torch::where(w.detach() >= 0, ones, -ones);
    binary = signs * per_channel(levels * *scales, w);
  }
  return straight_through(w, binary);
}

torch::Tensor fake_quantize_bias(const torch::Tensor& bias, double input_scale,
                                 const torch::Tensor& weight_scales) {
  torch::Tensor quantized;
  {
    torch::NoGradGuard no_grad;
    // In double, as quantize_bias computes the int32 levels.
    const torch::Tensor scale = weight_scales.to(torch::kFloat64) * input_scale;
    const torch::Tensor levels = torch::clamp(
        torch::round(bias.detach().to(torch::kFloat64) / scale), -2147483647.0, 2147483647.0);
    quantized = (levels * scale).to(torch::kFloat32);
  }
  return straight_through(bias, quantized);
}

ActivationQuantizer::ActivationQuantizer(const ir::Graph& graph, double momentum)
    : momentum_(momentum), group_(quantization_groups(graph)) {
  const size_t n = graph.tensors.size();
  for (const ir::Tensor& t : graph.tensors) names_.push_back(t.name);
  fixed_.resize(n);
  range_.resize(n);
  batch_.resize(n);
  used_.assign(n, false);
  binary_.assign(n, false);
  positive_sum_.assign(n, 0.0);
  positive_count_.assign(n, 0.0);
  for (const ir::Op& op : graph.ops) {
    AffineQuantization q;
    if (fixed_output_quantization(op.kind, &q))
      fixed_[static_cast<size_t>(group_[static_cast<size_t>(op.outputs[0])])] = q;
  }
}

void ActivationQuantizer::begin_batch() { std::fill(batch_.begin(), batch_.end(), std::nullopt); }

void ActivationQuantizer::end_batch(bool training) {
  for (size_t g = 0; g < batch_.size(); ++g) {
    if (!batch_[g]) continue;
    if (mode_ == Mode::kObserve || !range_[g]) {
      range_[g] = merged(range_[g], *batch_[g]);
    } else if (mode_ == Mode::kQuantize && training) {
      const auto m = static_cast<float>(momentum_);
      range_[g]->min += m * (batch_[g]->min - range_[g]->min);
      range_[g]->max += m * (batch_[g]->max - range_[g]->max);
    }
  }
  std::fill(batch_.begin(), batch_.end(), std::nullopt);
}

torch::Tensor ActivationQuantizer::apply(int tensor, const torch::Tensor& x) {
  if (mode_ == Mode::kOff) return x;
  const auto t = static_cast<size_t>(tensor);
  const auto g = static_cast<size_t>(group_[t]);
  used_[t] = true;
  if (binary_[g]) {
    if (mode_ == Mode::kObserve) {
      const torch::Tensor positive = x.detach().clamp_min(0.0);
      positive_sum_[g] += positive.sum().item<double>();
      positive_count_[g] += static_cast<double>((positive > 0).sum().item<int64_t>());
      return x;
    }
    const AffineQuantization q = quantization(tensor);
    return torch::fake_quantize_per_tensor_affine(
        x, q.scale, q.zero_point, kBinaryActivationZeroPoint, kBinaryActivationZeroPoint + 1);
  }
  if (!fixed_[g]) {
    const auto [lo, hi] = torch::aminmax(x.detach());
    const Range batch{lo.item<float>(), hi.item<float>()};
    if (std::isfinite(batch.min) && std::isfinite(batch.max)) batch_[g] = merged(batch_[g], batch);
  }
  if (mode_ != Mode::kQuantize) return x;
  const AffineQuantization q = quantization(tensor);
  return torch::fake_quantize_per_tensor_affine(x, q.scale, q.zero_point, -128, 127);
}

void ActivationQuantizer::set_binary(const std::set<int>& tensors) {
  for (int t : tensors) binary_[static_cast<size_t>(group_[static_cast<size_t>(t)])] = true;
}

float ActivationQuantizer::binary_step(size_t group) const {
  if (positive_count_[group] == 0.0) return 1.0f;  // never positive: any step gives 0
  return static_cast<float>(2.0 * positive_sum_[group] / positive_count_[group]);
}

std::map<std::string, float> ActivationQuantizer::binary_steps() const {
  std::map<std::string, float> by_name;
  for (size_t t = 0; t < used_.size(); ++t) {
    const auto g = static_cast<size_t>(group_[t]);
    if (used_[t] && binary_[g]) by_name[names_[t]] = binary_step(g);
  }
  return by_name;
}

AffineQuantization ActivationQuantizer::quantization(int tensor) const {
  const auto g = static_cast<size_t>(group_[static_cast<size_t>(tensor)]);
  if (binary_[g]) return {binary_step(g), kBinaryActivationZeroPoint};
  if (fixed_[g]) return *fixed_[g];
  if (!range_[g]) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("activation '{}' has no range yet: observe a batch before "
                            "quantization-aware training",
                            names_[static_cast<size_t>(tensor)]));
  }
  return affine_int8(*range_[g]);
}

std::map<std::string, Range> ActivationQuantizer::ranges() const {
  std::map<std::string, Range> by_name;
  for (size_t t = 0; t < used_.size(); ++t) {
    const auto g = static_cast<size_t>(group_[t]);
    if (used_[t] && !fixed_[g] && !binary_[g] && range_[g]) by_name[names_[t]] = *range_[g];
  }
  return by_name;
}

}  // namespace train
}  // namespace kiln
