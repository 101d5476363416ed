// Ops that move bytes without arithmetic, for any element type:
// RESHAPE (a copy when the planner could not alias it), PAD, CONCATENATION,
// TRANSPOSE, and STRIDED_COPY, the view that slicing, reversing,
// broadcasting, splitting and space/depth/batch rearrangements lower to.
#ifndef KILN_OPS_DATA_MOVEMENT_H
#define KILN_OPS_DATA_MOVEMENT_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

// RESHAPE: operands input; output.
struct CopyParams {
  int32_t bytes;
};

inline bool copy_operand_sizes(const CopyParams& p, OperandSizes* s) {
  if (p.bytes < 1 || static_cast<uint64_t>(p.bytes) > kMaxOperandBytes) return false;
  s->inputs[0] = s->outputs[0] = static_cast<uint32_t>(p.bytes);
  s->num_inputs = s->num_outputs = 1;
  return true;
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
    // Rows and row bytes of any count: the kernel's offsets stay inside each input.
    const int32_t dims[2] = {p.outer, p.inner_bytes[i]};
    s->inputs[i] = block_bytes(1, dims, 2);
    if (!s->inputs[i]) return false;
    row += p.inner_bytes[i];
  }
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

constexpr int kMaxCopyRank = 6;

// STRIDED_COPY: operands input; output. Any view of the input's elements:
// output[i0, .., i5] = input[offset + i0 * strides[0] + .. + i5 * strides[5]],
// output dims right-aligned (leading dims 1); a stride may be zero
// (broadcast) or negative (reverse). Every element the view reaches lies in
// the input, which the operand check proves from the extremes.
struct StridedCopyParams {
  int32_t dims[kMaxCopyRank];     // the output's
  int32_t strides[kMaxCopyRank];  // in input elements
  int32_t offset;                 // input element of output element 0
  int32_t input_elements;
  int32_t element_size;  // 1, 2, 4 or 8
};

inline bool strided_copy_operand_sizes(const StridedCopyParams& p, OperandSizes* s) {
  if (p.element_size != 1 && p.element_size != 2 && p.element_size != 4 && p.element_size != 8)
    return false;
  if (p.input_elements < 1 || p.offset < 0 || p.offset >= p.input_elements) return false;
  // Dims of any count (a view merges whole runs of dims into one), their
  // product bounded first: then the dims' steps add up to at most 2^30, and
  // with int32 strides the reaches below stay under 2^61.
  s->outputs[0] = block_bytes(static_cast<uint32_t>(p.element_size), p.dims, kMaxCopyRank);
  if (!s->outputs[0]) return false;
  int64_t lowest = p.offset, highest = p.offset;
  for (int d = 0; d < kMaxCopyRank; ++d) {
    const int64_t reach = int64_t{p.dims[d] - 1} * p.strides[d];
    if (reach < 0)
      lowest += reach;
    else
      highest += reach;
  }
  if (lowest < 0 || highest >= p.input_elements) return false;
  const uint64_t in = uint64_t{static_cast<uint32_t>(p.input_elements)} * p.element_size;
  if (in > kMaxOperandBytes) return false;
  s->inputs[0] = static_cast<uint32_t>(in);
  s->num_inputs = s->num_outputs = 1;
  return true;
}

}  // namespace kiln

#endif  // KILN_OPS_DATA_MOVEMENT_H
