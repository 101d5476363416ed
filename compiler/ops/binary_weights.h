// Binary weights (kiln/ops/conv2d_b1.h): int8 filters whose every output
// channel takes at most two values — kiln compress --weights binary gives
// each channel -a and +a — are stored as one bit per weight and the
// channel's two values, the smallest form kiln has for them.
#ifndef KILN_COMPILER_OPS_BINARY_WEIGHTS_H
#define KILN_COMPILER_OPS_BINARY_WEIGHTS_H

#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/lower/lowering.h"

namespace kiln {

struct BinaryWeights {
  std::vector<uint8_t> bits;   // rows of (row + 7) / 8 bytes, weight i at bit i % 8
  std::vector<int8_t> values;  // per output channel: the value of a 0 bit, of a 1 bit
  int64_t bytes() const { return static_cast<int64_t>(bits.size() + values.size()); }
};

// The binary form of an int8 filter of `rows` output channels of `row`
// weights each, or nullopt if a channel takes more than two values. A
// channel of one value v has values {v, v} and all bits 0; a channel's
// smaller value is its 0 bit's.
std::optional<BinaryWeights> binary_weights(const int8_t* weights, int32_t rows, int32_t row);

// True if int8 `tensor` takes only its zero point z and z + 1 (a ReLU
// quantized to one bit): the output of a layer, add or clamp whose clamp
// leaves those two values, possibly through reshapes.
bool binary_activations(const ir::Graph& g, int tensor);

// Emits CONV_2D_A1_B1 when the input is binary too (binary_activations),
// CONV_2D_S8_B1 otherwise, for an int8 convolution with groups 1 (FULLY_CONNECTED
// as a 1x1 convolution) whose channels each take at most two values, and
// returns true; false (nothing emitted) otherwise or if the compilation
// keeps weights dense. `requant` is the reference kernels' table.
bool lower_binary_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p, bool depthwise,
                         const int8_t* filter, int bias, const std::vector<int32_t>& requant);

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_BINARY_WEIGHTS_H
