// CONV_2D and DEPTHWISE_CONV_2D: NHWC input, OHWI filter (1HWO for depthwise).
//
// Operands (int8): input, filter, bias (int32, optional), per-channel
// requantization (int32: out_c multipliers then out_c shifts); output.
// Operands (float32): input, filter, bias (optional); output.
// Operands (hybrid: float32 activations, int8 weights): input, filter (int8),
// bias (float32, optional), per-channel filter scales (float32 [out_c]);
// output, scratch (int8, the input quantized on the fly).
#ifndef KILN_OPS_CONV2D_H
#define KILN_OPS_CONV2D_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct Conv2DParams {
  int32_t batches, in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t k_h, k_w;
  int32_t filter_in_c;       // in_c / groups for CONV_2D; 1 for depthwise
  int32_t depth_multiplier;  // depthwise only: out_c = in_c * depth_multiplier
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
  int32_t has_bias;
  int32_t input_offset;   // -input zero point
  int32_t output_offset;  // output zero point
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
};

inline bool conv2d_geometry_ok(const Conv2DParams& p) {
  return dim_ok(p.batches) && dim_ok(p.in_h) && dim_ok(p.in_w) && dim_ok(p.in_c) &&
         dim_ok(p.out_h) && dim_ok(p.out_w) && dim_ok(p.out_c) && dim_ok(p.k_h) && dim_ok(p.k_w) &&
         dim_ok(p.stride_h) && dim_ok(p.stride_w) && dim_ok(p.dilation_h) && dim_ok(p.dilation_w) &&
         pad_ok(p.pad_h) && pad_ok(p.pad_w) && p.act_min <= p.act_max &&
         offset_ok(p.input_offset) && offset_ok(p.output_offset);
}

// element_size: 1 for int8 kernels, 4 for float32.
inline bool conv2d_operand_sizes(const Conv2DParams& p, uint32_t element_size, bool depthwise,
                                 OperandSizes* s) {
  if (!conv2d_geometry_ok(p)) return false;
  if (depthwise) {
    if (p.filter_in_c != 1 || !dim_ok(p.depth_multiplier) ||
        static_cast<int64_t>(p.in_c) * p.depth_multiplier != p.out_c) {
      return false;
    }
  } else if (!dim_ok(p.filter_in_c) || p.in_c % p.filter_in_c != 0 ||
             p.out_c % (p.in_c / p.filter_in_c) != 0) {
    return false;
  }
  const int32_t in_dims[4] = {p.batches, p.in_h, p.in_w, p.in_c};
  const int32_t out_dims[4] = {p.batches, p.out_h, p.out_w, p.out_c};
  const int32_t filter_dims[4] = {depthwise ? 1 : p.out_c, p.k_h, p.k_w,
                                  depthwise ? p.out_c : p.filter_in_c};
  const uint32_t bias_elem = element_size == 1 ? 4 : element_size;
  s->inputs[0] = operand_bytes(element_size, in_dims, 4);
  s->inputs[1] = operand_bytes(element_size, filter_dims, 4);
  s->inputs[2] = p.has_bias ? operand_bytes(bias_elem, &p.out_c, 1) : 0;
  s->num_inputs = 3;
  if (element_size == 1) {
    const int32_t quant_dims[2] = {2, p.out_c};
    s->inputs[3] = operand_bytes(4, quant_dims, 2);
    s->num_inputs = 4;
  }
  s->outputs[0] = operand_bytes(element_size, out_dims, 4);
  s->num_outputs = 1;
  return s->inputs[0] && s->inputs[1] && s->outputs[0];
}

// The 16x8 form: int16 activations, int8 weights, bias of `bias_size` bytes
// (8: int64 or none, accumulated in 64 bits; 4: int32, accumulated in 32
// bits as TFLite Micro does), the per-channel requantization table.
inline bool conv2d_16x8_operand_sizes(const Conv2DParams& p, bool depthwise, uint32_t bias_size,
                                      OperandSizes* s) {
  if (!conv2d_operand_sizes(p, 1, depthwise, s)) return false;
  const int32_t in_dims[4] = {p.batches, p.in_h, p.in_w, p.in_c};
  const int32_t out_dims[4] = {p.batches, p.out_h, p.out_w, p.out_c};
  s->inputs[0] = operand_bytes(2, in_dims, 4);
  s->inputs[2] = p.has_bias ? operand_bytes(bias_size, &p.out_c, 1) : 0;
  s->outputs[0] = operand_bytes(2, out_dims, 4);
  return s->inputs[0] && s->outputs[0];
}

// The 16x8 depthwise variants' conditions: depth multiplier 1 and at most
// kDepthwise16x8MaxTaps taps, whose products (at most 2^22 each) they sum in
// 32 bits exactly.
constexpr int32_t kDepthwise16x8MaxTaps = 511;
inline bool depthwise_16x8_variant_operand_sizes(const Conv2DParams& p, OperandSizes* s) {
  return p.depth_multiplier == 1 && int64_t{p.k_h} * p.k_w <= kDepthwise16x8MaxTaps &&
         conv2d_16x8_operand_sizes(p, true, 8, s);
}

// The hybrid form: float activations with int8 weights, as TFLite's
// dynamic-range quantized models store them.
inline bool conv2d_hybrid_operand_sizes(const Conv2DParams& p, OperandSizes* s) {
  if (!conv2d_operand_sizes(p, 4, false, s)) return false;
  const int32_t filter_dims[4] = {p.out_c, p.k_h, p.k_w, p.filter_in_c};
  const int32_t in_dims[4] = {p.batches, p.in_h, p.in_w, p.in_c};
  s->inputs[1] = operand_bytes(1, filter_dims, 4);
  s->inputs[3] = operand_bytes(4, &p.out_c, 1);
  s->outputs[1] = operand_bytes(1, in_dims, 4);
  s->num_inputs = 4;
  s->num_outputs = 2;
  return s->inputs[1] && s->inputs[3] && s->outputs[1];
}

}  // namespace kiln

#endif  // KILN_OPS_CONV2D_H
