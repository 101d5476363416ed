// FULLY_CONNECTED: output[b, o] = sum_i input[b, i] * filter[o, i] + bias[o].
//
// Operands (int8): input, filter, bias (int32, optional); output. Per-tensor
// requantization lives in the params. Operands (float32): input, filter, bias.
#ifndef KILN_OPS_FULLY_CONNECTED_H
#define KILN_OPS_FULLY_CONNECTED_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct FullyConnectedParams {
  int32_t batches, accum_depth, out_depth;
  int32_t has_bias;
  int32_t input_offset, filter_offset, output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
};

inline bool fully_connected_operand_sizes(const FullyConnectedParams& p, uint32_t element_size,
                                          OperandSizes* s) {
  if (!shift_ok(p.output_shift) || p.act_min > p.act_max || !offset_ok(p.input_offset) ||
      !offset_ok(p.filter_offset) || !offset_ok(p.output_offset)) {
    return false;
  }
  // Batches are the input's rows, however many its leading dims flatten to;
  // accum_depth and out_depth are the layer's dims.
  if (!dim_ok(p.accum_depth) || !dim_ok(p.out_depth)) return false;
  const int32_t in_dims[2] = {p.batches, p.accum_depth};
  const int32_t filter_dims[2] = {p.out_depth, p.accum_depth};
  const int32_t out_dims[2] = {p.batches, p.out_depth};
  s->inputs[0] = block_bytes(element_size, in_dims, 2);
  s->inputs[1] = operand_bytes(element_size, filter_dims, 2);
  s->inputs[2] =
      p.has_bias ? operand_bytes(element_size == 1 ? 4 : element_size, &p.out_depth, 1) : 0;
  s->outputs[0] = block_bytes(element_size, out_dims, 2);
  s->num_inputs = 3;
  s->num_outputs = 1;
  return s->inputs[0] && s->inputs[1] && s->outputs[0];
}

}  // namespace kiln

#endif  // KILN_OPS_FULLY_CONNECTED_H
