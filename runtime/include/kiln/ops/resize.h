// RESIZE_BILINEAR over NHWC. Operands: input, the row table, the column
// table; output. Each table holds, per output row (column), three int32s:
// the lower and upper input row and the weight of the upper one — float
// bits for float32, a fraction of 1024 for int8 — computed at compile time
// as TFLite computes them (align_corners, half_pixel_centers).
#ifndef KILN_OPS_RESIZE_H
#define KILN_OPS_RESIZE_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct ResizeBilinearParams {
  int32_t batches, in_h, in_w, channels;
  int32_t out_h, out_w;
};

inline constexpr int32_t kResizeTableFields = 3;

inline bool resize_bilinear_operand_sizes(const ResizeBilinearParams& p, uint32_t element_size,
                                          OperandSizes* s) {
  const int32_t in_dims[4] = {p.batches, p.in_h, p.in_w, p.channels};
  const int32_t out_dims[4] = {p.batches, p.out_h, p.out_w, p.channels};
  const int32_t rows[2] = {p.out_h, kResizeTableFields};
  const int32_t columns[2] = {p.out_w, kResizeTableFields};
  s->inputs[0] = operand_bytes(element_size, in_dims, 4);
  s->inputs[1] = operand_bytes(4, rows, 2);
  s->inputs[2] = operand_bytes(4, columns, 2);
  s->outputs[0] = operand_bytes(element_size, out_dims, 4);
  s->num_inputs = 3;
  s->num_outputs = 1;
  return s->inputs[0] && s->inputs[1] && s->inputs[2] && s->outputs[0];
}

}  // namespace kiln

#endif  // KILN_OPS_RESIZE_H
