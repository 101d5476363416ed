// Stateful ops on cases worked out by hand, invocation by invocation: SVDF's
// memory and the resource variables (run_graph_steps also runs them on an
// emulated core under the device label, the state carried through a file).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph_steps;

// One unit of rank 2 over two inputs with a memory of 2: filter 0 keeps x0,
// filter 1 keeps x1, and the time weights are [[1, 2], [3, 4]] (oldest
// first). For inputs (1, 2), (3, 4), (0, 0) the memories hold f0 = [0, 1],
// [1, 3], [3, 0] and f1 = [0, 2], [2, 4], [4, 0], so the filter sums are
// 2 + 8, 7 + 22 and 3 + 12.
template <typename T>
std::vector<std::vector<uint8_t>> svdf_steps(std::vector<std::vector<T>> inputs) {
  std::vector<std::vector<uint8_t>> steps;
  for (const auto& x : inputs) steps.push_back(bytes_of<T>(x));
  return steps;
}

TEST(StateKernels, SvdfFloatRemembersEachFiltersLastFeatures) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 2});
  const int wf = b.constant<float>("wf", KILN_DTYPE_FLOAT32, {2, 2}, {1, 0, 0, 1});
  const int wt = b.constant<float>("wt", KILN_DTYPE_FLOAT32, {2, 2}, {1, 2, 3, 4});
  const int bias = b.constant<float>("bias", KILN_DTYPE_FLOAT32, {1}, {0.5f});
  const int state = b.variable("state", KILN_DTYPE_FLOAT32, {1, 4});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 1});
  ir::OpAttrs a;
  a.rank = 2;
  b.op(OpKind::kSvdf, {x, wf, wt, bias, state}, {y}, a);
  b.output(y);
  std::vector<std::vector<std::vector<uint8_t>>> steps;
  for (const auto& s : svdf_steps<float>({{1, 2}, {3, 4}, {0, 0}})) steps.push_back({s});
  EXPECT_EQ(run_graph_steps<float>(b.build(), steps),
            (std::vector<std::vector<float>>{{10.5f}, {29.5f}, {15.5f}}));
}

TEST(StateKernels, SvdfInt8RescalesAndIgnoresItsActivationAsTfliteMicroDoes) {
  // Unit scales, so every rescale is exact: input zero point 5, output -3,
  // bias 1. TFLite Micro applies no fused activation to int8 SVDF, so the
  // RELU below leaves the negative output of the last step alone.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 2}, 1.0f, 5);
  const int wf = b.constant<int8_t>("wf", KILN_DTYPE_INT8, {2, 2}, {1, 0, 0, 1}, {1.0f});
  const int wt = b.constant<int16_t>("wt", KILN_DTYPE_INT16, {2, 2}, {1, 2, 3, 4}, {1.0f});
  const int bias = b.constant<int32_t>("bias", KILN_DTYPE_INT32, {1}, {1});
  const int state = b.variable("state", KILN_DTYPE_INT16, {1, 4}, 1.0f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 1}, 1.0f, -3);
  ir::OpAttrs a;
  a.rank = 2;
  a.activation = ir::Activation::kRelu;
  b.op(OpKind::kSvdf, {x, wf, wt, bias, state}, {y}, a);
  b.output(y);
  std::vector<std::vector<std::vector<uint8_t>>> steps;
  // Inputs (1, 2), (3, 4), (0, 0) and (-20, 0) once the zero point is taken off.
  for (const auto& s : svdf_steps<int8_t>({{6, 7}, {8, 9}, {5, 5}, {-15, 5}})) steps.push_back({s});
  // Step 3: f0 = [0, -20], f1 = [0, 0]: sums -40 + 0, plus bias 1 = -39, output -42.
  EXPECT_EQ(run_graph_steps<int8_t>(b.build(), steps),
            (std::vector<std::vector<int8_t>>{{8}, {27}, {13}, {-42}}));
}

// out = READ(v); ASSIGN(v, x): each invocation sees the previous one's input.
ir::Graph delay_line(bool initial_value) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT32, {2});
  const int v = b.variable("v", KILN_DTYPE_INT32, {2});
  const int y = b.tensor("y", KILN_DTYPE_INT32, {2});
  if (initial_value) {
    // A CALL_ONCE's assignment of a constant: the variable's reset value.
    const int init = b.constant<int32_t>("init", KILN_DTYPE_INT32, {2}, {40, 41});
    ir::OpAttrs once;
    once.at_reset = true;
    b.op(OpKind::kAssignVariable, {v, init}, {}, once);
  }
  b.op(OpKind::kReadVariable, {v}, {y});
  b.op(OpKind::kAssignVariable, {v, x}, {});
  b.output(y);
  return b.build();
}

