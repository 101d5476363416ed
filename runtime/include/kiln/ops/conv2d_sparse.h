// Pointwise CONV_2D (FULLY_CONNECTED as a 1x1 CONV_2D) with sparse weights:
// each output channel's nonzero weights only, with where they sit. A pruned
// layer (kiln compress --prune, --sparsity N:M) is stored as its nonzero
// units and their positions, and its kernels skip the rest.
//
// A unit is one weight (block 1: unstructured and N:M pruning), or four
// consecutive weights along the input depth (block 4: --prune-block 4),
// which a Cortex-M kernel loads and multiplies as one word. The depth's units
// split into windows of kSparseWindow (the last one shorter), so a unit's
// position fits one byte: its offset from its window's first unit, which
// Helium's gathers take as they are.
//
// Operands: input, counts (16-bit: per output channel, its nonzero units in
// each window), offsets (uint8, one per nonzero unit), weights (int8, block
// per nonzero unit), bias (int32, optional), per-channel requantization
// (int32: out_c multipliers then out_c shifts); output. Units are stored by
// output channel, then window, then offset.
//
// The offsets steer reads of the input, so a blob's are checked once when
// it loads (constants_ok): counts that sum to the nonzero units, each at most
// its window's length, and every offset inside its window.
//
// The variants take the requantization prepared on the host as their dense
// kernels do, 16 bytes per output channel (ArmDspRequant, ArmMveRequant), or 8
// (CONV_2D_S8_SPARSE_COMPACT_ARM_DSP's ArmDspCompactRequant). Kiln's compiler folds
// the input offset into the bias (sum (x + offset) * w = sum x * w + offset *
// sum w, exact in wrapping int32) and sets input_offset 0; every kernel
// still adds any input_offset a blob gives.
#ifndef KILN_OPS_CONV2D_SPARSE_H
#define KILN_OPS_CONV2D_SPARSE_H

#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d.h"

namespace kiln {

constexpr int32_t kSparseWindow = 256;  // units
constexpr int32_t kSparseBlock = 4;     // the weights of a unit in the block form

struct Conv2DSparseParams {
  Conv2DParams conv;
  int32_t block;     // weights per unit: 1 or kSparseBlock
  int32_t nonzeros;  // nonzero units
};

inline int32_t sparse_units(const Conv2DSparseParams& p) { return p.conv.in_c / p.block; }
inline int32_t sparse_windows(int32_t units) { return (units + kSparseWindow - 1) / kSparseWindow; }

// A 1x1 filter over all input channels, no padding: each output pixel reads
// one input pixel.
inline bool conv2d_sparse_operand_sizes(const Conv2DSparseParams& p, OperandSizes* s) {
  const Conv2DParams& c = p.conv;
  if (!conv2d_operand_sizes(c, 1, false, s) || c.k_h != 1 || c.k_w != 1 ||
      c.filter_in_c != c.in_c || c.pad_h != 0 || c.pad_w != 0 ||
      (p.block != 1 && p.block != kSparseBlock) || c.in_c % p.block != 0 || p.nonzeros < 1 ||
      static_cast<int64_t>(p.nonzeros) > static_cast<int64_t>(sparse_units(p)) * c.out_c) {
    return false;
  }
  const int32_t count_dims[2] = {c.out_c, sparse_windows(sparse_units(p))};
  const int32_t weight_dims[2] = {p.nonzeros, p.block};
  s->inputs[5] = s->inputs[3];
  s->inputs[4] = s->inputs[2];
  s->inputs[1] = operand_bytes(2, count_dims, 2);
  s->inputs[2] = operand_bytes(1, &p.nonzeros, 1);
  s->inputs[3] = operand_bytes(1, weight_dims, 2);
  s->num_inputs = 6;
  return s->inputs[1] != 0 && s->inputs[2] != 0 && s->inputs[3] != 0;
}

// `entry_bytes`: 16 (ArmDspRequant, ArmMveRequant) or 8 (the Arm DSP compact
// variant's entries, the size of the reference kernel's table).
inline bool conv2d_sparse_variant_operand_sizes(
    const Conv2DSparseParams& p, OperandSizes* s,
    uint32_t entry_bytes = sizeof(fp::PreparedRequant)) {
  if (!conv2d_sparse_operand_sizes(p, s)) return false;
  s->inputs[5] = static_cast<uint32_t>(p.conv.out_c) * entry_bytes;
  return true;
}

template <>
inline constexpr bool kChecksConstants<Conv2DSparseParams> = true;

// The check of the counts and offsets (inputs[1] and [2], null unless the
// blob stores them as constants), after their sizes have been checked.
inline bool constants_ok(const Conv2DSparseParams& p, const void* const* inputs) {
  const uint16_t* counts = static_cast<const uint16_t*>(inputs[1]);
  const uint8_t* offsets = static_cast<const uint8_t*>(inputs[2]);
  if (counts == nullptr || offsets == nullptr) return false;
  const int32_t units = sparse_units(p);
  const int32_t windows = sparse_windows(units);
  int64_t next = 0;
  for (int32_t oc = 0; oc < p.conv.out_c; ++oc) {
    for (int32_t w = 0; w < windows; ++w) {
      const int32_t first = w * kSparseWindow;
      const int32_t length = units - first < kSparseWindow ? units - first : kSparseWindow;
      const int32_t n = *counts++;
      if (n > length || next + n > p.nonzeros) return false;
      for (int32_t i = 0; i < n; ++i) {
        if (offsets[next + i] >= length) return false;
      }
      next += n;
    }
  }
  return next == p.nonzeros;
}

}  // namespace kiln

#endif  // KILN_OPS_CONV2D_SPARSE_H
