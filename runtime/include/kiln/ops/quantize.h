// QUANTIZE (float32 -> int8, or a rescale int8 -> int8, uint8 -> int8,
// int8 -> uint8) and DEQUANTIZE (int8 -> float32). Operands: input; output.
//
// These two ops are the float boundary of a quantized graph, so they carry the
// float scale the way TFLite defines them (x / scale, rounded half away from
// zero); every int8 -> int8 rescale uses a fixed-point multiplier instead.
#ifndef KILN_OPS_QUANTIZE_H
#define KILN_OPS_QUANTIZE_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct QuantizeParams {
  int32_t size;
  float scale;  // float <-> int8 only
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;  // rescales between integer types only
};

inline bool quantize_operand_sizes(const QuantizeParams& p, uint32_t in_size, uint32_t out_size,
                                   OperandSizes* s) {
  if (!shift_ok(p.shift) || !offset_ok(p.input_zero_point) || !offset_ok(p.output_zero_point)) {
    return false;
  }
  s->inputs[0] = operand_bytes(in_size, &p.size, 1);
  s->outputs[0] = operand_bytes(out_size, &p.size, 1);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] && s->outputs[0];
}

namespace ref {
void quantize_f32_s8(const void* params, const void* const* inputs, void* const* outputs);
void requantize_s8(const void* params, const void* const* inputs, void* const* outputs);
void requantize_u8_s8(const void* params, const void* const* inputs, void* const* outputs);
void requantize_s8_u8(const void* params, const void* const* inputs, void* const* outputs);
void dequantize_s8_f32(const void* params, const void* const* inputs, void* const* outputs);
}  // namespace ref

}  // namespace kiln

#endif  // KILN_OPS_QUANTIZE_H
