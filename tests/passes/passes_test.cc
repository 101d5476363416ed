// Each graph pass on a small graph: the ops it leaves, and the same outputs
// as the graph before it (compiled without passes) on the same inputs.
#include "compiler/passes/passes.h"

#include <gtest/gtest.h>

#include <cmath>

#include "compiler/common/error.h"
#include "compiler/exec/host_runner.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::values_of;

std::vector<float> run_float(const ir::Graph& g, const std::vector<float>& input, bool optimize) {
  CompileOptions options;
  options.optimize = optimize;
  HostRunner runner(compile_graph(g, options).blob);
  runner.set_input(0, bytes_of(input));
  runner.invoke();
  return values_of<float>(runner.output(0));
}

std::vector<float> ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * 0.7f) * 2.0f;
  return v;
}

void expect_near(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-5f * (1.0f + std::fabs(b[i]))) << i;
}

std::vector<OpKind> kinds(const ir::Graph& g) {
  std::vector<OpKind> k;
  for (const ir::Op& op : g.ops) k.push_back(op.kind);
  return k;
}

// conv -> MUL(per-channel) -> ADD(per-channel) -> clamp(0, 6), as a batch
// normalization and ReLU6 import.
ir::Graph conv_bn_relu6() {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3, 3, 2});
  const int w =
      b.constant<float>("w", KILN_DTYPE_FLOAT32, {2, 1, 1, 2}, {0.5f, -1.0f, 2.0f, 0.25f});
  const int c = b.tensor("c", KILN_DTYPE_FLOAT32, {1, 3, 3, 2});
  b.op(OpKind::kConv2D, {x, w, -1}, {c});
  const int scale = b.constant<float>("scale", KILN_DTYPE_FLOAT32, {2}, {3.0f, -0.5f});
  const int m = b.tensor("m", KILN_DTYPE_FLOAT32, {1, 3, 3, 2});
  b.op(OpKind::kMul, {c, scale}, {m});
  const int shift = b.constant<float>("shift", KILN_DTYPE_FLOAT32, {1, 1, 1, 2}, {0.1f, 1.0f});
  const int a = b.tensor("a", KILN_DTYPE_FLOAT32, {1, 3, 3, 2});
  b.op(OpKind::kAdd, {m, shift}, {a});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 3, 3, 2});
  ir::OpAttrs relu6;
  relu6.clamp_min = 0.0f;
  relu6.clamp_max = 6.0f;
  b.op(OpKind::kClamp, {a}, {y}, relu6);
  b.output(y);
  return b.build();
}

TEST(Passes, FoldAffineIntoWeights) {
  const ir::Graph before = conv_bn_relu6();
  const ir::Graph after = passes::fold_affine_into_weights(before);
  EXPECT_EQ(kinds(after), (std::vector<OpKind>{OpKind::kConv2D, OpKind::kClamp}));
  expect_near(run_float(after, ramp(18), false), run_float(before, ramp(18), false));
}

TEST(Passes, FuseActivations) {
  const ir::Graph after =
      passes::fuse_activations(passes::fold_affine_into_weights(conv_bn_relu6()));
  ASSERT_EQ(kinds(after), (std::vector<OpKind>{OpKind::kConv2D}));
  EXPECT_EQ(after.ops[0].attrs.activation, ir::Activation::kRelu6);
  expect_near(run_float(after, ramp(18), false), run_float(conv_bn_relu6(), ramp(18), false));

  // An int8 clamp that changes the quantization stays an op of its own.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {4}, 0.5f, 0);
  const int y = b.input("y", KILN_DTYPE_INT8, {4}, 0.5f, 0);
  const int s = b.tensor("s", KILN_DTYPE_INT8, {4}, 0.5f, 0);
  b.op(OpKind::kAdd, {x, y}, {s});
  const int r = b.tensor("r", KILN_DTYPE_INT8, {4}, 0.25f, -128);
  ir::OpAttrs relu;
  relu.clamp_min = 0.0f;
  b.op(OpKind::kClamp, {s}, {r}, relu);
  b.output(r);
  EXPECT_EQ(passes::fuse_activations(b.build()).ops.size(), 2u);
}

