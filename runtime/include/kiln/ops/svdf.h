// SVDF: a rank-factored fully connected layer over time. Each invocation
// shifts every filter's memory of the last `memory` feature values left by
// one, appends the new feature (weights_feature x input), and outputs, per
// unit, bias + the sum over its `rank` filters of memory . weights_time.
// Operands: input [batches, input_size], weights_feature [filters,
// input_size], weights_time [filters, memory], bias [units] (optional);
// outputs: output [batches, units], the state [batches, filters * memory]
// (persistent: read and updated in place), scratch (4-byte words:
// batches x filters, then batches x units).
#ifndef KILN_OPS_SVDF_H
#define KILN_OPS_SVDF_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct SvdfParams {
  int32_t batches, input_size, units, rank, memory;  // filters = units x rank
  int32_t has_bias;
  // int8 input and output, int16 state and time weights, int32 bias:
  // features are rescaled into the state's quantization, the unit sums into
  // the output's. TFLite Micro ignores a fused activation here.
  int32_t input_offset;  // minus the input's zero point
  int32_t state_zero_point, output_zero_point;
  int32_t feature_multiplier, feature_shift;
  int32_t output_multiplier, output_shift;
  float act_min_f, act_max_f;  // float: the fused activation
};

inline bool svdf_operand_sizes(const SvdfParams& p, uint32_t data_size, uint32_t weights_size,
                               uint32_t time_size, OperandSizes* s) {
  if (!dim_ok(p.units) || !dim_ok(p.rank) || !dim_ok(p.memory) ||
      int64_t{p.units} * p.rank > kMaxDim || !shift_ok(p.feature_shift) ||
      !shift_ok(p.output_shift) || !offset_ok(p.input_offset) || !offset_ok(p.output_zero_point) ||
      p.state_zero_point < -32768 || p.state_zero_point > 32767 || !(p.act_min_f <= p.act_max_f)) {
    return false;
  }
  const int32_t filters = p.units * p.rank;
  const int32_t in[] = {p.batches, p.input_size}, features[] = {filters, p.input_size},
                time[] = {filters, p.memory}, out[] = {p.batches, p.units},
                state[] = {p.batches, filters, p.memory},
                scratch[] = {p.batches, filters + p.units};
  s->inputs[0] = operand_bytes(data_size, in, 2);
  s->inputs[1] = operand_bytes(weights_size, features, 2);
  s->inputs[2] = operand_bytes(time_size, time, 2);
  s->inputs[3] = p.has_bias ? operand_bytes(4, &p.units, 1) : 0;
  s->outputs[0] = operand_bytes(data_size, out, 2);
  s->outputs[1] = operand_bytes(time_size, state, 3);
  s->outputs[2] = operand_bytes(4, scratch, 2);
  s->num_inputs = 4;
  s->num_outputs = 3;
  return s->inputs[0] && s->inputs[1] && s->inputs[2] && s->outputs[0] && s->outputs[1] &&
         s->outputs[2] && (!p.has_bias || s->inputs[3]);
}

}  // namespace kiln

#endif  // KILN_OPS_SVDF_H
