// UNIDIRECTIONAL_SEQUENCE_LSTM (kiln/ops/lstm.h) as TFLite Micro prepares
// it: the eight weight matrices and four biases packed into one constant
// each, every rescale derived here. Its hidden and cell states are the
// persistent tensors of inputs 18 and 19, updated in place by the kernel.
#include <fmt/format.h>

#include <cmath>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// TFLite's operand indices.
constexpr size_t kInputToGateWeights = 1;      // 1..4: input, forget, cell, output
constexpr size_t kRecurrentToGateWeights = 5;  // 5..8
constexpr size_t kGateBiases = 12;             // 12..15
constexpr size_t kHiddenState = 18, kCellState = 19;
constexpr size_t kOperands = 24;

// Gate sums are Q3.12, gate outputs Q0.15.
constexpr float kGateInputScale = 1.0f / 4096;
constexpr float kGateOutputScale = 1.0f / 32768;

std::vector<uint8_t> concatenated(LowerContext& ctx, const ir::Op& op, size_t first, size_t count) {
  std::vector<uint8_t> bytes;
  for (size_t i = first; i < first + count; ++i) {
    const ir::Tensor& t = ctx.input(op, i);
    bytes.insert(bytes.end(), t.data.begin(), t.data.end());
  }
  return bytes;
}

void lower_sequence_lstm(LowerContext& ctx, const ir::Op& op) {
  if (op.inputs.size() != kOperands)
    ctx.invalid(op, fmt::format("has {} operands, not TFLite's 24", op.inputs.size()));
  for (size_t i : {9, 10, 11, 16, 17, 20, 21, 22, 23}) {
    if (ctx.has_input(op, i)) {
      ctx.unsupported(op, "peephole, projection and layer-norm LSTMs are not supported");
    }
  }
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const ir::Tensor& hidden = ctx.input(op, kHiddenState);
  const ir::Tensor& cell = ctx.input(op, kCellState);
  require_rank(ctx, op, in, 3, "input");
  require_rank(ctx, op, hidden, 2, "hidden state");
  if (!hidden.persistent || !cell.persistent)
    ctx.invalid(op, "the hidden and cell states must be variable tensors");
  LstmParams p{};
  p.time_major = op.attrs.time_major ? 1 : 0;
  p.time_steps = in.shape[op.attrs.time_major ? 0 : 1];
  p.batches = in.shape[op.attrs.time_major ? 1 : 0];
  p.input_size = in.shape[2];
  p.units = hidden.shape[1];
  const std::vector<int32_t> out_shape = {in.shape[0], in.shape[1], p.units};
  if (out.shape != out_shape || hidden.shape[0] != p.batches || cell.shape != hidden.shape) {
    ctx.invalid(op, fmt::format("input {}, hidden state {}, cell state {} and output {} disagree",
                                ir::shape_string(in.shape), ir::shape_string(hidden.shape),
                                ir::shape_string(cell.shape), ir::shape_string(out.shape)));
  }
  for (size_t g = 0; g < 4; ++g) {
    const ir::Tensor& wx = ctx.input(op, kInputToGateWeights + g);
    const ir::Tensor& wh = ctx.input(op, kRecurrentToGateWeights + g);
    const ir::Tensor& bias = ctx.input(op, kGateBiases + g);
    if (!wx.constant || !wh.constant || !bias.constant)
      ctx.unsupported(op, "weights and biases must be constants");
    if (wx.shape != std::vector<int32_t>{p.units, p.input_size} ||
        wh.shape != std::vector<int32_t>{p.units, p.units} || bias.elements() != p.units) {
      ctx.invalid(op, fmt::format("gate {} weights {} / {} or bias {} do not fit {} units of {} "
                                  "inputs",
                                  g, ir::shape_string(wx.shape), ir::shape_string(wh.shape),
                                  ir::shape_string(bias.shape), p.units, p.input_size));
    }
    if (wx.quant.per_channel() || wh.quant.per_channel())
      ctx.unsupported(op, "per-channel LSTM weights are not supported");
  }
  const int weights =
      ctx.add_constant(out.name + "/lstm_weights", ctx.input(op, 1).dtype, {8}, [&] {
        std::vector<uint8_t> w = concatenated(ctx, op, kInputToGateWeights, 4);
        const std::vector<uint8_t> r = concatenated(ctx, op, kRecurrentToGateWeights, 4);
        w.insert(w.end(), r.begin(), r.end());
        return w;
      }());
  const int biases = ctx.add_constant(out.name + "/lstm_biases", ctx.input(op, kGateBiases).dtype,
                                      {4}, concatenated(ctx, op, kGateBiases, 4));
  const int scratch = ctx.add_scratch(out.name + "/lstm_gates", cell.dtype,
                                      {kLstmScratchBuffers, p.batches, p.units});
  const std::vector<int> outputs = {op.outputs[0], op.inputs[kHiddenState], op.inputs[kCellState],
                                    scratch};

  if (in.dtype == KILN_DTYPE_FLOAT32) {
    if (out.dtype != in.dtype || hidden.dtype != in.dtype || cell.dtype != in.dtype ||
        ctx.input(op, 1).dtype != in.dtype || ctx.input(op, kGateBiases).dtype != in.dtype)
      ctx.unsupported(op, "a float LSTM needs float weights, biases and states");
    p.cell_clip = op.attrs.cell_clip;
    ctx.emit(op, OpCode::LSTM_F32, p, {op.inputs[0], weights, biases, -1}, outputs);
    return;
  }

  const bool int16 = in.dtype == KILN_DTYPE_INT16;
  const kiln_dtype bias_type = int16 ? KILN_DTYPE_INT64 : KILN_DTYPE_INT32;
  if ((in.dtype != KILN_DTYPE_INT8 && !int16) || out.dtype != in.dtype ||
      hidden.dtype != in.dtype || cell.dtype != KILN_DTYPE_INT16 ||
      ctx.input(op, 1).dtype != KILN_DTYPE_INT8 || ctx.input(op, kGateBiases).dtype != bias_type) {
    ctx.unsupported(op,
                    "an integer LSTM needs int8 or int16 data with int8 weights, int32 "
                    "(int16 data: int64) biases and an int16 cell state");
  }
  for (size_t i = 1; i < 9; ++i) {
    if (ctx.input(op, i).dtype != KILN_DTYPE_INT8) ctx.unsupported(op, "mixed weight types");
  }
  for (size_t i = kGateBiases; i < kGateBiases + 4; ++i) {
    if (ctx.input(op, i).dtype != bias_type) ctx.unsupported(op, "mixed bias types");
  }
  // Every rescale as TFLite Micro derives it: FC multipliers from the
  // product of the scales in float, the products' in double.
  const float in_scale = in.quant.scale(), hidden_scale = hidden.quant.scale();
  for (size_t g = 0; g < 4; ++g) {
    const float wx = ctx.input(op, kInputToGateWeights + g).quant.scale();
    const float wh = ctx.input(op, kRecurrentToGateWeights + g).quant.scale();
    const QuantizedMultiplier x = quantize_multiplier(static_cast<double>(in_scale * wx) /
                                                      static_cast<double>(kGateInputScale));
    const QuantizedMultiplier h = quantize_multiplier(static_cast<double>(hidden_scale * wh) /
                                                      static_cast<double>(kGateInputScale));
    p.gates[g] = {x.multiplier, x.shift, h.multiplier, h.shift};
  }
  const double out_gate = kGateOutputScale, cell_scale = cell.quant.scale();
  const QuantizedMultiplier forget = quantize_multiplier(out_gate * cell_scale / cell_scale);
  const QuantizedMultiplier input = quantize_multiplier(out_gate * out_gate / cell_scale);
  const QuantizedMultiplier hide =
      quantize_multiplier(out_gate * out_gate / static_cast<double>(hidden_scale));
  p.forget_multiplier = forget.multiplier;
  p.forget_shift = forget.shift;
  p.input_multiplier = input.multiplier;
  p.input_shift = input.shift;
  p.hidden_multiplier = hide.multiplier;
  p.hidden_shift = hide.shift;
  p.input_offset = -in.quant.zero_point();
  p.hidden_offset = -hidden.quant.zero_point();
  p.hidden_zero_point = hidden.quant.zero_point();
  // tanh(c): the cell state 2^power rescaled to the table's 1/(3 x 4096).
  // TFLite Micro takes the rounded exponent whether or not it is exact.
  int power = 0;
  checked_log2(cell.quant.scale(), &power);
  const int shift = 12 + power;
  if (shift > 13) {
    ctx.unsupported(op, fmt::format("cell state scale {} is too coarse", cell.quant.scale()));
  }
  p.cell_tanh_multiplier = shift < 0 ? 3 : 3 << shift;
  p.cell_tanh_shift = shift < 0 ? -shift : 0;
  if (op.attrs.cell_clip > 0.0f) {
    const double clip = std::trunc(std::min(
        32767.0, std::max(-32768.0, static_cast<double>(op.attrs.cell_clip) / cell_scale)));
    p.quantized_cell_clip = static_cast<int32_t>(clip);
  }
  const int table_tensor = add_sigmoid_table(ctx, out.name + "/sigmoid_table");
  ctx.emit(op, choose_variant(ctx.target(), int16 ? OpCode::LSTM_S16 : OpCode::LSTM_S8, p), p,
           {op.inputs[0], weights, biases, table_tensor}, outputs);
}

