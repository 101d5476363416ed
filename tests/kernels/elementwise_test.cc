// Element-wise binary kernels (ADD, MUL, SUB) with broadcasting and fused
// activations, on cases worked out by hand.
// Every case runs on the host; with --kiln-device=CORE (the device label of
// ctest) the same blob also runs on that emulated core and must give the
// same bytes (run_graph).
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

TEST(ElementwiseKernels, AddInt8Broadcast) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 2, 2, 1}, 0.5f, 0);
  const int y = b.input("y", KILN_DTYPE_INT8, {1}, 0.5f, 0);
  const int z = b.tensor("z", KILN_DTYPE_INT8, {1, 2, 2, 1}, 0.5f, 0);
  ir::OpAttrs relu;
  relu.activation = ir::Activation::kRelu;
  b.op(OpKind::kAdd, {x, y}, {z}, relu);
  b.output(z);
  EXPECT_EQ(
      run_graph<int8_t>(b.build(), {bytes_of<int8_t>({3, -9, 120, 0}), bytes_of<int8_t>({4})}),
      (std::vector<int8_t>{7, 0, 124, 4}));
}

TEST(ElementwiseKernels, AddInt16ShiftsBy15AndRoundsHalfAway) {
  // Inputs of scale 1 and 0.5 meet at scale 2 (multipliers 1/2 and 1/4)
  // after a 15-bit shift; the output step is 2 / 2^15 / 1 = 2^-14.
  // 100 + (-15.5) = 84.5 -> 85; its negation -> -85; 32767 + 16383.5 saturates.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT16, {3}, 1.0f, 0);
  const int y = b.input("y", KILN_DTYPE_INT16, {3}, 0.5f, 0);
  const int z = b.tensor("z", KILN_DTYPE_INT16, {3}, 1.0f, 0);
  b.op(OpKind::kAdd, {x, y}, {z});
  b.output(z);
  EXPECT_EQ(run_graph<int16_t>(b.build(), {bytes_of<int16_t>({100, -100, 32767}),
                                           bytes_of<int16_t>({-31, 31, 32767})}),
            (std::vector<int16_t>{85, -85, 32767}));
}

TEST(ElementwiseKernels, Int16NeedsZeroPointZero) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT16, {2}, 1.0f, 3);
  const int z = b.tensor("z", KILN_DTYPE_INT16, {2}, 1.0f, 0);
  b.op(OpKind::kMul, {x, x}, {z});
  b.output(z);
  try {
    compile_graph(b.build());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("zero point 0"), std::string::npos) << e.what();
  }
}

TEST(ElementwiseKernels, MulInt8WithBroadcast) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 4}, 0.5f, 0);
  const int y = b.input("y", KILN_DTYPE_INT8, {1, 4}, 0.5f, 0);
  const int z = b.tensor("z", KILN_DTYPE_INT8, {1, 4}, 0.25f, 0);
  b.op(OpKind::kMul, {x, y}, {z});
  b.output(z);
  EXPECT_EQ(run_graph<int8_t>(b.build(),
                              {bytes_of<int8_t>({2, 3, -4, 10}), bytes_of<int8_t>({3, -5, 6, 12})}),
            (std::vector<int8_t>{6, -15, -24, 120}));

  GraphBuilder c;
  const int a = c.input("a", KILN_DTYPE_INT8, {2, 2}, 0.5f, 1);
  const int k = c.input("k", KILN_DTYPE_INT8, {1}, 0.5f, 0);
  const int o = c.tensor("o", KILN_DTYPE_INT8, {2, 2}, 0.5f, -3);
  c.op(OpKind::kMul, {a, k}, {o});
  c.output(o);
  // (q - 1) * 0.5 * 4 * 0.5 / 0.5 - 3 = 2 (q - 1) - 3, clamped to int8.
  EXPECT_EQ(
      run_graph<int8_t>(c.build(), {bytes_of<int8_t>({1, 5, -7, 100}), bytes_of<int8_t>({4})}),
      (std::vector<int8_t>{-3, 5, -19, 127}));
}

