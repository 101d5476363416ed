// Reference DEPTHWISE_CONV_2D: TFLite's DepthwiseConvPerChannel loop order and rounding.
#include <stdint.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"
#include "kiln/ops/conv2d.h"

namespace kiln {
namespace ref {

using kernels::clamp_f;
using kernels::for_each_output_pixel;
using kernels::for_each_tap;
using kernels::output_index;

void depthwise_conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int32_t* bias = static_cast<const int32_t*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int8_t* output = static_cast<int8_t*>(outputs[0]);

  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    for (int32_t ic = 0; ic < p.in_c; ++ic) {
      for (int32_t m = 0; m < p.depth_multiplier; ++m) {
        const int32_t oc = ic * p.depth_multiplier + m;
        uint32_t acc = 0;  // wraps like TFLite's int32 accumulator, without UB
        for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
          const int32_t in_val = input[((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + ic];
          const int32_t f_val = filter[(fy * p.k_w + fx) * p.out_c + oc];
          acc += static_cast<uint32_t>(f_val * (in_val + p.input_offset));
        });
        if (bias) acc += static_cast<uint32_t>(bias[oc]);
        output[output_index(p, b, out_y, out_x, oc)] =
            static_cast<int8_t>(fp::requantize(static_cast<int32_t>(acc), multipliers[oc],
                                               shifts[oc], p.output_offset, p.act_min, p.act_max));
      }
    }
  });
}

void depthwise_conv2d_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* filter = static_cast<const float*>(inputs[1]);
  const float* bias = static_cast<const float*>(inputs[2]);
  float* output = static_cast<float*>(outputs[0]);

  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    for (int32_t ic = 0; ic < p.in_c; ++ic) {
      for (int32_t m = 0; m < p.depth_multiplier; ++m) {
        const int32_t oc = ic * p.depth_multiplier + m;
        float acc = 0.0f;
        for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
          acc += input[((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + ic] *
                 filter[(fy * p.k_w + fx) * p.out_c + oc];
        });
        if (bias) acc += bias[oc];
        output[output_index(p, b, out_y, out_x, oc)] = clamp_f(acc, p.act_min_f, p.act_max_f);
      }
    }
  });
}

}  // namespace ref
}  // namespace kiln
