// Reference SOFTMAX and LOGISTIC. The int8 versions follow TFLite's
// fixed-point definitions (exp and 1/(1+x) in gemmlowp's Q formats).
#include <math.h>
#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/ops/activation.h"

namespace kiln {
namespace ref {

void softmax_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const SoftmaxParams& p = *static_cast<const SoftmaxParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  constexpr int kScaledDiffIntegerBits = 5;
  constexpr int kAccumulationIntegerBits = 12;

  auto scaled_exp = [&p](int32_t diff) {
    const int32_t rescaled = fp::saturating_rounding_doubling_high_mul(
        static_cast<int32_t>(static_cast<uint32_t>(diff) << p.input_left_shift), p.input_multiplier);
    return fp::exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
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
            sum_of_exps, fp::rescale(scaled_exp(diff), 0, kAccumulationIntegerBits));
      }
    }
    int num_bits_over_unit = 0;
    const int32_t shifted_scale =
        fp::reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    int exponent = num_bits_over_unit + 31 - 8;
    exponent = exponent < 0 ? 0 : (exponent > 31 ? 31 : exponent);
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      int32_t value = INT8_MIN;
      if (diff >= p.diff_min) {
        const int32_t unsat = fp::rounding_divide_by_pot(
            fp::saturating_rounding_doubling_high_mul(shifted_scale, scaled_exp(diff)), exponent);
        value = fp::clamp(unsat + INT8_MIN, INT8_MIN, INT8_MAX);
      }
      out[c] = static_cast<int8_t>(value);
    }
  }
}

void softmax_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const SoftmaxParams& p = *static_cast<const SoftmaxParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t row = 0; row < p.outer; ++row) {
    const float* in = input + row * p.depth;
    float* out = output + row * p.depth;
    float max = in[0];
    for (int32_t c = 1; c < p.depth; ++c) max = in[c] > max ? in[c] : max;
    float sum = 0.0f;
    for (int32_t c = 0; c < p.depth; ++c) {
      out[c] = expf((in[c] - max) * p.beta);
      sum += out[c];
    }
    for (int32_t c = 0; c < p.depth; ++c) out[c] /= sum;
  }
}

void logistic_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const LogisticParams& p = *static_cast<const LogisticParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  constexpr int kInputIntegerBits = 4;
  constexpr int kOutputIntegerBits = 8;
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t x = input[i] - p.input_zero_point;
    int32_t value;
    if (x <= -p.input_range_radius) {
      value = INT8_MIN;
    } else if (x >= p.input_range_radius) {
      value = INT8_MAX;
    } else {
      const int32_t x_q4 =
          fp::multiply_by_quantized_multiplier(x, p.input_multiplier, p.input_left_shift);
      const int32_t y_q0 = fp::logistic(x_q4, kInputIntegerBits);
      value = fp::rounding_divide_by_pot(y_q0, 31 - kOutputIntegerBits) + INT8_MIN;
      value = fp::clamp(value, INT8_MIN, INT8_MAX);
    }
    output[i] = static_cast<int8_t>(value);
  }
}

void logistic_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const LogisticParams& p = *static_cast<const LogisticParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) output[i] = 1.0f / (1.0f + expf(-input[i]));
}

}  // namespace ref
}  // namespace kiln
