// Reference CONV_2D and DEPTHWISE_CONV_2D with 4-bit coded weights: the int8
// reference loops (TFLite's order and rounding) with each weight decoded from
// its index where it is used.
#include "kiln/ops/conv2d_w4.h"

#include <stdint.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

using kernels::for_each_output_pixel;
using kernels::for_each_tap;
using kernels::output_index;

namespace {

struct W4Operands {
  const int8_t* input;
  const uint8_t* indices;
  const int8_t* codebooks;
  const int32_t* bias;
  const int32_t* multipliers;
  const int32_t* shifts;
  int8_t* output;
};

W4Operands w4_operands(const Conv2DW4Params& p, const void* const* inputs, void* const* outputs) {
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[4]);
  return {static_cast<const int8_t*>(inputs[0]),
          static_cast<const uint8_t*>(inputs[1]),
          static_cast<const int8_t*>(inputs[2]),
          static_cast<const int32_t*>(inputs[3]),
          multipliers,
          multipliers + p.conv.out_c,
          static_cast<int8_t*>(outputs[0])};
}

inline int8_t requantized(const Conv2DParams& p, const W4Operands& o, uint32_t acc, int32_t oc) {
  if (o.bias) acc += static_cast<uint32_t>(o.bias[oc]);
  return static_cast<int8_t>(fp::requantize(static_cast<int32_t>(acc), o.multipliers[oc],
                                            o.shifts[oc], p.output_offset, p.act_min, p.act_max));
}

}  // namespace

void conv2d_s8_w4(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DW4Params& pw = *static_cast<const Conv2DW4Params*>(params);
  const Conv2DParams& p = pw.conv;
  const W4Operands o = w4_operands(pw, inputs, outputs);
  const int32_t groups = p.in_c / p.filter_in_c;
  const int32_t row = p.k_h * p.k_w * p.filter_in_c;

  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    for (int32_t oc = 0; oc < p.out_c; ++oc) {
      const int8_t* codebook = o.codebooks + (pw.codebooks == 1 ? 0 : oc * kCodebookEntries);
      const int32_t in_c_base = (oc / (p.out_c / groups)) * p.filter_in_c;
      uint32_t acc = 0;  // wraps like TFLite's int32 accumulator, without UB
      for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
        const int8_t* in_px = o.input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + in_c_base;
        const int32_t first = oc * row + (fy * p.k_w + fx) * p.filter_in_c;
        for (int32_t ic = 0; ic < p.filter_in_c; ++ic) {
          acc += static_cast<uint32_t>(w4_weight(o.indices, codebook, first + ic) *
                                       (in_px[ic] + p.input_offset));
        }
      });
      o.output[output_index(p, b, out_y, out_x, oc)] = requantized(p, o, acc, oc);
    }
  });
}

void depthwise_conv2d_s8_w4(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DW4Params& pw = *static_cast<const Conv2DW4Params*>(params);
  const Conv2DParams& p = pw.conv;
  const W4Operands o = w4_operands(pw, inputs, outputs);

  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    for (int32_t ic = 0; ic < p.in_c; ++ic) {
      for (int32_t m = 0; m < p.depth_multiplier; ++m) {
        const int32_t oc = ic * p.depth_multiplier + m;
        const int8_t* codebook = o.codebooks + (pw.codebooks == 1 ? 0 : oc * kCodebookEntries);
        uint32_t acc = 0;
        for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
          const int32_t in_val = o.input[((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + ic];
          const int32_t f_val = w4_weight(o.indices, codebook, (fy * p.k_w + fx) * p.out_c + oc);
          acc += static_cast<uint32_t>(f_val * (in_val + p.input_offset));
        });
        o.output[output_index(p, b, out_y, out_x, oc)] = requantized(p, o, acc, oc);
      }
    }
  });
}

}  // namespace ref
}  // namespace kiln
