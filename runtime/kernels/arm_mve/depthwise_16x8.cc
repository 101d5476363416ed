// 16x8 depthwise convolution for Helium: sixteen channels at a time, their
// sums in four vectors across the window. Per tap and eight channels, one
// load of activations, one of weights widened to 16 bits as they load
// (VLDRB.S16), and the even and odd lanes' 32-bit products (VMULLB, VMULLT)
// added to the sums; channel tails are predicated (lanes past them load 0).
#include "kernels/common/depthwise_16x8.h"

#include "kernels/arm_mve/primitives.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_mve {
namespace {

constexpr int32_t kBlock = 16;

void sums16(const kernels::TapRectangle& t, int32_t lanes, int32_t* sums) {
#if KILN_ARM_MVE_NATIVE
  const mve_pred16_t low = vctp16q(static_cast<uint32_t>(lanes));
  const mve_pred16_t high = vctp16q(static_cast<uint32_t>(lanes > 8 ? lanes - 8 : 0));
  int32x4_t even0 = vdupq_n_s32(0), odd0 = vdupq_n_s32(0);
  int32x4_t even1 = vdupq_n_s32(0), odd1 = vdupq_n_s32(0);
  const int16_t* x_row = t.input;
  const int8_t* w_row = t.filter;
  for (int32_t r = 0; r < t.rows; ++r) {
    const int16_t* x = x_row;
    const int8_t* w = w_row;
    for (int32_t c = 0; c < t.cols; ++c) {
      const int16x8_t x0 = vldrhq_z_s16(x, low), w0 = vldrbq_z_s16(w, low);
      even0 = vaddq_s32(even0, vmullbq_int_s16(x0, w0));
      odd0 = vaddq_s32(odd0, vmulltq_int_s16(x0, w0));
      const int16x8_t x1 = vldrhq_z_s16(x + 8, high), w1 = vldrbq_z_s16(w + 8, high);
      even1 = vaddq_s32(even1, vmullbq_int_s16(x1, w1));
      odd1 = vaddq_s32(odd1, vmulltq_int_s16(x1, w1));
      x += t.input_col_step;
      w += t.channels;
    }
    x_row += t.input_row_step;
    w_row += t.filter_row_step;
  }
  const int32x4x2_t first = {{even0, odd0}}, second = {{even1, odd1}};
  vst2q_s32(sums, first);
  vst2q_s32(sums + 8, second);
#else
  kernels::depthwise_16x8_sums_portable(t, lanes, sums);
#endif
}

}  // namespace

void depthwise_conv2d_s16(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::depthwise_16x8<kBlock, sums16>(params, inputs, outputs);
}

}  // namespace arm_mve
}  // namespace kiln
