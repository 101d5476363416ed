// CONV_2D (FULLY_CONNECTED as a 1x1 CONV_2D, groups 1) with binary weights
// and binary activations: a fully binary layer. Its int8 input takes two
// values, the zero point z and z + 1 (a ReLU whose output is quantized to
// one bit: the compiler proves it from the producer's clamp), so every input
// plus offset is a bit b, and the padding's 0 is a 0 bit; the filter is
// binary as in CONV_2D_S8_B1 (kiln/ops/conv2d_b1.h). With w = v0 + (v1 -
// v0) * c for a weight's bit c, the dot product of a window is
//
//   v0 * popcount(b) + (v1 - v0) * popcount(b & c)
//
// exactly in the 32-bit wrapping accumulator, so the layer computes what
// the int8 kernel computes on the decoded filter, bit for bit, 32 weights
// per AND and a population count.
//
// Operands: input, bits (uint8 [out_c x a1_row_words x 4]: weight i of a
// channel's row at bit i % 32 of word i / 32, little-endian, the last word
// padded with zero bits), values (int8 [out_c x 2]: each channel's weight
// for a 0 bit, then for a 1 bit), bias (int32, optional), output stage
// (out_c fp::PreparedRequant entries; or, with `steps`, out_c int32
// thresholds); outputs: output, scratch (the window's bits, uint32
// [a1_row_words]).
//
// When the output takes two values too (act_max = act_min + 1, the next
// layer's binary input), requantizing only decides which: a channel's
// output is act_max exactly when its accumulator reaches the least value
// the requantization takes to act_max. The compiler finds it and stores it
// less the bias (the accumulators a channel can reach are bounded and never
// wrap, so the comparison is the same); the kernel compares the dot product
// with it instead of requantizing.
#ifndef KILN_OPS_CONV2D_A1_H
#define KILN_OPS_CONV2D_A1_H

#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d.h"

namespace kiln {

struct Conv2DA1Params {
  Conv2DParams conv;
  int32_t steps;  // 1: the output stage holds thresholds (two-valued output)
};

// The words of bits of one output channel's filter (and of a window).
inline int32_t a1_row_words(const Conv2DParams& p) {
  return (p.k_h * p.k_w * p.filter_in_c + 31) / 32;
}

inline bool conv2d_a1_operand_sizes(const Conv2DA1Params& a, OperandSizes* s) {
  const Conv2DParams& p = a.conv;
  if (!conv2d_operand_sizes(p, 1, false, s) || p.filter_in_c != p.in_c) return false;
  if (a.steps != 0 && (a.steps != 1 || p.act_max != p.act_min + 1)) return false;
  const uint32_t row_bytes = 4 * static_cast<uint32_t>(a1_row_words(p));
  s->inputs[4] = static_cast<uint32_t>(p.out_c) *
                 (a.steps ? 4 : static_cast<uint32_t>(sizeof(fp::PreparedRequant)));
  s->inputs[3] = s->inputs[2];
  s->inputs[1] = static_cast<uint32_t>(p.out_c) * row_bytes;
  s->inputs[2] = static_cast<uint32_t>(p.out_c) * 2;
  s->num_inputs = 5;
  s->outputs[1] = row_bytes;
  s->num_outputs = 2;
  return true;
}

// The Arm DSP variant counts rows of at most this many words (bytes of
// nibble counts stay below 256), every channel's count into its scratch
// after the window's bits.
constexpr int32_t kA1DspMaxWords = 30;

inline bool conv2d_a1_dsp_operand_sizes(const Conv2DA1Params& a, OperandSizes* s) {
  if (!conv2d_a1_operand_sizes(a, s) || a1_row_words(a.conv) > kA1DspMaxWords) return false;
  s->outputs[1] += 4 * static_cast<uint32_t>(a.conv.out_c);
  return true;
}

}  // namespace kiln

#endif  // KILN_OPS_CONV2D_A1_H