int64_t sequence_lstm_macs(const ir::Graph& g, const ir::Op& op) {
  if (op.inputs.size() != kOperands || op.inputs[kHiddenState] < 0) return 0;
  const ir::Tensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& hidden = g.tensors[static_cast<size_t>(op.inputs[kHiddenState])];
  if (in.shape.size() != 3 || hidden.shape.size() != 2) return 0;
  const int64_t units = hidden.shape[1];
  return int64_t{in.shape[0]} * in.shape[1] * 4 * units * (in.shape[2] + units);
}

void read_sequence_lstm(tflite_format::OperatorReader& r) {
  const auto& o = r.options<tflite::UnidirectionalSequenceLSTMOptions>();
  // TFLite Micro applies the fused activation to the cell gate only, and
  // takes tanh alone there.
  if (o.fused_activation_function() != tflite::ActivationFunctionType_TANH) {
    r.unsupported(
        fmt::format("has fused activation {}; kiln's LSTM gates take TANH",
                    tflite::EnumNameActivationFunctionType(o.fused_activation_function())));
  }
  if (o.cell_clip() < 0.0f) r.bad(fmt::format("has a negative cell clip {}", o.cell_clip()));
  r.attrs().time_major = o.time_major();
  r.attrs().cell_clip = o.cell_clip();
}

tflite_format::WrittenOptions write_sequence_lstm(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateUnidirectionalSequenceLSTMOptions(
      w.builder(), tflite::ActivationFunctionType_TANH, w.attrs().cell_clip, 0.0f,
      w.attrs().time_major));
}

}  // namespace

const OpRecord kSequenceLstmRecord = {
    ir::OpKind::kSequenceLstm, OpTraits(),
    TfliteForm(tflite::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM)
        .reads(read_sequence_lstm)
        .writes(write_sequence_lstm),
    lower_sequence_lstm, sequence_lstm_macs};

}  // namespace kiln
