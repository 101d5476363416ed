// Reference MEAN over the spatial dims: TFLite's integer Mean (rescale the
// sum first, then divide with rounding half away from zero).
#include "kiln/ops/mean.h"

#include <stdint.h>

#include "kiln/fixed_point.h"

namespace kiln {
namespace ref {

void mean_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const MeanParams& p = *static_cast<const MeanParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  const int32_t n = p.spatial;
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t c = 0; c < p.channels; ++c) {
      // 32-bit like TFLite's sum, wrapping instead of overflowing on absurd sizes.
      uint32_t sum = 0;
      for (int32_t s = 0; s < n; ++s) {
        sum += static_cast<uint32_t>(input[(b * n + s) * p.channels + c] - p.input_zero_point);
      }
      const int64_t scaled =
          fp::multiply_by_quantized_multiplier(static_cast<int32_t>(sum), p.multiplier, p.shift);
      const int64_t mean = (scaled > 0 ? scaled + n / 2 : scaled - n / 2) / n + p.output_zero_point;
      output[b * p.channels + c] =
          static_cast<int8_t>(mean < INT8_MIN ? INT8_MIN : (mean > INT8_MAX ? INT8_MAX : mean));
    }
  }
}

void mean_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const MeanParams& p = *static_cast<const MeanParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t c = 0; c < p.channels; ++c) {
      float acc = 0.0f;
      for (int32_t s = 0; s < p.spatial; ++s) acc += input[(b * p.spatial + s) * p.channels + c];
      output[b * p.channels + c] = acc / static_cast<float>(p.spatial);
    }
  }
}

}  // namespace ref
}  // namespace kiln
