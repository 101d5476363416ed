// Element-wise ops on stored values (kiln/ops/pointwise.h) on cases worked
// out by hand: TFLite's floor division and modulo, half-to-even rounding,
// int8 comparisons of differently quantized inputs, integer division by
// zero, bool logic and SELECT_V2's broadcasting.
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

template <typename T>
std::vector<T> binary(OpKind kind, kiln_dtype dtype, kiln_dtype out_dtype,
                      const std::vector<int32_t>& a_shape, const std::vector<int32_t>& b_shape,
                      const std::vector<int32_t>& out_shape, const std::vector<uint8_t>& a,
                      const std::vector<uint8_t>& b) {
  GraphBuilder g;
  const int x = g.input("x", dtype, a_shape);
  const int y = g.input("y", dtype, b_shape);
  const int z = g.tensor("z", out_dtype, out_shape);
  g.op(kind, {x, y}, {z});
  g.output(z);
  return run_graph<T>(g.build(), {a, b});
}

TEST(PointwiseKernels, FloorDivisionAndModuloRoundDown) {
  const auto a = bytes_of<float>({7, -7, 7, -7});
  const auto b = bytes_of<float>({2, 2, -2, -2});
  EXPECT_EQ(
      binary<float>(OpKind::kFloorDiv, KILN_DTYPE_FLOAT32, KILN_DTYPE_FLOAT32, {4}, {4}, {4}, a, b),
      (std::vector<float>{3, -4, -4, 3}));
  EXPECT_EQ(
      binary<float>(OpKind::kFloorMod, KILN_DTYPE_FLOAT32, KILN_DTYPE_FLOAT32, {4}, {4}, {4}, a, b),
      (std::vector<float>{1, 1, -1, -1}));
  const auto ia = bytes_of<int32_t>({7, -7, 7, -7, 5});
  const auto ib = bytes_of<int32_t>({2, 2, -2, -2, 0});
  EXPECT_EQ(
      binary<int32_t>(OpKind::kFloorMod, KILN_DTYPE_INT32, KILN_DTYPE_INT32, {5}, {5}, {5}, ia, ib),
      (std::vector<int32_t>{1, 1, -1, -1, 0}));
  // Division by zero gives 0 rather than a trap; INT32_MIN / -1 wraps.
  EXPECT_EQ(binary<int32_t>(OpKind::kDiv, KILN_DTYPE_INT32, KILN_DTYPE_INT32, {3}, {3}, {3},
                            bytes_of<int32_t>({9, 9, INT32_MIN}), bytes_of<int32_t>({-2, 0, -1})),
            (std::vector<int32_t>{-4, 0, INT32_MIN}));
}

TEST(PointwiseKernels, RoundsHalfToEven) {
  GraphBuilder g;
  const int x = g.input("x", KILN_DTYPE_FLOAT32, {5});
  const int y = g.tensor("y", KILN_DTYPE_FLOAT32, {5});
  g.op(OpKind::kRound, {x}, {y});
  g.output(y);
  EXPECT_EQ(run_graph<float>(g.build(), {bytes_of<float>({0.5f, 1.5f, 2.5f, -0.5f, -1.7f})}),
            (std::vector<float>{0, 2, 2, -0, -2}));
}

