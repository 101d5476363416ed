// CONV_2D_S8_W4 for Helium: a filter's weights 32 at a time. Its 16 index
// bytes split into low and high nibbles (VAND, VSHR), two gathers (VLDRB
// with vector offsets) look them up in the codebook, and the inputs are
// loaded de-interleaved into even and odd lanes (VLD2) to match; VMLADAVA
// multiplies 16 pairs, and VADDVA sums the weights for the input offset,
// added once per run: sum (x + offset) * w = sum x * w + offset * sum w.
// Four filters share every input load (kernels/common/conv_w4.h).
#include "kernels/arm_mve/primitives.h"
#include "kernels/common/conv_w4.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_mve {
namespace {

constexpr int32_t kBlock = 32;  // weights per step

// sum over `pairs` index bytes of (x + offset) * w, one weight at a time
// (the inputs after the last whole block, and the portable form).
inline uint32_t dot_pairs(uint32_t acc, const int8_t* x, const uint8_t* idx, int32_t pairs,
                          int32_t offset, const int8_t* book) {
  for (int32_t j = 0; j < pairs; ++j) {
    const uint32_t b = idx[j];
    acc += static_cast<uint32_t>(book[b & 0xF] * (x[2 * j] + offset));
    acc += static_cast<uint32_t>(book[b >> 4] * (x[2 * j + 1] + offset));
  }
  return acc;
}

#if KILN_ARM_MVE_NATIVE
// One filter's step over a block: dot += sum x * w, sum += sum w.
inline void block_step(int32_t& dot, int32_t& sum, int8x16x2_t xs, const uint8_t* idx,
                       const int8_t* book, uint8x16_t low) {
  const uint8x16_t pairs = vld1q_u8(idx);
  const int8x16_t even = vldrbq_gather_offset_s8(book, vandq_u8(pairs, low));
  const int8x16_t odd = vldrbq_gather_offset_s8(book, vshrq_n_u8(pairs, 4));
  dot = vmladavaq_s8(dot, xs.val[0], even);
  dot = vmladavaq_s8(dot, xs.val[1], odd);
  sum = vaddvaq_s8(sum, even);
  sum = vaddvaq_s8(sum, odd);
}

// Two filters' sums over the whole blocks of a run, kept out of line so that
// its vectors and pointers get the registers.
__attribute__((noinline)) void blocks2(int32_t* dots, int32_t* sums, const int8_t* x,
                                       const uint8_t* i0, const uint8_t* i1, int32_t blocks,
                                       const int8_t* b0, const int8_t* b1) {
  int32_t d0 = dots[0], d1 = dots[1], s0 = sums[0], s1 = sums[1];
  const uint8x16_t low = vdupq_n_u8(0xF);
  for (int32_t k = 0; k < blocks; ++k, x += kBlock, i0 += kBlock / 2, i1 += kBlock / 2) {
    const int8x16x2_t xs = vld2q_s8(x);
    block_step(d0, s0, xs, i0, b0, low);
    block_step(d1, s1, xs, i1, b1, low);
  }
  dots[0] = d0;
  dots[1] = d1;
  sums[0] = s0;
  sums[1] = s1;
}

// One filter's sums over 16 weights (eight index bytes) in 16-bit lanes:
// the half block after the whole ones.
inline void half_block(int32_t& dot, int32_t& sum, const int8_t* x, const uint8_t* idx,
                       const int8_t* book) {
  const uint16x8_t pairs = vldrbq_u16(idx);
  const int16x8_t even = vldrbq_gather_offset_s16(book, vandq_u16(pairs, vdupq_n_u16(0xF)));
  const int16x8_t odd = vldrbq_gather_offset_s16(book, vshrq_n_u16(pairs, 4));
  const uint16x8_t lanes = vmulq_n_u16(vidupq_n_u16(0, 1), 2);
  dot = vmladavaq_s16(dot, vldrbq_gather_offset_s16(x, lanes), even);
  dot = vmladavaq_s16(dot, vldrbq_gather_offset_s16(x + 1, lanes), odd);
  sum = vaddvaq_s16(sum, even);
  sum = vaddvaq_s16(sum, odd);
}
#endif

// acc + sum over n (even) inputs of (x + offset) * w for one filter, its
// whole blocks already summed in `dot` and `sum` (nothing in the portable
// form, where everything goes one weight at a time).
inline int32_t finish(int32_t acc, int32_t dot, int32_t sum, const int8_t* x, const uint8_t* idx,
                      int32_t n, int32_t done, int32_t offset, const int8_t* book) {
#if KILN_ARM_MVE_NATIVE
  if (n - done >= kBlock / 2) {
    half_block(dot, sum, x + done, idx + done / 2, book);
    done += kBlock / 2;
  }
#endif
  const uint32_t total = static_cast<uint32_t>(acc) + static_cast<uint32_t>(dot) +
                         static_cast<uint32_t>(offset) * static_cast<uint32_t>(sum);
  return static_cast<int32_t>(
      dot_pairs(total, x + done, idx + done / 2, (n - done) / 2, offset, book));
}

struct GatherDot {
  static constexpr int32_t kBookBytes = kCodebookEntries;

  static void dot4(int32_t acc[4], const int8_t* x, const uint8_t* const idx[4], int32_t n,
                   int32_t offset, const void* const book[4]) {
    const int8_t* books[4] = {
        static_cast<const int8_t*>(book[0]), static_cast<const int8_t*>(book[1]),
        static_cast<const int8_t*>(book[2]), static_cast<const int8_t*>(book[3])};
    int32_t dots[4] = {0, 0, 0, 0}, sums[4] = {0, 0, 0, 0};
    const int32_t done = KILN_ARM_MVE_NATIVE ? n / kBlock * kBlock : 0;
#if KILN_ARM_MVE_NATIVE
    if (done > 0) {
      blocks2(dots, sums, x, idx[0], idx[1], done / kBlock, books[0], books[1]);
      blocks2(dots + 2, sums + 2, x, idx[2], idx[3], done / kBlock, books[2], books[3]);
    }
#endif
    for (int32_t c = 0; c < 4; ++c)
      acc[c] = finish(acc[c], dots[c], sums[c], x, idx[c], n, done, offset, books[c]);
  }

  static int32_t dot1(int32_t acc, const int8_t* x, const uint8_t* idx, int32_t n, int32_t offset,
                      const void* book) {
    const int8_t* codebook = static_cast<const int8_t*>(book);
    int32_t dots[2] = {0, 0}, sums[2] = {0, 0};
    const int32_t done = KILN_ARM_MVE_NATIVE ? n / kBlock * kBlock : 0;
#if KILN_ARM_MVE_NATIVE
    if (done > 0) blocks2(dots, sums, x, idx, idx, done / kBlock, codebook, codebook);
#endif
    return finish(acc, dots[0], sums[0], x, idx, n, done, offset, codebook);
  }
};

}  // namespace

void conv2d_s8_w4(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_s8_w4<GatherDot>(params, inputs, outputs);
}

}  // namespace arm_mve
}  // namespace kiln
