// Building blocks of the Arm DSP-extension kernels (Armv7E-M, Armv8-M Main
// with DSP: Cortex-M4, M7, M33, M55): SIMD on two 16-bit halves of a 32-bit
// register. On a processor without the extension (the host, where the
// conformance tests run these kernels under sanitizers) each is the same
// arithmetic in portable C.
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_PRIMITIVES_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_PRIMITIVES_H

#include <stdint.h>
#include <string.h>

#include "kernels/arm_dsp/conv_pixels_job.h"
#include "kernels/arm_dsp/depthwise3x3_job.h"
#include "kernels/common/conv_16x8.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/packed_conv2d.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>

#include "kernels/arm_dsp/instruction_groups.h"
#define KILN_ARM_DSP_NATIVE 1
#else
#define KILN_ARM_DSP_NATIVE 0
#endif

namespace kiln {
namespace arm_dsp {

// An unaligned-safe 32-bit load (one LDR on Cortex-M).
inline uint32_t load_u32(const void* p) {
  uint32_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

inline void store_u32(void* p, uint32_t v) { memcpy(p, &v, sizeof(v)); }

#if KILN_ARM_DSP_NATIVE

// The instruction groups on the named operands of the inline assembly below
// (KILN_ASM_TEXT keeps %[name] as written, so the formatter stays out).
// clang-format off
#define KILN_DSP_DOT4_GROUP_TEXT \
  KILN_ASM_TEXT(KILN_DSP_DOT4_GROUP(%[x02], %[x13], %[x], %[w], %[a0], %[a1], %[a2], %[a3]))
#define KILN_DSP_DOT4_GROUP_S8W_TEXT \
  KILN_ASM_TEXT(KILN_DSP_DOT4_GROUP_S8W(%[x02], %[x13], %[x], %[w], %[a0], %[a1], %[a2], %[a3]))
#define KILN_DSP_DEPTHWISE_TAP_TEXT \
  KILN_ASM_TEXT(KILN_DSP_DEPTHWISE_TAP(%[x], %[x02], %[w02], %[w13], %[w], %[off], %[a0], %[a1], %[a2], %[a3]))
#define KILN_DSP_MAX_S8X4_TEXT KILN_ASM_TEXT(KILN_DSP_MAX_S8X4(%[v], %[b], %[t]))
#define KILN_DSP_CLAMP_S8X4_TEXT \
  KILN_ASM_TEXT(KILN_DSP_MAX_S8X4(%[v], %[lo], %[t])) KILN_ASM_TEXT(KILN_DSP_MIN_S8X4(%[v], %[hi], %[t]))
#define KILN_DSP_MULTIPLY_SMLAL_TEXT \
  KILN_ASM_TEXT(KILN_DSP_MULTIPLY_SMLAL(%[hi], %[x], %[m], %[rounding], %[shift], %[lo], %[hi]))
#define KILN_DSP_PACK_S8X4_TEXT KILN_ASM_TEXT(KILN_DSP_PACK_S8X4(%[r], %[b], %[c], %[d]))
// clang-format on

// A rotate for SXTAB16's ROR #8 operand (which the compiler folds in).
inline uint32_t ror8(uint32_t x) { return (x >> 8) | (x << 24); }

// Bytes 0 and 2 of x, sign-extended into the two halves.
inline uint32_t sxtb16(uint32_t x) {
  return static_cast<uint32_t>(__sxtb16(static_cast<int32_t>(x)));
}
// Bytes 1 and 3 of x, sign-extended into the two halves.
// (The compiler does not fold the rotate into SXTB16 itself.)
inline uint32_t sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
// Halves of `a` plus bytes 0 and 2 (or 1 and 3) of x, sign-extended.
inline uint32_t sxtab16(uint32_t a, uint32_t x) {
  return static_cast<uint32_t>(__sxtab16(static_cast<int32_t>(a), static_cast<int32_t>(x)));
}
inline uint32_t sxtab16_ror8(uint32_t a, uint32_t x) {
  return static_cast<uint32_t>(__sxtab16(static_cast<int32_t>(a), static_cast<int32_t>(ror8(x))));
}
// acc + a.lo * b.lo + a.hi * b.hi (wrapping).
inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc) {
  return __smlad(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
// acc + a.lo * b.lo, acc + a.hi * b.hi, acc + a.lo * b.hi, acc + a.hi * b.lo.
inline int32_t smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return __smlabb(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
inline int32_t smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return __smlatt(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
inline int32_t smlabt(uint32_t a, uint32_t b, int32_t acc) {
  return __smlabt(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
inline int32_t smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return __smlatb(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
// acc + a.lo * b.lo + a.hi * b.hi in 64 bits (wrapping).
inline uint64_t smlald(uint32_t a, uint32_t b, uint64_t acc) {
  return static_cast<uint64_t>(
      __smlald(static_cast<int32_t>(a), static_cast<int32_t>(b), static_cast<int64_t>(acc)));
}

// A four-channel dot product over widened pairs: for each of `groups`
// groups of 4 taps, KILN_DSP_DOT4_GROUP (11 instructions for 16
// multiply-accumulates; conv_pixels.S runs the same group).
// Returns the weights after the block.
inline const uint32_t* dot4_pairs(const uint32_t* column, const uint32_t* block, int32_t groups,
                                  int32_t* acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  uint32_t x02, x13;
  int32_t pairs = groups >> 1;
  if (pairs > 0) {
    __asm__ volatile("1:\n\t" KILN_DSP_DOT4_GROUP_TEXT KILN_DSP_DOT4_GROUP_TEXT
                     "subs %[n], %[n], #1\n\t"
                     "bne 1b\n\t"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(column),
                       [w] "+r"(block), [n] "+r"(pairs), [x02] "=&r"(x02), [x13] "=&r"(x13)
                     :
                     : "r8", "r9", "r10", "r11", "cc", "memory");
  }
  if (groups & 1) {
    __asm__ volatile(KILN_DSP_DOT4_GROUP_TEXT
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(column),
                       [w] "+r"(block), [x02] "=&r"(x02), [x13] "=&r"(x13)
                     :
                     : "r8", "r9", "r10", "r11", "memory");
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
  return block;
}

// dot4_pairs against a compact block's int8 weights (KILN_DSP_DOT4_GROUP_S8W,
// 19 instructions per group; conv_pixels.S runs the same group).
inline const uint32_t* dot4_s8w(const uint32_t* column, const uint32_t* block, int32_t groups,
                                int32_t* acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  uint32_t x02, x13;
  for (int32_t n = groups; n > 0; --n) {
    __asm__ volatile(KILN_DSP_DOT4_GROUP_S8W_TEXT
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(column),
                       [w] "+r"(block), [x02] "=&r"(x02), [x13] "=&r"(x13)
                     :
                     : "r8", "r9", "r10", "r11", "memory");
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
  return block;
}

// Four depthwise lanes over `taps` taps: per tap, four int8 inputs (the next
// tap `in_step` bytes on) widened with the input offset added (SXTAB16), and
// the tap's four pre-widened weights (w02, w13; the next tap 8 bytes on):
// acc[l] += (x[l] + offset) * w[l]. 12 instructions per tap. Not inlined: its
// asm takes 13 registers, more than a large caller may have free.
__attribute__((noinline)) inline void depthwise4_row(int32_t* acc, const int8_t* in,
                                                     int32_t in_step, const uint32_t* w,
                                                     int32_t taps, uint32_t offset2) {
  if (taps <= 0) return;
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  uint32_t x, x02, w02, w13;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[x], [%[in]]\n\t"
      "add %[in], %[in], %[step]\n\t" KILN_DSP_DEPTHWISE_TAP_TEXT
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [in] "+r"(in), [w] "+r"(w),
        [n] "+r"(taps), [x] "=&r"(x), [x02] "=&r"(x02), [w02] "=&r"(w02), [w13] "=&r"(w13)
      : [step] "r"(in_step), [off] "r"(offset2)
      : "cc", "memory");
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

// One tap of depthwise4_taps3, its input at `address`.
#define KILN_DSP_DEPTHWISE_TAP_AT(address) "ldr %[x], " address "\n\t" KILN_DSP_DEPTHWISE_TAP_TEXT

// depthwise4_row for three taps, unrolled: 8 instructions per tap (the
// inputs in, in + in_step, in + 2 in_step by register-offset addressing).
// Returns the weights after them.
inline const uint32_t* depthwise4_taps3(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3,
                                        const int8_t* in, int32_t in_step, const uint32_t* w,
                                        uint32_t offset2) {
  uint32_t x, x02, w02, w13;
  __asm__ volatile(KILN_DSP_DEPTHWISE_TAP_AT("[%[in]]")
                       KILN_DSP_DEPTHWISE_TAP_AT("[%[in], %[step]]")
                           KILN_DSP_DEPTHWISE_TAP_AT("[%[in], %[step], lsl #1]")
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w),
                     [x] "=&r"(x), [x02] "=&r"(x02), [w02] "=&r"(w02), [w13] "=&r"(w13)
                   : [in] "r"(in), [step] "r"(in_step), [off] "r"(offset2)
                   : "memory");
  return w;
}

// The same for two taps.
inline const uint32_t* depthwise4_taps2(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3,
                                        const int8_t* in, int32_t in_step, const uint32_t* w,
                                        uint32_t offset2) {
  uint32_t x, x02, w02, w13;
  __asm__ volatile(KILN_DSP_DEPTHWISE_TAP_AT("[%[in]]")
                       KILN_DSP_DEPTHWISE_TAP_AT("[%[in], %[step]]")
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w),
                     [x] "=&r"(x), [x02] "=&r"(x02), [w02] "=&r"(w02), [w13] "=&r"(w13)
                   : [in] "r"(in), [step] "r"(in_step), [off] "r"(offset2)
                   : "memory");
  return w;
}
#undef KILN_DSP_DEPTHWISE_TAP_AT

// v saturated to int8.
inline int32_t ssat8(int32_t v) { return __ssat(v, 8); }
// Four int8 lanes clamped to [lo, hi] lane by lane (SSUB8 sets a GE flag per
// byte, SEL picks by them).
// The larger of each byte lane of a and b.
inline uint32_t max_s8x4(uint32_t a, uint32_t b) {
  uint32_t t;
  __asm__(KILN_DSP_MAX_S8X4_TEXT : [v] "+r"(a), [t] "=&r"(t) : [b] "r"(b) : "cc");
  return a;
}
inline uint32_t clamp_s8x4(uint32_t v, uint32_t lo, uint32_t hi) {
  uint32_t t;
  __asm__(KILN_DSP_CLAMP_S8X4_TEXT : [v] "+r"(v), [t] "=&r"(t) : [lo] "r"(lo), [hi] "r"(hi) : "cc");
  return v;
}

// fp::multiply_by_quantized_multiplier for a channel without left shift and
// with a right shift r of at least 2 (every real layer's): both of its
// roundings in one 64-bit multiply-accumulate (SMLAL) and one shift. With
// h = floor((x * m + 2^30) / 2^31), the reference gives
// floor((h + 2^(r-1) - [h < 0]) / 2^r); [h < 0] may be taken as [x < 0] (they
// differ only where h = 0, which rounds to 0 either way), and the nested
// floors are one: floor((x * m + 2^30 - [x < 0] 2^31 + 2^(r+30)) / 2^(31+r)).
// The last term is q.rounding in the high word, so the result is the high
// word shifted right by r - 1; a rounding that also holds z * 2^(r-1)
// (prepare_arm_dsp_requant) adds the output offset z on the way. 5
// instructions once the channel's three words are in registers.
inline int32_t multiply_smlal(int32_t x, const ArmDspRequant& q) {
  int32_t lo, hi;
  __asm__(KILN_DSP_MULTIPLY_SMLAL_TEXT
          : [lo] "=&r"(lo), [hi] "=&r"(hi)
          : [x] "r"(x), [m] "r"(q.multiplier), [rounding] "r"(q.rounding), [shift] "r"(q.shift));
  return hi;
}
// Four int8 values in a word, lane 0 in the low byte (a's upper bytes are
// overwritten).
inline uint32_t pack_s8x4(int32_t a, int32_t b, int32_t c, int32_t d) {
  uint32_t r = static_cast<uint32_t>(a);
  __asm__(KILN_DSP_PACK_S8X4_TEXT : [r] "+r"(r) : [b] "r"(b), [c] "r"(c), [d] "r"(d));
  return r;
}

#undef KILN_DSP_DOT4_GROUP_TEXT
#undef KILN_DSP_DOT4_GROUP_S8W_TEXT
#undef KILN_DSP_DEPTHWISE_TAP_TEXT
#undef KILN_DSP_MAX_S8X4_TEXT
#undef KILN_DSP_CLAMP_S8X4_TEXT
#undef KILN_DSP_MULTIPLY_SMLAL_TEXT
#undef KILN_DSP_PACK_S8X4_TEXT

#else

inline int32_t lo16(uint32_t x) { return static_cast<int16_t>(x & 0xFFFFu); }
inline int32_t hi16(uint32_t x) { return static_cast<int16_t>(x >> 16); }
inline uint32_t pack16(int32_t lo, int32_t hi) {
  return (static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16);
}
inline int32_t byte_s8(uint32_t x, int i) { return static_cast<int8_t>((x >> (8 * i)) & 0xFFu); }

inline uint32_t sxtb16(uint32_t x) { return pack16(byte_s8(x, 0), byte_s8(x, 2)); }
inline uint32_t sxtb16_ror8(uint32_t x) { return pack16(byte_s8(x, 1), byte_s8(x, 3)); }
inline uint32_t sxtab16(uint32_t a, uint32_t x) {
  return pack16(lo16(a) + byte_s8(x, 0), hi16(a) + byte_s8(x, 2));
}
inline uint32_t sxtab16_ror8(uint32_t a, uint32_t x) {
  return pack16(lo16(a) + byte_s8(x, 1), hi16(a) + byte_s8(x, 3));
}
inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) +
                              static_cast<uint32_t>(lo16(a) * lo16(b)) +
                              static_cast<uint32_t>(hi16(a) * hi16(b)));
}
inline int32_t smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) +
                              static_cast<uint32_t>(lo16(a) * lo16(b)));
}
inline int32_t smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) +
                              static_cast<uint32_t>(hi16(a) * hi16(b)));
}
inline int32_t smlabt(uint32_t a, uint32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) +
                              static_cast<uint32_t>(lo16(a) * hi16(b)));
}
inline int32_t smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) +
                              static_cast<uint32_t>(hi16(a) * lo16(b)));
}
inline uint64_t smlald(uint32_t a, uint32_t b, uint64_t acc) {
  return acc + static_cast<uint64_t>(static_cast<int64_t>(lo16(a) * lo16(b))) +
         static_cast<uint64_t>(static_cast<int64_t>(hi16(a) * hi16(b)));
}