// NHWC activation -> TRANSPOSE to NCHW -> RESHAPE to rows -> FULLY_CONNECTED,
// as an ONNX Flatten before a Gemm imports.
ir::Graph flatten_then_dense() {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 2, 3, 4});
  const int t = b.tensor("t", KILN_DTYPE_FLOAT32, {1, 4, 2, 3});
  ir::OpAttrs nchw;
  nchw.perm = {0, 3, 1, 2};
  b.op(OpKind::kTranspose, {x}, {t}, nchw);
  const int r = b.tensor("r", KILN_DTYPE_FLOAT32, {1, 24});
  b.op(OpKind::kReshape, {t}, {r});
  std::vector<float> weights(3 * 24);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = std::cos(static_cast<float>(i));
  const int w = b.constant<float>("w", KILN_DTYPE_FLOAT32, {3, 24}, weights);
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 3});
  b.op(OpKind::kFullyConnected, {r, w, -1}, {y});
  b.output(y);
  return b.build();
}

TEST(Passes, TransposeBeforeDenseFoldsIntoWeights) {
  const ir::Graph before = flatten_then_dense();
  // Keep the graph input NHWC: the transpose must fold into the weights, not
  // into the interface.
  ir::Graph after = passes::fold_transposes(before);
  EXPECT_EQ(kinds(after), (std::vector<OpKind>{OpKind::kReshape, OpKind::kFullyConnected}));
  EXPECT_TRUE(after.input_source_perm.empty() || after.input_source_perm[0].empty());
  expect_near(run_float(after, ramp(24), false), run_float(before, ramp(24), false));
}

TEST(Passes, TransposeAtTheInputMovesIntoTheInterface) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 2, 3, 4});
  const int t = b.tensor("t", KILN_DTYPE_FLOAT32, {1, 4, 2, 3});
  ir::OpAttrs nchw;
  nchw.perm = {0, 3, 1, 2};
  b.op(OpKind::kTranspose, {x}, {t}, nchw);
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 4, 2, 3});
  b.op(OpKind::kClamp,
       {
           t,
       },
       {y});
  b.output(y);
  ir::Graph g = b.build();
  g.input_source_perm = {{0, 3, 1, 2}};  // the user gives NCHW data
  const ir::Graph after = passes::fold_transposes(g);
  EXPECT_EQ(kinds(after), (std::vector<OpKind>{OpKind::kClamp}));
  // The input is now the NCHW tensor itself: no permutation left, same name.
  ASSERT_EQ(after.input_source_perm.size(), 1u);
  EXPECT_TRUE(after.input_source_perm[0].empty());
  EXPECT_EQ(after.tensors[static_cast<size_t>(after.inputs[0])].name, "x");
  EXPECT_EQ(after.tensors[static_cast<size_t>(after.inputs[0])].shape,
            (std::vector<int32_t>{1, 4, 2, 3}));
}

TEST(Passes, TransposesThatMoveNoDataBecomeReshapesAndPairsCompose) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 1, 5, 3});
  const int a = b.tensor("a", KILN_DTYPE_FLOAT32, {1, 5, 3, 1});
  ir::OpAttrs p1;
  p1.perm = {0, 2, 3, 1};  // moves only a size-1 dim
  b.op(OpKind::kTranspose, {x}, {a}, p1);
  const int c = b.tensor("c", KILN_DTYPE_FLOAT32, {1, 5, 3, 1});
  b.op(OpKind::kClamp, {a}, {c});
  const int d = b.tensor("d", KILN_DTYPE_FLOAT32, {3, 5, 1, 1});
  ir::OpAttrs p2;
  p2.perm = {2, 1, 0, 3};
  b.op(OpKind::kTranspose, {c}, {d}, p2);
  const int e = b.tensor("e", KILN_DTYPE_FLOAT32, {5, 3, 1, 1});
  ir::OpAttrs p3;
  p3.perm = {1, 0, 2, 3};
  b.op(OpKind::kTranspose, {d}, {e}, p3);
  b.output(e);
  const ir::Graph before = b.build();
  const ir::Graph after = passes::fold_transposes(before);
  // The first transpose is a reshape; the last two compose into one that moves no data either.
  EXPECT_EQ(kinds(after),
            (std::vector<OpKind>{OpKind::kReshape, OpKind::kClamp, OpKind::kReshape}));
  expect_near(run_float(after, ramp(15), false), run_float(before, ramp(15), false));
}

