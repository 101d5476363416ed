// Sparse weights (kiln/ops/conv2d_sparse.h): pointwise int8 filters most of
// whose weights are zero — pruned ones — are stored as their nonzero units
// (single weights, or blocks of four along the input depth) and offsets,
// when the target's sparse kernel runs them in fewer instructions than its
// dense kernel.
#ifndef KILN_COMPILER_OPS_SPARSE_WEIGHTS_H
#define KILN_COMPILER_OPS_SPARSE_WEIGHTS_H

#include <cstdint>
#include <vector>

#include "compiler/lower/lowering.h"

namespace kiln {

struct SparseWeights {
  int32_t block = 1;             // weights per unit
  std::vector<uint16_t> counts;  // per output channel and window
  std::vector<uint8_t> offsets;  // per nonzero unit, inside its window
  std::vector<int8_t> weights;   // the nonzero units' weights
  int64_t units() const { return static_cast<int64_t>(offsets.size()); }
};

// The sparse form of an int8 filter of out_c rows of `depth` weights, in
// units of `block` weights (depth a multiple of it): a unit is stored if any
// of its weights is nonzero.
SparseWeights sparse_weights(const int8_t* filter, int32_t out_c, int32_t depth, int32_t block);

// What a layer costs a kernel, in instructions, by measurement on the
// emulated cores: the dense kernel per weight and per output channel, the
// sparse one per unit of each form, per output channel and per window of
// each output channel.
struct SparseCosts {
  double dense_per_weight, dense_per_channel;
  double per_weight_unit, per_block_unit;
  double per_channel, per_window;
};
SparseCosts sparse_costs(KernelIsa isa);

// Emits a CONV_2D_S8_SPARSE kernel for an int8 pointwise convolution
// (FULLY_CONNECTED as a 1x1 convolution) in the form the target runs in the
// fewest instructions, and returns true, if that is fewer than the dense
// kernel's; false (nothing emitted) if not, if the layer is not pointwise, or
// if the compilation keeps weights dense. The input offset is folded into
// the bias. `requant` is the reference kernels' table.
bool lower_sparse_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p, bool depthwise,
                         const int8_t* filter, int bias, const std::vector<int32_t>& requant);

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_SPARSE_WEIGHTS_H
