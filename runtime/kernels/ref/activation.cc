// Reference SOFTMAX and the element-wise activations. The int8 versions
// follow TFLite's fixed-point definitions (exp, 1/(1+x) and tanh in gemmlowp's
// Q formats; clamps and leaky ReLU as rescales by Q31 multipliers).
#include "kiln/ops/activation.h"

#include <math.h>
#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

namespace {

// SOFTMAX of int8 inputs into int8 or int16 (TFLite's Softmax<int8, Out>):
// exps of the differences to the row's maximum in Q5, summed in Q12, each
// multiplied by the sum's reciprocal and offset by the type's minimum.
template <typename Out, int32_t kMin, int32_t kMax>
void softmax_from_s8(const SoftmaxParams& p, const int8_t* input, Out* output) {
  constexpr int kScaledDiffIntegerBits = 5;
  constexpr int kAccumulationIntegerBits = 12;
  constexpr int kOutputBits = sizeof(Out) * 8;

  auto scaled_exp = [&p](int32_t diff) {
    const int32_t rescaled = fp::saturating_rounding_doubling_high_mul(
        static_cast<int32_t>(static_cast<uint32_t>(diff) << p.input_left_shift),
        p.input_multiplier);
    return fp::exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
  };

  for (int32_t row = 0; row < p.outer; ++row) {
    const int8_t* in = input + row * p.depth;
    Out* out = output + row * p.depth;
    int32_t max_in_row = INT8_MIN;
    for (int32_t c = 0; c < p.depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;

    int32_t sum_of_exps = 0;  // Q12
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      if (diff >= p.diff_min) {
        sum_of_exps = fp::wrapping_add(sum_of_exps,
                                       fp::rescale(scaled_exp(diff), 0, kAccumulationIntegerBits));
      }
    }
    int num_bits_over_unit = 0;
    const int32_t shifted_scale =
        fp::reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    int exponent = num_bits_over_unit + 31 - kOutputBits;
    exponent = exponent < 0 ? 0 : (exponent > 31 ? 31 : exponent);
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      int32_t value = kMin;
      if (diff >= p.diff_min) {
        const int32_t unsat = fp::rounding_divide_by_pot(
            fp::saturating_rounding_doubling_high_mul(shifted_scale, scaled_exp(diff)), exponent);
        value = fp::clamp(unsat + kMin, kMin, kMax);
      }
      out[c] = static_cast<Out>(value);
    }
  }
}

}  // namespace

void softmax_s8(const void* params, const void* const* inputs, void* const* outputs) {
  softmax_from_s8<int8_t, INT8_MIN, INT8_MAX>(*static_cast<const SoftmaxParams*>(params),
                                              static_cast<const int8_t*>(inputs[0]),
                                              static_cast<int8_t*>(outputs[0]));
}

void softmax_s8_s16(const void* params, const void* const* inputs, void* const* outputs) {
  softmax_from_s8<int16_t, INT16_MIN, INT16_MAX>(*static_cast<const SoftmaxParams*>(params),
                                                 static_cast<const int8_t*>(inputs[0]),
                                                 static_cast<int16_t*>(outputs[0]));
}

// int16 SOFTMAX (TFLite's SoftmaxInt16): differences to the row's maximum
// rescaled to [-10, 0] over the int16 range and looked up in the exp table;
// the sum normalized to [1, 2) and looked up in the 1/(1+x) table; each exp
// times that reciprocal, shifted back by the sum's magnitude.
void softmax_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const SoftmaxParams& p = *static_cast<const SoftmaxParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  const int16_t* exp_table = static_cast<const int16_t*>(inputs[1]);
  const int16_t* reciprocal_table = static_cast<const int16_t*>(inputs[2]);
  int16_t* output = static_cast<int16_t*>(outputs[0]);
  for (int32_t row = 0; row < p.outer; ++row) {
    const int16_t* in = input + row * p.depth;
    int16_t* out = output + row * p.depth;
    int32_t max_in_row = INT16_MIN;
    for (int32_t c = 0; c < p.depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
    int32_t sum_of_exps = 0;
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t scaled = fp::multiply_by_quantized_multiplier(
          in[c] - max_in_row, p.input_multiplier, p.input_left_shift);
      const int16_t symmetric = static_cast<int16_t>(
          fp::clamp(fp::saturating_add(scaled, INT16_MAX), INT16_MIN, INT16_MAX));
      out[c] = fp::int16_table_lookup(symmetric, exp_table);
      sum_of_exps = fp::wrapping_add(sum_of_exps, out[c]);
    }
    const int headroom_plus_one = fp::count_leading_zeros(static_cast<uint32_t>(sum_of_exps));
    const int normalize = headroom_plus_one > 0 ? headroom_plus_one - 1 : 0;
    const int64_t shifted_sum =
        ((static_cast<int64_t>(static_cast<uint32_t>(sum_of_exps)) << normalize) + (1 << 13)) >> 14;
    const int16_t symmetric_sum = static_cast<int16_t>(fp::clamp(
        static_cast<int32_t>(shifted_sum - ((1 << 15) + (1 << 16))), INT16_MIN, INT16_MAX));
    const int32_t reciprocal = fp::int16_table_lookup(symmetric_sum, reciprocal_table);
    // A valid table keeps the sum at 32767 or more (shift 14..16); clamped so
    // that any table bytes give defined shifts.
    const int right_shift = fp::clamp(31 - headroom_plus_one, 1, 31);
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (int32_t c = 0; c < p.depth; ++c) {
      const int64_t v = (static_cast<int64_t>(out[c]) * reciprocal + round) >> right_shift;
      out[c] = static_cast<int16_t>(v < 0 ? 0 : (v > INT16_MAX ? INT16_MAX : v));
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

namespace {

// LOGISTIC and TANH: inputs beyond the radius saturate; the rest are rescaled
// to Q4 and mapped by `f` to a Q0 value in (-1, 1), output with
// `output_fraction_bits` fraction bits plus `output_offset`.
template <typename F>
void sigmoid_like_s8(const LogisticParams& p, const int8_t* input, int8_t* output, F f,
                     int output_fraction_bits, int32_t output_offset) {
  constexpr int kInputIntegerBits = 4;
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
      value = fp::rounding_divide_by_pot(f(x_q4, kInputIntegerBits), 31 - output_fraction_bits) +
              output_offset;
      value = fp::clamp(value, INT8_MIN, INT8_MAX);
    }
    output[i] = static_cast<int8_t>(value);
  }
}

}  // namespace

