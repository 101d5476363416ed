// The requantization math against values worked out by hand.
#include "kiln/fixed_point.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "compiler/numerics/int16_table.h"
#include "compiler/numerics/multiplier.h"
#include "kernels/arm_dsp/primitives.h"

namespace kiln {
namespace {

using namespace fp;

TEST(FixedPoint, SaturatingRoundingDoublingHighMul) {
  EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);  // 0.5 * 0.5
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);              // 1.5 rounds up
  // The nudge makes negative ties round toward zero, as in gemmlowp and TFLite.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);  // -1.5
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);   // -0.5
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, 1 << 29), -1);  // -1.25
}

// gemmlowp's own formulation (sign-dependent nudge, division truncating
// toward zero), which kiln computes as a floor.
int32_t gemmlowp_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

TEST(FixedPoint, SaturatingRoundingDoublingHighMulEqualsGemmlowpForm) {
  std::mt19937 rng(1);
  auto next = [&rng]() { return static_cast<int32_t>(rng()); };
  const int32_t edges[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -3, -1, 0, 1,
                           3,         1 << 30,       INT32_MAX};
  for (int32_t a : edges) {
    for (int32_t b : edges)
      EXPECT_EQ(saturating_rounding_doubling_high_mul(a, b), gemmlowp_srdhm(a, b));
  }
  for (int i = 0; i < 1000000; ++i) {
    const int32_t a = next() >> (i % 24), b = next();
    ASSERT_EQ(saturating_rounding_doubling_high_mul(a, b), gemmlowp_srdhm(a, b)) << a << " * " << b;
  }
}

TEST(FixedPoint, RequantizeSaturatesBeforeClamping) {
  EXPECT_EQ(requantize(INT32_MAX, INT32_MAX, 0, 256, -128, 127), 127);
  EXPECT_EQ(requantize(INT32_MIN + 1, INT32_MAX, 0, -256, -128, 127), -128);
  EXPECT_EQ(requantize(100, 1 << 30, 0, -10, -128, 127), 40);
}

// The fast kernels' prepared form gives the reference's result for every
// multiplier a model can produce ([0, 2^31)) and every shift.
TEST(FixedPoint, PreparedRequantizeEqualsReference) {
  std::mt19937 rng(2);
  auto next = [&rng]() { return static_cast<uint32_t>(rng()); };
  for (int i = 0; i < 1000000; ++i) {
    const int32_t acc = static_cast<int32_t>(next()) >> (next() % 32);
    const int32_t multiplier = static_cast<int32_t>(next() >> 1) >> (i % 4 == 0 ? next() % 31 : 0);
    const int shift = static_cast<int>(next() % 62) - 31;
    const int32_t offset = static_cast<int32_t>(next() % 513) - 256;
    const PreparedRequant q = prepare_requant(multiplier, shift);
    ASSERT_EQ(requantize_prepared(acc, q, offset, -128, 127),
              requantize(acc, multiplier, shift, offset, -128, 127))
        << acc << " * " << multiplier << " << " << shift;
    ASSERT_EQ(requantize_prepared(acc, q, offset, INT32_MIN, INT32_MAX),
              requantize(acc, multiplier, shift, offset, INT32_MIN, INT32_MAX));
  }
}

// The Arm DSP kernels' one-multiply form, output offset included (its
// portable twin here; the conformance suite runs the instructions on the
// emulated cores) equals the reference wherever it applies, ties included:
// powers of two as multiplier and accumulator land exactly between two
// results. Elsewhere the table still gives the reference's multiplier and
// shift.
TEST(FixedPoint, ArmDspSmlalRequantizeEqualsReference) {
  std::mt19937 rng(3);
  auto next = [&rng]() { return static_cast<uint32_t>(rng()); };
  const int32_t edges[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -3, -2, -1, 0, 1, 2,
                           3,         1 << 30,       INT32_MAX};
  for (int i = 0; i < 1000000; ++i) {
    const int32_t acc = i < 12 * 30 ? edges[i % 12] : static_cast<int32_t>(next()) >> (next() % 32);
    const int32_t multiplier =
        i % 101 == 0 ? 0
        : i % 3 == 0 ? 1 << 30
                     : static_cast<int32_t>(next() >> 1) >> (i % 4 == 0 ? next() % 31 : 0);
    const int shift = static_cast<int>(next() % 62) - 31;
    const int32_t offset = static_cast<int32_t>(next() % 256) - 128;  // an int8 zero point
    const ArmDspRequant q = prepare_arm_dsp_requant(multiplier, shift, offset);
    ASSERT_EQ(arm_dsp::smlal_applies(q), shift <= -2 || multiplier == 0);
    // The zero point in the rounding where the shift allows, else added after:
    // the sum is exact, saturated only to int8 after.
    ASSERT_EQ(q.offset == 0, (shift <= -2 && shift >= -23) || multiplier == 0 || offset == 0);
    if (arm_dsp::smlal_applies(q)) {
      ASSERT_EQ(arm_dsp::multiply_smlal(acc, q) + q.offset,
                multiply_by_quantized_multiplier(acc, multiplier, shift) + offset)
          << acc << " * " << multiplier << " << " << shift << " + " << offset;
    }
    ASSERT_EQ(arm_dsp::requantize_any(acc, q, offset, -128, 127),
              requantize(acc, multiplier, shift, offset, -128, 127));
  }
}

TEST(FixedPoint, RoundingDivideByPotBreaksTiesAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);
  EXPECT_EQ(rounding_divide_by_pot(4, 1), 2);
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);
  EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5 -> -2
  EXPECT_EQ(rounding_divide_by_pot(INT32_MIN, 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(12345, 0), 12345);
}

