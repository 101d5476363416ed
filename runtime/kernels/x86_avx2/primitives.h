// Building blocks of the x86-64 AVX2 kernels: 256-bit vectors. Every function
// carries the avx2 target attribute, so the rest of the runtime stays
// baseline x86-64 and the kernels run only where the processor has AVX2
// (kernel_isa_available checks).
#ifndef KILN_RUNTIME_KERNELS_X86_AVX2_PRIMITIVES_H
#define KILN_RUNTIME_KERNELS_X86_AVX2_PRIMITIVES_H

#include <immintrin.h>
#include <stdint.h>

#include "kiln/fixed_point.h"

#define KILN_AVX2 __attribute__((target("avx2")))

namespace kiln {
namespace x86_avx2 {

// 16 int8 values sign-extended to 16 int16 lanes.
KILN_AVX2 inline __m256i load_s8x16_widened(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
// 8 int8 values sign-extended to 8 int32 lanes.
KILN_AVX2 inline __m256i load_s8x8_widened(const int8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
KILN_AVX2 inline __m256i load_256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
KILN_AVX2 inline void store_256(void* p, __m256i v) {
  _mm256_storeu_si256(static_cast<__m256i*>(p), v);
}
// acc + pairwise sums of a * b over 16 int16 lanes, into 8 int32 lanes (VPMADDWD).
KILN_AVX2 inline __m256i dot_pairs_accumulate(__m256i acc, __m256i a, __m256i b) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
}
// acc + a * b per int32 lane (wrapping).
KILN_AVX2 inline __m256i multiply_accumulate_s32(__m256i acc, __m256i a, __m256i b) {
  return _mm256_add_epi32(acc, _mm256_mullo_epi32(a, b));
}
KILN_AVX2 inline __m256i add_scalar_s32(__m256i a, int32_t b) {
  return _mm256_add_epi32(a, _mm256_set1_epi32(b));
}
// The wrapping sum of the 8 int32 lanes.
KILN_AVX2 inline uint32_t horizontal_sum_s32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return static_cast<uint32_t>(_mm_cvtsi128_si32(s));
}

// fp::multiply_prepared on 8 int32 lanes. The high word of x * multiplier2 +
// 2^31 comes from 64-bit products of the even and odd lanes; add_back adds x
// back where 2 * multiplier wrapped; the rounding right shift is TFLite's
// (remainder against half the divisor, plus one for negatives).
KILN_AVX2 inline __m256i multiply_prepared(__m256i x, const fp::PreparedRequant& q) {
  x = _mm256_sll_epi32(x, _mm_cvtsi32_si128(q.left_shift & 31));
  const __m256i m = _mm256_set1_epi32(q.multiplier2);
  const __m256i round = _mm256_set1_epi64x(int64_t{1} << 31);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, m), round);
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), m), round);
  // High words: even lanes' from the top of each 64-bit even product, odd lanes' likewise.
  const __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  const __m256i scaled = _mm256_add_epi32(high, _mm256_and_si256(x, _mm256_set1_epi32(q.add_back)));
  const int right = q.right_shift & 31;
  const __m256i mask = _mm256_set1_epi32(static_cast<int32_t>((uint32_t{1} << right) - 1));
  const __m256i remainder = _mm256_and_si256(scaled, mask);
  const __m256i negative = _mm256_srli_epi32(scaled, 31);
  const __m256i threshold = _mm256_add_epi32(_mm256_srli_epi32(mask, 1), negative);
  const __m256i up = _mm256_cmpgt_epi32(remainder, threshold);  // -1 where it rounds up
  return _mm256_sub_epi32(_mm256_sra_epi32(scaled, _mm_cvtsi32_si128(right)), up);
}

// Adds the output offset (saturating), clamps and stores 8 int8 results.
KILN_AVX2 inline void requantize_store_8(__m256i acc, const fp::PreparedRequant& q, int32_t offset,
                                         int32_t lo, int32_t hi, int8_t* out) {
  const __m256i v = multiply_prepared(acc, q);
  // Saturating add of the offset: where the sign flips the wrong way, saturate.
  const __m256i o = _mm256_set1_epi32(offset);
  const __m256i sum = _mm256_add_epi32(v, o);
  const __m256i overflow = _mm256_andnot_si256(_mm256_xor_si256(v, o), _mm256_xor_si256(v, sum));
  const __m256i saturated =
      _mm256_xor_si256(_mm256_srai_epi32(v, 31), _mm256_set1_epi32(INT32_MAX));
  const __m256i fixed = _mm256_blendv_epi8(sum, saturated, _mm256_srai_epi32(overflow, 31));
  const __m256i clamped =
      _mm256_min_epi32(_mm256_max_epi32(fixed, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi));
  const __m128i packed16 =
      _mm_packs_epi32(_mm256_castsi256_si128(clamped), _mm256_extracti128_si256(clamped, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(packed16, packed16));
}

}  // namespace x86_avx2
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_X86_AVX2_PRIMITIVES_H
