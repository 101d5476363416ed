// ADD_N (element-wise sum of up to kMaxOperands tensors) and CUMSUM (running
// sums along one axis). int8 as TFLite: every input in one quantization, its
// values less the zero point summed at 2^19 times their scale (one extra
// minus zero point to start, as TFLite's accumulator starts there), the sum
// rescaled once to the output.
#ifndef KILN_OPS_SUMS_H
#define KILN_OPS_SUMS_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct SumQuantization {
  int32_t input_offset, output_offset;  // -input zero point, output zero point
  int32_t output_multiplier, output_shift;
};

inline bool sum_quantization_ok(const SumQuantization& q) {
  return offset_ok(q.input_offset) && offset_ok(q.output_offset) && shift_ok(q.output_shift);
}

// Operands: num_inputs inputs of `size` elements; output.
struct AddNParams {
  int32_t size, num_inputs;
  SumQuantization q;
};

inline bool add_n_operand_sizes(const AddNParams& p, uint32_t element_size, OperandSizes* s) {
  if (p.num_inputs < 1 || p.num_inputs > kMaxOperands || !sum_quantization_ok(p.q)) return false;
  for (int i = 0; i < p.num_inputs; ++i) s->inputs[i] = flat_bytes(element_size, p.size);
  s->outputs[0] = flat_bytes(element_size, p.size);
  s->num_inputs = p.num_inputs;
  s->num_outputs = 1;
  return s->outputs[0] != 0;
}

// Operands: input; output, both outer x length x inner with the sums along
// `length`. exclusive: each output leaves its own element out; reverse: the
// sums run from the end.
struct CumsumParams {
  int32_t outer, length, inner;
  int32_t exclusive, reverse;
  SumQuantization q;
};

inline bool cumsum_operand_sizes(const CumsumParams& p, uint32_t element_size, OperandSizes* s) {
  if (!sum_quantization_ok(p.q) || !dim_ok(p.length)) return false;
  const int32_t dims[3] = {p.outer, p.length, p.inner};  // outer and inner: flattened dims
  s->inputs[0] = s->outputs[0] = block_bytes(element_size, dims, 3);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

}  // namespace kiln

#endif  // KILN_OPS_SUMS_H
