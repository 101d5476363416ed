// AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D over NHWC. Operands: input; output.
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

// The input rows [y0, y1) and columns [x0, x1) of one output's window,
// clipped to the input as TFLite clips it.
struct PoolWindow {
  int32_t y0, y1, x0, x1;
};

inline PoolWindow pool_window(const Pool2DParams& p, int32_t out_y, int32_t out_x) {
  const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
  const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
  PoolWindow w;
  w.y0 = in_y_origin < 0 ? 0 : in_y_origin;
  w.x0 = in_x_origin < 0 ? 0 : in_x_origin;
  w.y1 = in_y_origin + p.k_h < p.in_h ? in_y_origin + p.k_h : p.in_h;
  w.x1 = in_x_origin + p.k_w < p.in_w ? in_x_origin + p.k_w : p.in_w;
  return w;
}

// TFLite's integer average: rounded half away from zero. A window wholly in
// the padding (only a corrupted blob has one) averages to 0.
inline int32_t pool_average(int64_t sum, int64_t count) {
  if (count <= 0) return 0;
  return static_cast<int32_t>(sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count);
}

// The fast (ISA-specific) int8 pooling: the same operands, channels a
// multiple of the variant's lanes; average pooling sums in 16 bits, so its
// window holds at most kPackedPoolMaxWindow elements.
constexpr int32_t kPackedPoolMaxWindow = 256;

// pool_average of a packed variant's sum (at most kPackedPoolMaxWindow int8
// values, so it fits 32 bits): the same rounding with one hardware division,
// where the 64-bit form calls a library routine on the Cortex-M cores.
inline int32_t packed_pool_average(int32_t sum, int32_t count) {
  if (count <= 0) return 0;
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

inline bool packed_pool2d_operand_sizes(const Pool2DParams& p, int32_t lanes, bool average,
                                        OperandSizes* s) {
  if (p.channels % lanes != 0 || (average && int64_t{p.k_h} * p.k_w > kPackedPoolMaxWindow))
    return false;
  return pool2d_operand_sizes(p, 1, s);
}

// Lanes of each variant (channels must be a multiple).
constexpr int32_t kArmDspPoolLanes = 4;
constexpr int32_t kArmMvePoolLanes = 16;
constexpr int32_t kX86Avx2PoolLanes = 32;

}  // namespace kiln

#endif  // KILN_OPS_POOL2D_H