TEST(StateKernels, VariablesCarryAValueToTheNextInvocation) {
  const std::vector<std::vector<std::vector<uint8_t>>> steps = {
      {bytes_of<int32_t>({1, 2})}, {bytes_of<int32_t>({3, 4})}, {bytes_of<int32_t>({5, 6})}};
  EXPECT_EQ(run_graph_steps<int32_t>(delay_line(false), steps),
            (std::vector<std::vector<int32_t>>{{0, 0}, {1, 2}, {3, 4}}));
  EXPECT_EQ(run_graph_steps<int32_t>(delay_line(true), steps),
            (std::vector<std::vector<int32_t>>{{40, 41}, {1, 2}, {3, 4}}));
}

TEST(StateKernels, ResetPutsTheStateBack) {
  const CompiledModel m = compile_graph(delay_line(true));
  HostRunner runner(m.blob);
  EXPECT_EQ(runner.state_bytes(), 16u);  // one int32[2] variable, 16-byte aligned
  runner.set_input(0, bytes_of<int32_t>({7, 8}));
  runner.invoke();
  runner.invoke();
  EXPECT_EQ(test::values_of<int32_t>(runner.output(0)), (std::vector<int32_t>{7, 8}));
  runner.reset_state();
  runner.invoke();
  EXPECT_EQ(test::values_of<int32_t>(runner.output(0)), (std::vector<int32_t>{40, 41}));
}

// One unit over one input, every weight 0 but input-to-cell (1), and gate
// biases of 17, where TFLite's float sigmoid is exactly 1: the forget, input
// and output gates stay open, so c accumulates tanh(x) and h = tanh(c).
ir::Graph open_gate_lstm(float cell_clip) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 2, 1});  // batch-major: one sequence of 2
  std::vector<int> inputs(24, -1);
  inputs[0] = x;
  for (int g = 0; g < 4; ++g) {
    inputs[1 + g] = b.constant<float>("wx" + std::to_string(g), KILN_DTYPE_FLOAT32, {1, 1},
                                      {g == kLstmCellGate ? 1.0f : 0.0f});
    inputs[5 + g] = b.constant<float>("wh" + std::to_string(g), KILN_DTYPE_FLOAT32, {1, 1}, {0.0f});
    inputs[12 + g] = b.constant<float>("bias" + std::to_string(g), KILN_DTYPE_FLOAT32, {1},
                                       {g == kLstmCellGate ? 0.0f : 17.0f});
  }
  inputs[18] = b.variable("h", KILN_DTYPE_FLOAT32, {1, 1});
  inputs[19] = b.variable("c", KILN_DTYPE_FLOAT32, {1, 1});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 2, 1});
  ir::OpAttrs a;
  a.cell_clip = cell_clip;
  b.op(OpKind::kSequenceLstm, inputs, {y}, a);
  b.output(y);
  return b.build();
}

// tanhf as the kernel calls it: at run time, through the C library (the
// compiler folds tanhf of a constant with its own, correctly rounded, math).
float run_time_tanh(float x) {
  volatile float v = x;
  return tanhf(v);
}

TEST(StateKernels, SequenceLstmFloatAccumulatesThroughOpenGates) {
  const std::vector<std::vector<std::vector<uint8_t>>> steps = {{bytes_of<float>({0.5f, 0.25f})},
                                                                {bytes_of<float>({-1.0f, 0.0f})}};
  const auto t = run_time_tanh;
  const float c1 = t(0.5f), c2 = c1 + t(0.25f), c3 = c2 + t(-1.0f);
  EXPECT_EQ(run_graph_steps<float>(open_gate_lstm(0.0f), steps),
            (std::vector<std::vector<float>>{{t(c1), t(c2)}, {t(c3), t(c3)}}));
  // A cell clip of 0.6 holds c2 (0.707) at 0.6.
  const float clipped = 0.6f + t(-1.0f);
  EXPECT_EQ(run_graph_steps<float>(open_gate_lstm(0.6f), steps),
            (std::vector<std::vector<float>>{{t(c1), t(0.6f)}, {t(clipped), t(clipped)}}));
}

}  // namespace
}  // namespace kiln
