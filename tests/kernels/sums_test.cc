// ADD_N and CUMSUM on cases worked out by hand (run_graph also runs them on an
// emulated core under the device label).
#include <gtest/gtest.h>

#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

TEST(SumKernels, AddNFloatChainsPastOneCallsInputs) {
  // Eleven inputs: more than one call takes, the partial sum carried over.
  GraphBuilder b;
  std::vector<int> inputs;
  std::vector<std::vector<uint8_t>> values;
  for (int i = 0; i < 11; ++i) {
    inputs.push_back(b.input("x" + std::to_string(i), KILN_DTYPE_FLOAT32, {2}));
    values.push_back(bytes_of<float>({static_cast<float>(i), 1.0f}));
  }
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {2});
  b.op(OpKind::kAddN, inputs, {y});
  b.output(y);
  EXPECT_EQ(run_graph<float>(b.build(), values), (std::vector<float>{55, 11}));
}

TEST(SumKernels, AddNInt8StartsFromMinusTheZeroPoint) {
  // 1 + 2 = 3 is 7 at scale 0.5 and zero point 1, but TFLite's accumulator
  // starts at -zero point (one step of 0.5 less): 6.
  GraphBuilder b;
  const int x0 = b.input("x0", KILN_DTYPE_INT8, {1}, 0.5f, 1);
  const int x1 = b.input("x1", KILN_DTYPE_INT8, {1}, 0.5f, 1);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1}, 0.5f, 1);
  b.op(OpKind::kAddN, {x0, x1}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({3}), bytes_of<int8_t>({5})}),
            (std::vector<int8_t>{6}));
}

template <typename T>
std::vector<T> run_cumsum(kiln_dtype dtype, bool exclusive, bool reverse, const std::vector<T>& x) {
  GraphBuilder b;
  const float scale = dtype == KILN_DTYPE_INT8 ? 1.0f : 0.0f;
  const int in = b.input("x", dtype, {2, 2}, scale, 0);
  const int axis = b.constant<int32_t>("axis", KILN_DTYPE_INT32, {1}, {-1});
  const int out = b.tensor("y", dtype, {2, 2}, scale, 0);
  ir::OpAttrs a;
  a.exclusive = exclusive;
  a.reverse = reverse;
  b.op(OpKind::kCumsum, {in, axis}, {out}, a);
  b.output(out);
  return run_graph<T>(b.build(), {bytes_of<T>(x)});
}

TEST(SumKernels, CumsumAlongTheLastAxis) {
  EXPECT_EQ(run_cumsum<float>(KILN_DTYPE_FLOAT32, false, false, {1, 2, 3, 4}),
            (std::vector<float>{1, 3, 3, 7}));
  EXPECT_EQ(run_cumsum<float>(KILN_DTYPE_FLOAT32, true, true, {1, 2, 3, 4}),
            (std::vector<float>{2, 0, 4, 0}));
  EXPECT_EQ(run_cumsum<int8_t>(KILN_DTYPE_INT8, false, true, {1, 2, 3, 4}),
            (std::vector<int8_t>{3, 2, 7, 4}));
  EXPECT_EQ(run_cumsum<int8_t>(KILN_DTYPE_INT8, true, false, {100, 100, -3, 4}),
            (std::vector<int8_t>{0, 100, 0, -3}));
}

}  // namespace
}  // namespace kiln