TEST(PointwiseKernels, Int8ComparisonRescalesEachInput) {
  // x = 0.5 * (q - 0), y = 0.25 * (q - 4): x = [1, 2, 3], y = [1, 2.5, 2].
  GraphBuilder g;
  const int x = g.input("x", KILN_DTYPE_INT8, {3}, 0.5f, 0);
  const int y = g.input("y", KILN_DTYPE_INT8, {3}, 0.25f, 4);
  const int eq = g.tensor("eq", KILN_DTYPE_BOOL, {3});
  g.op(OpKind::kEqual, {x, y}, {eq});
  const int lt = g.tensor("lt", KILN_DTYPE_BOOL, {3});
  g.op(OpKind::kLess, {x, y}, {lt});
  g.output(eq);
  g.output(lt);
  const CompiledModel m = compile_graph(g.build());
  HostRunner host(m.blob);
  const auto out =
      test::run_once(host, {bytes_of<int8_t>({2, 4, 6}), bytes_of<int8_t>({8, 14, 12})});
  EXPECT_EQ(out[0], (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_EQ(out[1], (std::vector<uint8_t>{0, 1, 0}));
}

TEST(PointwiseKernels, BoolLogicBroadcasts) {
  EXPECT_EQ(binary<uint8_t>(OpKind::kLogicalAnd, KILN_DTYPE_BOOL, KILN_DTYPE_BOOL, {2, 2}, {1, 2},
                            {2, 2}, bytes_of<uint8_t>({1, 1, 0, 1}), bytes_of<uint8_t>({1, 0})),
            (std::vector<uint8_t>{1, 0, 0, 0}));
  EXPECT_EQ(binary<uint8_t>(OpKind::kNotEqual, KILN_DTYPE_BOOL, KILN_DTYPE_BOOL, {2}, {2}, {2},
                            bytes_of<uint8_t>({1, 0}), bytes_of<uint8_t>({1, 1})),
            (std::vector<uint8_t>{0, 1}));
}

TEST(PointwiseKernels, SelectBroadcastsAllThree) {
  GraphBuilder g;
  const int c = g.input("c", KILN_DTYPE_BOOL, {2, 1});
  const int x = g.input("x", KILN_DTYPE_INT16, {1, 3});
  const int y = g.input("y", KILN_DTYPE_INT16, {2, 3});
  const int z = g.tensor("z", KILN_DTYPE_INT16, {2, 3});
  g.op(OpKind::kSelect, {c, x, y}, {z});
  g.output(z);
  EXPECT_EQ(run_graph<int16_t>(g.build(), {bytes_of<uint8_t>({1, 0}), bytes_of<int16_t>({1, 2, 3}),
                                           bytes_of<int16_t>({4, 5, 6, 7, 8, 9})}),
            (std::vector<int16_t>{1, 2, 3, 7, 8, 9}));
}

// A one-input op of quantized values: y = op(x) for int8 or int16 x.
template <typename T>
std::vector<T> run_unary(OpKind kind, kiln_dtype dtype, float in_scale, float out_scale,
                         const std::vector<T>& x) {
  GraphBuilder g;
  const int in = g.input("x", dtype, {static_cast<int32_t>(x.size())}, in_scale, 0);
  const int out = g.tensor("y", dtype, {static_cast<int32_t>(x.size())}, out_scale, 0);
  g.op(kind, {in}, {out});
  g.output(out);
  return run_graph<T>(g.build(), {bytes_of<T>(x)});
}

TEST(PointwiseKernels, QuantizedAbsRescalesOnlyWhenTheScalesDiffer) {
  // Scale halves: |-5| = 5 -> 2.5 rounds away from zero to 3; |-128| = 128 -> 64.
  EXPECT_EQ(run_unary<int8_t>(OpKind::kAbs, KILN_DTYPE_INT8, 0.25f, 0.5f, {-5, 4, -128}),
            (std::vector<int8_t>{3, 2, 64}));
  // Same scales: stored values, |-128| saturating to 127.
  EXPECT_EQ(run_unary<int8_t>(OpKind::kAbs, KILN_DTYPE_INT8, 0.5f, 0.5f, {-5, 4, -128}),
            (std::vector<int8_t>{5, 4, 127}));
  EXPECT_EQ(
      run_unary<int16_t>(OpKind::kAbs, KILN_DTYPE_INT16, 1.0f / 1024, 1.0f / 512, {-5, 4, -32768}),
      (std::vector<int16_t>{3, 2, 16384}));
  EXPECT_EQ(run_unary<int16_t>(OpKind::kAbs, KILN_DTYPE_INT16, 0.5f, 0.5f, {-7, -32768}),
            (std::vector<int16_t>{7, 32767}));
}

TEST(PointwiseKernels, QuantizedRsqrtFollowsTheFixedPointInverseSquareRoot) {
  // x at 1/16: 16 is 1.0, 64 is 4.0, 4 is 0.25; outputs at 1/64: 1 -> 64,
  // 1/2 -> 32, 2 -> 128 saturating to 127; zero saturates too.
  EXPECT_EQ(
      run_unary<int8_t>(OpKind::kRsqrt, KILN_DTYPE_INT8, 1.0f / 16, 1.0f / 64, {16, 64, 4, 0}),
      (std::vector<int8_t>{64, 32, 127, 127}));
  // 1/sqrt(2) * 4096 = 2896.3.
  EXPECT_EQ(run_unary<int16_t>(OpKind::kRsqrt, KILN_DTYPE_INT16, 1.0f / 256, 1.0f / 4096,
                               {256, 512, 1024, 0}),
            (std::vector<int16_t>{4096, 2896, 2048, 32767}));
}

TEST(PointwiseKernels, MathOnInt8IsRefusedNamingTheType) {
  GraphBuilder g;
  const int x = g.input("x", KILN_DTYPE_INT8, {2}, 0.5f, 0);
  const int y = g.tensor("y", KILN_DTYPE_INT8, {2}, 0.5f, 0);
  g.op(OpKind::kExp, {x}, {y});
  g.output(y);
  try {
    compile_graph(g.build());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("int8 input 'x' is not supported"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kiln
