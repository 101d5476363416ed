// DYNAMIC_UPDATE_SLICE and BROADCAST_ARGS with their indices and shapes fed
// as inputs (run_graph also runs them on an emulated core under the device
// label).
#include <gtest/gtest.h>

#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

std::vector<int8_t> update_slice(const std::vector<int64_t>& start) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {3, 3}, 1.0f, 0);
  const int u = b.input("u", KILN_DTYPE_INT8, {2, 1}, 1.0f, 0);
  const int s = b.input("start", KILN_DTYPE_INT64, {2});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {3, 3}, 1.0f, 0);
  b.op(OpKind::kDynamicUpdateSlice, {x, u, s}, {y});
  b.output(y);
  return run_graph<int8_t>(b.build(), {bytes_of<int8_t>({0, 0, 0, 0, 0, 0, 0, 0, 0}),
                                       bytes_of<int8_t>({7, 8}), bytes_of<int64_t>(start)});
}

TEST(DynamicKernels, UpdateSliceClampsItsStartInside) {
  EXPECT_EQ(update_slice({0, 1}), (std::vector<int8_t>{0, 7, 0, 0, 8, 0, 0, 0, 0}));
  // Row 5 clamps to 1 (the last row the update fits from), column -4 to 0.
  EXPECT_EQ(update_slice({5, -4}), (std::vector<int8_t>{0, 0, 0, 7, 0, 0, 8, 0, 0}));
}

TEST(DynamicKernels, BroadcastArgsRightAligns) {
  GraphBuilder b;
  const int s1 = b.input("s1", KILN_DTYPE_INT32, {3});
  const int s2 = b.input("s2", KILN_DTYPE_INT32, {2});
  const int y = b.tensor("y", KILN_DTYPE_INT32, {3});
  b.op(OpKind::kBroadcastArgs, {s1, s2}, {y});
  b.output(y);
  EXPECT_EQ(
      run_graph<int32_t>(b.build(), {bytes_of<int32_t>({2, 1, 5}), bytes_of<int32_t>({4, 1})}),
      (std::vector<int32_t>{2, 4, 5}));
}

}  // namespace
}  // namespace kiln
