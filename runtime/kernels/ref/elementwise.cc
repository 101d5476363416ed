// Reference ADD, SUB, MUL, SQUARED_DIFFERENCE, DIV and PRELU with
// broadcasting: TFLite's integer Add, Sub and SquaredDifference (inputs
// left-shifted and rescaled to twice the larger input scale), Mul and Div, for
// int8 and int16.
#include "kiln/ops/elementwise.h"

#include <stdint.h>

#include "kernels/common/broadcast.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// Calls op(in1_index, in2_index, out_index) for every output element.
template <typename Op>
void broadcast(const BinaryParams& p, Op op) {
  const int32_t* const dims[2] = {p.in1_dims, p.in2_dims};
  for_each_broadcast<2>(p.out_dims, dims,
                        [&](const int32_t* in, int32_t o) { op(in[0], in[1], o); });
}

inline float clamp_f(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

// ADD and SUB share TFLite's integer arithmetic (int8 and int16 alike; the
// left shift is 20 for int8 and 15 for int16).
template <typename T>
void add_or_sub_q(const void* params, const void* const* inputs, void* const* outputs,
                  bool subtract) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const T* in1 = static_cast<const T*>(inputs[0]);
  const T* in2 = static_cast<const T*>(inputs[1]);
  T* out = static_cast<T*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    const int32_t shifted1 = (p.input1_offset + in1[a]) * (1 << p.left_shift);
    const int32_t shifted2 = (p.input2_offset + in2[b]) * (1 << p.left_shift);
    const int32_t scaled1 =
        fp::multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
    const int32_t scaled2 =
        fp::multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
    const int32_t sum =
        subtract ? fp::wrapping_sub(scaled1, scaled2) : fp::wrapping_add(scaled1, scaled2);
    out[o] = static_cast<T>(fp::requantize(sum, p.output_multiplier, p.output_shift,
                                           p.output_offset, p.act_min, p.act_max));
  });
}

template <typename T>
void mul_q(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const T* in1 = static_cast<const T*>(inputs[0]);
  const T* in2 = static_cast<const T*>(inputs[1]);
  T* out = static_cast<T*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    const int32_t product = (p.input1_offset + in1[a]) * (p.input2_offset + in2[b]);
    out[o] = static_cast<T>(fp::requantize(product, p.output_multiplier, p.output_shift,
                                           p.output_offset, p.act_min, p.act_max));
  });
}

// SQUARED_DIFFERENCE: both inputs to the common scale as ADD does, their
// difference squared (wrapping, as TFLite's int32 product would), rescaled.
template <typename T>
void squared_difference_q(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const T* in1 = static_cast<const T*>(inputs[0]);
  const T* in2 = static_cast<const T*>(inputs[1]);
  T* out = static_cast<T*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    const int32_t scaled1 = fp::multiply_by_quantized_multiplier(
        (p.input1_offset + in1[a]) * (1 << p.left_shift), p.input1_multiplier, p.input1_shift);
    const int32_t scaled2 = fp::multiply_by_quantized_multiplier(
        (p.input2_offset + in2[b]) * (1 << p.left_shift), p.input2_multiplier, p.input2_shift);
    const uint32_t difference = static_cast<uint32_t>(fp::wrapping_sub(scaled1, scaled2));
    const int32_t square = static_cast<int32_t>(difference * difference);
    out[o] = static_cast<T>(fp::requantize(square, p.output_multiplier, p.output_shift,
                                           p.output_offset, p.act_min, p.act_max));
  });
}

// One int8 DIV as TFLite computes it: the divisor made positive, its
// reciprocal's Q31 mantissa, the dividend shifted up by its headroom and
// multiplied by it, then one rounding shift by the output multiplier and all
// the exponents. A zero divisor (TFLite leaves it undefined) gives the
// activation bound of the dividend's sign, as float division would.
int32_t divide_s8(const BinaryParams& p, int32_t dividend, int32_t divisor) {
  if (divisor < 0) {
    dividend = -dividend;
    divisor = -divisor;
  }
  if (divisor == 0) return dividend >= 0 ? p.act_max : p.act_min;
  int reciprocal_shift;
  const int32_t reciprocal = fp::reciprocal(divisor, 31, &reciprocal_shift);
  const int headroom =
      fp::count_leading_zeros(static_cast<uint32_t>(dividend >= 0 ? dividend : ~dividend)) - 1;
  const int32_t quotient = fp::saturating_rounding_doubling_high_mul(
      static_cast<int32_t>(static_cast<uint32_t>(dividend) << headroom), reciprocal);
  // TFLite needs the total shift in [-31, 0]; valid models stay inside.
  const int total_shift = fp::clamp(p.output_shift - reciprocal_shift - headroom, -31, 0);
  const int32_t v = fp::rounding_divide_by_pot(
      fp::saturating_rounding_doubling_high_mul(quotient, p.output_multiplier), -total_shift);
  return fp::clamp(fp::saturating_add(v, p.output_offset), p.act_min, p.act_max);
}

}  // namespace

