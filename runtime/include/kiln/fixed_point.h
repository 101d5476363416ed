// The one copy of kiln's integer requantization math.
//
// Every int8 kernel rescales its int32 accumulators with these functions, and
// they reproduce TFLite's reference rounding bit for bit: a rounding doubling
// high multiply by a Q31 multiplier, then a rounding right shift that breaks
// ties away from zero. The transcendental helpers (exp on negative values, 1/(1+x),
// logistic) evaluate the same fixed-point polynomials as gemmlowp, which TFLite's
// int8 SOFTMAX and LOGISTIC are defined by.
#ifndef KILN_FIXED_POINT_H
#define KILN_FIXED_POINT_H

#include <stdint.h>

namespace kiln {
namespace fp {

constexpr int32_t kInt32Min = INT32_MIN;
constexpr int32_t kInt32Max = INT32_MAX;

// Two's-complement wrapping add/sub: gemmlowp's raw adds wrap, C++ signed
// overflow is undefined, so go through uint32.
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrapping_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}

// gemmlowp's SaturatingRoundingDoublingHighMul: (a * b + nudge) / 2^31
// truncated toward zero, the nudge 2^30 or 1 - 2^30 by the product's sign,
// saturating the one overflow case. That is exactly floor((a * b + 2^30) /
// 2^31): ties round toward +infinity. The floor form is a multiply-accumulate
// and a 64-bit shift, without the sign test and the truncating division.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == kInt32Min && b == kInt32Min) return kInt32Max;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  return static_cast<int32_t>((ab + (int64_t{1} << 30)) >> 31);
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const uint32_t mask = (uint32_t{1} << exponent) - 1;
  const int32_t remainder = static_cast<int32_t>(static_cast<uint32_t>(x) & mask);
  const int32_t threshold = static_cast<int32_t>(mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * multiplier * 2^shift, multiplier a Q31 value in [0.5, 1); shift in [-31, 30].
// Shifts outside that range (only a corrupted blob has them) are clamped so
// that the result is defined whatever the weights' bytes say.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  shift = shift < -31 ? -31 : (shift > 30 ? 30 : shift);
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier),
                                right_shift);
}

// The 64-bit form TFLite uses for 16x8 accumulators: the multiplier reduced
// to Q15 (rounded), one rounding shift. TFLite requires |x| < 2^47 and
// shift < 8; x and shift are clamped to those ranges here so that any bytes
// give a defined result (a valid model never reaches the bounds).
// Its multiplier and shift prepared (once per channel in a loop over pixels).
struct Requant64 {
  int32_t reduced;      // the multiplier in Q15, rounded
  int32_t total_shift;  // 15 - shift, in [8, 46]
};
inline Requant64 prepare_requant_64(int32_t multiplier, int shift) {
  shift = shift < -31 ? -31 : (shift > 7 ? 7 : shift);
  multiplier = multiplier < 0 ? 0 : multiplier;
  const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
  return {reduced, 15 - shift};
}
inline int32_t requantize_64(int64_t x, Requant64 q) {
  const int64_t bound = int64_t{1} << 47;
  x = x < -bound ? -bound : (x > bound - 1 ? bound - 1 : x);
  const int64_t round = int64_t{1} << (q.total_shift - 1);
  return static_cast<int32_t>((x * q.reduced + round) >> q.total_shift);
}
inline int32_t multiply_by_quantized_multiplier_64(int64_t x, int32_t multiplier, int shift) {
  return requantize_64(x, prepare_requant_64(multiplier, shift));
}

// x * 2^exponent with saturation (exponent > 0) or rounding (exponent < 0).
inline int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return kInt32Max;
  if (x < -threshold) return kInt32Min;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

inline int count_leading_zeros(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while ((x & 0x80000000u) == 0) {
    x <<= 1;
    ++n;
  }
  return n;
}

// Fixed-point numbers below are raw int32 values with an implied number of
// integer bits; the comments give it as Q<integer bits>.
inline int32_t fixed_one(int integer_bits) {
  return integer_bits == 0 ? kInt32Max : static_cast<int32_t>(int64_t{1} << (31 - integer_bits));
}

// Converts a raw value from Q<src_bits> to Q<dst_bits>.
inline int32_t rescale(int32_t raw, int src_bits, int dst_bits) {
  return saturating_rounding_multiply_by_pot(raw, src_bits - dst_bits);
}

