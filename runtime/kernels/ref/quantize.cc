// Reference QUANTIZE, DEQUANTIZE and requantization between int8 and
// int8/uint8 (TFLite's Requantize: uint8 tensors enter and leave int8 graphs
// through it).
#include "kiln/ops/quantize.h"

#include <math.h>
#include <stdint.h>

#include "kiln/fixed_point.h"

namespace kiln {
namespace ref {

void quantize_f32_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const QuantizeParams& p = *static_cast<const QuantizeParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) {
    // Clamp in float first: the int conversion of an out-of-range float is undefined.
    float q = roundf(input[i] / p.scale);
    q = q > 1e9f ? 1e9f : (q < -1e9f ? -1e9f : (q == q ? q : 0.0f));
    const int32_t v = static_cast<int32_t>(q) + p.output_zero_point;
    output[i] = static_cast<int8_t>(fp::clamp(v, INT8_MIN, INT8_MAX));
  }
}

namespace {

template <typename In, typename Out, int32_t kMin, int32_t kMax>
void requantize(const QuantizeParams& p, const In* input, Out* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = static_cast<Out>(fp::requantize(input[i] - p.input_zero_point, p.multiplier,
                                                p.shift, p.output_zero_point, kMin, kMax));
  }
}

}  // namespace

void requantize_s8(const void* params, const void* const* inputs, void* const* outputs) {
  requantize<int8_t, int8_t, INT8_MIN, INT8_MAX>(*static_cast<const QuantizeParams*>(params),
                                                 static_cast<const int8_t*>(inputs[0]),
                                                 static_cast<int8_t*>(outputs[0]));
}

void requantize_u8_s8(const void* params, const void* const* inputs, void* const* outputs) {
  requantize<uint8_t, int8_t, INT8_MIN, INT8_MAX>(*static_cast<const QuantizeParams*>(params),
                                                  static_cast<const uint8_t*>(inputs[0]),
                                                  static_cast<int8_t*>(outputs[0]));
}

void requantize_s8_u8(const void* params, const void* const* inputs, void* const* outputs) {
  requantize<int8_t, uint8_t, 0, UINT8_MAX>(*static_cast<const QuantizeParams*>(params),
                                            static_cast<const int8_t*>(inputs[0]),
                                            static_cast<uint8_t*>(outputs[0]));
}

void dequantize_s8_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const QuantizeParams& p = *static_cast<const QuantizeParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = static_cast<float>(static_cast<double>(p.scale) * (input[i] - p.input_zero_point));
  }
}

}  // namespace ref
}  // namespace kiln
