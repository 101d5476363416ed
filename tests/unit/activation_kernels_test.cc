// The element-wise activations (TANH, CLAMP, LEAKY_RELU, HARD_SWISH) and SUB
// on cases worked out by hand, int8 with TFLite's rounding. Each also runs on
// the emulated Cortex-M4 (run_graph).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

TEST(ActivationKernels, TanhInt8) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {6}, 0.1f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {6}, 1.0f / 128, 0);
  b.op(OpKind::kTanh, {x}, {y});
  b.output(y);
  // 128 * tanh(v): tanh(0) = 0, tanh(1) = 0.7616 -> 97.5, tanh(0.5) = 0.4621 -> 59.2;
  // beyond the input radius the output saturates.
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({0, 10, -10, 5, 127, -128})}),
            (std::vector<int8_t>{0, 97, -97, 59, 127, -128}));
}

TEST(ActivationKernels, TanhFloatAndHardSwishFloat) {
  for (OpKind kind : {OpKind::kTanh, OpKind::kHardSwish}) {
    GraphBuilder b;
    const int x = b.input("x", KILN_DTYPE_FLOAT32, {5});
    const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {5});
    b.op(kind, {x}, {y});
    b.output(y);
    const std::vector<float> in = {-4.0f, -1.0f, 0.0f, 1.5f, 4.0f};
    const std::vector<float> out = run_graph<float>(b.build(), {bytes_of<float>(in)});
    for (size_t i = 0; i < in.size(); ++i) {
      const float v = in[i];
      const float want = kind == OpKind::kTanh ? std::tanh(v) : v * std::fmin(6.0f, std::fmax(0.0f, v + 3.0f)) / 6.0f;
      EXPECT_NEAR(out[i], want, 1e-6f) << v;
    }
  }
}

TEST(ActivationKernels, ClampInt8RescalesThenClamps) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {4}, 0.5f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {4}, 0.25f, -10);
  ir::OpAttrs relu6;
  relu6.clamp_min = 0.0f;
  relu6.clamp_max = 6.0f;
  b.op(OpKind::kClamp, {x}, {y}, relu6);
  b.output(y);
  // 1.5 -> -10 + 6; -2 -> 0 -> -10; 10 -> 6 -> -10 + 24; 0.5 -> -10 + 2.
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({3, -4, 20, 1})}), (std::vector<int8_t>{-4, -10, 14, -8}));
}

TEST(ActivationKernels, ClampFloatAnyBounds) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {4});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {4});
  ir::OpAttrs a;
  a.clamp_min = -0.5f;
  a.clamp_max = 2.0f;
  b.op(OpKind::kClamp, {x}, {y}, a);
  b.output(y);
  EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({-3.0f, 0.25f, 2.5f, 1.0f})}),
            (std::vector<float>{-0.5f, 0.25f, 2.0f, 1.0f}));
}

TEST(ActivationKernels, LeakyReluInt8AndFloat) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {4}, 0.5f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {4}, 0.5f, 0);
  ir::OpAttrs a;
  a.alpha = 0.25f;
  b.op(OpKind::kLeakyRelu, {x}, {y}, a);
  b.output(y);
  // -6 * 0.25 = -1.5 rounds away from zero, as TFLite's rescale does.
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({8, -8, -6, 0})}), (std::vector<int8_t>{8, -2, -2, 0}));

  GraphBuilder f;
  const int fx = f.input("x", KILN_DTYPE_FLOAT32, {3});
  const int fy = f.tensor("y", KILN_DTYPE_FLOAT32, {3});
  f.op(OpKind::kLeakyRelu, {fx}, {fy}, a);
  f.output(fy);
  EXPECT_EQ(run_graph<float>(f.build(), {bytes_of<float>({2.0f, -2.0f, 0.0f})}), (std::vector<float>{2.0f, -0.5f, 0.0f}));
}

TEST(ActivationKernels, SubInt8AndFloat) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {3}, 0.5f, 0);
  const int y = b.input("y", KILN_DTYPE_INT8, {1}, 0.25f, 2);
  const int z = b.tensor("z", KILN_DTYPE_INT8, {3}, 0.5f, -1);
  b.op(OpKind::kSub, {x, y}, {z});
  b.output(z);
  // y = (10 - 2) * 0.25 = 2.0; x - y in steps of 0.5, zero point -1.
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({10, 4, -7}), bytes_of<int8_t>({10})}),
            (std::vector<int8_t>{5, -1, -12}));

  GraphBuilder f;
  const int fx = f.input("x", KILN_DTYPE_FLOAT32, {2, 2});
  const int fy = f.input("y", KILN_DTYPE_FLOAT32, {2, 1});
  const int fz = f.tensor("z", KILN_DTYPE_FLOAT32, {2, 2});
  f.op(OpKind::kSub, {fx, fy}, {fz});
  f.output(fz);
  EXPECT_EQ(run_graph<float>(f.build(), {bytes_of<float>({1, 2, 3, 4}), bytes_of<float>({1, 10})}),
            (std::vector<float>{0, 1, -7, -6}));
}

}  // namespace
}  // namespace kiln