TEST(Passes, FoldConstantsRunsConstantOpsOnTheHost) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {2});
  const int c1 = b.constant<float>("c1", KILN_DTYPE_FLOAT32, {2}, {1.0f, 4.0f});
  const int c2 = b.constant<float>("c2", KILN_DTYPE_FLOAT32, {2}, {0.5f, -2.0f});
  const int k = b.tensor("k", KILN_DTYPE_FLOAT32, {2});
  b.op(OpKind::kMul, {c1, c2}, {k});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {2});
  b.op(OpKind::kAdd, {x, k}, {y});
  b.output(y);
  const ir::Graph after = passes::fold_constants(b.build());
  ASSERT_EQ(kinds(after), (std::vector<OpKind>{OpKind::kAdd}));
  const ir::Tensor& folded = after.tensors[static_cast<size_t>(after.ops[0].inputs[1])];
  EXPECT_TRUE(folded.constant);
  EXPECT_EQ(test::values_of<float>(folded.data), (std::vector<float>{0.5f, -8.0f}));
}

TEST(Passes, ShapesComputedFromStaticShapesFold) {
  // Keras's zero state: FILL(0.5, [SHAPE(x)[0], 4]), added to y. TFLite
  // Micro refuses FILL with computed dims; here the whole chain is constant.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {2, 5, 3});
  const int y = b.input("y", KILN_DTYPE_FLOAT32, {2, 4});
  const int shape = b.tensor("shape", KILN_DTYPE_INT32, {3});
  b.op(OpKind::kShape, {x}, {shape});
  const int batch = b.tensor("batch", KILN_DTYPE_INT32, {});
  ir::OpAttrs first;
  first.shrink_axis_mask = 1;
  b.op(OpKind::kStridedSlice,
       {shape, b.constant<int32_t>("begin", KILN_DTYPE_INT32, {1}, {0}),
        b.constant<int32_t>("end", KILN_DTYPE_INT32, {1}, {1}),
        b.constant<int32_t>("strides", KILN_DTYPE_INT32, {1}, {1})},
       {batch}, first);
  const int dims = b.tensor("dims", KILN_DTYPE_INT32, {2});
  b.op(OpKind::kPack, {batch, b.constant<int32_t>("units", KILN_DTYPE_INT32, {}, {4})}, {dims});
  const int zero_state = b.tensor("zero_state", KILN_DTYPE_FLOAT32, {2, 4});
  b.op(OpKind::kFill, {b.constant<float>("half", KILN_DTYPE_FLOAT32, {}, {0.5f}), dims},
       {zero_state});
  const int out = b.tensor("out", KILN_DTYPE_FLOAT32, {2, 4});
  b.op(OpKind::kAdd, {y, zero_state}, {out});
  b.output(out);
  const ir::Graph after = passes::optimize(b.build());
  EXPECT_EQ(kinds(after), (std::vector<OpKind>{OpKind::kAdd}));
  const std::vector<float> ys = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(test::run_graph<float>(after, {std::vector<uint8_t>(120, 0), test::bytes_of(ys)}),
            (std::vector<float>{1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f, 8.5f}));
}

TEST(Passes, FillRefusesDimsThatContradictItsOutput) {
  GraphBuilder b;
  const int out = b.tensor("out", KILN_DTYPE_FLOAT32, {2, 4});
  b.op(OpKind::kFill,
       {b.constant<float>("half", KILN_DTYPE_FLOAT32, {}, {0.5f}),
        b.constant<int32_t>("dims", KILN_DTYPE_INT32, {2}, {2, 5})},
       {out});
  b.output(out);
  try {
    compile_graph(b.build());
    ADD_FAILURE() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find("output 'out' is [2,4], not the dims operand's [2,5]"),
              std::string::npos)
        << e.what();
  }
}

TEST(Passes, RemoveUnusedDropsDeadOpsAndTensors) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {4});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {4});
  b.op(OpKind::kClamp, {x}, {y});
  const int dead = b.tensor("dead", KILN_DTYPE_FLOAT32, {4});
  b.op(OpKind::kTanh, {x}, {dead});
  b.constant<float>("unused", KILN_DTYPE_FLOAT32, {1}, {1.0f});
  b.output(y);
  const ir::Graph after = passes::remove_unused(b.build());
  EXPECT_EQ(kinds(after), (std::vector<OpKind>{OpKind::kClamp}));
  EXPECT_EQ(after.tensors.size(), 2u);
  EXPECT_EQ(after.tensors[static_cast<size_t>(after.outputs[0])].name, "y");
}

}  // namespace
}  // namespace kiln
