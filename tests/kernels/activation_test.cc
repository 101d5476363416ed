// Activation kernels (LOGISTIC, TANH, CLAMP, LEAKY_RELU, HARD_SWISH, ELU, GELU, SOFTMAX) on
// cases worked out by hand, int8 with TFLite's rounding.
// Every case runs on the host; with --kiln-device=CORE (the device label of
// ctest) the same blob also runs on that emulated core and must give the
// same bytes (run_graph).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

TEST(ActivationKernels, LogisticInt8) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {5}, 0.1f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {5}, 1.0f / 256, -128);
  b.op(OpKind::kLogistic, {x}, {y});
  b.output(y);
  const std::vector<int8_t> out =
      run_graph<int8_t>(b.build(), {bytes_of<int8_t>({0, 100, -100, 10, -10})});
  EXPECT_EQ(out[0], 0);    // logistic(0) = 0.5
  EXPECT_EQ(out[1], 127);  // beyond the input radius
  EXPECT_EQ(out[2], -128);
  EXPECT_EQ(out[3], 59);   // 256 * logistic(1) - 128 = 59.16
  EXPECT_EQ(out[4], -59);  // 256 * logistic(-1) - 128 = -59.16
}

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
      const float want = kind == OpKind::kTanh
                             ? std::tanh(v)
                             : v * std::fmin(6.0f, std::fmax(0.0f, v + 3.0f)) / 6.0f;
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
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({3, -4, 20, 1})}),
            (std::vector<int8_t>{-4, -10, 14, -8}));
}

TEST(ActivationKernels, Relu6Int16ClampsInTheInputQuantization) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT16, {4}, 0.001f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT16, {4}, 0.5f, 0);  // ignored, as in TFLM
  ir::OpAttrs relu6;
  relu6.clamp_min = 0.0f;
  relu6.clamp_max = 6.0f;
  relu6.clamp_in_input_quantization = true;
  b.op(OpKind::kClamp, {x}, {y}, relu6);
  b.output(y);
  EXPECT_EQ(run_graph<int16_t>(b.build(), {bytes_of<int16_t>({-5, 1234, 6000, 32767})}),
            (std::vector<int16_t>{0, 1234, 6000, 6000}));
}

TEST(ActivationKernels, LogisticAndTanhInt16ReadTheSigmoidTable) {
  // Input scale 2^-12 is a power of two needing no rescale: the input times 3
  // is in steps of 1/(3 x 4096). 1.0 lands on entry 24 of the table (47911)
  // for sigmoid, entry 48 (57724) for tanh at twice the step.
  for (const bool tanh : {false, true}) {
    GraphBuilder b;
    const int x = b.input("x", KILN_DTYPE_INT16, {4}, 1.0f / 4096, 0);
    const int y = b.tensor("y", KILN_DTYPE_INT16, {4}, 1.0f / 32768, 0);
    b.op(tanh ? OpKind::kTanh : OpKind::kLogistic, {x}, {y});
    b.output(y);
    const auto got = run_graph<int16_t>(b.build(), {bytes_of<int16_t>({0, 4096, -4096, 32767})});
    // sigmoid: 0.5; (47911 * 2^9 + 2^9) >> 10; (2^25 - 47911 * 2^9 + 2^9 - 1) >> 10;
    // 8.0 from entries 191 and 192. tanh: 0; (57724 * 2^8 - 2^23 + 2^7) >> 8; its mirror;
    // 8.0 past the table's end, saturated.
    EXPECT_EQ(got, tanh ? (std::vector<int16_t>{0, 24956, -24956, 32767})
                        : (std::vector<int16_t>{16384, 23956, 8812, 32757}))
        << (tanh ? "tanh" : "logistic");
  }
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
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({8, -8, -6, 0})}),
            (std::vector<int8_t>{8, -2, -2, 0}));

  GraphBuilder f;
  const int fx = f.input("x", KILN_DTYPE_FLOAT32, {3});
  const int fy = f.tensor("y", KILN_DTYPE_FLOAT32, {3});
  f.op(OpKind::kLeakyRelu, {fx}, {fy}, a);
  f.output(fy);
  EXPECT_EQ(run_graph<float>(f.build(), {bytes_of<float>({2.0f, -2.0f, 0.0f})}),
            (std::vector<float>{2.0f, -0.5f, 0.0f}));
}

