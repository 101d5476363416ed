// Copies chosen by index tensors: GATHER (slices along one axis, also
// EMBEDDING_LOOKUP and the nearest-neighbour resize) and GATHER_ND (slices
// addressed by leading-dim index tuples). Indices come from an operand, so
// they are checked as the kernel runs: an index outside the input gives a
// zero slice (TFLite Micro fails the invoke).
#ifndef KILN_OPS_GATHER_H
#define KILN_OPS_GATHER_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

// GATHER: operands input [outer, axis_size, inner], indices [count]; output
// [outer, count, inner]: output[o, i, :] = input[o, indices[i], :].
struct GatherParams {
  int32_t outer, axis_size, count;
  int32_t inner_bytes;  // bytes of one slice after the axis
  int32_t index_size;   // 4 (int32 indices) or 8 (int64)
};

inline bool gather_operand_sizes(const GatherParams& p, OperandSizes* s) {
  if ((p.index_size != 4 && p.index_size != 8) || p.outer < 1 || p.axis_size < 1 || p.count < 1 ||
      p.inner_bytes < 1)
    return false;
  // Products of two factors below 2^31 fit 64 bits; each is bounded before
  // the third factor.
  const uint64_t slice = static_cast<uint64_t>(p.inner_bytes);
  const uint64_t in_slices = static_cast<uint64_t>(p.outer) * static_cast<uint64_t>(p.axis_size);
  const uint64_t out_slices = static_cast<uint64_t>(p.outer) * static_cast<uint64_t>(p.count);
  if (in_slices > kMaxOperandBytes || out_slices > kMaxOperandBytes) return false;
  const uint64_t in = in_slices * slice, out = out_slices * slice;
  const uint64_t idx = static_cast<uint64_t>(p.count) * static_cast<uint64_t>(p.index_size);
  if (in > kMaxOperandBytes || out > kMaxOperandBytes || idx > kMaxOperandBytes) return false;
  s->inputs[0] = static_cast<uint32_t>(in);
  s->inputs[1] = static_cast<uint32_t>(idx);
  s->outputs[0] = static_cast<uint32_t>(out);
  s->num_inputs = 2;
  s->num_outputs = 1;
  return true;
}

constexpr int kMaxGatherNdDepth = 6;

// GATHER_ND: operands input [dims[0], .., dims[depth-1], slice], indices
// [count, depth]; output [count, slice]: slice i is the input's at the index
// tuple indices[i].
struct GatherNdParams {
  int32_t count, depth;
  int32_t dims[kMaxGatherNdDepth];  // the input's leading dims the tuples index
  int32_t slice_bytes;
  int32_t index_size;  // 4 or 8
};

inline bool gather_nd_operand_sizes(const GatherNdParams& p, OperandSizes* s) {
  // count: the indices' leading dims flattened, bounded by the bytes below
  if ((p.index_size != 4 && p.index_size != 8) || p.depth < 1 || p.depth > kMaxGatherNdDepth ||
      p.count < 1 || p.slice_bytes < 1)
    return false;
  uint64_t slices = 1;
  for (int d = 0; d < p.depth; ++d) {
    if (!dim_ok(p.dims[d])) return false;
    slices *= static_cast<uint64_t>(p.dims[d]);
    if (slices > kMaxOperandBytes) return false;
  }
  const uint64_t in = slices * static_cast<uint64_t>(p.slice_bytes);
  const uint64_t out = static_cast<uint64_t>(p.count) * static_cast<uint64_t>(p.slice_bytes);
  const uint64_t idx = static_cast<uint64_t>(p.count) * p.depth * p.index_size;
  if (in > kMaxOperandBytes || out > kMaxOperandBytes || idx > kMaxOperandBytes) return false;
  s->inputs[0] = static_cast<uint32_t>(in);
  s->inputs[1] = static_cast<uint32_t>(idx);
  s->outputs[0] = static_cast<uint32_t>(out);
  s->num_inputs = 2;
  s->num_outputs = 1;
  return true;
}

}  // namespace kiln

#endif  // KILN_OPS_GATHER_H
