// The loop nest shared by the convolutions: every output position,
// and for each the filter taps that fall inside the input (padding is skipped,
// as TFLite's reference kernels skip it).
#ifndef KILN_RUNTIME_KERNELS_COMMON_CONV_WINDOW_H
#define KILN_RUNTIME_KERNELS_COMMON_CONV_WINDOW_H

#include <stdint.h>

#include "kiln/ops/conv2d.h"

namespace kiln {
namespace kernels {

// Calls out(b, out_y, out_x) for every output pixel in NHWC order.
template <typename Out>
inline void for_each_output_pixel(const Conv2DParams& p, Out out) {
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      for (int32_t out_x = 0; out_x < p.out_w; ++out_x) out(b, out_y, out_x);
    }
  }
}

// Calls tap(in_y, in_x, fy, fx) for the filter taps of output (out_y, out_x)
// that land inside the input image.
template <typename Tap>
inline void for_each_tap(const Conv2DParams& p, int32_t out_y, int32_t out_x, Tap tap) {
  const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
  const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
  for (int32_t fy = 0; fy < p.k_h; ++fy) {
    const int32_t in_y = in_y_origin + p.dilation_h * fy;
    if (in_y < 0 || in_y >= p.in_h) continue;
    for (int32_t fx = 0; fx < p.k_w; ++fx) {
      const int32_t in_x = in_x_origin + p.dilation_w * fx;
      if (in_x < 0 || in_x >= p.in_w) continue;
      tap(in_y, in_x, fy, fx);
    }
  }
}

// The input index of output pixel (b, out_y, out_x)'s first tap, where the
// window starts, padding included: negative or past a row for a padded
// border pixel.
inline int32_t window_origin_index(const Conv2DParams& p, int32_t b, int32_t out_y, int32_t out_x) {
  return ((b * p.in_h + out_y * p.stride_h - p.pad_h) * p.in_w + out_x * p.stride_w - p.pad_w) *
         p.in_c;
}

inline int32_t output_index(const Conv2DParams& p, int32_t b, int32_t out_y, int32_t out_x,
                            int32_t oc) {
  return ((b * p.out_h + out_y) * p.out_w + out_x) * p.out_c + oc;
}

inline float clamp_f(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace kernels
}  // namespace kiln

#endif