inline int32_t ssat8(int32_t v) { return v < -128 ? -128 : (v > 127 ? 127 : v); }
inline uint32_t max_s8x4(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) {
    const int32_t x = byte_s8(a, i) > byte_s8(b, i) ? byte_s8(a, i) : byte_s8(b, i);
    r |= (static_cast<uint32_t>(x) & 0xFFu) << (8 * i);
  }
  return r;
}
inline uint32_t clamp_s8x4(uint32_t v, uint32_t lo, uint32_t hi) {
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) {
    const int32_t x = fp::clamp(byte_s8(v, i), byte_s8(lo, i), byte_s8(hi, i));
    r |= (static_cast<uint32_t>(x) & 0xFFu) << (8 * i);
  }
  return r;
}

inline int32_t multiply_smlal(int32_t x, const ArmDspRequant& q) {
  const int64_t v =
      static_cast<int64_t>(x) * q.multiplier + (x < 0 ? -(int64_t{1} << 30) : (int64_t{1} << 30));
  const uint32_t high =
      static_cast<uint32_t>(static_cast<int32_t>(v >> 32)) + static_cast<uint32_t>(q.rounding);
  return static_cast<int32_t>(high) >> (q.shift & 31);
}
inline uint32_t pack_s8x4(int32_t a, int32_t b, int32_t c, int32_t d) {
  return (static_cast<uint32_t>(a) & 0xFFu) | (static_cast<uint32_t>(b) & 0xFFu) << 8 |
         (static_cast<uint32_t>(c) & 0xFFu) << 16 | static_cast<uint32_t>(d) << 24;
}

