// Reference CONV_2D: TFLite's ConvPerChannel loop order and rounding, its
// float Conv, and its hybrid (float activations, int8 weights) Conv.
#include "kiln/ops/conv2d.h"

#include <math.h>
#include <stdint.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

using kernels::clamp_f;
using kernels::for_each_output_pixel;
using kernels::for_each_tap;
using kernels::output_index;
namespace {

// Integer dot product of one output channel's filter with the input taps,
// accumulated as TFLite's int32 accumulator (wrapping, without UB).
inline uint32_t dot_s8(const Conv2DParams& p, const int8_t* input, const int8_t* filter, int32_t b,
                       int32_t out_y, int32_t out_x, int32_t oc, int32_t input_offset) {
  const int32_t groups = p.in_c / p.filter_in_c;
  const int32_t in_c_base = (oc / (p.out_c / groups)) * p.filter_in_c;
  uint32_t acc = 0;
  for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
    const int8_t* in_px = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + in_c_base;
    const int8_t* f_px = filter + ((oc * p.k_h + fy) * p.k_w + fx) * p.filter_in_c;
    for (int32_t ic = 0; ic < p.filter_in_c; ++ic) {
      acc += static_cast<uint32_t>(f_px[ic] * (in_px[ic] + input_offset));
    }
  });
  return acc;
}

}  // namespace

void conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int32_t* bias = static_cast<const int32_t*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int8_t* output = static_cast<int8_t*>(outputs[0]);

  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    for (int32_t oc = 0; oc < p.out_c; ++oc) {
      uint32_t acc = dot_s8(p, input, filter, b, out_y, out_x, oc, p.input_offset);
      if (bias) acc += static_cast<uint32_t>(bias[oc]);
      output[output_index(p, b, out_y, out_x, oc)] =
          static_cast<int8_t>(fp::requantize(static_cast<int32_t>(acc), multipliers[oc], shifts[oc],
                                             p.output_offset, p.act_min, p.act_max));
    }
  });
}

void conv2d_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* filter = static_cast<const float*>(inputs[1]);
  const float* bias = static_cast<const float*>(inputs[2]);
  float* output = static_cast<float*>(outputs[0]);

  const int32_t groups = p.in_c / p.filter_in_c;
  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    for (int32_t oc = 0; oc < p.out_c; ++oc) {
      const int32_t in_c_base = (oc / (p.out_c / groups)) * p.filter_in_c;
      float acc = 0.0f;
      for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
        const float* in_px = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + in_c_base;
        const float* f_px = filter + ((oc * p.k_h + fy) * p.k_w + fx) * p.filter_in_c;
        for (int32_t ic = 0; ic < p.filter_in_c; ++ic) acc += in_px[ic] * f_px[ic];
      });
      if (bias) acc += bias[oc];
      output[output_index(p, b, out_y, out_x, oc)] = clamp_f(acc, p.act_min_f, p.act_max_f);
    }
  });
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

  const int32_t batch_size = p.in_h * p.in_w * p.in_c;
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* in_batch = input + b * batch_size;
    int8_t* q_batch = quantized + b * batch_size;
    float range = 0.0f;
    for (int32_t i = 0; i < batch_size; ++i)
      range = fabsf(in_batch[i]) > range ? fabsf(in_batch[i]) : range;
    const float scale = range > 0.0f ? range / 127.0f : 1.0f;
    const float inverse = range > 0.0f ? 127.0f / range : 0.0f;
    for (int32_t i = 0; i < batch_size; ++i) {
      const float r = roundf(in_batch[i] * inverse);
      q_batch[i] =
          static_cast<int8_t>(r > 127.0f ? 127 : (r < -127.0f ? -127 : static_cast<int32_t>(r)));
    }
    Conv2DParams one = p;
    one.batches = 1;
    for_each_output_pixel(one, [&](int32_t, int32_t out_y, int32_t out_x) {
      for (int32_t oc = 0; oc < p.out_c; ++oc) {
        const uint32_t acc = dot_s8(one, q_batch, filter, 0, out_y, out_x, oc, 0);
        float value = static_cast<float>(static_cast<int32_t>(acc)) * (scale * filter_scales[oc]);
        if (bias) value += bias[oc];
        output[output_index(p, b, out_y, out_x, oc)] = clamp_f(value, p.act_min_f, p.act_max_f);
      }
    });
  }
}

}  // namespace ref
}  // namespace kiln
