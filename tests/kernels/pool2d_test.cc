// Pooling kernels on cases worked out by hand.
// Every case runs on the host; with --kiln-device=CORE (the device label of
// ctest) the same blob also runs on that emulated core and must give the
// same bytes (run_graph).
#include <gtest/gtest.h>

#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

TEST(PoolKernels, MaxPoolInt8AndFloat) {
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

TEST(PoolKernels, L2PoolIsTheRootMeanSquare) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 2, 4, 1});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 1, 2, 1});
  ir::OpAttrs a;
  a.filter_h = a.filter_w = a.stride_h = a.stride_w = 2;
  b.op(OpKind::kL2Pool2D, {x}, {y}, a);
  b.output(y);
  // sqrt((1 + 1 + 1 + 1) / 4) = 1; sqrt((9 + 16 + 0 + 0) / 4) = 2.5.
  EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({1, -1, 3, 0, 1, -1, -4, 0})}),
            (std::vector<float>{1.0f, 2.5f}));
}

TEST(PoolKernels, AveragePoolInt16RoundsHalfAwayFromZero) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT16, {1, 2, 4, 1}, 0.01f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT16, {1, 1, 2, 1}, 0.01f, 0);
  ir::OpAttrs a;
  a.filter_h = a.filter_w = a.stride_h = a.stride_w = 2;
  b.op(OpKind::kAveragePool2D, {x}, {y}, a);
  b.output(y);
  // (30000 + 30001 + 30000 + 30001) / 4 = 30000.5 -> 30001; (-1 - 2 - 2 - 1) / 4 = -1.5 -> -2
  EXPECT_EQ(run_graph<int16_t>(b.build(),
                               {bytes_of<int16_t>({30000, 30001, -1, -2, 30000, 30001, -2, -1})}),
            (std::vector<int16_t>{30001, -2}));
}

}  // namespace
}  // namespace kiln
