// Data movement kernels (PAD, CONCATENATION, TRANSPOSE) on cases worked out
// by hand.
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

TEST(DataMovementKernels, PadInt8FillsWithZeroPoint) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 2, 2, 1}, 0.1f, 5);
  const int pads = b.constant<int32_t>("pads", KILN_DTYPE_INT32, {4, 2}, {0, 0, 1, 0, 0, 1, 0, 0});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 3, 3, 1}, 0.1f, 5);
  b.op(OpKind::kPad, {x, pads}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2, 3, 4})}),
            (std::vector<int8_t>{5, 5, 5, 1, 2, 5, 3, 4, 5}));
}

TEST(DataMovementKernels, ConcatenationAlongChannels) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 1, 2, 1}, 0.1f, 0);
  const int y = b.input("y", KILN_DTYPE_INT8, {1, 1, 2, 2}, 0.1f, 0);
  const int z = b.tensor("z", KILN_DTYPE_INT8, {1, 1, 2, 3}, 0.1f, 0);
  ir::OpAttrs axis;
  axis.axis = -1;
  b.op(OpKind::kConcatenation, {x, y}, {z}, axis);
  b.output(z);
  EXPECT_EQ(
      run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2}), bytes_of<int8_t>({3, 4, 5, 6})}),
      (std::vector<int8_t>{1, 3, 4, 2, 5, 6}));
}

TEST(DataMovementKernels, PermutesAnyElementSize) {
  // [2, 3] -> [3, 2] for int8, and a 3-D permutation of float32.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {2, 3}, 1.0f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {3, 2}, 1.0f, 0);
  ir::OpAttrs a;
  a.perm = {1, 0};
  b.op(OpKind::kTranspose, {x}, {y}, a);
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2, 3, 4, 5, 6})}),
            (std::vector<int8_t>{1, 4, 2, 5, 3, 6}));

  GraphBuilder f;
  const int fx = f.input("x", KILN_DTYPE_FLOAT32, {2, 2, 3});
  const int fy = f.tensor("y", KILN_DTYPE_FLOAT32, {3, 2, 2});
  ir::OpAttrs p;
  p.perm = {2, 0, 1};
  f.op(OpKind::kTranspose, {fx}, {fy}, p);
  f.output(fy);
  // y[k][i][j] = x[i][j][k] = 6i + 3j + k.
  std::vector<float> want;
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) want.push_back(static_cast<float>(6 * i + 3 * j + k));
    }
  }
  EXPECT_EQ(run_graph<float>(f.build(), {bytes_of<float>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})}),
            want);
}

}  // namespace
}  // namespace kiln