// exp(a) for a in [-1/4, 0); a and result in Q0.
inline int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668;     // exp(-1/8)
  const int32_t constant_1_over_3 = 715827883;  // 1/3
  const int32_t x = wrapping_add(a, 1 << 28);   // a + 1/8
  const int32_t x2 = saturating_rounding_doubling_high_mul(x, x);
  const int32_t x3 = saturating_rounding_doubling_high_mul(x2, x);
  const int32_t x4 = saturating_rounding_doubling_high_mul(x2, x2);
  const int32_t x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2);
  const int32_t poly = saturating_rounding_multiply_by_pot(
      wrapping_add(
          saturating_rounding_doubling_high_mul(wrapping_add(x4_over_4, x3), constant_1_over_3),
          x2),
      -1);
  return wrapping_add(constant_term,
                      saturating_rounding_doubling_high_mul(constant_term, wrapping_add(x, poly)));
}

// exp(a) for a <= 0; a in Q<integer_bits> (integer_bits <= 5), result in Q0.
inline int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = int32_t{1} << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = wrapping_sub(a & mask, one_quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
  const int32_t remainder = wrapping_sub(a_mod_quarter_minus_one_quarter, a);
  // exp(-2^k) for k = -2..4 in Q0: a barrel shifter over the remainder's bits.
  static constexpr int32_t kMultipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                              39332535,   720401,     242};
  for (int i = 0; i < 7; ++i) {
    const int exponent = i - 2;
    if (integer_bits > exponent) {
      const int shift = fractional_bits + exponent;
      if (remainder & (int32_t{1} << shift)) {
        result = saturating_rounding_doubling_high_mul(result, kMultipliers[i]);
      }
    }
  }
  return a == 0 ? kInt32Max : result;
}

// 1 / (2 * half_denominator) in Q2, for half_denominator in [1/2, 1) in Q0:
// three Newton-Raphson steps from the 48/17 - 32/17 * d estimate.
inline int32_t newton_reciprocal_q2(int32_t half_denominator) {
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  int32_t x = wrapping_add(constant_48_over_17, saturating_rounding_doubling_high_mul(
                                                    half_denominator, constant_neg_32_over_17));
  const int32_t one_q2 = fixed_one(2);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x =
        saturating_rounding_doubling_high_mul(half_denominator, x);
    const int32_t one_minus = wrapping_sub(one_q2, half_denominator_times_x);
    x = wrapping_add(x, rescale(saturating_rounding_doubling_high_mul(x, one_minus), 4, 2));
  }
  return x;
}

// (a + 1) / 2 in Q0 rounded half away from zero, a in [0, 1) (gemmlowp's
// RoundingHalfSum with One()).
inline int32_t half_of_one_plus(int32_t a) {
  const int64_t sum = static_cast<int64_t>(a) + kInt32Max;
  return static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// 1 / (1 + a) for a in [0, 1); a and result in Q0.
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  // x / 2 is exact in Q1; then back to Q0.
  return rescale(newton_reciprocal_q2(half_of_one_plus(a)), 1, 0);
}

// (1 - a) / (1 + a) for a in [0, 1); a and result in Q0.
inline int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  return rescale(wrapping_sub(newton_reciprocal_q2(half_of_one_plus(a)), fixed_one(2)), 2, 0);
}

// 1/x for x > 0 in Q<x_integer_digits>: returns the Q0 mantissa of the
// reciprocal and its exponent in num_bits_over_unit.
inline int32_t reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  // x == 0 has no reciprocal; it arises only from corrupted parameters.
  const uint32_t normalized =
      headroom_plus_one < 32 ? static_cast<uint32_t>(x) << headroom_plus_one : 0;
  const int32_t shifted_minus_one = static_cast<int32_t>(normalized - (uint32_t{1} << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

// logistic(a) for a in Q<integer_bits>; result in Q0.
inline int32_t logistic(int32_t a, int integer_bits) {
  if (a == 0) return int32_t{1} << 30;  // one half
  const int32_t abs_a = a > 0 ? a : -a;
  const int32_t positive =
      one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs_a, integer_bits));
  return a > 0 ? positive : wrapping_sub(kInt32Max, positive);
}

