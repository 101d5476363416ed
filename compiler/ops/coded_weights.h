// 4-bit coded weights (kiln/ops/conv2d_w4.h): int8 filters that take at most
// 16 distinct values — int4 weights, clustered weights — are stored as 4-bit
// indices into a codebook instead of int8, when that is smaller.
#ifndef KILN_COMPILER_OPS_CODED_WEIGHTS_H
#define KILN_COMPILER_OPS_CODED_WEIGHTS_H

#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/lower/lowering.h"

namespace kiln {

struct CodedWeights {
  std::vector<uint8_t> indices;   // the nibble stream, low nibble first
  std::vector<int8_t> codebooks;  // 16 per codebook
  int32_t count = 0;              // 1, or one per output channel
};

// The coding of `weights` (n int8 values whose output channel is
// channel_of(i), out_channels of them): one codebook if the whole filter
// takes at most 16 values, else one per channel if every channel does and
// that is at most 3/4 of the int8 bytes; nullopt if neither, or if the
// filter has at most 32 weights (a codebook would not make it smaller). Filters whose
// values all lie in [-8, 7] get the int4 codebook {0..7, -8..-1}, under
// which the indices are the values' TFLite int4 packing.
std::optional<CodedWeights> code_weights(const int8_t* weights, int64_t n, int32_t out_channels,
                                         bool channel_last);

// Emits CONV_2D_S8_W4 or DEPTHWISE_CONV_2D_S8_W4 for an int8 convolution
// (FULLY_CONNECTED as a 1x1 convolution) whose filter codes, and returns
// true; false (nothing emitted) if it does not, if the compilation keeps
// weights dense, or if the target has instruction-set kernels but no coded
// one takes this layer (its dense variant is then much faster than the
// reference coded kernel). `requant` is the reference kernels' table.
bool lower_coded_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p, bool depthwise,
                        const int8_t* filter, int bias, const std::vector<int32_t>& requant);

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_CODED_WEIGHTS_H
