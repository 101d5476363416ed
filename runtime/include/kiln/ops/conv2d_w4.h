// CONV_2D and DEPTHWISE_CONV_2D (FULLY_CONNECTED as a 1x1 CONV_2D) with
// 4-bit coded weights: each weight is a 4-bit index into a codebook of 16
// int8 values, one codebook for the layer or one per output channel. int4
// weights are the codebook {0, 1, ..., 7, -8, ..., -1}; clustered weights
// (kiln compress --cluster) carry their cluster centres. The kernels decode
// every weight where they use it, so the layer needs no scratch and computes
// exactly what the int8 kernel computes on the decoded weights.
//
// Operands: input, indices (uint8), codebooks (int8, 16 per codebook), bias
// (int32, optional), per-channel requantization (int32: out_c multipliers
// then out_c shifts); output.
//
//   Indices: the filter's elements in its int8 order (OHWI for CONV_2D, 1HWO
//   for depthwise) as one stream of nibbles, two per byte, the low nibble
//   first: TFLite's int4 packing, so an int4 tensor's buffer is already the
//   index stream. A final odd nibble's byte has its high nibble zero.
//
// The Arm DSP CONV_2D variant (groups 1, even in_c, one codebook, at least
// 2,048 weights so that its table is small beside them) takes a pair table
// in place of the codebook: for each of the 256 index bytes, its two
// weights as int16 halves (w4_pair_entry), ready for SMLAD. The variants
// take the requantization prepared on the host (fp::PreparedRequant, 16
// bytes per output channel) in place of the multipliers and shifts.
#ifndef KILN_OPS_CONV2D_W4_H
#define KILN_OPS_CONV2D_W4_H

#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d.h"

namespace kiln {

constexpr int32_t kCodebookEntries = 16;

struct Conv2DW4Params {
  Conv2DParams conv;
  int32_t codebooks;  // 1 (the layer's) or conv.out_c (one per output channel)
};

// The decoded weight `i` of the index stream under `codebook`.
inline int8_t w4_weight(const uint8_t* indices, const int8_t* codebook, int32_t i) {
  const uint8_t pair = indices[i >> 1];
  return codebook[(i & 1) ? (pair >> 4) : (pair & 0xF)];
}

constexpr int32_t kW4PairTableEntries = 256;
constexpr uint32_t kW4PairTableMinWeights = 2048;

// The pair table's entry for index byte `pair`: the low nibble's weight in
// the low half.
inline uint32_t w4_pair_entry(const int8_t* codebook, uint32_t pair) {
  return (static_cast<uint32_t>(static_cast<int32_t>(codebook[pair & 0xF])) & 0xFFFFu) |
         (static_cast<uint32_t>(static_cast<int32_t>(codebook[(pair >> 4) & 0xF])) << 16);
}

inline bool conv2d_w4_operand_sizes(const Conv2DW4Params& p, bool depthwise, OperandSizes* s) {
  if (!conv2d_operand_sizes(p.conv, 1, depthwise, s)) return false;
  if (p.codebooks != 1 && p.codebooks != p.conv.out_c) return false;
  const uint32_t weights = s->inputs[1];  // int8 elements, one byte each
  s->inputs[4] = s->inputs[3];
  s->inputs[3] = s->inputs[2];
  s->inputs[1] = weights / 2 + weights % 2;
  s->inputs[2] = static_cast<uint32_t>(p.codebooks) * kCodebookEntries;
  s->num_inputs = 5;
  return s->inputs[1] != 0;
}

// The Helium CONV_2D variant: groups 1 and an even in_c (whole index bytes
// for every tap), any codebooks.
inline bool conv2d_w4_runs_operand_sizes(const Conv2DW4Params& p, OperandSizes* s) {
  if (!conv2d_w4_operand_sizes(p, false, s) || p.conv.filter_in_c != p.conv.in_c ||
      p.conv.in_c % 2 != 0) {
    return false;
  }
  s->inputs[4] = static_cast<uint32_t>(p.conv.out_c) * sizeof(fp::PreparedRequant);
  return true;
}

inline bool conv2d_w4_pair_table_operand_sizes(const Conv2DW4Params& p, OperandSizes* s) {
  if (!conv2d_w4_runs_operand_sizes(p, s)) return false;
  if (p.codebooks != 1 || s->inputs[1] < kW4PairTableMinWeights / 2) return false;
  s->inputs[2] = kW4PairTableEntries * 4;
  return true;
}

}  // namespace kiln

#endif  // KILN_OPS_CONV2D_W4_H
