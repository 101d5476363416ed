// MEAN on a case worked out by hand: int8 with TFLite's rounding.
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

TEST(MeanKernels, MeanInt8RoundsHalfAwayFromZero) {
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

}  // namespace
}  // namespace kiln
