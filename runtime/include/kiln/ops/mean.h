// MEAN over the spatial dims of an NHWC tensor (axes 1 and 2), the form
// classifier heads use. Operands: input; output [batches, 1, 1, channels].
#ifndef KILN_OPS_MEAN_H
#define KILN_OPS_MEAN_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct MeanParams {
  int32_t batches, spatial, channels;  // spatial = height * width
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;  // input scale / output scale
};

inline bool mean_operand_sizes(const MeanParams& p, uint32_t element_size, OperandSizes* s) {
  if (!shift_ok(p.shift) || !offset_ok(p.input_zero_point) || !offset_ok(p.output_zero_point)) {
    return false;
  }
  const int32_t in_dims[3] = {p.batches, p.spatial, p.channels};
  const int32_t out_dims[2] = {p.batches, p.channels};
  s->inputs[0] = operand_bytes(element_size, in_dims, 3);
  s->outputs[0] = operand_bytes(element_size, out_dims, 2);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] && s->outputs[0];
}

namespace ref {
void mean_s8(const void* params, const void* const* inputs, void* const* outputs);
void mean_f32(const void* params, const void* const* inputs, void* const* outputs);
}  // namespace ref

}  // namespace kiln

#endif  // KILN_OPS_MEAN_H
