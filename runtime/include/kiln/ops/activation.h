// SOFTMAX (over the innermost dim), the element-wise activations LOGISTIC,
// TANH, CLAMP (RELU, RELU6, RELU_N1_TO_1 and any other bounds), LEAKY_RELU and
// HARD_SWISH, and LOOKUP_S8 (any int8 function of one int8 input as a table).
// Operands: input; output (LOOKUP_S8: input, table; output).
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

inline bool softmax_operand_sizes(const SoftmaxParams& p, uint32_t in_size, uint32_t out_size,
                                  OperandSizes* s) {
  if (p.input_left_shift < 0 || p.input_left_shift > 31 || !dim_ok(p.depth)) return false;
  const int32_t dims[2] = {p.outer, p.depth};  // rows of any count, each of one softmax
  s->inputs[0] = block_bytes(in_size, dims, 2);
  s->outputs[0] = block_bytes(out_size, dims, 2);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// int16 SOFTMAX: input_multiplier and input_left_shift (either sign) rescale
// the differences to the row's maximum so that [-10, 0] spans the int16
// range. Operands: input, the exp table, the 1/(1+x) table (513 int16
// entries each); output.
inline constexpr uint32_t kSoftmaxTableBytes = 513 * 2;

inline bool softmax_s16_operand_sizes(const SoftmaxParams& p, OperandSizes* s) {
  if (!shift_ok(p.input_left_shift) || !dim_ok(p.depth)) return false;
  const int32_t dims[2] = {p.outer, p.depth};
  s->inputs[0] = s->outputs[0] = block_bytes(2, dims, 2);
  s->inputs[1] = s->inputs[2] = kSoftmaxTableBytes;
  s->num_inputs = 3;
  s->num_outputs = 1;
  return s->inputs[0] != 0;
}

struct LogisticParams {
  int32_t size;
  int32_t input_zero_point, input_range_radius, input_multiplier, input_left_shift;
};

inline bool logistic_operand_sizes(const LogisticParams& p, uint32_t element_size,
                                   OperandSizes* s) {
  if (!shift_ok(p.input_left_shift) || !offset_ok(p.input_zero_point)) return false;
  s->inputs[0] = s->outputs[0] = flat_bytes(element_size, p.size);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// TANH shares LOGISTIC's parameters: TFLite prepares both the same way.
using TanhParams = LogisticParams;

// int16 LOGISTIC and TANH (zero points 0, output scale 2^-15): the input is
// rescaled by (input_multiplier, rounding right shift input_left_shift) to
// steps of 1/(3 x 4096), then read from a 256-entry table of sigmoid(i / 24)
// in unsigned 0.16 with linear interpolation (tanh(x) = 2 sigmoid(2x) - 1).
// Operands: input, the table; output.
inline constexpr uint32_t kSigmoidTableBytes = 256 * 2;

inline bool sigmoid_table_operand_sizes(const LogisticParams& p, OperandSizes* s) {
  if (p.input_multiplier < 0 || p.input_multiplier > 32767 || p.input_left_shift < 0 ||
      p.input_left_shift > 30) {
    return false;
  }
  s->inputs[0] = s->outputs[0] = flat_bytes(2, p.size);
  s->inputs[1] = kSigmoidTableBytes;
  s->num_inputs = 2;
  s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// CLAMP: int8 rescales the input to the output's quantization, then clamps
// (TFLite's quantized RELU); float32 clamps to [lo, hi].
struct ClampParams {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
  int32_t act_min, act_max;
  float lo, hi;
};

inline bool clamp_operand_sizes(const ClampParams& p, uint32_t element_size, OperandSizes* s) {
  if (!shift_ok(p.shift) || !offset_ok(p.input_zero_point) || !offset_ok(p.output_zero_point) ||
      p.act_min > p.act_max) {
    return false;
  }
  s->inputs[0] = s->outputs[0] = flat_bytes(element_size, p.size);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// LEAKY_RELU: x for x >= 0, alpha * x below. int8 rescales each side with
// its own multiplier (input scale, and alpha times it, over the output scale).
struct LeakyReluParams {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  int32_t identity_multiplier, identity_shift;
  int32_t alpha_multiplier, alpha_shift;
  float alpha;
};

inline bool leaky_relu_operand_sizes(const LeakyReluParams& p, uint32_t element_size,
                                     OperandSizes* s) {
  if (!shift_ok(p.identity_shift) || !shift_ok(p.alpha_shift) || !offset_ok(p.input_zero_point) ||
      !offset_ok(p.output_zero_point)) {
    return false;
  }
  s->inputs[0] = s->outputs[0] = flat_bytes(element_size, p.size);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// HARD_SWISH: x * relu6(x + 3) / 6 (float32).
struct HardSwishParams {
  int32_t size;
};

inline bool hard_swish_operand_sizes(const HardSwishParams& p, uint32_t element_size,
                                     OperandSizes* s) {
  s->inputs[0] = s->outputs[0] = flat_bytes(element_size, p.size);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// LOOKUP_S8: output[i] = table[input[i] + 128]. The compiler fills the
// 256-entry int8 table by evaluating TFLite's integer arithmetic of the op
// (ELU, HARD_SWISH, ABS, RSQRT, ...) for every input value, so the table
// reproduces the reference kernel exactly and costs one load per element.
struct LookupParams {
  int32_t size;
};

inline constexpr uint32_t kLookupTableEntries = 256;

inline bool lookup_operand_sizes(const LookupParams& p, OperandSizes* s) {
  s->inputs[0] = s->outputs[0] = flat_bytes(1, p.size);
  s->inputs[1] = kLookupTableEntries;
  s->num_inputs = 2;
  s->num_outputs = 1;
  return s->inputs[0] != 0;
}

}  // namespace kiln

#endif  // KILN_OPS_ACTIVATION_H