// tanh(a) for a in Q<integer_bits> (integer_bits <= 4); result in Q0. As
// gemmlowp: tanh|a| = (1 - exp(-2|a|)) / (1 + exp(-2|a|)), where -2|a| is
// -|a|'s raw value read with one more integer bit.
inline int32_t tanh(int32_t a, int integer_bits) {
  if (a == 0) return 0;
  const int32_t negative = a < 0 ? a : -a;
  const int32_t t =
      one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(negative, integer_bits + 1));
  return a < 0 ? -t : t;
}

inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// A 513-entry int16 table (TFLite's int16 LUTs) at an int16 value: the
// value's top 9 bits pick the entry, its low 7 interpolate to the next.
// TFLite's int16 sigmoid and tanh (LOGISTIC, TANH and the LSTM's gates):
// x in steps of 1/(3 x 4096), read from the 256-entry table of sigmoid(i/24)
// in unsigned 0.16 (compiler/numerics/int16_table.h) with linear
// interpolation, the result in Q0.15. Unsigned arithmetic keeps any table
// bytes defined.
inline uint32_t sigmoid_table_interpolate(const uint16_t* table, uint32_t magnitude, int bits) {
  const uint32_t step = magnitude >> bits, frac = magnitude & ((1u << bits) - 1);
  const uint32_t a = table[step], b = table[step + 1];
  return (a << bits) + frac * (b - a);
}

inline int16_t sigmoid_s16(int32_t x, const uint16_t* table) {
  const uint32_t magnitude = static_cast<uint32_t>(x < 0 ? -x : x);
  // sigmoid(|x|) (table step 2^9), saturating at 1.
  uint32_t result =
      (magnitude >> 9) >= 255 ? 0x7FFFu << 10 : sigmoid_table_interpolate(table, magnitude, 9);
  // sigmoid(-x) = 1 - sigmoid(x); round to 2^-15 steps.
  result = x >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1;
  return static_cast<int16_t>(static_cast<uint16_t>(result >> 10));
}

inline int16_t tanh_s16(int32_t x, const uint16_t* table) {
  const uint32_t magnitude = static_cast<uint32_t>(x < 0 ? -x : x);
  // sigmoid(2|x|): the table at half the step.
  const int64_t s = (magnitude >> 8) >= 255
                        ? int64_t{0xFFFF} << 8
                        : int64_t{sigmoid_table_interpolate(table, magnitude, 8)};
  // tanh = 2 sigmoid(2x) - 1, rounded to 2^-15 steps.
  const int64_t result = x >= 0 ? s - (1 << 23) + (1 << 7) : -s + (1 << 23) + (1 << 7) - 1;
  return static_cast<int16_t>(static_cast<uint16_t>(static_cast<uint64_t>(result >> 8)));
}

inline int16_t int16_table_lookup(int16_t value, const int16_t* table) {
  const int32_t index = 256 + (value >> 7);
  const int32_t offset = value & 0x7f;
  const int16_t base = table[index];
  const int16_t slope = static_cast<int16_t>(table[index + 1] - base);
  const int16_t delta = static_cast<int16_t>((slope * offset + 64) >> 7);
  return static_cast<int16_t>(base + delta);
}

// a + b and a - b saturated to int32.
inline int32_t saturating_add_64(int32_t a, int32_t b) {
  const int64_t v = int64_t{a} + b;
  return v < kInt32Min ? kInt32Min : (v > kInt32Max ? kInt32Max : static_cast<int32_t>(v));
}
inline int32_t saturating_sub_64(int32_t a, int32_t b) {
  const int64_t v = int64_t{a} - b;
  return v < kInt32Min ? kInt32Min : (v > kInt32Max ? kInt32Max : static_cast<int32_t>(v));
}

