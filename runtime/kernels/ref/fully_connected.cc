// Reference FULLY_CONNECTED: TFLite's integer FullyConnected loop and rounding.
#include "kiln/ops/fully_connected.h"

#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void fully_connected_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const FullyConnectedParams& p = *static_cast<const FullyConnectedParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int32_t* bias = static_cast<const int32_t*>(inputs[2]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);

  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* in_row = input + b * p.accum_depth;
    for (int32_t o = 0; o < p.out_depth; ++o) {
      const int8_t* f_row = filter + o * p.accum_depth;
      uint32_t acc = 0;  // wraps like TFLite's int32 accumulator, without UB
      for (int32_t d = 0; d < p.accum_depth; ++d) {
        acc += static_cast<uint32_t>((f_row[d] + p.filter_offset) * (in_row[d] + p.input_offset));
      }
      if (bias) acc += static_cast<uint32_t>(bias[o]);
      output[b * p.out_depth + o] = static_cast<int8_t>(
          fp::requantize(static_cast<int32_t>(acc), p.output_multiplier, p.output_shift,
                         p.output_offset, p.act_min, p.act_max));
    }
  }
}

void fully_connected_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const FullyConnectedParams& p = *static_cast<const FullyConnectedParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* filter = static_cast<const float*>(inputs[1]);
  const float* bias = static_cast<const float*>(inputs[2]);
  float* output = static_cast<float*>(outputs[0]);

  for (int32_t b = 0; b < p.batches; ++b) {
    const float* in_row = input + b * p.accum_depth;
    for (int32_t o = 0; o < p.out_depth; ++o) {
      const float* f_row = filter + o * p.accum_depth;
      float acc = 0.0f;
      for (int32_t d = 0; d < p.accum_depth; ++d) acc += in_row[d] * f_row[d];
      if (bias) acc += bias[o];
      acc = acc < p.act_min_f ? p.act_min_f : (acc > p.act_max_f ? p.act_max_f : acc);
      output[b * p.out_depth + o] = acc;
    }
  }
}

}  // namespace ref
}  // namespace kiln
