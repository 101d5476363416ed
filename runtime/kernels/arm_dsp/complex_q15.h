// Complex Q15 arithmetic for the Arm DSP-extension FFT, one complex value
// in one 32-bit word as KISS FFT's int16 (re, im) pairs lie in memory: re in
// the low half. Each operation is KISS FFT's fixed-point macro (v130,
// FIXED_POINT=16) exactly: a product rounded half up to Q15, sums wrapping
// in int16. The rounded products take 32-bit sums (SMLSD, SMLADX), which
// wrap only where the reference's 64-bit ones leave bits 15..30 the same,
// so the int16 results agree. On the host each is portable C.
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_COMPLEX_Q15_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_COMPLEX_Q15_H

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define KILN_COMPLEX_Q15_NATIVE 1
#else
#define KILN_COMPLEX_Q15_NATIVE 0
#endif

namespace kiln {
namespace arm_dsp {

constexpr int32_t kQ15Round = 1 << 14;

// C_FIXDIV's multiplier for a radix, doubled: (x 2k + 2^15) >> 16 is KISS's
// (x k + 2^14) >> 15, with the result in the top half of the sum, where one
// PKHTB takes it (2k < 2^15: the sum stays inside int32).
constexpr int32_t fixdiv_doubled(int32_t radix) { return 2 * (32767 / radix); }
constexpr int32_t kFixdivRound = 1 << 15;

#if KILN_COMPLEX_Q15_NATIVE

// (top half of hi, top half of lo >> shift): PKHTB, which the compiler does
// not form from shifts and masks.
inline uint32_t pkhtb16(int32_t hi, int32_t lo) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
  return r;
}
inline uint32_t pkhtb15(int32_t hi, int32_t lo) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #15" : "=r"(r) : "r"(hi), "r"(lo));
  return r;
}

// C_FIXDIV: each half times k / 2 (k from fixdiv_doubled), rounded to Q15.
inline uint32_t cq15_scale(uint32_t a, int32_t k2) {
  return pkhtb16(__smlatb(static_cast<int32_t>(a), k2, kFixdivRound),
                 __smlabb(static_cast<int32_t>(a), k2, kFixdivRound));
}
// C_MUL: re = a.re b.re - a.im b.im and im = a.re b.im + a.im b.re, each
// rounded once (Q30 sums: the imaginary one shifted up a bit for PKHTB).
inline uint32_t cq15_mul(uint32_t a, uint32_t b) {
  const int32_t re = __smlsd(static_cast<int32_t>(a), static_cast<int32_t>(b), kQ15Round);
  const int32_t im = __smladx(static_cast<int32_t>(a), static_cast<int32_t>(b), kQ15Round);
  return pkhtb15(static_cast<int32_t>(static_cast<uint32_t>(im) << 1), re);
}
// C_ADD, C_SUB: per half, wrapping.
inline uint32_t cq15_add(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(__sadd16(static_cast<int16x2_t>(a), static_cast<int16x2_t>(b)));
}
inline uint32_t cq15_sub(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(__ssub16(static_cast<int16x2_t>(a), static_cast<int16x2_t>(b)));
}
// (a.re + b.im, a.im - b.re): a minus i b; (a.re - b.im, a.im + b.re): a plus i b.
inline uint32_t cq15_sub_i(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(__ssax(static_cast<int16x2_t>(a), static_cast<int16x2_t>(b)));
}
inline uint32_t cq15_add_i(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(__sasx(static_cast<int16x2_t>(a), static_cast<int16x2_t>(b)));
}
// HALF_OF on each half of a + b, a - b (no wrap: halving sums of int16).
inline uint32_t cq15_half_add(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(__shadd16(static_cast<int16x2_t>(a), static_cast<int16x2_t>(b)));
}
inline uint32_t cq15_half_sub(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(__shsub16(static_cast<int16x2_t>(a), static_cast<int16x2_t>(b)));
}

#else

inline int32_t cq15_re(uint32_t a) { return static_cast<int16_t>(a & 0xFFFFu); }
inline int32_t cq15_im(uint32_t a) { return static_cast<int16_t>(a >> 16); }
inline uint32_t cq15(int32_t re, int32_t im) {
  return (static_cast<uint32_t>(re) & 0xFFFFu) | (static_cast<uint32_t>(im) << 16);
}
// Q30 sums in wrapping 32-bit arithmetic, as the instructions form them.
inline int32_t q30(uint32_t x) { return static_cast<int32_t>(x); }

inline uint32_t cq15_scale(uint32_t a, int32_t k2) {
  return cq15((cq15_re(a) * k2 + kFixdivRound) >> 16, (cq15_im(a) * k2 + kFixdivRound) >> 16);
}
inline uint32_t cq15_mul(uint32_t a, uint32_t b) {
  const uint32_t rr = static_cast<uint32_t>(cq15_re(a) * cq15_re(b));
  const uint32_t ii = static_cast<uint32_t>(cq15_im(a) * cq15_im(b));
  const uint32_t ri = static_cast<uint32_t>(cq15_re(a) * cq15_im(b));
  const uint32_t ir = static_cast<uint32_t>(cq15_im(a) * cq15_re(b));
  return cq15(q30(rr - ii + kQ15Round) >> 15, q30(ri + ir + kQ15Round) >> 15);
}
inline uint32_t cq15_add(uint32_t a, uint32_t b) {
  return cq15(cq15_re(a) + cq15_re(b), cq15_im(a) + cq15_im(b));
}
inline uint32_t cq15_sub(uint32_t a, uint32_t b) {
  return cq15(cq15_re(a) - cq15_re(b), cq15_im(a) - cq15_im(b));
}
inline uint32_t cq15_sub_i(uint32_t a, uint32_t b) {
  return cq15(cq15_re(a) + cq15_im(b), cq15_im(a) - cq15_re(b));
}
inline uint32_t cq15_add_i(uint32_t a, uint32_t b) {
  return cq15(cq15_re(a) - cq15_im(b), cq15_im(a) + cq15_re(b));
}
inline uint32_t cq15_half_add(uint32_t a, uint32_t b) {
  return cq15((cq15_re(a) + cq15_re(b)) >> 1, (cq15_im(a) + cq15_im(b)) >> 1);
}
inline uint32_t cq15_half_sub(uint32_t a, uint32_t b) {
  return cq15((cq15_re(a) - cq15_re(b)) >> 1, (cq15_im(a) - cq15_im(b)) >> 1);
}

#endif

}  // namespace arm_dsp
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_COMPLEX_Q15_H
