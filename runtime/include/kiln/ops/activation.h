// SOFTMAX (over the innermost dim) and LOGISTIC. Operands: input; output.
#ifndef KILN_OPS_ACTIVATION_H
#define KILN_OPS_ACTIVATION_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct SoftmaxParams {
  int32_t outer, depth;
  // int8: beta * input scale as a Q31 multiplier with a left shift, and the
  // smallest (most negative) input difference that still contributes.
  int32_t input_multiplier, input_left_shift, diff_min;
  float beta;  // float32 kernel only
};

inline bool softmax_operand_sizes(const SoftmaxParams& p, uint32_t element_size, OperandSizes* s) {
  if (p.input_left_shift < 0 || p.input_left_shift > 31) return false;
  const int32_t dims[2] = {p.outer, p.depth};
  s->inputs[0] = s->outputs[0] = operand_bytes(element_size, dims, 2);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

struct LogisticParams {
  int32_t size;
  int32_t input_zero_point, input_range_radius, input_multiplier, input_left_shift;
};

inline bool logistic_operand_sizes(const LogisticParams& p, uint32_t element_size, OperandSizes* s) {
  if (!shift_ok(p.input_left_shift) || !offset_ok(p.input_zero_point)) return false;
  s->inputs[0] = s->outputs[0] = operand_bytes(element_size, &p.size, 1);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

namespace ref {
void softmax_s8(const void* params, const void* const* inputs, void* const* outputs);
void softmax_f32(const void* params, const void* const* inputs, void* const* outputs);
void logistic_s8(const void* params, const void* const* inputs, void* const* outputs);
void logistic_f32(const void* params, const void* const* inputs, void* const* outputs);
}  // namespace ref

}  // namespace kiln

#endif  // KILN_OPS_ACTIVATION_H
