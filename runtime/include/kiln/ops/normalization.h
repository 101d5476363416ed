// LOG_SOFTMAX and L2_NORMALIZATION over the innermost dim, one row at a time.
// Operands: input; output.
#ifndef KILN_OPS_NORMALIZATION_H
#define KILN_OPS_NORMALIZATION_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

// LOG_SOFTMAX: x - max - log(sum(exp(x - max))). int8 (output scale 1/16,
// zero point 127) as TFLite: the differences to the row's maximum in Q5 (a
// multiplier with a left shift), their exps summed in Q12, the log of the sum
// in Q5; differences at or below that log, brought back to the input's scale
// by the reverse divisor, give -128.
struct LogSoftmaxParams {
  int32_t outer, depth;
  int32_t input_multiplier, input_left_shift;
  int32_t reverse_scaling_divisor, reverse_scaling_right_shift;
  int32_t diff_min;
};

inline bool log_softmax_operand_sizes(const LogSoftmaxParams& p, uint32_t element_size,
                                      OperandSizes* s) {
  if (p.input_left_shift < 0 || p.input_left_shift > 31 || p.reverse_scaling_right_shift < 0 ||
      p.reverse_scaling_right_shift > 31 || !dim_ok(p.depth)) {
    return false;
  }
  const int32_t dims[2] = {p.outer, p.depth};  // rows of any count
  s->inputs[0] = s->outputs[0] = block_bytes(element_size, dims, 2);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// L2_NORMALIZATION: x / max(sqrt(sum(x^2)), 1e-6) for float; int8 (output
// scale 1/128, zero point 0) multiplies x - zero point by the fixed-point
// inverse square root of the row's sum of squares.
struct L2NormalizationParams {
  int32_t outer, depth;
  int32_t input_zero_point;
};

inline bool l2_normalization_operand_sizes(const L2NormalizationParams& p, uint32_t element_size,
                                           OperandSizes* s) {
  if (!offset_ok(p.input_zero_point) || !dim_ok(p.depth)) return false;
  const int32_t dims[2] = {p.outer, p.depth};  // rows of any count
  s->inputs[0] = s->outputs[0] = block_bytes(element_size, dims, 2);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

}  // namespace kiln

#endif  // KILN_OPS_NORMALIZATION_H
