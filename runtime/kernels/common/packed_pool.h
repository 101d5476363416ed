// The loop nest of the packed (ISA-specific) int8 pooling, written once. An
// instruction set supplies a group of lanes (channels side by side in NHWC):
//
//   struct Average {                  // AVERAGE_POOL_2D
//     static constexpr int32_t kLanes;
//     using Sum;                      // kLanes sums of at most kPackedPoolMaxWindow int8 values
//     static Sum zero();
//     static void add(Sum& sum, const int8_t* in);         // sum[l] += in[l]
//     static void sums(const Sum& sum, int32_t* lanes);    // the sums as int32
//   };
//   struct Max {                      // MAX_POOL_2D
//     static constexpr int32_t kLanes;
//     using Acc;
//     static Acc lowest();                                 // every lane -128
//     static void max(Acc& acc, const int8_t* in);         // acc[l] = max(acc[l], in[l])
//     // out[l] = acc[l] clamped to [lo, hi].
//     static void store(const Acc& acc, int32_t lo, int32_t hi, int8_t* out);
//   };
//
// Windows are clipped as the reference clips them (pool_window) and averages
// rounded as pool_average rounds them (packed_pool_average), so every
// variant is bit-exact with ref::.
#ifndef KILN_RUNTIME_KERNELS_COMMON_PACKED_POOL_H
#define KILN_RUNTIME_KERNELS_COMMON_PACKED_POOL_H

#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/ops/pool2d.h"

namespace kiln {
namespace kernels {

// Calls group(input of the window's first pixel, output, window) for every
// output pixel and group of `lanes` channels.
template <typename Group>
inline void for_each_pool_group(const Pool2DParams& p, const int8_t* input, int8_t* output,
                                int32_t lanes, Group group) {
  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* image = input + b * p.in_h * p.in_w * p.channels;
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      for (int32_t out_x = 0; out_x < p.out_w; ++out_x) {
        const PoolWindow w = pool_window(p, out_y, out_x);
        int8_t* out = output + ((b * p.out_h + out_y) * p.out_w + out_x) * p.channels;
        for (int32_t c = 0; c < p.channels; c += lanes) group(image + c, out + c, w);
      }
    }
  }
}

template <typename Average>
void packed_average_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const Pool2DParams p = *static_cast<const Pool2DParams*>(params);
  const int32_t row_bytes = p.in_w * p.channels;
  for_each_pool_group(p, static_cast<const int8_t*>(inputs[0]), static_cast<int8_t*>(outputs[0]),
                      Average::kLanes, [&](const int8_t* image, int8_t* out, const PoolWindow& w) {
                        typename Average::Sum sum = Average::zero();
                        for (int32_t y = w.y0; y < w.y1; ++y) {
                          const int8_t* in = image + y * row_bytes + w.x0 * p.channels;
                          for (int32_t x = w.x0; x < w.x1; ++x, in += p.channels)
                            Average::add(sum, in);
                        }
                        int32_t lanes[Average::kLanes];
                        Average::sums(sum, lanes);
                        const int32_t count = (w.y1 - w.y0) * (w.x1 - w.x0);
                        for (int32_t l = 0; l < Average::kLanes; ++l) {
                          out[l] = static_cast<int8_t>(fp::clamp(
                              packed_pool_average(lanes[l], count), p.act_min, p.act_max));
                        }
                      });
}

template <typename Max>
void packed_max_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const Pool2DParams p = *static_cast<const Pool2DParams*>(params);
  const int32_t row_bytes = p.in_w * p.channels;
  for_each_pool_group(p, static_cast<const int8_t*>(inputs[0]), static_cast<int8_t*>(outputs[0]),
                      Max::kLanes, [&](const int8_t* image, int8_t* out, const PoolWindow& w) {
                        typename Max::Acc acc = Max::lowest();
                        for (int32_t y = w.y0; y < w.y1; ++y) {
                          const int8_t* in = image + y * row_bytes + w.x0 * p.channels;
                          for (int32_t x = w.x0; x < w.x1; ++x, in += p.channels) Max::max(acc, in);
                        }
                        Max::store(acc, p.act_min, p.act_max, out);
                      });
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_PACKED_POOL_H
