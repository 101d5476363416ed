// Quantization-aware training: the float forward pass sees the rounding and
// clipping of the int8 model kiln will make from it. Each value is quantized
// and dequantized as quantize_post_training quantizes it (per-channel
// symmetric weights, biases at input scale x weight scale, per-tensor
// asymmetric activations with TFLite's zero-point nudging, fixed output
// quantization for softmax, logistic and tanh), and gradients pass straight
// through the rounding (and stop where an activation clips).
#ifndef KILN_COMPILER_TRAIN_FAKE_QUANTIZATION_H
#define KILN_COMPILER_TRAIN_FAKE_QUANTIZATION_H

#include <torch/torch.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/quantize/calibration.h"

namespace kiln {
namespace train {

// Symmetric weight scales, max|w| / levels (127 for int8, 7 for int4): per
// output channel (dim 0 of libtorch's layout) or one for the tensor. A
// channel of zeros gets 1.
torch::Tensor weight_scales(const torch::Tensor& w, bool per_channel, int32_t levels = 127);

// w's values after quantization and back (levels rounded half to even,
// clamped to ±levels), with the gradient of the identity.
torch::Tensor fake_quantize_weights(const torch::Tensor& w, const torch::Tensor& scales,
                                    int32_t levels = 127);

// Binary weights: each output channel's weights become +a or -a by their
// sign (zero counts as positive), a the mean magnitude of the channel's
// weights (XNOR-Net's choice, the least squared error) as an int8 level of
// the weight scale: per channel, a is its channel's scale times 127; for
// the tensor, the largest a is 127 levels and the others are rounded to
// theirs, as quantize_post_training's binary weights are. Sets *scales to
// the scales; the gradient is the identity's.
torch::Tensor fake_binarize_weights(const torch::Tensor& w, bool per_channel_scales,
                                    torch::Tensor* scales);

// Weights fake-quantized at `scales` (per output channel or one) shared
// among at most `clusters` int8 values: the optimal k-means of their levels
// weighted by each level's squared scale (compress/cluster.h's
// optimal_int8_centres, which kiln compress's clustering applies to the
// int8 model), recomputed on every call. The gradient is the identity's.
torch::Tensor fake_cluster_weights(const torch::Tensor& w, const torch::Tensor& scales,
                                   int32_t clusters);

// A bias after int32 quantization at input_scale x weight_scales.
torch::Tensor fake_quantize_bias(const torch::Tensor& bias, double input_scale,
                                 const torch::Tensor& weight_scales);

// The activations' int8 ranges during training, one per group of tensors
// that share a quantization (quantization_groups), in three modes: off;
// observing (the union of every value seen: calibration before QAT); and
// quantizing, where each tensor is fake-quantized with its group's range and
// training batches move the range towards the batch's own (an exponential
// moving average, as TensorFlow's QAT tracks ranges).
class ActivationQuantizer {
 public:
  enum class Mode { kOff, kObserve, kQuantize };

  ActivationQuantizer() = default;
  // `graph` as the module runs it (activations fused, as passes::optimize
  // leaves a graph, so the tensors are those the int8 model has).
  explicit ActivationQuantizer(const ir::Graph& graph, double momentum = 0.01);

  Mode mode() const { return mode_; }
  void set_mode(Mode mode) { mode_ = mode; }

  // Brackets one forward pass: the batch's ranges are folded into the
  // tracked ones at its end (training batches only).
  void begin_batch();
  void end_batch(bool training);

  // Tensor t's value as the int8 model holds it (unchanged when off).
  torch::Tensor apply(int tensor, const torch::Tensor& x);

  // Tensor t's int8 quantization (Error(kBadInput) if nothing was observed).
  AffineQuantization quantization(int tensor) const;

  // Every observed activation's range by tensor name, as
  // QuantizeOptions::ranges takes them (binary activations left out).
  std::map<std::string, Range> ranges() const;

  // Binary activations: the tensors' groups are quantized to one bit, 0 or
  // a step s (scale s and zero point 126, so that int8's ReLU clamp leaves
  // 126 and 127: kiln runs a binary-weight layer reading them fully
  // binary). s is twice the mean of the positive values observed; while
  // quantizing, x becomes s where x >= s / 2 and 0 elsewhere, and the
  // gradient passes straight through where x lies in [-s / 2, 3s / 2).
  void set_binary(const std::set<int>& tensors);
  // Each binary activation's step by tensor name, as
  // QuantizeOptions::binary_activations takes them.
  std::map<std::string, float> binary_steps() const;

 private:
  Mode mode_ = Mode::kOff;
  double momentum_ = 0.01;
  std::vector<std::string> names_;
  std::vector<int> group_;
  std::vector<std::optional<AffineQuantization>> fixed_;  // by group
  std::vector<std::optional<Range>> range_, batch_;       // by group
  std::vector<bool> used_;                                // by tensor
  // Binary groups: the sum and count of the positive values observed.
  std::vector<bool> binary_;
  std::vector<double> positive_sum_, positive_count_;
  float binary_step(size_t group) const;
};

}  // namespace train
}  // namespace kiln

#endif
