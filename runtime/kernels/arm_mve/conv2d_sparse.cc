// CONV_2D_S8_SPARSE for Helium: 16 nonzero weights (or four blocks of four)
// per step. Their offsets (one VLDRB) are the vector offsets of a gather
// that loads the 16 inputs they name, and one VMLADAVA multiplies them with
// the 16 weights; the loop is tail-predicated, so a window of n units costs
// ceil(n / 16) (blocks: ceil(n / 4)) steps of five instructions. The
// compiler folds the input offset into the bias; four channels' sums are
// requantized together (ArmMveRequant), as the dense kernels do.
#include "kernels/arm_mve/primitives.h"
#include "kernels/common/conv_sparse.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_mve {
namespace {

// acc + the sum over n units of a window from x, in tail-predicated loops
// (DLSTP/LETP) of five instructions: 16 single weights per step (their
// offsets are a byte gather's), or four blocks (their offsets, widened to
// words, a word gather's, scaled by four).
inline int32_t window_dot(int32_t acc, const int8_t* x, const uint8_t* o, const int8_t* w,
                          int32_t n, int32_t block) {
#if KILN_ARM_MVE_NATIVE
  if (n == 0) return acc;
  // VMLAVA accumulates into an even register.
  register int32_t sum __asm__("r0") = acc;
  if (block == kSparseBlock) {
    __asm__ volatile(
        "dlstp.32 lr, %[n]\n"
        "1:\n"
        "vldrb.u32 q0, [%[o]], #4\n"
        "vldrb.u8 q1, [%[w]], #16\n"
        "vldrw.u32 q2, [%[x], q0, uxtw #2]\n"
        "vmlava.s8 %[acc], q2, q1\n"
        "letp lr, 1b\n"
        : [acc] "+r"(sum), [o] "+r"(o), [w] "+r"(w)
        : [x] "r"(x), [n] "r"(n)
        : "q0", "q1", "q2", "lr", "memory");
  } else {
    __asm__ volatile(
        "dlstp.8 lr, %[n]\n"
        "1:\n"
        "vldrb.u8 q0, [%[o]], #16\n"
        "vldrb.u8 q1, [%[w]], #16\n"
        "vldrb.u8 q2, [%[x], q0]\n"
        "vmlava.s8 %[acc], q2, q1\n"
        "letp lr, 1b\n"
        : [acc] "+r"(sum), [o] "+r"(o), [w] "+r"(w)
        : [x] "r"(x), [n] "r"(n)
        : "q0", "q1", "q2", "lr", "memory");
  }
  return sum;
#else
  uint32_t sum = static_cast<uint32_t>(acc);
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t k = 0; k < block; ++k)
      sum += static_cast<uint32_t>(x[o[i] * block + k] * w[i * block + k]);
  }
  return static_cast<int32_t>(sum);
#endif
}

// One output channel's sum over its windows; advances o and w past its units.
inline int32_t channel_sum(const kernels::SparseLayer& l, const int8_t* x, const uint16_t*& count,
                           const uint8_t*& o, const int8_t*& w) {
  const int8_t* first = w;
  int32_t acc = 0;
  const int8_t* window = x;
  for (int32_t k = 0; k < l.windows; ++k, window += kSparseWindow * l.block) {
    const int32_t n = *count++;
    acc = window_dot(acc, window, o, w, n, l.block);
    o += n;
    w += n * l.block;
  }
  const int32_t input_offset = l.conv->input_offset;
  return input_offset == 0 ? acc
                           : static_cast<int32_t>(kernels::add_offset_share(
                                 static_cast<uint32_t>(acc), input_offset, first, w));
}

// One output pixel's channels, out of line so that its loops have the
// registers; four channels' sums are requantized at once (ArmMveRequant).
__attribute__((noinline)) void channels(const kernels::SparseLayer& l, const int8_t* x,
                                        int8_t* out) {
  const Conv2DParams& p = *l.conv;
  const ArmMveRequant* requant = static_cast<const ArmMveRequant*>(l.requant);
  const uint16_t* count = l.counts;
  const uint8_t* o = l.offsets;
  const int8_t* w = l.weights;
  auto biased = [&](int32_t acc, int32_t oc) {
    return l.bias ? static_cast<int32_t>(static_cast<uint32_t>(acc) +
                                         static_cast<uint32_t>(l.bias[oc]))
                  : acc;
  };
  int32_t oc = 0;
  for (; oc + 4 <= p.out_c; oc += 4) {
    int32_t acc[4];
    for (int32_t j = 0; j < 4; ++j) acc[j] = biased(channel_sum(l, x, count, o, w), oc + j);
    requantize4_store(load_s32x4(acc), requant + oc, p.output_offset, p.act_min, p.act_max,
                      out + oc);
  }
  for (; oc < p.out_c; ++oc) {
    out[oc] =
        static_cast<int8_t>(requantize_one(biased(channel_sum(l, x, count, o, w), oc), requant[oc],
                                           p.output_offset, p.act_min, p.act_max));
  }
}

}  // namespace

void conv2d_s8_sparse(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_s8_sparse(*static_cast<const Conv2DSparseParams*>(params), inputs, outputs,
                            channels);
}

}  // namespace arm_mve
}  // namespace kiln
