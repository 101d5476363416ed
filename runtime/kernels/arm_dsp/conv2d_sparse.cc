// CONV_2D_S8_SPARSE for the Cortex-M cores with the DSP extension: per
// nonzero weight, its offset (LDRB), the input it names (LDRSB with a
// register offset) and one 16-bit multiply-accumulate with its weight, four
// weights widened by one load and two SXTB16: 4.25 instructions per nonzero.
// Blocks of four take one load each for inputs and weights and two SMLAD:
// 2.25 instructions per weight. The compiler folds the input offset into the bias, so
// the inner loop adds none; the requantization is the one prepared on the host
// (ArmDspRequant, or the compact entries of the _COMPACT variant).
#include <type_traits>

#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/conv_sparse.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_dsp {
namespace {

// acc + the sum over `quads` groups of four nonzeros; advances o and w.
// Per group: four offsets (LDRB), the inputs they name (LDRSB with a
// register offset), the four weights (one LDR, two SXTB16) and four 16-bit
// multiply-accumulates: 17 instructions with the loop's.
inline int32_t dot_quads(int32_t acc, const int8_t* x, const uint8_t*& o, const int8_t*& w,
                         int32_t quads) {
#if KILN_ARM_DSP_NATIVE
  uint32_t a, b, c, d, w4, w02, w13;
  __asm__ volatile(
      "1:\n"
      "ldrb %[a], [%[o]], #1\n"
      "ldrb %[b], [%[o]], #1\n"
      "ldrb %[c], [%[o]], #1\n"
      "ldrb %[d], [%[o]], #1\n"
      "ldr %[w4], [%[w]], #4\n"
      "ldrsb %[a], [%[x], %[a]]\n"
      "ldrsb %[b], [%[x], %[b]]\n"
      "ldrsb %[c], [%[x], %[c]]\n"
      "ldrsb %[d], [%[x], %[d]]\n"
      "sxtb16 %[w02], %[w4]\n"
      "sxtb16 %[w13], %[w4], ror #8\n"
      "smlabb %[acc], %[a], %[w02], %[acc]\n"
      "smlabb %[acc], %[b], %[w13], %[acc]\n"
      "smlatb %[acc], %[w02], %[c], %[acc]\n"
      "smlatb %[acc], %[w13], %[d], %[acc]\n"
      "subs %[q], %[q], #1\n"
      "bne 1b\n"
      : [acc] "+r"(acc), [o] "+r"(o), [w] "+r"(w), [q] "+r"(quads), [a] "=&r"(a), [b] "=&r"(b),
        [c] "=&r"(c), [d] "=&r"(d), [w4] "=&r"(w4), [w02] "=&r"(w02), [w13] "=&r"(w13)
      : [x] "r"(x)
      : "cc", "memory");
#else
  for (; quads > 0; --quads, o += 4, w += 4) {
    const uint32_t w4 = load_u32(w);
    const uint32_t w02 = sxtb16(w4), w13 = sxtb16_ror8(w4);
    acc = smlabb(static_cast<uint32_t>(x[o[0]]), w02, acc);
    acc = smlabb(static_cast<uint32_t>(x[o[1]]), w13, acc);
    acc = smlabt(static_cast<uint32_t>(x[o[2]]), w02, acc);
    acc = smlabt(static_cast<uint32_t>(x[o[3]]), w13, acc);
  }
#endif
  return acc;
}

// acc + the sum over n blocks of four weights; advances o and w. Per block:
// its offset (LDRB), the four inputs (one LDR at offset * 4) and weights
// (one LDR), each widened into halves by two SXTB16, and two SMLAD: 9
// instructions, two blocks per loop step.
inline int32_t dot_blocks(int32_t acc, const int8_t* x, const uint8_t*& o, const int8_t*& w,
                          int32_t n) {
#if KILN_ARM_DSP_NATIVE
  if (n >= 2) {
    uint32_t a, b, wa, wb, lo, hi;
    int32_t pairs = n >> 1;
    __asm__ volatile(
        "1:\n"
        "ldrb %[a], [%[o]], #1\n"
        "ldrb %[b], [%[o]], #1\n"
        "ldr %[a], [%[x], %[a], lsl #2]\n"
        "ldr %[wa], [%[w]], #4\n"
        "ldr %[b], [%[x], %[b], lsl #2]\n"
        "ldr %[wb], [%[w]], #4\n"
        "sxtb16 %[lo], %[a]\n"
        "sxtb16 %[hi], %[wa]\n"
        "smlad %[acc], %[lo], %[hi], %[acc]\n"
        "sxtb16 %[lo], %[a], ror #8\n"
        "sxtb16 %[hi], %[wa], ror #8\n"
        "smlad %[acc], %[lo], %[hi], %[acc]\n"
        "sxtb16 %[lo], %[b]\n"
        "sxtb16 %[hi], %[wb]\n"
        "smlad %[acc], %[lo], %[hi], %[acc]\n"
        "sxtb16 %[lo], %[b], ror #8\n"
        "sxtb16 %[hi], %[wb], ror #8\n"
        "smlad %[acc], %[lo], %[hi], %[acc]\n"
        "subs %[n], %[n], #1\n"
        "bne 1b\n"
        : [acc] "+r"(acc), [o] "+r"(o), [w] "+r"(w), [n] "+r"(pairs), [a] "=&r"(a), [b] "=&r"(b),
          [wa] "=&r"(wa), [wb] "=&r"(wb), [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [x] "r"(x)
        : "cc", "memory");
  }
  n &= 1;
#endif
  for (; n > 0; --n, ++o, w += kSparseBlock) {
    const uint32_t in = load_u32(x + *o * kSparseBlock), wt = load_u32(w);
    acc = smlad(sxtb16(in), sxtb16(wt), acc);
    acc = smlad(sxtb16_ror8(in), sxtb16_ror8(wt), acc);
  }
  return acc;
}

// One output pixel's channels, out of line so that its loops have the
// registers.
template <typename Entry>
__attribute__((noinline)) void channels(const kernels::SparseLayer& l, const int8_t* x,
                                        int8_t* out) {
  const Conv2DParams& p = *l.conv;
  const Entry* requant = static_cast<const Entry*>(l.requant);
  const uint16_t* count = l.counts;
  const uint8_t* o = l.offsets;
  const int8_t* w = l.weights;
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    const int8_t* first = w;
    int32_t acc = 0;
    const int8_t* window = x;
    for (int32_t k = 0; k < l.windows; ++k, window += kSparseWindow * l.block) {
      const int32_t n = *count++;
      if (l.block == kSparseBlock) {
        acc = dot_blocks(acc, window, o, w, n);
        continue;
      }
      if (n >= 4) acc = dot_quads(acc, window, o, w, n >> 2);
      for (int32_t r = n & 3; r > 0; --r, ++o, ++w)
        acc = smlabb(static_cast<uint32_t>(window[*o]), static_cast<uint32_t>(*w), acc);
    }
    uint32_t sum = static_cast<uint32_t>(acc);
    if (p.input_offset != 0) sum = kernels::add_offset_share(sum, p.input_offset, first, w);
    if (l.bias) sum += static_cast<uint32_t>(l.bias[oc]);
    // One SMLAL and a shift for nearly every channel (ArmDspRequant, or
    // expanded from a compact entry: CONV_2D_S8_SPARSE_COMPACT_ARM_DSP).
    const ArmDspRequant* entry = nullptr;
    ArmDspRequant expanded;
    if constexpr (std::is_same<Entry, ArmDspRequant>::value) {
      entry = &requant[oc];
    } else {
      expanded = expand_arm_dsp_requant(requant[oc], p.output_offset);
      entry = &expanded;
    }
    const ArmDspRequant& q = *entry;
    int32_t v = smlal_applies(q) ? ssat8(multiply_smlal(static_cast<int32_t>(sum), q) + q.offset)
                                 : requantize_any(static_cast<int32_t>(sum), q, p.output_offset,
                                                  p.act_min, p.act_max);
    v = v < p.act_min ? p.act_min : (v > p.act_max ? p.act_max : v);
    out[oc] = static_cast<int8_t>(v);
  }
}

}  // namespace

void conv2d_s8_sparse(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_s8_sparse(*static_cast<const Conv2DSparseParams*>(params), inputs, outputs,
                            channels<ArmDspRequant>);
}

void conv2d_s8_sparse_compact(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_s8_sparse(*static_cast<const Conv2DSparseParams*>(params), inputs, outputs,
                            channels<ArmDspCompactRequant>);
}

}  // namespace arm_dsp
}  // namespace kiln
