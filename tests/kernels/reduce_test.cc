// Reductions on cases worked out by hand: MEAN (int8, TFLite's rounding),
// SUM (int8 rescaled, no division), REDUCE_MAX and REDUCE_MIN.
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

TEST(ReduceKernels, MeanInt8RoundsHalfAwayFromZero) {
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

TEST(ReduceKernels, SumInt8RescalesWithoutDividing) {
  // Sums of rows [1 2 3] and [4 5 6] (zero point 1, scale 0.5) into an
  // output of scale 1 and zero point -2: (6 - 3) / 2 - 2 and (15 - 3) / 2 - 2.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {2, 3}, 0.5f, 1);
  const int axes = b.constant<int32_t>("axes", KILN_DTYPE_INT32, {1}, {1});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {2}, 1.0f, -2);
  b.op(OpKind::kSum, {x, axes}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2, 3, 4, 5, 6})}),
            (std::vector<int8_t>{0, 4}));
}

TEST(ReduceKernels, MaxAndMinOverLeadingAxis) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {2, 2});
  const int axes = b.constant<int32_t>("axes", KILN_DTYPE_INT32, {1}, {0});
  const int hi = b.tensor("hi", KILN_DTYPE_FLOAT32, {2});
  const int lo = b.tensor("lo", KILN_DTYPE_FLOAT32, {2});
  b.op(OpKind::kReduceMax, {x, axes}, {hi});
  b.op(OpKind::kReduceMin, {x, axes}, {lo});
  b.output(hi);
  b.output(lo);
  const CompiledModel m = compile_graph(b.build());
  HostRunner host(m.blob);
  const auto out = test::run_once(host, {bytes_of<float>({1, -5, 3, -7})});
  EXPECT_EQ(test::values_of<float>(out[0]), (std::vector<float>{3, -5}));
  EXPECT_EQ(test::values_of<float>(out[1]), (std::vector<float>{1, -7}));
}

TEST(ReduceKernels, AllAndAnyOfBools) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_BOOL, {2, 3});
  const int axes = b.constant<int32_t>("axes", KILN_DTYPE_INT32, {1}, {1});
  const int all = b.tensor("all", KILN_DTYPE_BOOL, {2});
  const int any = b.tensor("any", KILN_DTYPE_BOOL, {2});
  b.op(OpKind::kReduceAll, {x, axes}, {all});
  b.op(OpKind::kReduceAny, {x, axes}, {any});
  b.output(all);
  b.output(any);
  const CompiledModel m = compile_graph(b.build());
  HostRunner host(m.blob);
  const auto out = test::run_once(host, {bytes_of<uint8_t>({1, 1, 1, 0, 1, 0})});
  EXPECT_EQ(test::values_of<uint8_t>(out[0]), (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(test::values_of<uint8_t>(out[1]), (std::vector<uint8_t>{1, 1}));
}

}  // namespace
}  // namespace kiln
