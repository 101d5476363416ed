// 16x8 depthwise convolution for the Arm DSP extension: four channels at a
// time, their sums in registers across the window. Per tap, one load of four
// weights (widened by SXTB16 into pairs 0,2 and 1,3), two loads of two
// activations each, and four halfword multiply-accumulates that pick the
// matching halves (SMLABB, SMLATB, SMLABT, SMLATT): no repacking.
#include "kernels/common/depthwise_16x8.h"

#include "kernels/arm_dsp/primitives.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_dsp {
namespace {

void sums4(const kernels::TapRectangle& t, int32_t lanes, int32_t* sums) {
  if (lanes < 4) {
    kernels::depthwise_16x8_sums_portable(t, lanes, sums);
    return;
  }
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  const int16_t* x_row = t.input;
  const int8_t* w_row = t.filter;
  for (int32_t r = 0; r < t.rows; ++r) {
    const int16_t* x = x_row;
    const int8_t* w = w_row;
    for (int32_t c = 0; c < t.cols; ++c) {
      const uint32_t weights = load_u32(w);
      const uint32_t w02 = sxtb16(weights), w13 = sxtb16_ror8(weights);
      const uint32_t x01 = load_u32(x), x23 = load_u32(x + 2);
      a0 = smlabb(x01, w02, a0);
      a1 = smlatb(x01, w13, a1);
      a2 = smlabt(x23, w02, a2);
      a3 = smlatt(x23, w13, a3);
      x += t.input_col_step;
      w += t.channels;
    }
    x_row += t.input_row_step;
    w_row += t.filter_row_step;
  }
  sums[0] = a0;
  sums[1] = a1;
  sums[2] = a2;
  sums[3] = a3;
}

}  // namespace

void depthwise_conv2d_s16(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::depthwise_16x8<4, sums4>(params, inputs, outputs);
}

}  // namespace arm_dsp
}  // namespace kiln
