// AVX2 ADD: 8 elements per block in int32 lanes, each rescale as 64-bit
// products of even and odd lanes.
#include "kernels/common/packed_add.h"
#include "kernels/x86_avx2/primitives.h"
#include "kiln/kernels.h"

namespace kiln {
namespace x86_avx2 {
namespace {

struct Add {
  static constexpr int32_t kLanes = 8;

  KILN_AVX2 static void block(const PackedAddParams& p, const int8_t* a, const int8_t* b,
                              int8_t* out) {
    const __m128i shift = _mm_cvtsi32_si128(p.left_shift);
    const __m256i x1 =
        _mm256_sll_epi32(add_scalar_s32(load_s8x8_widened(a), p.input1_offset), shift);
    const __m256i x2 =
        _mm256_sll_epi32(add_scalar_s32(load_s8x8_widened(b), p.input2_offset), shift);
    const __m256i sum =
        _mm256_add_epi32(multiply_prepared(x1, p.input1), multiply_prepared(x2, p.input2));
    requantize_store_8(sum, p.output, p.output_offset, p.act_min, p.act_max, out);
  }
};

}  // namespace

void add_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_add_s8<Add>(params, inputs, outputs);
}

}  // namespace x86_avx2
}  // namespace kiln
