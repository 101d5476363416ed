// CONV_2D_S8_W4 for the Arm DSP extension: each index byte fetches its two
// weights, already int16 halves, from the layer's pair table (one LDR), and
// SMLAD multiplies them with two inputs widened with their offset. Two
// filters share every input word.
#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/conv_w4.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_dsp {
namespace {

inline uint32_t halves(int32_t lo, int32_t hi) {
  return (static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16);
}

#if KILN_ARM_DSP_NATIVE
// The compiler finds neither PKHBT/PKHTB nor SXTAB16's rotated operand here.
inline uint32_t pkhbt_lsl16(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
inline uint32_t pkhtb_asr16(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
inline uint32_t sxtab16_ror8_asm(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
#else
inline uint32_t pkhbt_lsl16(uint32_t a, uint32_t b) { return (a & 0xFFFFu) | (b << 16); }
inline uint32_t pkhtb_asr16(uint32_t a, uint32_t b) { return (a & 0xFFFF0000u) | (b >> 16); }
inline uint32_t sxtab16_ror8_asm(uint32_t a, uint32_t x) { return sxtab16_ror8(a, x); }
#endif

// Two filters' dot products with one run of n (even) inputs, kept out of
// line so that its sums and pointers get the registers.
__attribute__((noinline)) void dot2_run(int32_t* acc, const int8_t* x, const uint8_t* i0,
                                        const uint8_t* i1, int32_t n, int32_t offset,
                                        const uint32_t* table) {
  const uint32_t offsets = dup16(offset);
  int32_t a0 = acc[0], a1 = acc[1];
  for (int32_t k = n >> 2; k > 0; --k, x += 4) {
    // Four inputs plus the offset as the pairs (x0, x1) and (x2, x3), the
    // order of the index bytes' nibbles (SXTAB16 gives (x0, x2) and (x1, x3)).
    const uint32_t xs = load_u32(x);
    const uint32_t x02 = sxtab16(offsets, xs), x13 = sxtab16_ror8_asm(offsets, xs);
    const uint32_t x01 = pkhbt_lsl16(x02, x13), x23 = pkhtb_asr16(x13, x02);
    a0 = smlad(x01, table[*i0++], a0);
    a1 = smlad(x01, table[*i1++], a1);
    a0 = smlad(x23, table[*i0++], a0);
    a1 = smlad(x23, table[*i1++], a1);
  }
  if (n & 2) {  // two inputs left (n is even)
    const uint32_t x01 = halves(x[0] + offset, x[1] + offset);
    a0 = smlad(x01, table[i0[0]], a0);
    a1 = smlad(x01, table[i1[0]], a1);
  }
  acc[0] = a0;
  acc[1] = a1;
}

struct PairTableDot {
  static constexpr int32_t kBookBytes = kW4PairTableEntries * 4;

  // One table for the layer (the variant takes no per-channel codebooks).
  // Two filters at a time: with four, their pointers and sums no longer fit
  // the M4's registers.
  static void dot4(int32_t acc[4], const int8_t* x, const uint8_t* const idx[4], int32_t n,
                   int32_t offset, const void* const book[4]) {
    const uint32_t* table = static_cast<const uint32_t*>(book[0]);
    dot2_run(acc, x, idx[0], idx[1], n, offset, table);
    dot2_run(acc + 2, x, idx[2], idx[3], n, offset, table);
  }

  static int32_t dot1(int32_t acc, const int8_t* x, const uint8_t* idx, int32_t n, int32_t offset,
                      const void* book) {
    const uint32_t* table = static_cast<const uint32_t*>(book);
    int32_t sums[2] = {acc, 0};
    dot2_run(sums, x, idx, idx, n, offset, table);  // the second sum is discarded
    return sums[0];
  }
};

}  // namespace

void conv2d_s8_w4(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_s8_w4<PairTableDot>(params, inputs, outputs);
}

}  // namespace arm_dsp
}  // namespace kiln
