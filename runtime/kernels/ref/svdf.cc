// Reference SVDF: TFLite Micro's loops and order of summation, so float
// results match it bit for bit too.
#include "kiln/ops/svdf.h"

#include <stdint.h>
#include <string.h>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// Every filter's memory moves one step back: the whole state shifts left by
// one element, and each filter's newest slot is then overwritten.
template <typename T>
void shift_state(T* state, int32_t elements) {
  memmove(state, state + 1, static_cast<size_t>(elements - 1) * sizeof(T));
}

inline float clamp_f(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace

void svdf_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const SvdfParams& p = *static_cast<const SvdfParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int8_t* features = static_cast<const int8_t*>(inputs[1]);
  const int16_t* time = static_cast<const int16_t*>(inputs[2]);
  const int32_t* bias = static_cast<const int32_t*>(inputs[3]);
  int8_t* out = static_cast<int8_t*>(outputs[0]);
  int16_t* state = static_cast<int16_t*>(outputs[1]);
  int32_t* filter_sums = static_cast<int32_t*>(outputs[2]);
  int32_t* unit_sums = filter_sums + p.batches * p.units * p.rank;
  const int32_t filters = p.units * p.rank;

  shift_state(state, p.batches * filters * p.memory);
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t f = 0; f < filters; ++f) {
      int32_t dot = 0;
      for (int32_t i = 0; i < p.input_size; ++i) {
        dot = fp::wrapping_add(
            dot, features[f * p.input_size + i] * (input[b * p.input_size + i] + p.input_offset));
      }
      dot = fp::multiply_by_quantized_multiplier(dot, p.feature_multiplier, p.feature_shift);
      // The zero point goes in before the clamp, so the sum cannot wrap.
      state[(b * filters + f) * p.memory + p.memory - 1] = static_cast<int16_t>(
          fp::clamp(fp::saturating_add(dot, p.state_zero_point), -32768, 32767));
    }
  }
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t f = 0; f < filters; ++f) {
      const int16_t* memory = state + (b * filters + f) * p.memory;
      int32_t sum = 0;
      for (int32_t m = 0; m < p.memory; ++m) {
        // Products of int16 values wrap into int32 as TFLite's would.
        const int64_t product = int64_t{time[f * p.memory + m]} * (memory[m] - p.state_zero_point);
        sum = fp::wrapping_add(sum, static_cast<int32_t>(static_cast<uint32_t>(product)));
      }
      filter_sums[b * filters + f] = sum;
    }
  }
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t u = 0; u < p.units; ++u) {
      int32_t sum = p.has_bias ? bias[u] : 0;
      for (int32_t r = 0; r < p.rank; ++r) {
        sum = fp::wrapping_add(sum, filter_sums[b * filters + u * p.rank + r]);
      }
      unit_sums[b * p.units + u] = sum;
      const int32_t scaled =
          fp::multiply_by_quantized_multiplier(sum, p.output_multiplier, p.output_shift);
      out[b * p.units + u] = static_cast<int8_t>(
          fp::clamp(fp::saturating_add(scaled, p.output_zero_point), -128, 127));
    }
  }
}

void svdf_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const SvdfParams& p = *static_cast<const SvdfParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* features = static_cast<const float*>(inputs[1]);
  const float* time = static_cast<const float*>(inputs[2]);
  const float* bias = static_cast<const float*>(inputs[3]);
  float* out = static_cast<float*>(outputs[0]);
  float* state = static_cast<float*>(outputs[1]);
  float* filter_sums = static_cast<float*>(outputs[2]);
  const int32_t filters = p.units * p.rank;

  shift_state(state, p.batches * filters * p.memory);
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t f = 0; f < filters; ++f) {
      float dot = 0.0f;
      for (int32_t i = 0; i < p.input_size; ++i) {
        dot += features[f * p.input_size + i] * input[b * p.input_size + i];
      }
      state[(b * filters + f) * p.memory + p.memory - 1] = dot;
    }
  }
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t f = 0; f < filters; ++f) {
      const float* memory = state + (b * filters + f) * p.memory;
      float sum = 0.0f;
      for (int32_t m = 0; m < p.memory; ++m) sum += time[f * p.memory + m] * memory[m];
      filter_sums[b * filters + f] = sum;
    }
  }
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t u = 0; u < p.units; ++u) {
      float sum = p.has_bias ? bias[u] : 0.0f;
      for (int32_t r = 0; r < p.rank; ++r) sum += filter_sums[b * filters + u * p.rank + r];
      out[b * p.units + u] = clamp_f(sum, p.act_min_f, p.act_max_f);
    }
  }
}

}  // namespace ref
}  // namespace kiln