// log(x) for x >= 1 in Q<input_bits>, result in Q<output_bits> (TFLite's
// log_x_for_x_greater_than_or_equal_to_1): x = 2^e * r with r in [sqrt(1/2), 1)
// chosen from two normalizations, then log r from a rational approximation
// around 2^(-1/4); accumulated in Q<output_bits + 1>.
inline int32_t log_x_for_x_at_least_1(int32_t x, int input_bits, int output_bits) {
  constexpr int32_t kLog2 = 1488522236;          // log(2) in Q0
  constexpr int32_t kSqrtSqrtHalf = 1805811301;  // 2^(-1/4)
  constexpr int32_t kSqrtHalf = 1518500250;      // 2^(-1/2)
  constexpr int32_t kQuarter = 536870912;
  constexpr int32_t kAlphaN = 117049297;   // 11/240 * 2^(1/4)
  constexpr int32_t kAlphaD = 127690142;   // 1/20 * 2^(1/4)
  constexpr int32_t kAlphaI = 1057819769;  // 2 / 2^(1/4) - 2^(1/4)
  constexpr int32_t kAlphaF = 638450708;   // 1/4 * 2^(1/4)
  const int accum_bits = output_bits + 1;
  const int32_t shifted_quarter = rescale(kQuarter, 0, accum_bits);
  auto mul = saturating_rounding_doubling_high_mul;

  const int a_headroom_plus_1 = count_leading_zeros(static_cast<uint32_t>(x));
  const int32_t r_a = saturating_rounding_multiply_by_pot(
      mul(saturating_rounding_multiply_by_pot(x, a_headroom_plus_1 - 1), kSqrtHalf), 1);
  const int32_t a_exponent = saturating_add_64(
      saturating_rounding_multiply_by_pot(input_bits - a_headroom_plus_1, 31 - accum_bits),
      shifted_quarter);
  const int b_headroom = count_leading_zeros(static_cast<uint32_t>(mul(x, kSqrtHalf))) - 1;
  const int32_t r_b = saturating_rounding_multiply_by_pot(x, b_headroom);
  const int32_t b_exponent = saturating_sub_64(
      saturating_rounding_multiply_by_pot(input_bits - b_headroom, 31 - accum_bits),
      shifted_quarter);
  const int32_t r = r_a < r_b ? r_a : r_b;
  const int32_t exponent = a_exponent > b_exponent ? a_exponent : b_exponent;

  const int64_t half_sum = int64_t{r} + kSqrtSqrtHalf;  // RoundingHalfSum
  const int32_t p = static_cast<int32_t>((half_sum + (half_sum >= 0 ? 1 : -1)) / 2);
  int32_t q = wrapping_sub(r, kSqrtSqrtHalf);
  q = wrapping_add(q, q);
  const int32_t q_squared = mul(q, q);
  const int32_t numerator = wrapping_add(mul(q, r), mul(mul(q, q_squared), kAlphaN));
  const int32_t denominator_minus_one = wrapping_add(
      mul(p, wrapping_add(wrapping_add(kAlphaI, q), mul(kAlphaD, q_squared))), mul(kAlphaF, q));
  const int32_t reciprocal_denominator = one_over_one_plus_x_for_x_in_0_1(denominator_minus_one);
  const int32_t sum = wrapping_add(mul(exponent, kLog2),
                                   mul(rescale(numerator, 0, accum_bits), reciprocal_denominator));
  return rescale(sum, accum_bits, output_bits);
}

// 1/sqrt(v) for v >= 0 as a Q31 mantissa and a left shift (TFLite's
// GetInvSqrtQuantizedMultiplierExp): v is normalized to [2^27, 2^29) by pairs
// of bits, then five Newton steps x <- x (3 - v x^2) / 2 run on Q3 values.
inline void inverse_sqrt_multiplier(int32_t v, int32_t* multiplier, int* shift) {
  if (v <= 1) {
    *multiplier = kInt32Max;
    *shift = 0;
    return;
  }
  int exponent = 11;
  while (v >= (1 << 29)) {
    v /= 4;
    ++exponent;
  }
  const int bit_pairs = (count_leading_zeros(static_cast<uint32_t>(v)) - 1) / 2 - 1;
  exponent -= bit_pairs;
  v = static_cast<int32_t>(static_cast<uint32_t>(v) << (2 * bit_pairs));
  const int32_t half_v = rounding_divide_by_pot(v >> 1, 1);  // v / 2 in Q3
  constexpr int32_t kThreeHalves = (1 << 28) + (1 << 27);    // 1.5 in Q3
  int32_t x = 1 << 28;                                       // 1 in Q3
  for (int i = 0; i < 5; ++i) {
    const int32_t x3 = saturating_rounding_multiply_by_pot(
        saturating_rounding_doubling_high_mul(saturating_rounding_doubling_high_mul(x, x), x), 6);
    x = saturating_rounding_multiply_by_pot(
        wrapping_sub(saturating_rounding_doubling_high_mul(kThreeHalves, x),
                     saturating_rounding_doubling_high_mul(half_v, x3)),
        3);
  }
  constexpr int32_t kHalfSqrt2 = 1518500250;  // sqrt(2) / 2 in Q0
  x = saturating_rounding_doubling_high_mul(x, kHalfSqrt2);
  if (exponent < 0) {
    x = static_cast<int32_t>(static_cast<uint32_t>(x) << -exponent);
    exponent = 0;
  }
  *multiplier = x;
  *shift = -exponent;
}

