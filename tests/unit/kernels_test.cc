// Reference kernels on small cases worked out by hand. The MLPerf and TFLite
// Micro goldens (golden_test.cc) cover the int8 paths bit for bit at scale;
// these pin down the ops and options those models do not use.
#include <gtest/gtest.h>

#include <cmath>

#include "compiler/common/error.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

TEST(Kernels, MulInt8WithBroadcast) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 4}, 0.5f, 0);
  const int y = b.input("y", KILN_DTYPE_INT8, {1, 4}, 0.5f, 0);
  const int z = b.tensor("z", KILN_DTYPE_INT8, {1, 4}, 0.25f, 0);
  b.op(OpKind::kMul, {x, y}, {z});
  b.output(z);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({2, 3, -4, 10}), bytes_of<int8_t>({3, -5, 6, 12})}),
            (std::vector<int8_t>{6, -15, -24, 120}));

  GraphBuilder c;
  const int a = c.input("a", KILN_DTYPE_INT8, {2, 2}, 0.5f, 1);
  const int k = c.input("k", KILN_DTYPE_INT8, {1}, 0.5f, 0);
  const int o = c.tensor("o", KILN_DTYPE_INT8, {2, 2}, 0.5f, -3);
  c.op(OpKind::kMul, {a, k}, {o});
  c.output(o);
  // (q - 1) * 0.5 * 4 * 0.5 / 0.5 - 3 = 2 (q - 1) - 3, clamped to int8.
  EXPECT_EQ(run_graph<int8_t>(c.build(), {bytes_of<int8_t>({1, 5, -7, 100}), bytes_of<int8_t>({4})}),
            (std::vector<int8_t>{-3, 5, -19, 127}));
}

TEST(Kernels, AddInt8Broadcast) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 2, 2, 1}, 0.5f, 0);
  const int y = b.input("y", KILN_DTYPE_INT8, {1}, 0.5f, 0);
  const int z = b.tensor("z", KILN_DTYPE_INT8, {1, 2, 2, 1}, 0.5f, 0);
  ir::OpAttrs relu;
  relu.activation = ir::Activation::kRelu;
  b.op(OpKind::kAdd, {x, y}, {z}, relu);
  b.output(z);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({3, -9, 120, 0}), bytes_of<int8_t>({4})}),
            (std::vector<int8_t>{7, 0, 124, 4}));
}

TEST(Kernels, LogisticInt8) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {5}, 0.1f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {5}, 1.0f / 256, -128);
  b.op(OpKind::kLogistic, {x}, {y});
  b.output(y);
  const std::vector<int8_t> out = run_graph<int8_t>(b.build(), {bytes_of<int8_t>({0, 100, -100, 10, -10})});
  EXPECT_EQ(out[0], 0);     // logistic(0) = 0.5
  EXPECT_EQ(out[1], 127);   // beyond the input radius
  EXPECT_EQ(out[2], -128);
  EXPECT_EQ(out[3], 59);    // 256 * logistic(1) - 128 = 59.16
  EXPECT_EQ(out[4], -59);   // 256 * logistic(-1) - 128 = -59.16
}

TEST(Kernels, PadInt8FillsWithZeroPoint) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 2, 2, 1}, 0.1f, 5);
  const int pads = b.constant<int32_t>("pads", KILN_DTYPE_INT32, {4, 2}, {0, 0, 1, 0, 0, 1, 0, 0});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 3, 3, 1}, 0.1f, 5);
  b.op(OpKind::kPad, {x, pads}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2, 3, 4})}),
            (std::vector<int8_t>{5, 5, 5, 1, 2, 5, 3, 4, 5}));
}

TEST(Kernels, MeanInt8RoundsHalfAwayFromZero) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 2, 2, 2}, 0.5f, 0);
  const int axes = b.constant<int32_t>("axes", KILN_DTYPE_INT32, {2}, {1, 2});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 1, 1, 2}, 0.5f, 0);
  ir::OpAttrs keep;
  keep.keep_dims = true;
  b.op(OpKind::kMean, {x, axes}, {y}, keep);
  b.output(y);
  // channel 0: 1 2 3 5 -> 2.75 -> 3; channel 1: -1 -2 -3 -5 -> -3
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, -1, 2, -2, 3, -3, 5, -5})}),
            (std::vector<int8_t>{3, -3}));
}

TEST(Kernels, ConcatenationAlongChannels) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 1, 2, 1}, 0.1f, 0);
  const int y = b.input("y", KILN_DTYPE_INT8, {1, 1, 2, 2}, 0.1f, 0);
  const int z = b.tensor("z", KILN_DTYPE_INT8, {1, 1, 2, 3}, 0.1f, 0);
  ir::OpAttrs axis;
  axis.axis = -1;
  b.op(OpKind::kConcatenation, {x, y}, {z}, axis);
  b.output(z);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2}), bytes_of<int8_t>({3, 4, 5, 6})}),
            (std::vector<int8_t>{1, 3, 4, 2, 5, 6}));
}

