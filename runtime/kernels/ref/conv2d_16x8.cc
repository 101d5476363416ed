// Reference 16x8 CONV_2D and DEPTHWISE_CONV_2D (int16 activations, int8
// weights): TFLite's ConvPerChannel (kernels/common/conv_16x8.h, with the
// portable inner product) and DepthwiseConvPerChannel for int16.
#include <stdint.h>

#include "kernels/common/conv_16x8.h"
#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"
#include "kiln/ops/conv2d.h"

namespace kiln {
namespace ref {

using kernels::for_each_output_pixel;
using kernels::for_each_tap;
using kernels::output_index;

void conv2d_s16(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_16x8<int64_t>(params, inputs, outputs, kernels::dot_s16_s8, kernels::dot2_s16_s8);
}

void conv2d_s16_b32(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_16x8<int32_t>(params, inputs, outputs, kernels::dot_s16_s8, kernels::dot2_s16_s8);
}

void depthwise_conv2d_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int64_t* bias = static_cast<const int64_t*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int16_t* output = static_cast<int16_t*>(outputs[0]);

  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    for (int32_t ic = 0; ic < p.in_c; ++ic) {
      for (int32_t m = 0; m < p.depth_multiplier; ++m) {
        const int32_t oc = ic * p.depth_multiplier + m;
        uint64_t acc = 0;
        for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
          const int32_t in_val = input[((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + ic];
          const int32_t f_val = filter[(fy * p.k_w + fx) * p.out_c + oc];
          acc += static_cast<uint64_t>(static_cast<int64_t>(f_val * in_val));
        });
        if (bias) acc += static_cast<uint64_t>(bias[oc]);
        const int32_t v = fp::multiply_by_quantized_multiplier_64(static_cast<int64_t>(acc),
                                                                  multipliers[oc], shifts[oc]);
        output[output_index(p, b, out_y, out_x, oc)] = static_cast<int16_t>(
            fp::clamp(fp::saturating_add(v, p.output_offset), p.act_min, p.act_max));
      }
    }
  });
}

}  // namespace ref
}  // namespace kiln