void logistic_s8(const void* params, const void* const* inputs, void* const* outputs) {
  // Output scale 1/256, zero point -128.
  sigmoid_like_s8(*static_cast<const LogisticParams*>(params),
                  static_cast<const int8_t*>(inputs[0]), static_cast<int8_t*>(outputs[0]),
                  fp::logistic, 8, INT8_MIN);
}

void logistic_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const LogisticParams& p = *static_cast<const LogisticParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) output[i] = 1.0f / (1.0f + expf(-input[i]));
}

void tanh_s8(const void* params, const void* const* inputs, void* const* outputs) {
  // Output scale 1/128, zero point 0.
  sigmoid_like_s8(*static_cast<const TanhParams*>(params), static_cast<const int8_t*>(inputs[0]),
                  static_cast<int8_t*>(outputs[0]), fp::tanh, 7, 0);
}

void tanh_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const TanhParams& p = *static_cast<const TanhParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) output[i] = tanhf(input[i]);
}

namespace {

// The int16 input in steps of 1/(3 x 4096), as the sigmoid table wants it.
inline int32_t table_input(const LogisticParams& p, int16_t x) {
  const int32_t round = p.input_left_shift > 0 ? 1 << (p.input_left_shift - 1) : 0;
  return (x * p.input_multiplier + round) >> p.input_left_shift;
}

}  // namespace

void logistic_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const LogisticParams& p = *static_cast<const LogisticParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  const uint16_t* table = static_cast<const uint16_t*>(inputs[1]);
  int16_t* output = static_cast<int16_t*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) output[i] = fp::sigmoid_s16(table_input(p, input[i]), table);
}

void tanh_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const TanhParams& p = *static_cast<const TanhParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  const uint16_t* table = static_cast<const uint16_t*>(inputs[1]);
  int16_t* output = static_cast<int16_t*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) output[i] = fp::tanh_s16(table_input(p, input[i]), table);
}

namespace {

template <typename T>
void clamp_q(const void* params, const void* const* inputs, void* const* outputs) {
  const ClampParams& p = *static_cast<const ClampParams*>(params);
  const T* input = static_cast<const T*>(inputs[0]);
  T* output = static_cast<T*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = static_cast<T>(fp::requantize(input[i] - p.input_zero_point, p.multiplier, p.shift,
                                              p.output_zero_point, p.act_min, p.act_max));
  }
}

template <typename T>
void leaky_relu_q(const void* params, const void* const* inputs, void* const* outputs) {
  const LeakyReluParams& p = *static_cast<const LeakyReluParams*>(params);
  const T* input = static_cast<const T*>(inputs[0]);
  T* output = static_cast<T*>(outputs[0]);
  const int32_t lo = sizeof(T) == 1 ? INT8_MIN : INT16_MIN;
  const int32_t hi = sizeof(T) == 1 ? INT8_MAX : INT16_MAX;
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t x = input[i] - p.input_zero_point;
    const bool positive = x >= 0;
    output[i] = static_cast<T>(
        fp::requantize(x, positive ? p.identity_multiplier : p.alpha_multiplier,
                       positive ? p.identity_shift : p.alpha_shift, p.output_zero_point, lo, hi));
  }
}

}  // namespace

void clamp_s8(const void* params, const void* const* inputs, void* const* outputs) {
  clamp_q<int8_t>(params, inputs, outputs);
}

void clamp_s16(const void* params, const void* const* inputs, void* const* outputs) {
  clamp_q<int16_t>(params, inputs, outputs);
}

void clamp_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const ClampParams& p = *static_cast<const ClampParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i)
    output[i] = input[i] < p.lo ? p.lo : (input[i] > p.hi ? p.hi : input[i]);
}

void leaky_relu_s8(const void* params, const void* const* inputs, void* const* outputs) {
  leaky_relu_q<int8_t>(params, inputs, outputs);
}

void leaky_relu_s16(const void* params, const void* const* inputs, void* const* outputs) {
  leaky_relu_q<int16_t>(params, inputs, outputs);
}

void leaky_relu_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const LeakyReluParams& p = *static_cast<const LeakyReluParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) output[i] = input[i] >= 0.0f ? input[i] : input[i] * p.alpha;
}

void lookup_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const LookupParams& p = *static_cast<const LookupParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int8_t* table = static_cast<const int8_t*>(inputs[1]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) output[i] = table[input[i] + 128];
}

void hard_swish_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const HardSwishParams& p = *static_cast<const HardSwishParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) {
    const float x = input[i];
    const float relu6 = x + 3.0f < 0.0f ? 0.0f : (x + 3.0f > 6.0f ? 6.0f : x + 3.0f);
    output[i] = x * relu6 / 6.0f;
  }
}

}  // namespace ref
}  // namespace kiln
