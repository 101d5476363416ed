// AVERAGE_POOL_2D and MAX_POOL_2D over NHWC. Operands: input; output.
#ifndef KILN_OPS_POOL2D_H
#define KILN_OPS_POOL2D_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct Pool2DParams {
  int32_t batches, in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
};

inline bool pool2d_operand_sizes(const Pool2DParams& p, uint32_t element_size, OperandSizes* s) {
  if (!dim_ok(p.k_h) || !dim_ok(p.k_w) || !dim_ok(p.stride_h) || !dim_ok(p.stride_w) ||
      !pad_ok(p.pad_h) || !pad_ok(p.pad_w) || p.act_min > p.act_max) {
    return false;
  }
  const int32_t in_dims[4] = {p.batches, p.in_h, p.in_w, p.channels};
  const int32_t out_dims[4] = {p.batches, p.out_h, p.out_w, p.channels};
  s->inputs[0] = operand_bytes(element_size, in_dims, 4);
  s->outputs[0] = operand_bytes(element_size, out_dims, 4);
  s->num_inputs = 1;
  s->num_outputs = 1;
  return s->inputs[0] && s->outputs[0];
}

namespace ref {
void average_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs);
void average_pool2d_f32(const void* params, const void* const* inputs, void* const* outputs);
void max_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs);
void max_pool2d_f32(const void* params, const void* const* inputs, void* const* outputs);
}  // namespace ref

}  // namespace kiln

#endif  // KILN_OPS_POOL2D_H
