// QUANTIZE (float32 -> int8 or int16, or a rescale between int8, uint8,
// int16 and int32), DEQUANTIZE (int8, int16 or uint8 -> float32) and CAST
// (any type to any other, by value). Operands: input; output.
//
// QUANTIZE and DEQUANTIZE are the float boundary of a quantized graph, so
// they carry the float scale the way TFLite defines them (x / scale, rounded
// half away from zero); every integer rescale uses a fixed-point multiplier
// instead.
#ifndef KILN_OPS_QUANTIZE_H
#define KILN_OPS_QUANTIZE_H

#include "kiln/ops/operand_sizes.h"
#include "kiln/types.h"

namespace kiln {

struct QuantizeParams {
  int32_t size;
  float scale;  // float <-> int8 only
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;  // rescales between integer types only
};

// Zero points of any integer type up to int16 (int32 tensors have 0).
inline bool zero_point_ok(int32_t zp) { return zp >= -65536 && zp <= 65536; }

inline bool quantize_operand_sizes(const QuantizeParams& p, uint32_t in_size, uint32_t out_size,
                                   OperandSizes* s) {
  if (!shift_ok(p.shift) || !zero_point_ok(p.input_zero_point) ||
      !zero_point_ok(p.output_zero_point)) {
    return false;
  }
  s->inputs[0] = flat_bytes(in_size, p.size);
  s->outputs[0] = flat_bytes(out_size, p.size);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] && s->outputs[0];
}

// CAST: static_cast of each value, as TFLite Micro computes it: to bool,
// nonzero; floats to integers truncate towards zero (saturating at the int32
// range, NaN giving 0), and integers wrap to a narrower type.
struct CastParams {
  int32_t size;
  int32_t from, to;  // kiln_dtype
};

inline bool cast_operand_sizes(const CastParams& p, OperandSizes* s) {
  if (p.from < 0 || p.from >= KILN_DTYPE_COUNT || p.to < 0 || p.to >= KILN_DTYPE_COUNT)
    return false;
  s->inputs[0] = flat_bytes(kiln_dtype_size(static_cast<uint32_t>(p.from)), p.size);
  s->outputs[0] = flat_bytes(kiln_dtype_size(static_cast<uint32_t>(p.to)), p.size);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] && s->outputs[0];
}

// ABS_S16: |input - input zero point| requantized; RSQRT_S16: TFLite's
// quantized 1/sqrt (fp::quantized_rsqrt). int8 ABS and RSQRT are tables.

}  // namespace kiln

#endif  // KILN_OPS_QUANTIZE_H
