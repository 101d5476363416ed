// ONNX LSTM (forward, float) as kiln's UNIDIRECTIONAL_SEQUENCE_LSTM: the
// gate weights split from ONNX's i, o, f, c order into TFLite's four per
// kind (i, f, c, o), the input and recurrent biases summed. ONNX's states
// start over at every invocation: they are variables assigned their initial
// values (initial_h and initial_c, or zeros) before the sequence, and Y_h and
// Y_c read them after it.
#include <fmt/format.h>

#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

// TFLite's LSTM operands (compiler/ops/lstm.cc).
constexpr size_t kInputToGateWeights = 1, kRecurrentToGateWeights = 5, kGateBiases = 12;
constexpr size_t kHiddenState = 18, kCellState = 19, kOperands = 24;
// ONNX's gate blocks in W, R and B: i, o, f, c; TFLite's order of them.
constexpr int kOnnxBlockOfTfliteGate[4] = {0, 2, 3, 1};

// Rows [block * rows, (block + 1) * rows) of a [1, 4 * rows, cols] float constant.
std::vector<float> gate_block(const ir::Tensor& t, int block, int32_t rows, int32_t cols,
                              int64_t offset = 0) {
  const float* v = t.as<float>() + offset + int64_t{block} * rows * cols;
  return std::vector<float>(v, v + int64_t{rows} * cols);
}

// A persistent [batch, hidden] state assigned `initial` (a [1, batch, hidden]
// input) or zeros before the sequence.
int state(Node& n, size_t initial, const std::string& suffix, int32_t batch, int32_t hidden) {
  ir::Tensor s;
  s.name = n.output_name(0) + "/" + suffix;
  s.dtype = KILN_DTYPE_FLOAT32;
  s.shape = {batch, hidden};
  s.persistent = true;
  n.graph().tensors.push_back(s);
  const int variable = static_cast<int>(n.graph().tensors.size() - 1);
  int value;
  if (n.has_input(initial)) {
    if (n.input_tensor(initial).elements() != int64_t{batch} * hidden)
      n.invalid(fmt::format("initial {} state is {}, not {} x {}", suffix,
                            ir::shape_string(n.input_shape(initial)), batch, hidden));
    value = n.reshape(n.plain(n.input(initial)).tensor, {batch, hidden}, suffix + "_initial");
  } else {
    value = n.add_float_constant(suffix + "_zeros", {batch, hidden},
                                 std::vector<float>(static_cast<size_t>(batch * hidden), 0.0f));
  }
  n.emit(ir::OpKind::kAssignVariable, {variable, value}, {});
  return variable;
}

// Output `index` ([1, batch, hidden], or [batch, 1, hidden] in layout 1; the
// same elements) as the state's value after the sequence.
void read_state(Node& n, size_t index, int variable, int32_t batch, int32_t hidden,
                bool batch_major) {
  if (index >= n.num_outputs() || n.output_name(index).empty()) return;
  const int value =
      n.add_intermediate(fmt::format("state{}", index), KILN_DTYPE_FLOAT32, {batch, hidden});
  n.emit(ir::OpKind::kReadVariable, {variable}, {value});
  const Value out = n.define_output(
      index, KILN_DTYPE_FLOAT32,
      batch_major ? std::vector<int32_t>{batch, 1, hidden} : std::vector<int32_t>{1, batch, hidden},
      false);
  n.emit(ir::OpKind::kReshape, {value}, {out.tensor});
}