inline const uint32_t* dot4_pairs(const uint32_t* column, const uint32_t* block, int32_t groups,
                                  int32_t* acc) {
  for (int32_t g = 0; g < groups; ++g, column += 2, block += 8) {
    for (int j = 0; j < 4; ++j) {
      acc[j] = smlad(column[0], block[2 * j], acc[j]);
      acc[j] = smlad(column[1], block[2 * j + 1], acc[j]);
    }
  }
  return block;
}

inline const uint32_t* dot4_s8w(const uint32_t* column, const uint32_t* block, int32_t groups,
                                int32_t* acc) {
  for (int32_t g = 0; g < groups; ++g, column += 2, block += 4) {
    for (int j = 0; j < 4; ++j) {
      acc[j] = smlad(column[0], sxtb16(block[j]), acc[j]);
      acc[j] = smlad(column[1], sxtb16_ror8(block[j]), acc[j]);
    }
  }
  return block;
}

// One tap of the depthwise rows below.
inline void depthwise4_tap(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3, uint32_t x,
                           const uint32_t* w, uint32_t offset2) {
  const uint32_t x02 = sxtab16(offset2, x), x13 = sxtab16_ror8(offset2, x);
  a0 = smlabb(x02, w[0], a0);
  a2 = smlatt(x02, w[0], a2);
  a1 = smlabb(x13, w[1], a1);
  a3 = smlatt(x13, w[1], a3);
}

