// TRANSPOSE_CONV (a "deconvolution"): every input pixel scatters its dot
// products with the filter into a stride-spaced window of the output. NHWC
// input and output; filter [out_c, k_h, k_w, in_c / groups], as TFLite stores
// it. Output pixel (y, x) receives input pixel (iy, ix) through tap (fy, fx)
// when y = iy * stride_h - pad_h + fy * dilation_h (and likewise for x).
//
// Operands (int8): input, filter, bias (int32, optional), per-channel
// requantization (int32: out_c multipliers then out_c shifts); output,
// scratch (int32 [out_h, out_w, out_c]: one image's accumulators).
// Operands (16x8): int16 input, int8 filter, int64 bias (optional), the
// requantization; int16 output, int64 scratch [out_h, out_w, out_c].
// Operands (float32): input, filter, bias (optional); output.
#ifndef KILN_OPS_TRANSPOSE_CONV_H
#define KILN_OPS_TRANSPOSE_CONV_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct TransposeConvParams {
  int32_t batches, in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t k_h, k_w;
  int32_t groups;
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
  int32_t has_bias;
  int32_t input_offset;   // -input zero point
  int32_t output_offset;  // output zero point
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
};

inline bool transpose_conv_operand_sizes(const TransposeConvParams& p, uint32_t element_size,
                                         OperandSizes* s) {
  if (!dim_ok(p.batches) || !dim_ok(p.in_h) || !dim_ok(p.in_w) || !dim_ok(p.in_c) ||
      !dim_ok(p.out_h) || !dim_ok(p.out_w) || !dim_ok(p.out_c) || !dim_ok(p.k_h) ||
      !dim_ok(p.k_w) || !dim_ok(p.groups) || !dim_ok(p.stride_h) || !dim_ok(p.stride_w) ||
      !dim_ok(p.dilation_h) || !dim_ok(p.dilation_w) || !pad_ok(p.pad_h) || !pad_ok(p.pad_w) ||
      p.in_c % p.groups != 0 || p.out_c % p.groups != 0 || p.act_min > p.act_max ||
      !offset_ok(p.input_offset) || !offset_ok(p.output_offset)) {
    return false;
  }
  const int32_t in_dims[4] = {p.batches, p.in_h, p.in_w, p.in_c};
  const int32_t out_dims[4] = {p.batches, p.out_h, p.out_w, p.out_c};
  const int32_t filter_dims[4] = {p.out_c, p.k_h, p.k_w, p.in_c / p.groups};
  const uint32_t bias_elem = element_size == 1 ? 4 : element_size;
  s->inputs[0] = operand_bytes(element_size, in_dims, 4);
  s->inputs[1] = operand_bytes(element_size, filter_dims, 4);
  s->inputs[2] = p.has_bias ? operand_bytes(bias_elem, &p.out_c, 1) : 0;
  s->outputs[0] = operand_bytes(element_size, out_dims, 4);
  s->num_inputs = 3;
  s->num_outputs = 1;
  if (element_size == 1) {
    const int32_t quant_dims[2] = {2, p.out_c};
    const int32_t scratch_dims[3] = {p.out_h, p.out_w, p.out_c};
    s->inputs[3] = operand_bytes(4, quant_dims, 2);
    s->outputs[1] = operand_bytes(4, scratch_dims, 3);
    s->num_inputs = 4;
    s->num_outputs = 2;
    if (!s->inputs[3] || !s->outputs[1]) return false;
  }
  return s->inputs[0] && s->inputs[1] && s->outputs[0] && (!p.has_bias || s->inputs[2]);
}

inline bool transpose_conv_16x8_operand_sizes(const TransposeConvParams& p, OperandSizes* s) {
  if (!transpose_conv_operand_sizes(p, 1, s)) return false;
  const int32_t in_dims[4] = {p.batches, p.in_h, p.in_w, p.in_c};
  const int32_t out_dims[4] = {p.batches, p.out_h, p.out_w, p.out_c};
  const int32_t scratch_dims[3] = {p.out_h, p.out_w, p.out_c};
  s->inputs[0] = operand_bytes(2, in_dims, 4);
  s->inputs[2] = p.has_bias ? operand_bytes(8, &p.out_c, 1) : 0;
  s->outputs[0] = operand_bytes(2, out_dims, 4);
  s->outputs[1] = operand_bytes(8, scratch_dims, 3);
  return s->inputs[0] && s->outputs[0] && s->outputs[1] && (!p.has_bias || s->inputs[2]);
}

}  // namespace kiln

#endif  // KILN_OPS_TRANSPOSE_CONV_H
