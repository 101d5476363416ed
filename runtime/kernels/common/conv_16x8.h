// The loops of the 16x8 convolution (int16 activations, int8 weights):
// TFLite's ConvPerChannel for int16, with the inner product over a pixel's
// input channels supplied by each instruction set's kernel. With an int64
// bias (or none) the sums are 64-bit and requantized through a Q15
// multiplier; with an int32 bias they are 32-bit (wrapping) and requantized
// as int8 convolutions are. Sums of integer products are exact in any order,
// so every variant gives the reference's bits.
#ifndef KILN_RUNTIME_KERNELS_COMMON_CONV_16X8_H
#define KILN_RUNTIME_KERNELS_COMMON_CONV_16X8_H

#include <stdint.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d.h"

namespace kiln {
namespace kernels {

// int64 sums (Bias int64_t) or int32 sums (Bias int32_t), wrapping without UB.
template <typename Bias>
struct Accumulator16x8 {
  using Unsigned = uint64_t;
  static int32_t requantize(uint64_t acc, int32_t multiplier, int32_t shift) {
    return fp::multiply_by_quantized_multiplier_64(static_cast<int64_t>(acc), multiplier, shift);
  }
};
template <>
struct Accumulator16x8<int32_t> {
  using Unsigned = uint32_t;
  static int32_t requantize(uint32_t acc, int32_t multiplier, int32_t shift) {
    return fp::multiply_by_quantized_multiplier(static_cast<int32_t>(acc), multiplier, shift);
  }
};

// The product sum of n int16 activations and int8 weights, modulo 2^64
// (portable: the reference's loop).
inline uint64_t dot_s16_s8(const int16_t* x, const int8_t* w, int32_t n) {
  uint64_t acc = 0;
  for (int32_t i = 0; i < n; ++i)
    acc += static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(w[i]) * x[i]));
  return acc;
}

// The product sums of n int16 activations with two rows of int8 weights.
struct Sums2 {
  uint64_t first, second;
};
inline Sums2 dot2_s16_s8(const int16_t* x, const int8_t* w0, const int8_t* w1, int32_t n) {
  return {dot_s16_s8(x, w0, n), dot_s16_s8(x, w1, n)};
}

// Dot(x, w, n) -> uint64_t: the product sum of n channels, modulo 2^64;
// Dot2(x, w0, w1, n) -> Sums2: the same for two weight rows at once (two
// output channels sharing each activation load).
template <typename Bias, typename Dot, typename Dot2>
void conv2d_16x8(const void* params, const void* const* inputs, void* const* outputs, Dot dot,
                 Dot2 dot2) {
  using Sum = typename Accumulator16x8<Bias>::Unsigned;
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const Bias* bias = static_cast<const Bias*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int16_t* output = static_cast<int16_t*>(outputs[0]);
  const int32_t groups = p.in_c / p.filter_in_c;

  // Without groups or horizontal dilation, a filter row's taps inside the
  // input are one run of channels in both the input and the filter: one
  // inner product per row.
  const bool row_runs = groups == 1 && p.dilation_w == 1;
  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
    const int32_t first_fx = in_x_origin < 0 ? -in_x_origin : 0;
    const int32_t end_fx = p.in_w - in_x_origin < p.k_w ? p.in_w - in_x_origin : p.k_w;
    const auto finish = [&](int32_t oc, Sum acc) {
      if (bias) acc += static_cast<Sum>(bias[oc]);
      const int32_t v = Accumulator16x8<Bias>::requantize(acc, multipliers[oc], shifts[oc]);
      output[output_index(p, b, out_y, out_x, oc)] = static_cast<int16_t>(
          fp::clamp(fp::saturating_add(v, p.output_offset), p.act_min, p.act_max));
    };
    int32_t oc = 0;
    if (row_runs) {
      const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
      const int32_t run = (end_fx - first_fx) * p.in_c;
      for (; oc < p.out_c; oc += 2) {
        const bool pair = oc + 1 < p.out_c;
        Sum acc0 = 0, acc1 = 0;
        for (int32_t fy = 0; fy < p.k_h && run > 0; ++fy) {
          const int32_t in_y = in_y_origin + p.dilation_h * fy;
          if (in_y < 0 || in_y >= p.in_h) continue;
          const int16_t* in_px =
              input + ((b * p.in_h + in_y) * p.in_w + in_x_origin + first_fx) * p.in_c;
          const int8_t* f0 = filter + ((oc * p.k_h + fy) * p.k_w + first_fx) * p.filter_in_c;
          if (pair) {
            const Sums2 sums = dot2(in_px, f0, f0 + p.k_h * p.k_w * p.filter_in_c, run);
            acc0 += static_cast<Sum>(sums.first);
            acc1 += static_cast<Sum>(sums.second);
          } else {
            acc0 += static_cast<Sum>(dot(in_px, f0, run));
          }
        }
        finish(oc, acc0);
        if (pair) finish(oc + 1, acc1);
      }
    }
    for (; oc < p.out_c; ++oc) {
      const int32_t in_c_base = (oc / (p.out_c / groups)) * p.filter_in_c;
      Sum acc = 0;
      for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
        const int16_t* in_px = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c + in_c_base;
        const int8_t* f_px = filter + ((oc * p.k_h + fy) * p.k_w + fx) * p.filter_in_c;
        acc += static_cast<Sum>(dot(in_px, f_px, p.filter_in_c));
      });
      finish(oc, acc);
    }
  });
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_CONV_16X8_H
