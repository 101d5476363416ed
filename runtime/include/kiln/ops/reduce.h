// Reductions (MEAN, SUM, MAX, MIN) over any set of axes of a tensor of up to 6 dims, as
// TFLite Micro's reduce kernels compute them: the input is walked in
// row-major order, each element added to the sum of the output it reduces
// into. Operands: input, output (the kept dims), and an int32 scratch of one
// sum per output for the integer kernels.
#ifndef KILN_OPS_REDUCE_H
#define KILN_OPS_REDUCE_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

constexpr int kMaxReduceRank = 6;

struct ReduceParams {
  int32_t rank;
  int32_t dims[kMaxReduceRank];  // the input's
  uint32_t reduced;              // bit a: axis a is reduced
  // Integer mean and sum: sum - input_zero_point * count, times
  // multiplier * 2^shift (TFLM's input/output rescale, for a mean with
  // 1/count folded in), plus the output's zero point. MAX and MIN compare
  // stored values and ignore these.
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
};

// Elements of the output (the product of the kept dims) and elements reduced
// into each; both 0 if the params are out of range.
inline void reduce_counts(const ReduceParams& p, uint32_t* outputs, uint32_t* count) {
  *outputs = *count = 0;
  if (p.rank < 1 || p.rank > kMaxReduceRank || (p.reduced >> p.rank) != 0) return;
  uint64_t kept = 1, reduced = 1;
  for (int a = 0; a < p.rank; ++a) {
    if (!dim_ok(p.dims[a])) return;
    if ((p.reduced >> a) & 1u) {
      reduced *= static_cast<uint64_t>(p.dims[a]);
    } else {
      kept *= static_cast<uint64_t>(p.dims[a]);
    }
    if (kept * reduced > kMaxOperandBytes) return;
  }
  *outputs = static_cast<uint32_t>(kept);
  *count = static_cast<uint32_t>(reduced);
}

inline bool reduce_operand_sizes(const ReduceParams& p, uint32_t element_size, bool scratch,
                                 OperandSizes* s) {
  if (!shift_ok(p.shift) || p.input_zero_point < -32768 || p.input_zero_point > 32767 ||
      p.output_zero_point < -32768 || p.output_zero_point > 32767) {
    return false;
  }
  uint32_t outputs = 0, count = 0;
  reduce_counts(p, &outputs, &count);
  if (outputs == 0) return false;
  s->inputs[0] = static_cast<uint32_t>(uint64_t{outputs} * count * element_size);
  s->outputs[0] = outputs * element_size;
  s->num_inputs = 1;
  s->num_outputs = 1;
  if (scratch) {
    s->outputs[1] = outputs * 4;
    s->num_outputs = 2;
  }
  return true;
}

// ARG_MAX, ARG_MIN: operands input [outer, axis_size, inner]; output
// [outer, inner] of int32 or int64: the index of the first largest
// (smallest) value along the axis.
struct ArgParams {
  int32_t outer, axis_size, inner;
  int32_t output_size;  // 4 or 8
};

inline bool arg_operand_sizes(const ArgParams& p, uint32_t element_size, OperandSizes* s) {
  if ((p.output_size != 4 && p.output_size != 8) || !dim_ok(p.axis_size)) return false;
  const int32_t in_dims[3] = {p.outer, p.axis_size, p.inner};
  const int32_t out_dims[2] = {p.outer, p.inner};
  // outer and inner: flattened dims, bounded by the operand's bytes
  s->inputs[0] = block_bytes(element_size, in_dims, 3);
  s->outputs[0] = block_bytes(static_cast<uint32_t>(p.output_size), out_dims, 2);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] && s->outputs[0];
}

}  // namespace kiln

#endif  // KILN_OPS_REDUCE_H
