// ADD, SUB, MUL, SQUARED_DIFFERENCE (int8, int16), DIV (int8) and PRELU with
// broadcasting. Operands: input1, input2; output.
//
// Shapes are right-aligned to kMaxBroadcastRank dims; a broadcast input has
// stride 0 along the dims it repeats, so one loop nest serves every case.
#ifndef KILN_OPS_ELEMENTWISE_H
#define KILN_OPS_ELEMENTWISE_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

constexpr int kMaxBroadcastRank = 6;

struct BinaryParams {
  int32_t out_dims[kMaxBroadcastRank];
  int32_t in1_dims[kMaxBroadcastRank];  // each 1 or equal to out_dims
  int32_t in2_dims[kMaxBroadcastRank];
  int32_t input1_offset, input2_offset, output_offset;
  // ADD, SUB and SQUARED_DIFFERENCE: inputs are left-shifted, each rescaled
  // to a common scale, summed (subtracted, squared) and rescaled to the
  // output. MUL and DIV use only the output multiplier.
  int32_t left_shift;
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
};

inline bool binary_operand_sizes(const BinaryParams& p, uint32_t element_size, OperandSizes* s) {
  for (int i = 0; i < kMaxBroadcastRank; ++i) {
    if ((p.in1_dims[i] != 1 && p.in1_dims[i] != p.out_dims[i]) ||
        (p.in2_dims[i] != 1 && p.in2_dims[i] != p.out_dims[i])) {
      return false;
    }
  }
  // int16 values shifted by more than 15 bits would leave int32.
  const int32_t max_left_shift = element_size == 2 ? 15 : 20;
  if (p.left_shift < 0 || p.left_shift > max_left_shift || !shift_ok(p.input1_shift) ||
      !shift_ok(p.input2_shift) || !shift_ok(p.output_shift) || p.act_min > p.act_max ||
      !offset_ok(p.input1_offset) || !offset_ok(p.input2_offset) || !offset_ok(p.output_offset)) {
    return false;
  }
  s->inputs[0] = operand_bytes(element_size, p.in1_dims, kMaxBroadcastRank);
  s->inputs[1] = operand_bytes(element_size, p.in2_dims, kMaxBroadcastRank);
  s->outputs[0] = operand_bytes(element_size, p.out_dims, kMaxBroadcastRank);
  s->num_inputs = 2;
  s->num_outputs = 1;
  return s->inputs[0] && s->inputs[1] && s->outputs[0];
}

// PRELU: output = input >= 0 ? input : input * alpha, alpha broadcast
// against the input. Operands: input, alpha (int8 for int8 and int16 inputs,
// float for float); output. Quantized: the input
// less its zero point rescaled by input/output scale when not negative, its
// product with alpha (less its zero point) by input * alpha / output scale
// when negative.
struct PreluParams {
  int32_t out_dims[kMaxBroadcastRank];
  int32_t in_dims[kMaxBroadcastRank];  // each 1 or equal to out_dims
  int32_t alpha_dims[kMaxBroadcastRank];
  int32_t input_offset, alpha_offset, output_offset;
  int32_t identity_multiplier, identity_shift;
  int32_t alpha_multiplier, alpha_shift;
};

inline bool prelu_operand_sizes(const PreluParams& p, uint32_t element_size, OperandSizes* s) {
  for (int i = 0; i < kMaxBroadcastRank; ++i) {
    if ((p.in_dims[i] != 1 && p.in_dims[i] != p.out_dims[i]) ||
        (p.alpha_dims[i] != 1 && p.alpha_dims[i] != p.out_dims[i])) {
      return false;
    }
  }
  if (!shift_ok(p.identity_shift) || !shift_ok(p.alpha_shift) || !offset_ok(p.input_offset) ||
      !offset_ok(p.alpha_offset) || !offset_ok(p.output_offset)) {
    return false;
  }
  s->inputs[0] = operand_bytes(element_size, p.in_dims, kMaxBroadcastRank);
  s->inputs[1] =
      operand_bytes(element_size == 2 ? 1 : element_size, p.alpha_dims, kMaxBroadcastRank);
  s->outputs[0] = operand_bytes(element_size, p.out_dims, kMaxBroadcastRank);
  s->num_inputs = 2;
  s->num_outputs = 1;
  return s->inputs[0] && s->inputs[1] && s->outputs[0];
}

}  // namespace kiln

#endif  // KILN_OPS_ELEMENTWISE_H
