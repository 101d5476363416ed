// Ops whose indices or shapes are values of the program, read when they run:
// DYNAMIC_UPDATE_SLICE and BROADCAST_ARGS.
#ifndef KILN_OPS_DYNAMIC_H
#define KILN_OPS_DYNAMIC_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

inline constexpr int kMaxDynamicRank = 6;

// DYNAMIC_UPDATE_SLICE: the input with `update` written at the start
// indices, each clamped (as TFLite does) so that the update lies inside.
// Operands: input, update, start indices (rank values, int32 or int64);
// output. Dims right-aligned to kMaxDynamicRank, leading ones 1.
struct DynamicUpdateSliceParams {
  int32_t dims[kMaxDynamicRank];
  int32_t update_dims[kMaxDynamicRank];  // each at most dims
  int32_t rank;                          // of the start indices
  int32_t element_size, index_size;      // bytes: 1, 2, 4 or 8; 4 or 8
};

inline bool dynamic_update_slice_operand_sizes(const DynamicUpdateSliceParams& p, OperandSizes* s) {
  const bool element_ok =
      p.element_size == 1 || p.element_size == 2 || p.element_size == 4 || p.element_size == 8;
  if (!element_ok || (p.index_size != 4 && p.index_size != 8) || p.rank < 1 ||
      p.rank > kMaxDynamicRank) {
    return false;
  }
  for (int i = 0; i < kMaxDynamicRank; ++i) {
    if (p.update_dims[i] > p.dims[i] || (i < kMaxDynamicRank - p.rank && p.dims[i] != 1))
      return false;
  }
  const uint32_t size = static_cast<uint32_t>(p.element_size);
  s->inputs[0] = s->outputs[0] = operand_bytes(size, p.dims, kMaxDynamicRank);
  s->inputs[1] = operand_bytes(size, p.update_dims, kMaxDynamicRank);
  s->inputs[2] = static_cast<uint32_t>(p.rank * p.index_size);
  s->num_inputs = 3;
  s->num_outputs = 1;
  return s->inputs[0] && s->inputs[1];
}

// BROADCAST_ARGS: the shape two shapes broadcast to (right-aligned; a 1
// takes the other's dim). Operands: two shape vectors; output (max length).
// Shapes that do not broadcast, where TFLite fails, give the larger dim.
struct BroadcastArgsParams {
  int32_t length1, length2, output_length;
  int32_t element_size;  // 4 or 8
};

inline bool broadcast_args_operand_sizes(const BroadcastArgsParams& p, OperandSizes* s) {
  if ((p.element_size != 4 && p.element_size != 8) || p.length1 < 0 || p.length2 < 0 ||
      p.output_length != (p.length1 > p.length2 ? p.length1 : p.length2) || p.output_length < 1 ||
      p.output_length > kMaxDynamicRank * 16) {
    return false;
  }
  const uint32_t size = static_cast<uint32_t>(p.element_size);
  s->inputs[0] = static_cast<uint32_t>(p.length1) * size;
  s->inputs[1] = static_cast<uint32_t>(p.length2) * size;
  s->outputs[0] = static_cast<uint32_t>(p.output_length) * size;
  s->num_inputs = 2;
  s->num_outputs = 1;
  return true;
}

}  // namespace kiln

#endif  // KILN_OPS_DYNAMIC_H
