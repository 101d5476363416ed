// Lowering of the element-wise ops on stored values (kiln/ops/pointwise.h),
// shared by their records and by ADD, SUB and MUL on int32 tensors.
#ifndef KILN_COMPILER_OPS_POINTWISE_H
#define KILN_COMPILER_OPS_POINTWISE_H

#include "compiler/lower/lowering.h"
#include "kiln/ops/pointwise.h"

namespace kiln {

// Emits `operation` on the op's input(s) as the kernel of their element type;
// fails naming the op if that kernel lacks the operation.
void lower_pointwise(LowerContext& ctx, const ir::Op& op, PointwiseOp operation);

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_POINTWISE_H
