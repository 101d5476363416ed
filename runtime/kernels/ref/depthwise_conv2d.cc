// Reference DEPTHWISE_CONV_2D: TFLite's DepthwiseConvPerChannel loop order and rounding.
#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d.h"

namespace kiln {
namespace ref {

void depthwise_conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int32_t* bias = static_cast<const int32_t*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int8_t* output = static_cast<int8_t*>(outputs[0]);

  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
      for (int32_t out_x = 0; out_x < p.out_w; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
        for (int32_t ic = 0; ic < p.in_c; ++ic) {
          for (int32_t m = 0; m < p.depth_multiplier; ++m) {
            const int32_t oc = ic * p.depth_multiplier + m;
            uint32_t acc = 0;  // wraps like TFLite's int32 accumulator, without UB
            for (int32_t fy = 0; fy < p.k_h; ++fy) {
              const int32_t in_y = in_y_origin + p.dilation_h * fy;
              if (in_y < 0 || in_y >= p.in_h) continue;
              for (int32_t fx = 0; fx < p.k_w; ++fx) {
                const int32_t in_x = in_x_origin + p.dilation_w * fx;
                if (in_x < 0 || in_x >= p.in_w) continue;
                const int32_t in_val = input[((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + ic];
                const int32_t f_val = filter[(fy * p.k_w + fx) * p.out_c + oc];
                acc += static_cast<uint32_t>(f_val * (in_val + p.input_offset));
              }
            }
            if (bias) acc += static_cast<uint32_t>(bias[oc]);
            int32_t out = fp::multiply_by_quantized_multiplier(static_cast<int32_t>(acc),
                                                               multipliers[oc], shifts[oc]);
            out += p.output_offset;
            output[((b * p.out_h + out_y) * p.out_w + out_x) * p.out_c + oc] =
                static_cast<int8_t>(fp::clamp(out, p.act_min, p.act_max));
          }
        }
      }
    }
  }
}

void depthwise_conv2d_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* filter = static_cast<const float*>(inputs[1]);
  const float* bias = static_cast<const float*>(inputs[2]);
  float* output = static_cast<float*>(outputs[0]);

  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
      for (int32_t out_x = 0; out_x < p.out_w; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
        for (int32_t ic = 0; ic < p.in_c; ++ic) {
          for (int32_t m = 0; m < p.depth_multiplier; ++m) {
            const int32_t oc = ic * p.depth_multiplier + m;
            float acc = 0.0f;
            for (int32_t fy = 0; fy < p.k_h; ++fy) {
              const int32_t in_y = in_y_origin + p.dilation_h * fy;
              if (in_y < 0 || in_y >= p.in_h) continue;
              for (int32_t fx = 0; fx < p.k_w; ++fx) {
                const int32_t in_x = in_x_origin + p.dilation_w * fx;
                if (in_x < 0 || in_x >= p.in_w) continue;
                acc += input[((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + ic] *
                       filter[(fy * p.k_w + fx) * p.out_c + oc];
              }
            }
            if (bias) acc += bias[oc];
            acc = acc < p.act_min_f ? p.act_min_f : (acc > p.act_max_f ? p.act_max_f : acc);
            output[((b * p.out_h + out_y) * p.out_w + out_x) * p.out_c + oc] = acc;
          }
        }
      }
    }
  }
}

}  // namespace ref
}  // namespace kiln
