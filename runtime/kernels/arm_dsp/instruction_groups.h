// The Arm DSP kernels' instruction groups, each written once: the assembly
// routines (*.S) expand them with register names, the inline assembly of
// primitives.h with operand references (%[x]) through KILN_ASM_TEXT. So the
// routines and the C paths around them cannot drift apart.
//
// Instructions are separated by ';' and immediates carry no '#' (in a macro
// body '#' is the preprocessor's stringify operator); GNU as accepts both.
// Included from C++ and from assembly: preprocessor definitions only.
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_INSTRUCTION_GROUPS_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_INSTRUCTION_GROUPS_H

// The groups are assembly text, laid out as assembly.
// clang-format off

// A group as a string for inline assembly.
#define KILN_ASM_TEXT(...) KILN_ASM_TEXT_(__VA_ARGS__)
#define KILN_ASM_TEXT_(...) #__VA_ARGS__ "\n\t"

// One group of four taps of a four-channel dot product over widened pairs:
// the column's words (x02, x13) against each channel's (w02, w13), which
// stream in with LDM (r8-r11, one instruction per two channels): 11
// instructions for 16 multiply-accumulates; column and weights advance.
#define KILN_DSP_DOT4_GROUP(x02, x13, column, weights, a0, a1, a2, a3) \
  ldrd x02, x13, [column], 8;                                          \
  ldm weights !, {r8, r9, r10, r11};                                   \
  smlad a0, x02, r8, a0;                                               \
  smlad a0, x13, r9, a0;                                               \
  smlad a1, x02, r10, a1;                                              \
  smlad a1, x13, r11, a1;                                              \
  ldm weights !, {r8, r9, r10, r11};                                   \
  smlad a2, x02, r8, a2;                                               \
  smlad a2, x13, r9, a2;                                               \
  smlad a3, x02, r10, a3;                                              \
  smlad a3, x13, r11, a3

// The same group against int8 weights (the compact layout): each channel's
// four taps are one word, which SXTB16 widens into the column's (0, 2) and
// (1, 3) pairs; two channels' words per LDRD into r8 and r9, their widened
// pairs in r10 and r11: 19 instructions for 16 multiply-accumulates.
#define KILN_DSP_DOT2_S8W(x02, x13, weights, a, b) \
  ldrd r8, r9, [weights], 8;                       \
  sxtb16 r10, r8;                                  \
  sxtb16 r11, r8, ror 8;                           \
  smlad a, x02, r10, a;                            \
  smlad a, x13, r11, a;                            \
  sxtb16 r10, r9;                                  \
  sxtb16 r11, r9, ror 8;                           \
  smlad b, x02, r10, b;                            \
  smlad b, x13, r11, b
#define KILN_DSP_DOT4_GROUP_S8W(x02, x13, column, weights, a0, a1, a2, a3) \
  ldrd x02, x13, [column], 8;                                              \
  KILN_DSP_DOT2_S8W(x02, x13, weights, a0, a1);                            \
  KILN_DSP_DOT2_S8W(x02, x13, weights, a2, a3)

// One depthwise tap of four lanes: the four int8 inputs in x widened with the
// input offset added (SXTAB16 with offset2, the offset in both halves) against
// the tap's four pre-widened weights (w02, w13), loaded from `weights`, which
// advances: acc[l] += (x[l] + offset) * w[l]. x02 is a temporary; x is
// overwritten.
#define KILN_DSP_DEPTHWISE_TAP(x, x02, w02, w13, weights, offset2, a0, a1, a2, a3) \
  ldrd w02, w13, [weights], 8;                                                     \
  sxtab16 x02, offset2, x;                                                         \
  sxtab16 x, offset2, x, ror 8;                                                    \
  smlabb a0, x02, w02, a0;                                                         \
  smlatt a2, x02, w02, a2;                                                         \
  smlabb a1, x, w13, a1;                                                           \
  smlatt a3, x, w13, a3

// out = multiply_smlal(x, entry) for an entry's multiplier m, rounding and
// shift (primitives.h derives it): both of TFLite's roundings in one SMLAL
// and one shift. lo and hi are temporaries (hi may be `rounding`'s register).
#define KILN_DSP_MULTIPLY_SMLAL(out, x, m, rounding, shift, lo, hi) \
  and lo, x, 0x80000000;                                            \
  add hi, rounding, x, asr 31;                                      \
  eor lo, lo, 0x40000000;                                           \
  smlal lo, hi, x, m;                                               \
  asr out, hi, shift

// Four int8 lanes: v = max(v, b) and v = min(v, b) lane by lane (SSUB8 sets
// a GE flag per byte, SEL picks by them); t is a temporary.
#define KILN_DSP_MAX_S8X4(v, b, t) \
  ssub8 t, v, b;                   \
  sel v, v, b
#define KILN_DSP_MIN_S8X4(v, b, t) \
  ssub8 t, b, v;                   \
  sel v, v, b

// r = four int8 values, lane 0 (r's own low byte) to lane 3 (d).
#define KILN_DSP_PACK_S8X4(r, b, c, d) \
  bfi r, b, 8, 8;                      \
  bfi r, c, 16, 8;                     \
  bfi r, d, 24, 8

// clang-format on

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_INSTRUCTION_GROUPS_H