inline void depthwise4_row(int32_t* acc, const int8_t* in, int32_t in_step, const uint32_t* w,
                           int32_t taps, uint32_t offset2) {
  for (int32_t t = 0; t < taps; ++t, in += in_step, w += 2) {
    depthwise4_tap(acc[0], acc[1], acc[2], acc[3], load_u32(in), w, offset2);
  }
}

template <int32_t kTaps>
inline const uint32_t* depthwise4_taps_unrolled(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3,
                                                const int8_t* in, int32_t in_step,
                                                const uint32_t* w, uint32_t offset2) {
  for (int32_t t = 0; t < kTaps; ++t, in += in_step, w += 2)
    depthwise4_tap(a0, a1, a2, a3, load_u32(in), w, offset2);
  return w;
}
inline const uint32_t* depthwise4_taps3(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3,
                                        const int8_t* in, int32_t in_step, const uint32_t* w,
                                        uint32_t offset2) {
  return depthwise4_taps_unrolled<3>(a0, a1, a2, a3, in, in_step, w, offset2);
}
inline const uint32_t* depthwise4_taps2(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3,
                                        const int8_t* in, int32_t in_step, const uint32_t* w,
                                        uint32_t offset2) {
  return depthwise4_taps_unrolled<2>(a0, a1, a2, a3, in, in_step, w, offset2);
}

