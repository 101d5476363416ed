// BATCH_MATMUL on products worked out by hand (run_graph also runs them on an
// emulated core under the device label).
#include <gtest/gtest.h>

#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

struct Operand {
  std::vector<int32_t> shape;
  float scale;
  int32_t zero_point;
};

template <typename T>
std::vector<T> run_matmul(kiln_dtype dtype, const Operand& l, const Operand& r, const Operand& o,
                          bool adj_x, bool adj_y, const std::vector<T>& lhs,
                          const std::vector<T>& rhs) {
  GraphBuilder b;
  const int x = b.input("x", dtype, l.shape, l.scale, l.zero_point);
  const int y = b.input("y", dtype, r.shape, r.scale, r.zero_point);
  const int z = b.tensor("z", dtype, o.shape, o.scale, o.zero_point);
  ir::OpAttrs a;
  a.adj_x = adj_x;
  a.adj_y = adj_y;
  b.op(OpKind::kBatchMatMul, {x, y}, {z}, a);
  b.output(z);
  return run_graph<T>(b.build(), {bytes_of<T>(lhs), bytes_of<T>(rhs)});
}

TEST(BatchMatMulKernels, FloatBroadcastsTheRightOperandOverTheBatch) {
  // [[1 2 3] [4 5 6]] and [[1 0 0] [0 1 0]] times [[1 0] [0 1] [1 1]].
  const std::vector<float> lhs = {1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0};
  const std::vector<float> expected = {4, 5, 10, 11, 1, 0, 0, 1};
  EXPECT_EQ(run_matmul<float>(KILN_DTYPE_FLOAT32, {{2, 2, 3}, 0, 0}, {{3, 2}, 0, 0},
                              {{2, 2, 2}, 0, 0}, false, false, lhs, {1, 0, 0, 1, 1, 1}),
            expected);
  // The same right operand stored transposed (adj_y).
  EXPECT_EQ(run_matmul<float>(KILN_DTYPE_FLOAT32, {{2, 2, 3}, 0, 0}, {{2, 3}, 0, 0},
                              {{2, 2, 2}, 0, 0}, false, true, lhs, {1, 0, 1, 0, 1, 1}),
            expected);
}

TEST(BatchMatMulKernels, Int8AndInt16Rescale) {
  // int8: (1, 2) . (0.5, 1) = 2.5 -> 5 at 0.5; lhs stored as a column (adj_x)
  // with zero point 1.
  EXPECT_EQ(run_matmul<int8_t>(KILN_DTYPE_INT8, {{2, 1}, 0.5f, 1}, {{2, 1}, 0.25f, 0},
                               {{1, 1}, 0.5f, 0}, true, false, {3, 5}, {2, 4}),
            (std::vector<int8_t>{5}));
  // int16 (64-bit sums): the same product at 1/1000 into 1/100.
  EXPECT_EQ(run_matmul<int16_t>(KILN_DTYPE_INT16, {{1, 2}, 0.001f, 0}, {{2, 1}, 0.001f, 0},
                                {{1, 1}, 0.01f, 0}, false, false, {1000, 2000}, {500, 1000}),
            (std::vector<int16_t>{250}));
}

}  // namespace
}  // namespace kiln
