// Post-training quantization: a float graph and a calibration set become an
// int8 graph in TFLite's scheme (per-channel symmetric int8 convolution
// weights, per-tensor symmetric fully connected weights, int32 biases at
// input scale x weight scale, asymmetric per-tensor int8 activations).
#ifndef KILN_COMPILER_QUANTIZE_PTQ_H
#define KILN_COMPILER_QUANTIZE_PTQ_H

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/quantize/calibration.h"

namespace kiln {

constexpr int32_t kInt8WeightLevels = 127;
constexpr int32_t kInt4WeightLevels = 7;
// A binary activation's int8 zero point: a ReLU's output quantized with it
// and its step as the scale is clamped to 126 (0) and 127 (the step).
constexpr int32_t kBinaryActivationZeroPoint = 126;

struct QuantizeOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.99;                                // for kPercentile
  std::map<std::string, CalibrationMethod> tensor_methods;  // overrides, by tensor name
  // Ranges chosen before calibration (quantization-aware training's), by
  // tensor name: they replace the calibrated range of those tensors.
  std::map<std::string, Range> ranges;
  // Keep float inputs and outputs (QUANTIZE/DEQUANTIZE at the boundary)
  // instead of int8 ones.
  bool float_io = false;
  // The largest weight level: 127 (int8 weights), or 7 for int4 weights in
  // [-7, 7] (which kiln then stores in 4 bits; see compiler/ops/coded_weights.h).
  int32_t weight_levels = kInt8WeightLevels;
  // Binary weights instead: each output channel's weights +a or -a by their
  // sign, a the channel's mean magnitude as an int8 level (127 levels of its
  // own scale, or of the tensor's scale set by the largest a), which kiln
  // then stores in one bit each (see compiler/ops/binary_weights.h).
  bool binary_weights = false;
  // The layers (by output tensor name) weight_levels and binary_weights
  // apply to; empty: every layer. The others keep int8 weights.
  std::set<std::string> weight_layers;
  // Activations quantized to one bit, by tensor name: the output of a ReLU
  // (fused in the layer that makes it) takes 0 or the given step s, scale s
  // and zero point kBinaryActivationZeroPoint, which kiln stores as a bit
  // for a binary-weight layer that reads it (compiler/ops/binary_weights.h).
  std::map<std::string, float> binary_activations;
  // Called as calibration advances: (samples done, samples in all passes).
  std::function<void(size_t done, size_t total)> progress;
};

// One activation's calibrated quantization.
struct TensorQuantization {
  std::string name;
  CalibrationMethod method;
  Range observed, chosen;
  float scale;
  int32_t zero_point;
};

struct QuantizeResult {
  ir::Graph graph;  // int8, optimized
  std::vector<TensorQuantization> activations;
};

// `samples`: per sample, per graph input, bytes in kiln's layout and the
// float graph's input type. Throws Error(kUnsupported) naming the op for a
// graph that is not float or uses an op without an int8 kernel.
QuantizeResult quantize_post_training(const ir::Graph& float_graph,
                                      const std::vector<std::vector<std::vector<uint8_t>>>& samples,
                                      const QuantizeOptions& options);

// For each tensor of a float graph (as passes::optimize leaves it), the
// representative of the tensors whose int8 quantization must be the same:
// int8 kernels that only move bytes (reshape, transpose, pad, pooling,
// concatenation) read and write one scale and zero point.
std::vector<int> quantization_groups(const ir::Graph& g);

// The quantization an op's int8 kernel fixes for its output (softmax,
// logistic, tanh); false for an op whose output is calibrated.
bool fixed_output_quantization(ir::OpKind kind, AffineQuantization* q);

}  // namespace kiln

#endif
