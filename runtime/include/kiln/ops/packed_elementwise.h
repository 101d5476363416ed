// The fast (ISA-specific) int8 ADD: TFLite's integer ADD without
// broadcasting, each of its three rescales prepared on the host
// (fp::PreparedRequant), so the device spends no instruction on range checks
// or shift splitting. Operands: input1, input2 (int8 [size]); output. The
// Arm DSP and Helium variants also read a rescale table (AddRescaleTable,
// which ArmDspAddTable begins with): an input has only 256 values, so the
// host shifts and rescales each of them once, and an element costs two table
// loads and an add before the output's rescale.
#ifndef KILN_OPS_PACKED_ELEMENTWISE_H
#define KILN_OPS_PACKED_ELEMENTWISE_H

#include "kiln/fixed_point.h"
#include "kiln/ops/operand_sizes.h"
#include "kiln/ops/packed_conv2d.h"

namespace kiln {

struct PackedAddParams {
  int32_t size;
  int32_t input1_offset, input2_offset, output_offset;  // -zero points; the output's zero point
  int32_t left_shift;                                   // inputs << left_shift before their rescale
  fp::PreparedRequant input1, input2, output;
  int32_t act_min, act_max;
};

inline bool packed_add_operand_sizes(const PackedAddParams& p, OperandSizes* s) {
  if (p.left_shift < 0 || p.left_shift > 20 || p.act_min > p.act_max ||
      !offset_ok(p.input1_offset) || !offset_ok(p.input2_offset) || !offset_ok(p.output_offset)) {
    return false;
  }
  s->inputs[0] = s->inputs[1] = s->outputs[0] = flat_bytes(1, p.size);
  s->num_inputs = 2;
  s->num_outputs = 1;
  return s->inputs[0] != 0;
}

struct AddRescaleTable {
  int32_t rescaled[2][256];  // [input][its byte, as uint8]: the input shifted and rescaled
};
// One element's sum before the output's rescale, as the reference forms it.
inline int32_t rescaled_sum(const AddRescaleTable& t, uint8_t a, uint8_t b) {
  return fp::wrapping_add(t.rescaled[0][a], t.rescaled[1][b]);
}
struct ArmDspAddTable {
  AddRescaleTable inputs;
  ArmDspRequant output;
};

// Operand sizes of a variant that reads its rescale table (of Table) as
// input 2.
template <typename Table>
inline bool rescaled_add_operand_sizes(const PackedAddParams& p, OperandSizes* s) {
  if (!packed_add_operand_sizes(p, s)) return false;
  s->inputs[2] = sizeof(Table);
  s->num_inputs = 3;
  return true;
}

}  // namespace kiln

#endif  // KILN_OPS_PACKED_ELEMENTWISE_H