TEST(ActivationKernels, EluInt8TableAndFloat) {
  // x at 0.1 -> y at 0.05: 1.0 -> 20; -1.0 -> e^-1 - 1 = -0.632 -> -12.6 -> -13;
  // -12.8 -> -1.0 (to float precision) -> -20.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {4}, 0.1f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {4}, 0.05f, 0);
  b.op(OpKind::kElu, {x}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({10, -10, -128, 0})}),
            (std::vector<int8_t>{20, -13, -20, 0}));

  GraphBuilder f;
  const int fx = f.input("x", KILN_DTYPE_FLOAT32, {2});
  const int fy = f.tensor("y", KILN_DTYPE_FLOAT32, {2});
  f.op(OpKind::kElu, {fx}, {fy});
  f.output(fy);
  const std::vector<float> out = run_graph<float>(f.build(), {bytes_of<float>({-1.0f, 2.0f})});
  EXPECT_NEAR(out[0], std::expm1(-1.0), 1e-7);
  EXPECT_EQ(out[1], 2.0f);
}

TEST(ActivationKernels, GeluInt8TableAndFloat) {
  // Scale 0.05 both sides: gelu(1.0) = 0.8413 -> 16.8 -> 17; gelu(-1.0) =
  // -0.1587 -> -3.2 -> -3; gelu(2.0) = 1.9545 -> 39.1 -> 39; gelu(-6.4) ~ 0.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {5}, 0.05f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {5}, 0.05f, 0);
  b.op(OpKind::kGelu, {x}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({20, -20, 40, -128, 0})}),
            (std::vector<int8_t>{17, -3, 39, 0, 0}));

  for (const bool approximate : {false, true}) {
    GraphBuilder f;
    const int fx = f.input("x", KILN_DTYPE_FLOAT32, {3});
    const int fy = f.tensor("y", KILN_DTYPE_FLOAT32, {3});
    ir::OpAttrs attrs;
    attrs.approximate = approximate;
    f.op(OpKind::kGelu, {fx}, {fy}, attrs);
    f.output(fy);
    const std::vector<float> in = {-1.0f, 0.5f, 3.0f};
    const std::vector<float> out = run_graph<float>(f.build(), {bytes_of<float>(in)});
    for (size_t i = 0; i < in.size(); ++i) {
      const double v = in[i];
      const double want = approximate ? 0.5 * v *
                                            (1 + std::tanh(std::sqrt(2 / 3.14159265358979323846) *
                                                           (v + 0.044715 * v * v * v)))
                                      : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
      EXPECT_NEAR(out[i], want, 1e-6) << "approximate " << approximate << ", x " << v;
    }
  }
}

TEST(ActivationKernels, HardSwishInt8) {
  // Scale 0.05 both sides: x * relu6(x + 3) / 6 at 4.0 is 4.0 (80), at 3.0
  // is 3.0 (60), at -4.0 and 0 is 0, at 1.0 is 0.667 (13.3 -> 13), at -1.0
  // -0.333 (-6.7 -> -7).
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {6}, 0.05f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {6}, 0.05f, 0);
  b.op(OpKind::kHardSwish, {x}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({80, 60, -80, 0, 20, -20})}),
            (std::vector<int8_t>{80, 60, 0, 0, 13, -7}));
}

TEST(ActivationKernels, SoftmaxInt16AndInt8ToInt16) {
  // int8 into int16 (1/65536 around -32768): two equal values are 1/2 -> 0;
  // one far below the other: 1 -> 32767 and 0 -> -32768.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {2, 2}, 0.1f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT16, {2, 2}, 1.0f / 65536, -32768);
  b.op(OpKind::kSoftmax, {x}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int16_t>(b.build(), {bytes_of<int8_t>({3, 3, 127, -128})}),
            (std::vector<int16_t>{0, 0, 32767, -32768}));

  // int16 (1/32768): 1/2 each, within the tables' interpolation error; a
  // difference past -10 counts as -10 (exp(-10) is 2/32768 in the table).
  GraphBuilder c;
  const int cx = c.input("x", KILN_DTYPE_INT16, {2, 2}, 1.0f / 1024, 0);
  const int cy = c.tensor("y", KILN_DTYPE_INT16, {2, 2}, 1.0f / 32768, 0);
  c.op(OpKind::kSoftmax, {cx}, {cy});
  c.output(cy);
  const std::vector<int16_t> out =
      run_graph<int16_t>(c.build(), {bytes_of<int16_t>({100, 100, 20000, 0})});
  EXPECT_NEAR(out[0], 16384, 2);
  EXPECT_EQ(out[1], out[0]);
  EXPECT_NEAR(out[2], 32767, 2);
  EXPECT_EQ(out[3], 2);
}

TEST(ActivationKernels, SoftmaxFloat) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 3});
  b.op(OpKind::kSoftmax, {x}, {y});
  b.output(y);
  const std::vector<float> out = run_graph<float>(b.build(), {bytes_of<float>({1, 2, 3})});
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(out[static_cast<size_t>(i)], std::exp(i + 1.0) / sum, 1e-6);
}

}  // namespace
}  // namespace kiln
