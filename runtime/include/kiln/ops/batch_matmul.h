// BATCH_MATMUL: out[b] = lhs[b] x rhs[b] with both operands tensors of the
// program (not constants), batch dims broadcast. Operands: lhs, rhs; output.
#ifndef KILN_OPS_BATCH_MATMUL_H
#define KILN_OPS_BATCH_MATMUL_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

inline constexpr int kMaxMatMulBatchRank = 3;

struct BatchMatMulParams {
  int32_t out_batch[kMaxMatMulBatchRank];
  int32_t lhs_batch[kMaxMatMulBatchRank];  // each 1 or equal to out_batch
  int32_t rhs_batch[kMaxMatMulBatchRank];
  // Each product is rows x depth times depth x cols. adj_x: lhs is stored
  // depth x rows; adj_y: rhs is stored cols x depth.
  int32_t rows, depth, cols;
  int32_t adj_x, adj_y;
  // Quantized: offsets added to the inputs (minus their zero points) and the
  // output, the rescale of the sums (int8: 32-bit sums, int16: 64-bit).
  int32_t lhs_offset, rhs_offset, output_offset;
  int32_t output_multiplier, output_shift;
};

inline bool batch_matmul_operand_sizes(const BatchMatMulParams& p, uint32_t element_size,
                                       OperandSizes* s) {
  int32_t lhs[kMaxMatMulBatchRank + 2], rhs[kMaxMatMulBatchRank + 2], out[kMaxMatMulBatchRank + 2];
  for (int i = 0; i < kMaxMatMulBatchRank; ++i) {
    if ((p.lhs_batch[i] != 1 && p.lhs_batch[i] != p.out_batch[i]) ||
        (p.rhs_batch[i] != 1 && p.rhs_batch[i] != p.out_batch[i])) {
      return false;
    }
    lhs[i] = p.lhs_batch[i];
    rhs[i] = p.rhs_batch[i];
    out[i] = p.out_batch[i];
  }
  if (!shift_ok(p.output_shift) || !offset_ok(p.lhs_offset) || !offset_ok(p.rhs_offset) ||
      !offset_ok(p.output_offset)) {
    return false;
  }
  lhs[kMaxMatMulBatchRank] = p.rows;
  lhs[kMaxMatMulBatchRank + 1] = p.depth;
  rhs[kMaxMatMulBatchRank] = p.depth;
  rhs[kMaxMatMulBatchRank + 1] = p.cols;
  out[kMaxMatMulBatchRank] = p.rows;
  out[kMaxMatMulBatchRank + 1] = p.cols;
  s->inputs[0] = operand_bytes(element_size, lhs, kMaxMatMulBatchRank + 2);
  s->inputs[1] = operand_bytes(element_size, rhs, kMaxMatMulBatchRank + 2);
  s->outputs[0] = operand_bytes(element_size, out, kMaxMatMulBatchRank + 2);
  s->num_inputs = 2;
  s->num_outputs = 1;
  return s->inputs[0] && s->inputs[1] && s->outputs[0];
}

}  // namespace kiln

#endif  // KILN_OPS_BATCH_MATMUL_H