TEST(Kernels, QuantizeDequantizeRequantize) {
  GraphBuilder q;
  const int f = q.input("f", KILN_DTYPE_FLOAT32, {5});
  const int i8 = q.tensor("q", KILN_DTYPE_INT8, {5}, 0.5f, -1);
  q.op(OpKind::kQuantize, {f}, {i8});
  q.output(i8);
  EXPECT_EQ(run_graph<int8_t>(q.build(), {bytes_of<float>({0.0f, 0.25f, -0.25f, 1.0f, 100.0f})}),
            (std::vector<int8_t>{-1, 0, -2, 1, 127}));

  GraphBuilder d;
  const int di = d.input("q", KILN_DTYPE_INT8, {3}, 0.5f, 2);
  const int df = d.tensor("f", KILN_DTYPE_FLOAT32, {3});
  d.op(OpKind::kDequantize, {di}, {df});
  d.output(df);
  EXPECT_EQ(run_graph<float>(d.build(), {bytes_of<int8_t>({2, 4, -128})}), (std::vector<float>{0.0f, 1.0f, -65.0f}));

  GraphBuilder r;
  const int ri = r.input("a", KILN_DTYPE_INT8, {3}, 1.0f, 0);
  const int ro = r.tensor("b", KILN_DTYPE_INT8, {3}, 2.0f, 10);
  r.op(OpKind::kQuantize, {ri}, {ro});
  r.output(ro);
  // 2.5 rounds up; -2.5 rounds toward zero in the doubling high multiply.
  EXPECT_EQ(run_graph<int8_t>(r.build(), {bytes_of<int8_t>({4, 5, -5})}), (std::vector<int8_t>{12, 13, 8}));
}

TEST(Kernels, MaxPoolInt8AndFloat) {
  for (kiln_dtype dtype : {KILN_DTYPE_INT8, KILN_DTYPE_FLOAT32}) {
    GraphBuilder b;
    const float scale = dtype == KILN_DTYPE_INT8 ? 0.1f : 0.0f;
    const int x = b.input("x", dtype, {1, 2, 4, 1}, scale, 0);
    const int y = b.tensor("y", dtype, {1, 1, 2, 1}, scale, 0);
    ir::OpAttrs a;
    a.filter_h = a.filter_w = a.stride_h = a.stride_w = 2;
    b.op(OpKind::kMaxPool2D, {x}, {y}, a);
    b.output(y);
    if (dtype == KILN_DTYPE_INT8) {
      EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, -5, 7, 2, 3, 4, -8, 6})}),
                (std::vector<int8_t>{4, 7}));
    } else {
      EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({1, -5, 7, 2, 3, 4, -8, 6})}),
                (std::vector<float>{4, 7}));
    }
  }
}

TEST(Kernels, ConvFloatValidAndSameInt8) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3, 3, 1});
  const int w = b.constant<float>("w", KILN_DTYPE_FLOAT32, {1, 2, 2, 1}, {1, 1, 1, 1});
  const int bias = b.constant<float>("b", KILN_DTYPE_FLOAT32, {1}, {1});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 2, 2, 1});
  b.op(OpKind::kConv2D, {x, w, bias}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({1, 2, 3, 4, 5, 6, 7, 8, 9})}),
            (std::vector<float>{13, 17, 25, 29}));

  // SAME padding, stride 2: every 3x3 window over a 3x3 image sees 4 pixels.
  GraphBuilder q;
  const int qx = q.input("x", KILN_DTYPE_INT8, {1, 3, 3, 1}, 1.0f, 0);
  const int qw = q.constant<int8_t>("w", KILN_DTYPE_INT8, {2, 3, 3, 1}, std::vector<int8_t>(18, 1), {1.0f, 0.5f}, 0);
  const int qy = q.tensor("y", KILN_DTYPE_INT8, {1, 2, 2, 2}, 1.0f, -1);
  ir::OpAttrs a;
  a.padding = ir::Padding::kSame;
  a.stride_h = a.stride_w = 2;
  q.op(OpKind::kConv2D, {qx, qw, -1}, {qy}, a);
  q.output(qy);
  // channel 0: 4 * 3 - 1 = 11; channel 1 (scale 0.5): 6 - 1 = 5
  EXPECT_EQ(run_graph<int8_t>(q.build(), {bytes_of<int8_t>(std::vector<int8_t>(9, 3))}),
            (std::vector<int8_t>{11, 5, 11, 5, 11, 5, 11, 5}));
}

TEST(Kernels, SoftmaxFloat) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 3});
  b.op(OpKind::kSoftmax, {x}, {y});
  b.output(y);
  const std::vector<float> out = run_graph<float>(b.build(), {bytes_of<float>({1, 2, 3})});
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(out[static_cast<size_t>(i)], std::exp(i + 1.0) / sum, 1e-6);
}

TEST(Kernels, UnsupportedOpIsNamedWithItsLocation) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 3});
  b.op(OpKind::kUnsupported, {x}, {y}).type_name = "TANH";
  b.output(y);
  try {
    compile_graph(b.build());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("TANH (operator 0, output 'y')"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kiln
