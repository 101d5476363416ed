// Index-driven copies worked out by hand: GATHER (an index outside the input
// gives a zero slice), GATHER_ND, RESIZE_NEAREST_NEIGHBOR (two gathers at
// compile-time tables), MIRROR_PAD (a gather per padded dim),
// EMBEDDING_LOOKUP of an int8 table into floats, and ARG_MAX / ARG_MIN (the
// first extreme wins a tie).
// With --kiln-device=CORE the blobs also run on that emulated core (run_graph).
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

TEST(GatherKernels, GatherAlongInnerAxisZeroesOutOfRangeIndices) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {2, 3}, 1.0f, 0);
  const int idx = b.input("idx", KILN_DTYPE_INT32, {3});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {2, 3}, 1.0f, 0);
  ir::OpAttrs attrs;
  attrs.axis = 1;
  b.op(OpKind::kGather, {x, idx}, {y}, attrs);
  b.output(y);
  // rows [1 2 3] and [4 5 6] at columns 2, 0 and 7 (outside: zeros)
  EXPECT_EQ(run_graph<int8_t>(b.build(),
                              {bytes_of<int8_t>({1, 2, 3, 4, 5, 6}), bytes_of<int32_t>({2, 0, 7})}),
            (std::vector<int8_t>{3, 1, 0, 6, 4, 0}));
}

TEST(GatherKernels, GatherNdPicksSlicesByIndexTuples) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {2, 2, 2});
  const int idx = b.constant<int64_t>("idx", KILN_DTYPE_INT64, {2, 2}, {1, 0, 0, 1});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {2, 2});
  b.op(OpKind::kGatherNd, {x, idx}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({0, 1, 2, 3, 4, 5, 6, 7})}),
            (std::vector<float>{4, 5, 2, 3}));
}

TEST(GatherKernels, ResizeNearestDoublesRowsAndColumns) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 2, 2, 1}, 1.0f, 0);
  const int size = b.constant<int32_t>("size", KILN_DTYPE_INT32, {2}, {3, 4});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 3, 4, 1}, 1.0f, 0);
  b.op(OpKind::kResizeNearest, {x, size}, {y});
  b.output(y);
  // rows floor(i * 2 / 3) = 0 0 1, columns floor(j / 2) = 0 0 1 1
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2, 3, 4})}),
            (std::vector<int8_t>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4}));
}

template <typename T>
std::vector<T> resize_bilinear_row(kiln_dtype dtype, int32_t out_w, bool align_corners,
                                   const std::vector<T>& row) {
  GraphBuilder b;
  const float scale = dtype == KILN_DTYPE_INT8 ? 1.0f : 0.0f;
  const int x = b.input("x", dtype, {1, 1, static_cast<int32_t>(row.size()), 1}, scale, 0);
  const int size = b.constant<int32_t>("size", KILN_DTYPE_INT32, {2}, {1, out_w});
  const int y = b.tensor("y", dtype, {1, 1, out_w, 1}, scale, 0);
  ir::OpAttrs a;
  a.align_corners = align_corners;
  b.op(OpKind::kResizeBilinear, {x, size}, {y}, a);
  b.output(y);
  return run_graph<T>(b.build(), {bytes_of<T>(row)});
}

TEST(GatherKernels, ResizeBilinearInterpolatesBetweenNeighbours) {
  // 2 -> 4 columns: positions 0, 0.5, 1, 1.5 (the last clamped to column 1).
  EXPECT_EQ(resize_bilinear_row<int8_t>(KILN_DTYPE_INT8, 4, false, {0, 10}),
            (std::vector<int8_t>{0, 5, 10, 10}));
  EXPECT_EQ(resize_bilinear_row<float>(KILN_DTYPE_FLOAT32, 4, false, {0, 10}),
            (std::vector<float>{0, 5, 10, 10}));
  // align_corners, 2 -> 3: positions 0, 0.5, 1; int8 rounds 2.5 away from zero.
  EXPECT_EQ(resize_bilinear_row<int8_t>(KILN_DTYPE_INT8, 3, true, {0, 5}),
            (std::vector<int8_t>{0, 3, 5}));
  EXPECT_EQ(resize_bilinear_row<int8_t>(KILN_DTYPE_INT8, 3, true, {0, -5}),
            (std::vector<int8_t>{0, -3, -5}));
}

ir::Graph mirror_pad(bool symmetric, int32_t before, int32_t after) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 3}, 1.0f, 0);
  const int pads = b.constant<int32_t>("pads", KILN_DTYPE_INT32, {2, 2}, {0, 0, before, after});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 3 + before + after}, 1.0f, 0);
  ir::OpAttrs attrs;
  attrs.mirror_symmetric = symmetric;
  b.op(OpKind::kMirrorPad, {x, pads}, {y}, attrs);
  b.output(y);
  return b.build();
}

TEST(GatherKernels, MirrorPadReflectsWithoutOrWithTheEdge) {
  const std::vector<uint8_t> x = bytes_of<int8_t>({1, 2, 3});
  EXPECT_EQ(run_graph<int8_t>(mirror_pad(false, 2, 2), {x}),
            (std::vector<int8_t>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(run_graph<int8_t>(mirror_pad(true, 2, 3), {x}),
            (std::vector<int8_t>{2, 1, 1, 2, 3, 3, 2, 1}));
}

TEST(GatherKernels, MirrorPadBeyondTheEdgeIsRefused) {
  try {
    compile_graph(mirror_pad(false, 3, 0));  // REFLECT pads at most size - 1
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find("exceed 2 for REFLECT"), std::string::npos) << e.what();
  }
}

TEST(GatherKernels, HybridEmbeddingLookupDequantizesWithTheTableScale) {
  GraphBuilder b;
  const int ids = b.input("ids", KILN_DTYPE_INT32, {2});
  const int table =
      b.constant<int8_t>("table", KILN_DTYPE_INT8, {3, 2}, {1, 2, 3, 4, 5, 6}, {0.5f});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {2, 2});
  b.op(OpKind::kEmbeddingLookup, {ids, table}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<int32_t>({2, 0})}),
            (std::vector<float>{2.5f, 3.0f, 0.5f, 1.0f}));
}

TEST(GatherKernels, ArgMaxAndArgMinTakeTheFirstExtreme) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {2, 3}, 1.0f, 0);
  const int axis = b.constant<int32_t>("axis", KILN_DTYPE_INT32, {1}, {1});
  const int hi = b.tensor("hi", KILN_DTYPE_INT32, {2});
  const int lo = b.tensor("lo", KILN_DTYPE_INT64, {2});
  b.op(OpKind::kArgMax, {x, axis}, {hi});
  b.op(OpKind::kArgMin, {x, axis}, {lo});
  b.output(hi);
  b.output(lo);
  const CompiledModel m = compile_graph(b.build());
  HostRunner host(m.blob);
  const auto out = test::run_once(host, {bytes_of<int8_t>({5, 9, 9, -3, -3, 7})});
  EXPECT_EQ(test::values_of<int32_t>(out[0]), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(test::values_of<int64_t>(out[1]), (std::vector<int64_t>{0, 0}));
}

}  // namespace
}  // namespace kiln
