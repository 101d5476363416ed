// Reference MEAN over the spatial dims: TFLite's integer Mean (rescale the
// sum first, then divide with rounding half away from zero).
#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/ops/mean.h"

namespace kiln {
namespace ref {

void mean_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const MeanParams& p = *static_cast<const MeanParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  const int32_t n = p.spatial;
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t c = 0; c < p.channels; ++c) {
      int32_t acc = 0;
      for (int32_t s = 0; s < n; ++s) acc += input[(b * n + s) * p.channels + c] - p.input_zero_point;
      acc = fp::multiply_by_quantized_multiplier(acc, p.multiplier, p.shift);
      acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
      acc += p.output_zero_point;
      output[b * p.channels + c] = static_cast<int8_t>(fp::clamp(acc, INT8_MIN, INT8_MAX));
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
