// Reference AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D: TFLite's window
// clipping and its round-half-away-from-zero integer average.
#include "kiln/ops/pool2d.h"

#include <math.h>
#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// Visits every output element with its clipped window; `reduce` returns the value to store.
template <typename T, typename Reduce>
void pool(const Pool2DParams& p, const T* input, T* output, Reduce reduce) {
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      for (int32_t out_x = 0; out_x < p.out_w; ++out_x) {
        const PoolWindow w = pool_window(p, out_y, out_x);
        for (int32_t c = 0; c < p.channels; ++c) {
          const T* base = input + (b * p.in_h * p.in_w) * p.channels + c;
          output[((b * p.out_h + out_y) * p.out_w + out_x) * p.channels + c] = reduce(base, w);
        }
      }
    }
  }
}

template <typename T>
void average_pool2d_q(const void* params, const void* const* inputs, void* const* outputs) {
  const Pool2DParams& p = *static_cast<const Pool2DParams*>(params);
  pool(p, static_cast<const T*>(inputs[0]), static_cast<T*>(outputs[0]),
       [&p](const T* base, const PoolWindow& w) {
         // 64-bit: a window clipped to the input can still hold 2^30 elements.
         int64_t acc = 0;
         int64_t count = 0;
         for (int32_t y = w.y0; y < w.y1; ++y) {
           for (int32_t x = w.x0; x < w.x1; ++x) {
             acc += base[(y * p.in_w + x) * p.channels];
             ++count;
           }
         }
         return static_cast<T>(fp::clamp(pool_average(acc, count), p.act_min, p.act_max));
       });
}

template <typename T>
void max_pool2d_q(const void* params, const void* const* inputs, void* const* outputs) {
  const Pool2DParams& p = *static_cast<const Pool2DParams*>(params);
  pool(p, static_cast<const T*>(inputs[0]), static_cast<T*>(outputs[0]),
       [&p](const T* base, const PoolWindow& w) {
         int32_t max = sizeof(T) == 1 ? INT8_MIN : INT16_MIN;
         for (int32_t y = w.y0; y < w.y1; ++y) {
           for (int32_t x = w.x0; x < w.x1; ++x) {
             const int32_t v = base[(y * p.in_w + x) * p.channels];
             max = v > max ? v : max;
           }
         }
         return static_cast<T>(fp::clamp(max, p.act_min, p.act_max));
       });
}

}  // namespace

void average_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  average_pool2d_q<int8_t>(params, inputs, outputs);
}

void average_pool2d_s16(const void* params, const void* const* inputs, void* const* outputs) {
  average_pool2d_q<int16_t>(params, inputs, outputs);
}

void max_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  max_pool2d_q<int8_t>(params, inputs, outputs);
}

void max_pool2d_s16(const void* params, const void* const* inputs, void* const* outputs) {
  max_pool2d_q<int16_t>(params, inputs, outputs);
}

void average_pool2d_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const Pool2DParams& p = *static_cast<const Pool2DParams*>(params);
  pool(p, static_cast<const float*>(inputs[0]), static_cast<float*>(outputs[0]),
       [&p](const float* base, const PoolWindow& w) {
         float acc = 0.0f;
         int32_t count = 0;
         for (int32_t y = w.y0; y < w.y1; ++y) {
           for (int32_t x = w.x0; x < w.x1; ++x) {
             acc += base[(y * p.in_w + x) * p.channels];
             ++count;
           }
         }
         float avg = count ? acc / static_cast<float>(count) : 0.0f;
         return avg < p.act_min_f ? p.act_min_f : (avg > p.act_max_f ? p.act_max_f : avg);
       });
}

// L2_POOL_2D: the root of the mean square over the window's inputs.
void l2_pool2d_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const Pool2DParams& p = *static_cast<const Pool2DParams*>(params);
  pool(p, static_cast<const float*>(inputs[0]), static_cast<float*>(outputs[0]),
       [&p](const float* base, const PoolWindow& w) {
         float sum_of_squares = 0.0f;
         int32_t count = 0;
         for (int32_t y = w.y0; y < w.y1; ++y) {
           for (int32_t x = w.x0; x < w.x1; ++x) {
             const float v = base[(y * p.in_w + x) * p.channels];
             sum_of_squares += v * v;
             ++count;
           }
         }
         const float l2 = count ? sqrtf(sum_of_squares / static_cast<float>(count)) : 0.0f;
         return l2 < p.act_min_f ? p.act_min_f : (l2 > p.act_max_f ? p.act_max_f : l2);
       });
}

void max_pool2d_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const Pool2DParams& p = *static_cast<const Pool2DParams*>(params);
  pool(p, static_cast<const float*>(inputs[0]), static_cast<float*>(outputs[0]),
       [&p](const float* base, const PoolWindow& w) {
         float max = -3.402823466e+38f;
         for (int32_t y = w.y0; y < w.y1; ++y) {
           for (int32_t x = w.x0; x < w.x1; ++x) {
             const float v = base[(y * p.in_w + x) * p.channels];
             max = v > max ? v : max;
           }
         }
         return max < p.act_min_f ? p.act_min_f : (max > p.act_max_f ? p.act_max_f : max);
       });
}

}  // namespace ref
}  // namespace kiln
