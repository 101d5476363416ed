// Building blocks of the x86-64 AVX2 kernels: 256-bit vectors. Every function
// carries the avx2 target attribute, so the rest of the runtime stays
// baseline x86-64 and the kernels run only where the processor has AVX2
// (kernel_isa_available checks).
#ifndef KILN_RUNTIME_KERNELS_X86_AVX2_PRIMITIVES_H
#define KILN_RUNTIME_KERNELS_X86_AVX2_PRIMITIVES_H

#include <immintrin.h>
#include <stdint.h>

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
KILN_AVX2 inline __m256i load_256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
KILN_AVX2 inline void store_256(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
// acc + pairwise sums of a * b over 16 int16 lanes, into 8 int32 lanes (VPMADDWD).
KILN_AVX2 inline __m256i dot_pairs_accumulate(__m256i acc, __m256i a, __m256i b) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
}
// acc + a * b per int32 lane (wrapping).
KILN_AVX2 inline __m256i multiply_accumulate_s32(__m256i acc, __m256i a, __m256i b) {
  return _mm256_add_epi32(acc, _mm256_mullo_epi32(a, b));
}
KILN_AVX2 inline __m256i add_scalar_s32(__m256i a, int32_t b) { return _mm256_add_epi32(a, _mm256_set1_epi32(b)); }
// The wrapping sum of the 8 int32 lanes.
KILN_AVX2 inline uint32_t horizontal_sum_s32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return static_cast<uint32_t>(_mm_cvtsi128_si32(s));
}

}  // namespace x86_avx2
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_X86_AVX2_PRIMITIVES_H
