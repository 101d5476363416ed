// Reference LOG_SOFTMAX and L2_NORMALIZATION: the int8 versions in TFLite's
// fixed point (gemmlowp's exp and TFLite's log and inverse square root).
#include "kiln/ops/normalization.h"

#include <math.h>
#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void log_softmax_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const LogSoftmaxParams& p = *static_cast<const LogSoftmaxParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  constexpr int kScaledDiffIntegerBits = 5;
  constexpr int kAccumulationIntegerBits = 12;
  constexpr int kOutputIntegerBits = 4;
  constexpr int32_t kOutputZeroPoint = 127;
  auto rescaled = [&p](int32_t diff) {
    return fp::multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_left_shift);
  };
  for (int32_t row = 0; row < p.outer; ++row) {
    const int8_t* in = input + row * p.depth;
    int8_t* out = output + row * p.depth;
    int32_t max_in_row = INT8_MIN;
    for (int32_t c = 0; c < p.depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
    int32_t sum_of_exps = 0;  // Q12
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      if (diff >= p.diff_min) {
        sum_of_exps = fp::wrapping_add(
            sum_of_exps,
            fp::rescale(fp::exp_on_negative_values(rescaled(diff), kScaledDiffIntegerBits), 0,
                        kAccumulationIntegerBits));
      }
    }
    const int32_t log_sum = fp::log_x_for_x_at_least_1(sum_of_exps, kAccumulationIntegerBits,
                                                       kScaledDiffIntegerBits);  // Q5
    const int32_t reversed = fp::rounding_divide_by_pot(
        fp::saturating_rounding_doubling_high_mul(fp::wrapping_add(log_sum, INT32_MIN),
                                                  p.reverse_scaling_divisor),
        p.reverse_scaling_right_shift);
    const int32_t adjusted_diff_min = reversed > p.diff_min - 1 ? reversed : p.diff_min - 1;
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      int32_t value = INT8_MIN;
      if (diff > adjusted_diff_min) {
        value = fp::rounding_divide_by_pot(fp::wrapping_sub(rescaled(diff), log_sum),
                                           31 - kScaledDiffIntegerBits - kOutputIntegerBits) +
                kOutputZeroPoint;
        value = fp::clamp(value, INT8_MIN, INT8_MAX);
      }
      out[c] = static_cast<int8_t>(value);
    }
  }
}

void log_softmax_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const LogSoftmaxParams& p = *static_cast<const LogSoftmaxParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t row = 0; row < p.outer; ++row) {
    const float* in = input + row * p.depth;
    float* out = output + row * p.depth;
    float max = in[0];
    for (int32_t c = 1; c < p.depth; ++c) max = in[c] > max ? in[c] : max;
    float sum = 0.0f;
    for (int32_t c = 0; c < p.depth; ++c) sum += expf(in[c] - max);
    const float log_sum = logf(sum);
    for (int32_t c = 0; c < p.depth; ++c) out[c] = in[c] - max - log_sum;
  }
}

void l2_normalization_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const L2NormalizationParams& p = *static_cast<const L2NormalizationParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  constexpr int kOutputFractionBits = 7;
  for (int32_t row = 0; row < p.outer; ++row) {
    const int8_t* in = input + row * p.depth;
    int8_t* out = output + row * p.depth;
    uint32_t sum_of_squares = 0;  // wraps past 2^16 full-scale values, as TFLite's int32
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t x = in[c] - p.input_zero_point;
      sum_of_squares += static_cast<uint32_t>(x * x);
    }
    int32_t multiplier;
    int shift;
    fp::inverse_sqrt_multiplier(static_cast<int32_t>(sum_of_squares), &multiplier, &shift);
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t v = fp::multiply_by_quantized_multiplier(in[c] - p.input_zero_point, multiplier,
                                                             shift + kOutputFractionBits);
      out[c] = static_cast<int8_t>(fp::clamp(v, INT8_MIN, INT8_MAX));
    }
  }
}

void l2_normalization_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const L2NormalizationParams& p = *static_cast<const L2NormalizationParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  constexpr float kEpsilon = 1e-6f;
  for (int32_t row = 0; row < p.outer; ++row) {
    const float* in = input + row * p.depth;
    float* out = output + row * p.depth;
    float sum_of_squares = 0.0f;
    for (int32_t c = 0; c < p.depth; ++c) sum_of_squares += in[c] * in[c];
    float norm = sqrtf(sum_of_squares);
    norm = norm > kEpsilon ? norm : kEpsilon;
    for (int32_t c = 0; c < p.depth; ++c) out[c] = in[c] / norm;
  }
}

}  // namespace ref
}  // namespace kiln