// a + b saturated to int32.
inline int32_t saturating_add(int32_t a, int32_t b) {
  int32_t sum;
  if (__builtin_add_overflow(a, b, &sum)) return a < 0 ? kInt32Min : kInt32Max;
  return sum;
}

// The tail of every int8 kernel: rescale the accumulator, add the output
// zero point, clamp to the activation range. The add saturates so that no
// accumulator, however a corrupted model makes it, can overflow; clamping a
// saturated sum gives what clamping the exact sum would, as lo <= hi.
inline int32_t requantize(int32_t acc, int32_t multiplier, int shift, int32_t offset, int32_t lo,
                          int32_t hi) {
  const int32_t v =
      saturating_add(multiply_by_quantized_multiplier(acc, multiplier, shift), offset);
  return v < lo ? lo : (v > hi ? hi : v);
}

// TFLite's quantized RSQRT of v = input - zero point: 2^20 / sqrt(v) as an
// integer, rescaled by (multiplier, shift) = 1 / (sqrt(input scale) * output
// scale) less the 2^20. v = 0 gives `hi`; so does v < 0, where TFLite stops
// with an error (rsqrt of a negative number is not a number).
inline int32_t quantized_rsqrt(int32_t v, int32_t multiplier, int shift, int32_t output_offset,
                               int32_t lo, int32_t hi) {
  if (v <= 0) return hi;
  constexpr int kScaleBits = 20;
  int32_t inv_multiplier;
  int inv_shift;
  inverse_sqrt_multiplier(v, &inv_multiplier, &inv_shift);
  const int32_t scaled =
      multiply_by_quantized_multiplier(1, inv_multiplier, inv_shift + kScaleBits);
  return requantize(scaled, multiplier, shift - kScaleBits, output_offset, lo, hi);
}

// One output channel's requantization, prepared on the host so that the fast
// kernels spend no instruction on range checks or shift splitting. Bit-exact
// with requantize(acc, multiplier, shift, ...) for multipliers in [0, 2^31):
// the rounding high multiply floor((x * m + 2^30) / 2^31) equals
// floor((x * 2m + 2^31) / 2^32), a rounding most-significant-word multiply by
// 2m; when 2m does not fit an int32 it is taken as 2m - 2^32 and x is added back.
struct PreparedRequant {
  int32_t multiplier2;  // 2 * multiplier, wrapped to int32
  int32_t add_back;     // -1 if 2 * multiplier wrapped (x is added back), else 0
  int32_t left_shift;   // [0, 30]
  int32_t right_shift;  // [0, 31]
};

inline PreparedRequant prepare_requant(int32_t multiplier, int shift) {
  shift = shift < -31 ? -31 : (shift > 30 ? 30 : shift);
  const uint32_t doubled = static_cast<uint32_t>(multiplier) << 1;
  return {static_cast<int32_t>(doubled), multiplier >= (int32_t{1} << 30) ? -1 : 0,
          shift > 0 ? shift : 0, shift > 0 ? 0 : -shift};
}

// multiply_by_quantized_multiplier(x, multiplier, shift) with `q` prepared
// from them.
inline int32_t multiply_prepared(int32_t x, const PreparedRequant& q) {
  // Masking the shifts keeps a corrupted table's shifts defined.
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << (q.left_shift & 31));
  const int32_t high = static_cast<int32_t>(
      (static_cast<int64_t>(shifted) * q.multiplier2 + (int64_t{1} << 31)) >> 32);
  const int32_t scaled =
      static_cast<int32_t>(static_cast<uint32_t>(high) +
                           (static_cast<uint32_t>(shifted) & static_cast<uint32_t>(q.add_back)));
  return rounding_divide_by_pot(scaled, q.right_shift & 31);
}

inline int32_t requantize_prepared(int32_t acc, const PreparedRequant& q, int32_t offset,
                                   int32_t lo, int32_t hi) {
  const int32_t v = saturating_add(multiply_prepared(acc, q), offset);
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace fp
}  // namespace kiln

#endif  // KILN_FIXED_POINT_H
