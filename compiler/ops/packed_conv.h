// Lowering int8 convolutions to the target's packed kernel variants: picks
// the variant, checks its conditions, packs the weights into its layout and
// folds the input zero point into the bias, all once on the host.
#ifndef KILN_COMPILER_OPS_PACKED_CONV_H
#define KILN_COMPILER_OPS_PACKED_CONV_H

#include <cstdint>
#include <vector>

#include "compiler/lower/lowering.h"

namespace kiln {

// CONV_2D with groups == 1 (FULLY_CONNECTED passes a 1x1 convolution).
// `filter` is OHWI int8, `bias` int32 [out_c] or null, `requant` the
// reference kernels' table (out_c multipliers, then out_c shifts). Emits the target's
// best variant and returns true, or returns false (nothing emitted) if the
// target has none that applies.
bool lower_packed_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p,
                         const int8_t* filter, const int32_t* bias,
                         const std::vector<int32_t>& requant);

// A variant's requantization table (`kind`) from the reference kernels'
// (`channels` multipliers, then `channels` shifts), or an empty vector if a
// multiplier is negative (no valid model has one; the reference handles it).
std::vector<uint8_t> requant_table(const std::vector<int32_t>& requant, int32_t channels,
                                   RequantTable kind, int32_t output_offset);

// Whether the target has a packed CONV_2D at all.
bool has_packed_conv2d(const KernelTarget& target);

// DEPTHWISE_CONV_2D; `filter` is 1HWC int8.
bool lower_packed_depthwise(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p,
                            const int8_t* filter, const int32_t* bias,
                            const std::vector<int32_t>& requant);

}  // namespace kiln

#endif
