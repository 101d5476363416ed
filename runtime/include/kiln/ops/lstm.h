// UNIDIRECTIONAL_SEQUENCE_LSTM (TFLite Micro's kernel: four gates, no
// peephole, projection or layer norm). Per time step, each gate is
// FC(x, W_x) + bias + FC(h, W_h) through its nonlinearity (sigmoid; the cell
// gate tanh); c = f * c + i * g (clipped if asked); h = o * tanh(c), copied
// to the output at the step. h and c persist between invocations.
//
// Operands: input ([T, B, I] time major, else [B, T, I]); weights (the eight
// matrices in TFLite's operand order: input-to-{input, forget, cell, output}
// [S, I], then recurrent-to-{...} [S, S]); biases ({input, forget, cell,
// output} [S]); integer kernels: the sigmoid table (256 uint16). Outputs:
// output (the input's layout with S for I); hidden state [B, S] and cell
// state [B, S] (persistent, updated in place); scratch (5 x B x S cells).
//
// Integer kernels (int8 or int16 data, int8 weights, int32 or int64 biases,
// int16 cell state 2^cell_scale_power): gate sums rescale to Q3.12, gates
// come out Q0.15, products rescale with TFLite's Mul.
#ifndef KILN_OPS_LSTM_H
#define KILN_OPS_LSTM_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

enum LstmGate { kLstmInputGate = 0, kLstmForgetGate = 1, kLstmCellGate = 2, kLstmOutputGate = 3 };

struct LstmGateRescale {
  int32_t input_multiplier, input_shift;          // FC(x, W_x) + bias to Q3.12
  int32_t recurrent_multiplier, recurrent_shift;  // FC(h, W_h) to Q3.12
};

struct LstmParams {
  int32_t time_steps, batches, input_size, units;
  int32_t time_major;
  int32_t input_offset, hidden_offset;      // minus the zero points
  LstmGateRescale gates[4];                 // by LstmGate
  int32_t forget_multiplier, forget_shift;  // f x c to the cell's scale
  int32_t input_multiplier, input_shift;    // i x g to the cell's scale
  int32_t hidden_multiplier, hidden_shift;  // o x tanh(c) to the hidden state's
  int32_t hidden_zero_point;
  // tanh(c): c times cell_tanh_multiplier, rounding right shift by
  // cell_tanh_shift, is in the sigmoid table's steps of 1/(3 x 4096).
  int32_t cell_tanh_multiplier, cell_tanh_shift;
  int32_t quantized_cell_clip;  // 0: none
  float cell_clip;              // float kernel; 0: none
};

inline constexpr int kLstmScratchBuffers = 5;

inline bool lstm_operand_sizes(const LstmParams& p, uint32_t data_size, uint32_t weight_size,
                               uint32_t bias_size, uint32_t cell_size, bool table,
                               OperandSizes* s) {
  if (!dim_ok(p.time_steps) || !dim_ok(p.batches) || !dim_ok(p.input_size) || !dim_ok(p.units) ||
      !offset_ok(p.input_offset) || !offset_ok(p.hidden_offset) || p.hidden_zero_point < -32768 ||
      p.hidden_zero_point > 32767 || p.cell_tanh_multiplier < 0 ||
      p.cell_tanh_multiplier > (3 << 13) || p.cell_tanh_shift < 0 || p.cell_tanh_shift > 30 ||
      p.quantized_cell_clip < 0 || p.quantized_cell_clip > 32767 || !(p.cell_clip >= 0.0f)) {
    return false;
  }
  for (const LstmGateRescale& g : p.gates) {
    if (!shift_ok(g.input_shift) || !shift_ok(g.recurrent_shift)) return false;
  }
  if (!shift_ok(p.forget_shift) || !shift_ok(p.input_shift) || !shift_ok(p.hidden_shift))
    return false;
  const uint64_t steps = uint64_t{static_cast<uint32_t>(p.time_steps)} * p.batches;
  const uint64_t weights = 4 * (uint64_t{static_cast<uint32_t>(p.units)} * p.input_size +
                                uint64_t{static_cast<uint32_t>(p.units)} * p.units);
  const uint64_t bytes[] = {steps * p.input_size * data_size,
                            weights * weight_size,
                            4ull * p.units * bias_size,
                            steps * p.units * data_size,
                            uint64_t{static_cast<uint32_t>(p.batches)} * p.units * data_size,
                            uint64_t{static_cast<uint32_t>(p.batches)} * p.units * cell_size,
                            uint64_t{kLstmScratchBuffers} * p.batches * p.units * cell_size};
  for (uint64_t b : bytes) {
    if (b == 0 || b > kMaxOperandBytes) return false;
  }
  s->inputs[0] = static_cast<uint32_t>(bytes[0]);
  s->inputs[1] = static_cast<uint32_t>(bytes[1]);
  s->inputs[2] = static_cast<uint32_t>(bytes[2]);
  s->inputs[3] = table ? 512u : 0u;
  s->outputs[0] = static_cast<uint32_t>(bytes[3]);
  s->outputs[1] = static_cast<uint32_t>(bytes[4]);
  s->outputs[2] = static_cast<uint32_t>(bytes[5]);
  s->outputs[3] = static_cast<uint32_t>(bytes[6]);
  s->num_inputs = 4;
  s->num_outputs = 4;
  return true;
}

}  // namespace kiln

#endif  // KILN_OPS_LSTM_H
