#include "compiler/numerics/multiplier.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln {

QuantizedMultiplier quantize_multiplier(double real) {
  QuantizedMultiplier q;
  if (real == 0.0 || !std::isfinite(real)) return q;
  int shift = 0;
  const double fraction = std::frexp(real, &shift);
  int64_t fixed =
      static_cast<int64_t>(std::round(fraction * static_cast<double>(int64_t{1} << 31)));
  if (fixed == (int64_t{1} << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    fixed = 0;
  }
  if (shift > 30) {
    shift = 30;
    fixed = (int64_t{1} << 31) - 1;
  }
  q.multiplier = static_cast<int32_t>(fixed);
  q.shift = shift;
  return q;
}

IntRange value_range(kiln_dtype dtype) {
  switch (dtype) {
    case KILN_DTYPE_UINT8: return {0, 255};
    case KILN_DTYPE_INT16: return {-32768, 32767};
    default: return {-128, 127};
  }
}

IntRange clamp_range(float lo, float hi, float scale, int32_t zero_point, kiln_dtype dtype) {
  IntRange r = value_range(dtype);
  // Clamped one step beyond the type first, so a far bound cannot overflow.
  const double below = r.min - 1.0, above = r.max + 1.0;
  auto quantize = [&](float f) {
    const double q = zero_point + std::round(static_cast<double>(f) / static_cast<double>(scale));
    return static_cast<int32_t>(std::clamp(q, below, above));
  };
  if (std::isfinite(lo)) r.min = std::max(r.min, quantize(lo));
  if (std::isfinite(hi)) r.max = std::min(r.max, quantize(hi));
  return r;
}

IntRange activation_range(ir::Activation activation, float scale, int32_t zero_point,
                          kiln_dtype dtype) {
  const FloatRange f = activation_range_f32(activation);
  return clamp_range(f.min, f.max, scale, zero_point, dtype);
}

FloatRange activation_range_f32(ir::Activation activation) {
  const float inf = std::numeric_limits<float>::infinity();
  switch (activation) {
    case ir::Activation::kNone: return {-inf, inf};
    case ir::Activation::kRelu: return {0.0f, inf};
    case ir::Activation::kRelu6: return {0.0f, 6.0f};
    case ir::Activation::kReluN1To1: return {-1.0f, 1.0f};
  }
  return {-inf, inf};
}

int32_t input_radius(int integer_bits, int input_left_shift) {
  const double max_input_rescaled = 1.0 * ((1 << integer_bits) - 1) *
                                    static_cast<double>(int64_t{1} << (31 - integer_bits)) /
                                    static_cast<double>(int64_t{1} << input_left_shift);
  return static_cast<int32_t>(std::floor(max_input_rescaled));
}

SoftmaxScaling softmax_scaling(double beta, double input_scale) {
  constexpr int kScaledDiffIntegerBits = 5;
  const double real = std::min(
      beta * input_scale * static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)),
      static_cast<double>((int64_t{1} << 31) - 1));
  const QuantizedMultiplier q = quantize_multiplier(real);
  return {q, -input_radius(kScaledDiffIntegerBits, q.shift)};
}

bool checked_log2(float x, int* exponent) {
  const float log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float rounded = std::round(log2);
  *exponent = static_cast<int>(rounded);
  return std::abs(log2 - rounded) < 1e-3f;
}

}  // namespace kiln
