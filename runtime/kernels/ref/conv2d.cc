// Reference CONV_2D: TFLite's ConvPerChannel loop order and rounding.
#include <math.h>
#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d.h"

namespace kiln {
namespace ref {

void conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int32_t* bias = static_cast<const int32_t*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int8_t* output = static_cast<int8_t*>(outputs[0]);

  const int32_t groups = p.in_c / p.filter_in_c;
  const int32_t filters_per_group = p.out_c / groups;
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
      for (int32_t out_x = 0; out_x < p.out_w; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
        for (int32_t oc = 0; oc < p.out_c; ++oc) {
          const int32_t in_c_base = (oc / filters_per_group) * p.filter_in_c;
          uint32_t acc = 0;  // wraps like TFLite's int32 accumulator, without UB
          for (int32_t fy = 0; fy < p.k_h; ++fy) {
            const int32_t in_y = in_y_origin + p.dilation_h * fy;
            if (in_y < 0 || in_y >= p.in_h) continue;
            for (int32_t fx = 0; fx < p.k_w; ++fx) {
              const int32_t in_x = in_x_origin + p.dilation_w * fx;
              if (in_x < 0 || in_x >= p.in_w) continue;
              const int8_t* in_px = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + in_c_base;
              const int8_t* f_px = filter + ((oc * p.k_h + fy) * p.k_w + fx) * p.filter_in_c;
              for (int32_t ic = 0; ic < p.filter_in_c; ++ic) {
                acc += static_cast<uint32_t>(f_px[ic] * (in_px[ic] + p.input_offset));
              }
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

void conv2d_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* filter = static_cast<const float*>(inputs[1]);
  const float* bias = static_cast<const float*>(inputs[2]);
  float* output = static_cast<float*>(outputs[0]);

  const int32_t groups = p.in_c / p.filter_in_c;
  const int32_t filters_per_group = p.out_c / groups;
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
      for (int32_t out_x = 0; out_x < p.out_w; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
        for (int32_t oc = 0; oc < p.out_c; ++oc) {
          const int32_t in_c_base = (oc / filters_per_group) * p.filter_in_c;
          float acc = 0.0f;
          for (int32_t fy = 0; fy < p.k_h; ++fy) {
            const int32_t in_y = in_y_origin + p.dilation_h * fy;
            if (in_y < 0 || in_y >= p.in_h) continue;
            for (int32_t fx = 0; fx < p.k_w; ++fx) {
              const int32_t in_x = in_x_origin + p.dilation_w * fx;
              if (in_x < 0 || in_x >= p.in_w) continue;
              const float* in_px = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + in_c_base;
              const float* f_px = filter + ((oc * p.k_h + fy) * p.k_w + fx) * p.filter_in_c;
              for (int32_t ic = 0; ic < p.filter_in_c; ++ic) acc += in_px[ic] * f_px[ic];
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

// TFLite's hybrid convolution: each batch's input is quantized symmetrically
// to int8 with its own scale (largest magnitude / 127), convolved in integers
// and scaled back with input scale times filter scale.
void conv2d_hybrid(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const float* bias = static_cast<const float*>(inputs[2]);
  const float* filter_scales = static_cast<const float*>(inputs[3]);
  float* output = static_cast<float*>(outputs[0]);
  int8_t* quantized = static_cast<int8_t*>(outputs[1]);

  const int32_t groups = p.in_c / p.filter_in_c;
  const int32_t filters_per_group = p.out_c / groups;
  const int32_t batch_size = p.in_h * p.in_w * p.in_c;
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* in_batch = input + b * batch_size;
    int8_t* q_batch = quantized + b * batch_size;
    float range = 0.0f;
    for (int32_t i = 0; i < batch_size; ++i) {
      const float a = fabsf(in_batch[i]);
      range = a > range ? a : range;
    }
    float scale = 1.0f;
    if (range > 0.0f) {
      scale = range / 127.0f;
      const float inverse = 127.0f / range;
      for (int32_t i = 0; i < batch_size; ++i) {
        const float r = roundf(in_batch[i] * inverse);
        q_batch[i] = static_cast<int8_t>(r > 127.0f ? 127 : (r < -127.0f ? -127 : static_cast<int32_t>(r)));
      }
    } else {
      for (int32_t i = 0; i < batch_size; ++i) q_batch[i] = 0;
    }
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
      for (int32_t out_x = 0; out_x < p.out_w; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
        for (int32_t oc = 0; oc < p.out_c; ++oc) {
          const int32_t in_c_base = (oc / filters_per_group) * p.filter_in_c;
          int32_t acc = 0;
          for (int32_t fy = 0; fy < p.k_h; ++fy) {
            const int32_t in_y = in_y_origin + p.dilation_h * fy;
            if (in_y < 0 || in_y >= p.in_h) continue;
            for (int32_t fx = 0; fx < p.k_w; ++fx) {
              const int32_t in_x = in_x_origin + p.dilation_w * fx;
              if (in_x < 0 || in_x >= p.in_w) continue;
              const int8_t* in_px = q_batch + (in_y * p.in_w + in_x) * p.in_c + in_c_base;
              const int8_t* f_px = filter + ((oc * p.k_h + fy) * p.k_w + fx) * p.filter_in_c;
              for (int32_t ic = 0; ic < p.filter_in_c; ++ic) acc += f_px[ic] * in_px[ic];
            }
          }
          float value = static_cast<float>(acc) * (scale * filter_scales[oc]);
          if (bias) value += bias[oc];
          value = value < p.act_min_f ? p.act_min_f : (value > p.act_max_f ? p.act_max_f : value);
          output[((b * p.out_h + out_y) * p.out_w + out_x) * p.out_c + oc] = value;
        }
      }
    }
  }
}

}  // namespace ref
}  // namespace kiln