void convert_lstm(Node& n) {
  const std::string direction = n.attr_string("direction", "forward");
  if (direction != "forward")
    n.unsupported(fmt::format("direction '{}' (kiln's LSTM runs forward)", direction));
  if (n.attr_int("input_forget", 0) != 0) n.unsupported("input_forget (coupled gates)");
  if (n.has_attr("clip")) n.unsupported("clip (of the gates' inputs)");
  if (n.has_attr("activations") &&
      n.attr_strings("activations") != std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"})
    n.unsupported("activations other than Sigmoid, Tanh, Tanh");
  if (n.has_input(4)) n.unsupported("sequence_lens (every sequence is the input's length)");
  if (n.has_input(7)) n.unsupported("peepholes (P)");
  const bool batch_major = n.attr_int("layout", 0) != 0;
  const std::vector<int32_t> x_shape = n.input_shape(0);
  if (x_shape.size() != 3) n.invalid(fmt::format("X of shape {}", ir::shape_string(x_shape)));
  const int32_t steps = x_shape[batch_major ? 1 : 0], batch = x_shape[batch_major ? 0 : 1];
  const int32_t input_size = x_shape[2];
  const int64_t hidden_size = n.attr_int("hidden_size", 0);
  if (hidden_size < 1 || hidden_size > 65536)
    n.invalid(fmt::format("hidden_size {} (1 to 65536)", hidden_size));
  const auto hidden = static_cast<int32_t>(hidden_size);
  const auto units = static_cast<size_t>(hidden);
  const ir::Tensor w = n.constant_input(1, "W"), r = n.constant_input(2, "R");
  if (w.dtype != KILN_DTYPE_FLOAT32 || n.input_tensor(0).dtype != KILN_DTYPE_FLOAT32)
    n.unsupported("a quantized LSTM (float LSTMs import; kiln quantize makes int8 ones)");
  if (w.shape != std::vector<int32_t>{1, 4 * hidden, input_size} ||
      r.shape != std::vector<int32_t>{1, 4 * hidden, hidden}) {
    n.invalid(fmt::format("W {} and R {} for hidden_size {} and input size {}",
                          ir::shape_string(w.shape), ir::shape_string(r.shape), hidden,
                          input_size));
  }
  std::vector<float> biases(8 * units, 0.0f);
  if (n.has_input(3)) {
    biases = n.float_values(3, "B");
    if (biases.size() != 8 * units)
      n.invalid(fmt::format("B has {} values, not 8 x {}", biases.size(), hidden));
  }
  std::vector<int> operands(kOperands, -1);
  operands[0] = n.plain(n.input(0)).tensor;
  for (int gate = 0; gate < 4; ++gate) {
    const int block = kOnnxBlockOfTfliteGate[gate];
    const std::string name = std::string("ifco").substr(static_cast<size_t>(gate), 1);
    operands[kInputToGateWeights + gate] = n.add_float_constant(
        "input_to_" + name, {hidden, input_size}, gate_block(w, block, hidden, input_size));
    operands[kRecurrentToGateWeights + gate] = n.add_float_constant(
        "recurrent_to_" + name, {hidden, hidden}, gate_block(r, block, hidden, hidden));
    const auto b = static_cast<size_t>(block);
    std::vector<float> bias(units);
    for (size_t k = 0; k < units; ++k)
      bias[k] = biases[b * units + k] + biases[(4 + b) * units + k];
    operands[kGateBiases + gate] = n.add_float_constant(name + "_bias", {hidden}, bias);
  }
  operands[kHiddenState] = state(n, 5, "hidden", batch, hidden);
  operands[kCellState] = state(n, 6, "cell", batch, hidden);
  ir::OpAttrs attrs;
  attrs.time_major = !batch_major;
  const std::vector<int32_t> y_shape = batch_major ? std::vector<int32_t>{batch, steps, hidden}
                                                   : std::vector<int32_t>{steps, batch, hidden};
  const bool y_used = n.num_outputs() > 0 && !n.output_name(0).empty();
  const int y = n.add_intermediate("sequence", KILN_DTYPE_FLOAT32, y_shape);
  n.emit(ir::OpKind::kSequenceLstm, operands, {y}, attrs);
  // Y: [seq, 1, batch, hidden], or [batch, seq, 1, hidden] in layout 1.
  if (y_used) {
    const Value out = n.define_output(0, KILN_DTYPE_FLOAT32,
                                      batch_major ? std::vector<int32_t>{batch, steps, 1, hidden}
                                                  : std::vector<int32_t>{steps, 1, batch, hidden},
                                      false);
    n.emit(ir::OpKind::kReshape, {y}, {out.tensor});
  }
  read_state(n, 1, operands[kHiddenState], batch, hidden, batch_major);
  read_state(n, 2, operands[kCellState], batch, hidden, batch_major);
}

}  // namespace

void register_recurrent_converters(std::map<std::string, Converter>& table) {
  table["LSTM"] = convert_lstm;
}

}  // namespace onnx_import
}  // namespace kiln
