// Ops that move bytes without arithmetic, for any element type:
// RESHAPE (a copy when the planner could not alias it), PAD, CONCATENATION
// and TRANSPOSE.
#ifndef KILN_OPS_DATA_MOVEMENT_H
#define KILN_OPS_DATA_MOVEMENT_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

// RESHAPE: operands input; output.
struct CopyParams {
  int32_t bytes;
};

inline bool copy_operand_sizes(const CopyParams& p, OperandSizes* s) {
  s->inputs[0] = s->outputs[0] = operand_bytes(1, &p.bytes, 1);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

constexpr int kMaxPadRank = 4;

// PAD: operands input; output. Dims right-aligned to kMaxPadRank.
struct PadParams {
  int32_t in_dims[kMaxPadRank];
  int32_t before[kMaxPadRank], after[kMaxPadRank];
  int32_t element_size;     // 1, 2 or 4
  uint32_t pad_value_bits;  // low element_size bytes are the fill element
};

inline bool pad_operand_sizes(const PadParams& p, OperandSizes* s) {
  if (p.element_size != 1 && p.element_size != 2 && p.element_size != 4) return false;
  int32_t out_dims[kMaxPadRank];
  for (int i = 0; i < kMaxPadRank; ++i) {
    if (!pad_ok(p.before[i]) || !pad_ok(p.after[i])) return false;
    out_dims[i] = p.in_dims[i] + p.before[i] + p.after[i];
  }
  s->inputs[0] = operand_bytes(static_cast<uint32_t>(p.element_size), p.in_dims, kMaxPadRank);
  s->outputs[0] = operand_bytes(static_cast<uint32_t>(p.element_size), out_dims, kMaxPadRank);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] && s->outputs[0];
}

// CONCATENATION: operands num_inputs inputs; output. Viewed as
// [outer, axis_bytes_i] blocks: output row = input rows side by side.
struct ConcatParams {
  int32_t num_inputs;
  int32_t outer;
  int32_t inner_bytes[kMaxOperands];  // bytes of one row of each input
};

inline bool concat_operand_sizes(const ConcatParams& p, OperandSizes* s) {
  if (p.num_inputs < 1 || p.num_inputs > kMaxOperands) return false;
  int64_t row = 0;
  for (int i = 0; i < p.num_inputs; ++i) {
    const int32_t dims[2] = {p.outer, p.inner_bytes[i]};
    s->inputs[i] = operand_bytes(1, dims, 2);
    if (!s->inputs[i]) return false;
    row += p.inner_bytes[i];
  }
  if (row > kMaxDim * int64_t{kMaxDim}) return false;
  const uint64_t out = static_cast<uint64_t>(row) * static_cast<uint64_t>(p.outer);
  if (out > kMaxOperandBytes) return false;
  s->outputs[0] = static_cast<uint32_t>(out);
  s->num_inputs = p.num_inputs;
  s->num_outputs = 1;
  return true;
}

constexpr int kMaxTransposeRank = 6;

// TRANSPOSE: operands input; output. Output dim i is input dim perm[i]; dims
// right-aligned to kMaxTransposeRank (leading dims 1, perm[i] = i there).
struct TransposeParams {
  int32_t in_dims[kMaxTransposeRank];
  int32_t perm[kMaxTransposeRank];
  int32_t element_size;  // 1, 2, 4 or 8
};

inline bool transpose_operand_sizes(const TransposeParams& p, OperandSizes* s) {
  if (p.element_size != 1 && p.element_size != 2 && p.element_size != 4 && p.element_size != 8)
    return false;
  bool seen[kMaxTransposeRank] = {false, false, false, false, false, false};
  for (int i = 0; i < kMaxTransposeRank; ++i) {
    if (p.perm[i] < 0 || p.perm[i] >= kMaxTransposeRank || seen[p.perm[i]]) return false;
    seen[p.perm[i]] = true;
  }
  s->inputs[0] = s->outputs[0] =
      operand_bytes(static_cast<uint32_t>(p.element_size), p.in_dims, kMaxTransposeRank);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

namespace ref {
void copy(const void* params, const void* const* inputs, void* const* outputs);
void pad(const void* params, const void* const* inputs, void* const* outputs);
void concatenation(const void* params, const void* const* inputs, void* const* outputs);
void transpose(const void* params, const void* const* inputs, void* const* outputs);
}  // namespace ref

}  // namespace kiln

#endif  // KILN_OPS_DATA_MOVEMENT_H