TEST(ElementwiseKernels, SubInt8AndFloat) {
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

// x (op) y on quantized tensors of one type and shape.
template <typename T>
std::vector<T> run_quantized_binary(OpKind kind, kiln_dtype dtype, float x_scale, float y_scale,
                                    float out_scale, const std::vector<T>& x,
                                    const std::vector<T>& y) {
  GraphBuilder b;
  const std::vector<int32_t> shape = {static_cast<int32_t>(x.size())};
  const int in1 = b.input("x", dtype, shape, x_scale, 0);
  const int in2 = b.input("y", dtype, shape, y_scale, 0);
  const int out = b.tensor("z", dtype, shape, out_scale, 0);
  b.op(kind, {in1, in2}, {out});
  b.output(out);
  return run_graph<T>(b.build(), {bytes_of<T>(x), bytes_of<T>(y)});
}

TEST(ElementwiseKernels, SquaredDifferenceInt8AndInt16) {
  // int8 at 0.5 into 1.0: (3 - 0)^2 = 9, (-1 - 1)^2 = 4, 1.5^2 = 2.25 -> 2.
  EXPECT_EQ(run_quantized_binary<int8_t>(OpKind::kSquaredDifference, KILN_DTYPE_INT8, 0.5f, 0.5f,
                                         1.0f, {6, -2, 3}, {0, 2, 0}),
            (std::vector<int8_t>{9, 4, 2}));
  // int16 at 1/256 into 1/64: (2 - 1)^2 = 1 -> 64, (-1 - 1)^2 = 4 -> 256.
  EXPECT_EQ(run_quantized_binary<int16_t>(OpKind::kSquaredDifference, KILN_DTYPE_INT16, 1.0f / 256,
                                          1.0f / 256, 1.0f / 64, {512, -256}, {256, 256}),
            (std::vector<int16_t>{64, 256}));
}

TEST(ElementwiseKernels, DivInt8) {
  // x at 0.5, y at 0.25, out at 0.5: 4 / 2 = 2 -> 4, -4 / 2 -> -4, 3.5 / 1 -> 7,
  // 0.5 / 3 = 0.167 -> 0.33 -> 0; a zero divisor gives the bound of the sign.
  EXPECT_EQ(run_quantized_binary<int8_t>(OpKind::kDiv, KILN_DTYPE_INT8, 0.5f, 0.25f, 0.5f,
                                         {8, -8, 7, 1, 5, -5}, {8, 8, 4, 12, 0, 0}),
            (std::vector<int8_t>{4, -4, 7, 0, 127, -128}));
}

TEST(ElementwiseKernels, PreluScalesNegativeInputsByAlpha) {
  // int8: alpha 64 at scale 1/128 is 0.5; -4 -> -2, -3 -> -1.5 -> -2 (half away).
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 3}, 0.5f, 0);
  const int alpha = b.constant<int8_t>("alpha", KILN_DTYPE_INT8, {1}, {64}, {1.0f / 128});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 3}, 0.5f, 0);
  b.op(OpKind::kPrelu, {x, alpha}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({4, -4, -3})}),
            (std::vector<int8_t>{4, -2, -2}));

  GraphBuilder f;
  const int fx = f.input("x", KILN_DTYPE_FLOAT32, {2, 2});
  const int fa = f.constant<float>("alpha", KILN_DTYPE_FLOAT32, {2}, {0.25f, 2.0f});
  const int fy = f.tensor("y", KILN_DTYPE_FLOAT32, {2, 2});
  f.op(OpKind::kPrelu, {fx, fa}, {fy});
  f.output(fy);
  EXPECT_EQ(run_graph<float>(f.build(), {bytes_of<float>({2, -2, -4, 3})}),
            (std::vector<float>{2, -4, -1, 3}));
}

}  // namespace
}  // namespace kiln