void squared_difference_s8(const void* params, const void* const* inputs, void* const* outputs) {
  squared_difference_q<int8_t>(params, inputs, outputs);
}

void squared_difference_s16(const void* params, const void* const* inputs, void* const* outputs) {
  squared_difference_q<int16_t>(params, inputs, outputs);
}

void div_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const int8_t* in1 = static_cast<const int8_t*>(inputs[0]);
  const int8_t* in2 = static_cast<const int8_t*>(inputs[1]);
  int8_t* out = static_cast<int8_t*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    out[o] = static_cast<int8_t>(divide_s8(p, p.input1_offset + in1[a], p.input2_offset + in2[b]));
  });
}

void add_s8(const void* params, const void* const* inputs, void* const* outputs) {
  add_or_sub_q<int8_t>(params, inputs, outputs, false);
}

void add_s16(const void* params, const void* const* inputs, void* const* outputs) {
  add_or_sub_q<int16_t>(params, inputs, outputs, false);
}

void sub_s8(const void* params, const void* const* inputs, void* const* outputs) {
  add_or_sub_q<int8_t>(params, inputs, outputs, true);
}

void sub_s16(const void* params, const void* const* inputs, void* const* outputs) {
  add_or_sub_q<int16_t>(params, inputs, outputs, true);
}

void add_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const float* in1 = static_cast<const float*>(inputs[0]);
  const float* in2 = static_cast<const float*>(inputs[1]);
  float* out = static_cast<float*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    out[o] = clamp_f(in1[a] + in2[b], p.act_min_f, p.act_max_f);
  });
}

void sub_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const float* in1 = static_cast<const float*>(inputs[0]);
  const float* in2 = static_cast<const float*>(inputs[1]);
  float* out = static_cast<float*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    out[o] = clamp_f(in1[a] - in2[b], p.act_min_f, p.act_max_f);
  });
}

void mul_s8(const void* params, const void* const* inputs, void* const* outputs) {
  mul_q<int8_t>(params, inputs, outputs);
}

void mul_s16(const void* params, const void* const* inputs, void* const* outputs) {
  mul_q<int16_t>(params, inputs, outputs);
}

void mul_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const float* in1 = static_cast<const float*>(inputs[0]);
  const float* in2 = static_cast<const float*>(inputs[1]);
  float* out = static_cast<float*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    out[o] = clamp_f(in1[a] * in2[b], p.act_min_f, p.act_max_f);
  });
}

namespace {

template <typename T>
void prelu_q(const void* params, const void* const* inputs, void* const* outputs) {
  const PreluParams& p = *static_cast<const PreluParams*>(params);
  const T* input = static_cast<const T*>(inputs[0]);
  const int8_t* alpha = static_cast<const int8_t*>(inputs[1]);
  T* out = static_cast<T*>(outputs[0]);
  const int32_t* const dims[2] = {p.in_dims, p.alpha_dims};
  const int32_t lo = sizeof(T) == 1 ? INT8_MIN : INT16_MIN;
  const int32_t hi = sizeof(T) == 1 ? INT8_MAX : INT16_MAX;
  for_each_broadcast<2>(p.out_dims, dims, [&](const int32_t* in, int32_t o) {
    const int32_t x = p.input_offset + input[in[0]];
    const int32_t v =
        x >= 0 ? fp::multiply_by_quantized_multiplier(x, p.identity_multiplier, p.identity_shift)
               : fp::multiply_by_quantized_multiplier(x * (p.alpha_offset + alpha[in[1]]),
                                                      p.alpha_multiplier, p.alpha_shift);
    out[o] = static_cast<T>(fp::clamp(fp::saturating_add(v, p.output_offset), lo, hi));
  });
}

}  // namespace

void prelu_s8(const void* params, const void* const* inputs, void* const* outputs) {
  prelu_q<int8_t>(params, inputs, outputs);
}

void prelu_s16(const void* params, const void* const* inputs, void* const* outputs) {
  prelu_q<int16_t>(params, inputs, outputs);
}

void prelu_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const PreluParams& p = *static_cast<const PreluParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* alpha = static_cast<const float*>(inputs[1]);
  float* out = static_cast<float*>(outputs[0]);
  const int32_t* const dims[2] = {p.in_dims, p.alpha_dims};
  for_each_broadcast<2>(p.out_dims, dims, [&](const int32_t* in, int32_t o) {
    const float x = input[in[0]];
    out[o] = x >= 0.0f ? x : x * alpha[in[1]];
  });
}

}  // namespace ref
}  // namespace kiln