TEST(FixedPoint, MultiplyByQuantizedMultiplier) {
  EXPECT_EQ(multiply_by_quantized_multiplier(100, 1 << 30, 0), 50);
  EXPECT_EQ(multiply_by_quantized_multiplier(100, 1 << 30, -1), 25);
  EXPECT_EQ(multiply_by_quantized_multiplier(100, 1 << 30, 2), 200);
  EXPECT_EQ(multiply_by_quantized_multiplier(-101, 1 << 30, -1), -25);  // -25.25
  EXPECT_EQ(multiply_by_quantized_multiplier(-102, 1 << 30, -2), -13);  // -12.75
}

TEST(FixedPoint, QuantizeMultiplier) {
  EXPECT_EQ(quantize_multiplier(0.5).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(0.5).shift, 0);
  EXPECT_EQ(quantize_multiplier(1.0).shift, 1);
  EXPECT_EQ(quantize_multiplier(0.25).shift, -1);
  EXPECT_EQ(quantize_multiplier(0.0).multiplier, 0);
  const QuantizedMultiplier q = quantize_multiplier(0.0078125 * 3);  // 3/128
  EXPECT_EQ(q.multiplier, 3 << 29);
  EXPECT_EQ(q.shift, -5);
  // A fraction that rounds up to 1.0 moves to the next power of two.
  const QuantizedMultiplier r = quantize_multiplier(std::nextafter(1.0, 0.0));
  EXPECT_EQ(r.multiplier, 1 << 30);
  EXPECT_EQ(r.shift, 1);
  EXPECT_EQ(quantize_multiplier(1e-12).multiplier, 0);  // below 2^-31: no multiplier
}

TEST(FixedPoint, ExpOnNegativeValues) {
  EXPECT_EQ(exp_on_negative_values(0, 5), INT32_MAX);
  const double scale = std::ldexp(1.0, 31);
  for (double x : {-0.125, -0.5, -1.0, -2.5, -7.0}) {
    const int32_t a = static_cast<int32_t>(x * std::ldexp(1.0, 26));  // Q5
    EXPECT_NEAR(exp_on_negative_values(a, 5) / scale, std::exp(x), 2e-7) << x;
  }
}

TEST(FixedPoint, ReciprocalAndLogistic) {
  const double scale = std::ldexp(1.0, 31);
  EXPECT_NEAR(one_over_one_plus_x_for_x_in_0_1(0) / scale, 1.0, 1e-8);
  EXPECT_NEAR(one_over_one_plus_x_for_x_in_0_1(1 << 30) / scale, 2.0 / 3.0, 1e-8);
  EXPECT_EQ(logistic(0, 4), 1 << 30);
  for (double x : {-3.0, -0.5, 0.25, 2.0}) {
    const int32_t a = static_cast<int32_t>(x * std::ldexp(1.0, 27));  // Q4
    EXPECT_NEAR(logistic(a, 4) / scale, 1.0 / (1.0 + std::exp(-x)), 1e-6) << x;
  }
}

TEST(FixedPoint, InverseSquareRootMultiplier) {
  // 2^20 / sqrt(v) through the multiplier, as RSQRT forms it.
  auto scaled = [](int32_t v) {
    int32_t multiplier;
    int shift;
    fp::inverse_sqrt_multiplier(v, &multiplier, &shift);
    return fp::multiply_by_quantized_multiplier(1, multiplier, shift + 20);
  };
  EXPECT_EQ(scaled(4), 1 << 19);
  EXPECT_EQ(scaled(100), 104858);  // 2^20 / 10 = 104857.6
  EXPECT_EQ(scaled(2), 741454);    // 2^20 / sqrt(2) = 741455.2, one step low
  int32_t multiplier;
  int shift;
  fp::inverse_sqrt_multiplier(255, &multiplier, &shift);
  EXPECT_EQ(multiplier, 268961290);
  EXPECT_EQ(shift, -1);
  EXPECT_EQ(scaled(255), 65664);  // 2^20 / sqrt(255) = 65664.0
  fp::inverse_sqrt_multiplier(1, &multiplier, &shift);
  EXPECT_EQ(multiplier, INT32_MAX);
  EXPECT_EQ(shift, 0);
}

TEST(FixedPoint, ActivationRanges) {
  const IntRange relu = activation_range(ir::Activation::kRelu, 0.05f, -10);
  EXPECT_EQ(relu.min, -10);
  EXPECT_EQ(relu.max, 127);
  const IntRange relu6 = activation_range(ir::Activation::kRelu6, 0.05f, -10);
  EXPECT_EQ(relu6.min, -10);
  EXPECT_EQ(relu6.max, 110);  // -10 + 6 / 0.05
  const IntRange n1 = activation_range(ir::Activation::kReluN1To1, 0.5f, 0);
  EXPECT_EQ(n1.min, -2);
  EXPECT_EQ(n1.max, 2);
}

TEST(FixedPoint, SigmoidTableIsBiasedForInterpolation) {
  const std::vector<uint16_t> t = sigmoid_table_uint16();
  ASSERT_EQ(t.size(), 256u);
  EXPECT_EQ(t[0], 32768);  // sigmoid(0) = 0.5
  EXPECT_EQ(t[1], 33451);  // 65536 sigmoid(1/24) = 33450.6
  // 65536 sigmoid(28/24) = 49973.95, raised by half the 1.36 by which the
  // chord to the next entry falls short at the midpoint: 49974.63.
  EXPECT_EQ(t[28], 49975);
  EXPECT_EQ(t[255], 65535);
  for (size_t i = 1; i < t.size(); ++i) EXPECT_LE(t[i - 1], t[i]) << i;
}

}  // namespace
}  // namespace kiln