#endif

// depthwise4_row on the four accumulators, unrolled for rows of 3 and 2 taps
// (every row of a 3x3 window, borders included).
inline void depthwise4_taps(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3, const int8_t* in,
                            int32_t in_step, const uint32_t* w, int32_t taps, uint32_t offset2) {
  if (taps == 3) {
    depthwise4_taps3(a0, a1, a2, a3, in, in_step, w, offset2);
  } else if (taps == 2) {
    depthwise4_taps2(a0, a1, a2, a3, in, in_step, w, offset2);
  } else {
    int32_t acc[4] = {a0, a1, a2, a3};
    depthwise4_row(acc, in, in_step, w, taps, offset2);
    a0 = acc[0];
    a1 = acc[1];
    a2 = acc[2];
    a3 = acc[3];
  }
}

// Four depthwise lanes over `taps` taps of a compact record: per tap, the
// four int8 inputs widened with the input offset added (SXTAB16) against the
// tap's four int8 weights widened by SXTB16 (the next tap 4 bytes on).
inline void depthwise4_taps_s8w(int32_t* acc, const int8_t* in, int32_t in_step, const uint8_t* w,
                                int32_t taps, uint32_t offset2) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  for (int32_t t = 0; t < taps; ++t, in += in_step, w += 4) {
    const uint32_t x = load_u32(in), weights = load_u32(w);
    const uint32_t x02 = sxtab16(offset2, x), x13 = sxtab16_ror8(offset2, x);
    const uint32_t w02 = sxtb16(weights), w13 = sxtb16_ror8(weights);
    a0 = smlabb(x02, w02, a0);
    a2 = smlatt(x02, w02, a2);
    a1 = smlabb(x13, w13, a1);
    a3 = smlatt(x13, w13, a3);
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

// Four sums requantized by multiply_smlal with their entries (each plus its
// offset; SMLAL channels only), saturated, packed (lane 0 in the low byte)
// and clamped byte by byte to [lo4, hi4].
inline uint32_t requantize4_smlal(const int32_t* acc, const ArmDspRequant* entries, uint32_t lo4,
                                  uint32_t hi4) {
  // |multiply_smlal| <= 2^29 for an entry with an offset: the add cannot overflow.
  const uint32_t packed = pack_s8x4(ssat8(multiply_smlal(acc[0], entries[0]) + entries[0].offset),
                                    ssat8(multiply_smlal(acc[1], entries[1]) + entries[1].offset),
                                    ssat8(multiply_smlal(acc[2], entries[2]) + entries[2].offset),
                                    ssat8(multiply_smlal(acc[3], entries[3]) + entries[3].offset));
  return clamp_s8x4(packed, lo4, hi4);
}

// The int8 column (k_padded bytes, a multiple of 4) widened to 16-bit pairs
// in SXTB16 order, dot4_pairs' column.
inline void widen_column(const int8_t* column, int32_t k_padded, uint32_t* widened) {
  int32_t k = 0;
  for (; k + 8 <= k_padded; k += 8, widened += 4) {
    const uint32_t x0 = load_u32(column + k), x1 = load_u32(column + k + 4);
    widened[0] = sxtb16(x0);
    widened[1] = sxtb16_ror8(x0);
    widened[2] = sxtb16(x1);
    widened[3] = sxtb16_ror8(x1);
  }
  if (k < k_padded) {
    const uint32_t x = load_u32(column + k);
    widened[0] = sxtb16(x);
    widened[1] = sxtb16_ror8(x);
  }
}

#if KILN_ARM_DSP_NATIVE
extern "C" void kiln_arm_dsp_conv_pixels(const ConvPixelsJob* job);
extern "C" void kiln_arm_dsp_conv_pixels_folded(const ConvPixelsJob* job);
extern "C" void kiln_arm_dsp_conv_pixels_compact(const ConvPixelsJob* job);
#else
// The routines' portable twin: per pixel, its column widened, then per block
// acc = the record's biases, dot(column, weights), the block's four entries
// (Entry, as expand(entry) gives them) by multiply_smlal plus their offsets,
// saturated, clamped and stored as one word.
template <typename Entry, typename Dot, typename Expand>
inline void conv_pixels_portable(const ConvPixelsJob* job, Dot dot, Expand expand) {
  int8_t* out = job->out;
  for (int32_t px = 0; px < job->pixels; ++px) {
    const int8_t* first_row = job->input + px * job->pixel_step;
    if (job->row_bytes % 4 == 0) {
      for (int32_t r = 0; r < job->rows; ++r) {
        widen_column(first_row + r * job->row_step, job->row_bytes,
                     job->widened + r * (job->row_bytes / 2));
      }
    } else {
      // Rows that are not whole words always come with a column (ConvPixelsJob).
      for (int32_t r = 0; r < job->rows; ++r) {
        // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker)
        memcpy(job->column + r * job->row_bytes, first_row + r * job->row_step,
               static_cast<size_t>(job->row_bytes));
      }
      widen_column(job->column, 4 * job->groups, job->widened);
    }
    const uint8_t* record = job->records;
    for (int32_t b = 0; b < job->blocks; ++b, out += 4) {
      int32_t acc[4];
      memcpy(acc, record, sizeof(acc));
      const auto* entries = reinterpret_cast<const Entry*>(dot(
          job->widened, reinterpret_cast<const uint32_t*>(record + sizeof(acc)), job->groups, acc));
      const ArmDspRequant expanded[4] = {expand(entries[0]), expand(entries[1]), expand(entries[2]),
                                         expand(entries[3])};
      store_u32(out, requantize4_smlal(acc, expanded, job->lo4, job->hi4));
      record = reinterpret_cast<const uint8_t*>(entries + 4);
    }
  }
}
#endif

// Per pixel: its column's rows widened into job->widened; per block of job->blocks:
// acc = the record's biases, dot4_pairs with its weights, multiply_smlal by
// its entries plus their offsets (all zero if `folded`), saturated, clamped
// and stored as one word.
inline void conv_pixels(const ConvPixelsJob* job, bool folded) {
#if KILN_ARM_DSP_NATIVE
  if (folded) {
    kiln_arm_dsp_conv_pixels_folded(job);
  } else {
    kiln_arm_dsp_conv_pixels(job);
  }
#else
  (void)folded;
  conv_pixels_portable<ArmDspRequant>(job, dot4_pairs, [](const ArmDspRequant& e) { return e; });
#endif
}

// conv_pixels on compact records whose every channel has the output offset
// in its rounding: dot4_s8w, and each entry's rounding derived from
// job->rounding_base.
inline void conv_pixels_compact(const ConvPixelsJob* job) {
#if KILN_ARM_DSP_NATIVE
  kiln_arm_dsp_conv_pixels_compact(job);
#else
  const int32_t output_offset = (static_cast<int32_t>(job->rounding_base) - 1) / 2;  // 2z + 1
  conv_pixels_portable<ArmDspCompactRequant>(job, dot4_s8w,
                                             [output_offset](const ArmDspCompactRequant& e) {
                                               return expand_arm_dsp_requant(e, output_offset);
                                             });
#endif
}

#if KILN_ARM_DSP_NATIVE
extern "C" void kiln_arm_dsp_depthwise3x3(const Depthwise3x3Job* job);
extern "C" void kiln_arm_dsp_depthwise3x3_folded(const Depthwise3x3Job* job);
extern "C" void kiln_arm_dsp_depthwise3x3_window(const Depthwise3x3Job* job);
extern "C" void kiln_arm_dsp_depthwise3x3_window_folded(const Depthwise3x3Job* job);
#else
// Every group of every pixel: acc = the record's biases, the window's taps,
// multiply_smlal by the entries plus their offsets, saturated, clamped and
// stored as one word.
inline void depthwise3x3_portable(const Depthwise3x3Job* job) {
  constexpr int32_t kTapBytes = 8, kRowBytes = 3 * kTapBytes;
  int8_t* out = job->out;
  for (int32_t px = 0; px < job->pixels; ++px) {
    const int8_t* in = job->input + px * job->pixel_step;
    const uint8_t* record = job->records;
    for (int32_t g = 0; g < job->groups;
         ++g, in += 4, out += 4, record += 16 + 9 * kTapBytes + 64) {
      int32_t acc[4];
      memcpy(acc, record, sizeof(acc));
      const uint8_t* taps = record + sizeof(acc) + job->first_tap;
      for (int32_t r = 0; r < job->rows; ++r) {
        depthwise4_taps(acc[0], acc[1], acc[2], acc[3], in + r * job->row_step, job->in_step,
                        reinterpret_cast<const uint32_t*>(taps + r * kRowBytes), job->taps,
                        job->offset2);
      }
      const auto* entries =
          reinterpret_cast<const ArmDspRequant*>(record + sizeof(acc) + 9 * kTapBytes);
      store_u32(out, requantize4_smlal(acc, entries, job->lo4, job->hi4));
    }
  }
}
#endif

// A run of pixels whose windows are the whole filter; entry offsets all
// zero if `folded`.
inline void depthwise3x3_run(const Depthwise3x3Job* job, bool folded) {
#if KILN_ARM_DSP_NATIVE
  if (folded) {
    kiln_arm_dsp_depthwise3x3_folded(job);
  } else {
    kiln_arm_dsp_depthwise3x3(job);
  }
#else
  (void)folded;
  depthwise3x3_portable(job);
#endif
}

// One pixel whose window is part of the filter.
inline void depthwise3x3_window(const Depthwise3x3Job* job, bool folded) {
#if KILN_ARM_DSP_NATIVE
  if (folded) {
    kiln_arm_dsp_depthwise3x3_window_folded(job);
  } else {
    kiln_arm_dsp_depthwise3x3_window(job);
  }
#else
  (void)folded;
  depthwise3x3_portable(job);
#endif
}

// Whether multiply_smlal computes channel q exactly.
inline bool smlal_applies(const ArmDspRequant& q) { return q.shift >= 1; }

// fp::requantize for any channel.
inline int32_t requantize_any(int32_t acc, const ArmDspRequant& q, int32_t offset, int32_t lo,
                              int32_t hi) {
  // The entry's shift back to fp::requantize's (left positive, right
  // negative): -1 - shift under both of its encodings.
  const int64_t shift = -1 - int64_t{q.shift};
  return fp::requantize(acc, q.multiplier,
                        shift < -31 ? -31 : (shift > 30 ? 30 : static_cast<int>(shift)), offset, lo,
                        hi);
}

// v saturated to int8 in all four bytes (a clamp bound for clamp_s8x4).
inline uint32_t splat_s8x4(int32_t v) {
  return (static_cast<uint32_t>(ssat8(v)) & 0xFFu) * 0x01010101u;
}

// Both halves set to v (for SXTAB16's addend).
inline uint32_t dup16(int32_t v) { return (static_cast<uint32_t>(v) & 0xFFFFu) * 0x00010001u; }

// The low halves of `lo` and `hi`, and their high halves, as one word each
// (the compiler makes each one PKHBT / PKHTB).
inline uint32_t pack_low_halves(uint32_t lo, uint32_t hi) { return (lo & 0xFFFFu) | (hi << 16); }
inline uint32_t pack_high_halves(uint32_t lo, uint32_t hi) {
  return (lo >> 16) | (hi & 0xFFFF0000u);
}

// The product sum of n int16 activations and int8 weights, modulo 2^64:
// per 4 channels, the weights widened in pairs (0, 2) and (1, 3) and the
// activations paired to match, two SMLALDs.
inline uint64_t dot_s16_s8(const int16_t* x, const int8_t* w, int32_t n) {
  uint64_t acc = 0;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t weights = load_u32(w + i);
    const uint32_t x01 = load_u32(x + i), x23 = load_u32(x + i + 2);
    acc = smlald(sxtb16(weights), pack_low_halves(x01, x23), acc);
    acc = smlald(sxtb16_ror8(weights), pack_high_halves(x01, x23), acc);
  }
  for (; i < n; ++i)
    acc += static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(w[i]) * x[i]));
  return acc;
}

// The same for two weight rows: each activation pair is loaded and paired
// once for both (14 instructions for 8 multiply-accumulates).
inline kernels::Sums2 dot2_s16_s8(const int16_t* x, const int8_t* w0, const int8_t* w1, int32_t n) {
  uint64_t acc0 = 0, acc1 = 0;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t x01 = load_u32(x + i), x23 = load_u32(x + i + 2);
    const uint32_t x02 = pack_low_halves(x01, x23), x13 = pack_high_halves(x01, x23);
    const uint32_t a = load_u32(w0 + i), b = load_u32(w1 + i);
    acc0 = smlald(sxtb16(a), x02, acc0);
    acc0 = smlald(sxtb16_ror8(a), x13, acc0);
    acc1 = smlald(sxtb16(b), x02, acc1);
    acc1 = smlald(sxtb16_ror8(b), x13, acc1);
  }
  for (; i < n; ++i) {
    acc0 += static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(w0[i]) * x[i]));
    acc1 += static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(w1[i]) * x[i]));
  }
  return {acc0, acc1};
}

}  // namespace arm_dsp
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_PRIMITIVES_H
