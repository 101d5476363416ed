// Reference RESIZE_BILINEAR: TFLite's float interpolation, and its int8 one
// in 10-bit fixed point (the weights sum to 2^20, so zero points pass through).
#include "kiln/ops/resize.h"

#include <stdint.h>
#include <string.h>

#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// One table entry, its indices clamped into the input so that no table
// bytes can make the kernel read outside it.
struct Tap {
  int32_t lower, upper, weight;
};

inline Tap tap(const int32_t* table, int32_t i, int32_t size) {
  const int32_t* e = table + i * kResizeTableFields;
  auto inside = [size](int32_t v) { return v < 0 ? 0 : (v >= size ? size - 1 : v); };
  return {inside(e[0]), inside(e[1]), e[2]};
}

template <typename T, typename Interpolate>
void resize(const void* params, const void* const* inputs, void* const* outputs,
            Interpolate interpolate) {
  const ResizeBilinearParams& p = *static_cast<const ResizeBilinearParams*>(params);
  const T* input = static_cast<const T*>(inputs[0]);
  const int32_t* rows = static_cast<const int32_t*>(inputs[1]);
  const int32_t* columns = static_cast<const int32_t*>(inputs[2]);
  T* out = static_cast<T*>(outputs[0]);
  for (int32_t b = 0; b < p.batches; ++b) {
    const T* image = input + b * p.in_h * p.in_w * p.channels;
    for (int32_t y = 0; y < p.out_h; ++y) {
      const Tap ty = tap(rows, y, p.in_h);
      for (int32_t x = 0; x < p.out_w; ++x) {
        const Tap tx = tap(columns, x, p.in_w);
        const T* v00 = image + (ty.lower * p.in_w + tx.lower) * p.channels;
        const T* v10 = image + (ty.upper * p.in_w + tx.lower) * p.channels;
        const T* v01 = image + (ty.lower * p.in_w + tx.upper) * p.channels;
        const T* v11 = image + (ty.upper * p.in_w + tx.upper) * p.channels;
        for (int32_t c = 0; c < p.channels; ++c)
          *out++ = interpolate(v00[c], v10[c], v01[c], v11[c], ty.weight, tx.weight);
      }
    }
  }
}

}  // namespace

void resize_bilinear_s8(const void* params, const void* const* inputs, void* const* outputs) {
  resize<int8_t>(
      params, inputs, outputs,
      [](int32_t v00, int32_t v10, int32_t v01, int32_t v11, int32_t y_weight, int32_t x_weight) {
        // Valid weights lie in [-512, 1024); bounded so that no
        // table bytes can overflow the 64-bit sum.
        const int64_t fy = y_weight < -4096 ? -4096 : (y_weight > 4096 ? 4096 : y_weight);
        const int64_t fx = x_weight < -4096 ? -4096 : (x_weight > 4096 ? 4096 : x_weight);
        const int64_t sum = v00 * (1024 - fy) * (1024 - fx) + v10 * fy * (1024 - fx) +
                            v01 * (1024 - fy) * fx + v11 * fy * fx;
        const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
        return static_cast<int8_t>((sum + round) / (1 << 20));
      });
}

void resize_bilinear_f32(const void* params, const void* const* inputs, void* const* outputs) {
  resize<float>(params, inputs, outputs,
                [](float v00, float v10, float v01, float v11, int32_t y_bits, int32_t x_bits) {
                  float dy, dx;
                  memcpy(&dy, &y_bits, sizeof(dy));
                  memcpy(&dx, &x_bits, sizeof(dx));
                  return v00 * (1.0f - dy) * (1.0f - dx) + v10 * dy * (1.0f - dx) +
                         v01 * (1.0f - dy) * dx + v11 * dy * dx;
                });
}

}  // namespace ref
}  // namespace kiln
