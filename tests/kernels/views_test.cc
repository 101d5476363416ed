// Ops that lower to strided copies (slicing, reversing, broadcasting,
// splitting, space/depth/batch rearrangements), on cases worked out by hand,
// and the operand check that keeps every view inside its input.
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "kiln/ops/data_movement.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

TEST(ViewKernels, StridedSliceReversesAndShrinks) {
  // x = [[0..3], [4..7], [8..11]]; row 1 (shrunk away), all columns backwards.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {3, 4}, 1.0f, 0);
  const int begin = b.constant<int32_t>("begin", KILN_DTYPE_INT32, {2}, {1, -1});
  const int end = b.constant<int32_t>("end", KILN_DTYPE_INT32, {2}, {0, 0});
  const int strides = b.constant<int32_t>("strides", KILN_DTYPE_INT32, {2}, {1, -1});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {4}, 1.0f, 0);
  ir::OpAttrs a;
  a.shrink_axis_mask = 1;
  a.end_mask = 2;
  b.op(OpKind::kStridedSlice, {x, begin, end, strides}, {y}, a);
  b.output(y);
  EXPECT_EQ(
      run_graph<int8_t>(b.build(), {bytes_of<int8_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})}),
      (std::vector<int8_t>{7, 6, 5, 4}));
}

TEST(ViewKernels, BatchToSpaceCropsThroughScratch) {
  // x[k, 0, w] = 2k + w. Uncropped output rows: [0 2 1 3], [4 6 5 7];
  // cropping the first row and the outer columns leaves [6 5].
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {4, 1, 2, 1});
  const int block = b.constant<int32_t>("block", KILN_DTYPE_INT32, {2}, {2, 2});
  const int crops = b.constant<int32_t>("crops", KILN_DTYPE_INT32, {2, 2}, {1, 0, 1, 1});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 1, 2, 1});
  b.op(OpKind::kBatchToSpace, {x, block, crops}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({0, 1, 2, 3, 4, 5, 6, 7})}),
            (std::vector<float>{6, 5}));
}

TEST(ViewKernels, SpaceToBatchPadsWithZeroPoint) {
  // Padded row [zp 10 11 12] split into even and odd columns.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 1, 3, 1}, 0.5f, 3);
  const int block = b.constant<int32_t>("block", KILN_DTYPE_INT32, {2}, {1, 2});
  const int pads = b.constant<int32_t>("pads", KILN_DTYPE_INT32, {2, 2}, {0, 0, 1, 0});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {2, 1, 2, 1}, 0.5f, 3);
  b.op(OpKind::kSpaceToBatch, {x, block, pads}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({10, 11, 12})}),
            (std::vector<int8_t>{3, 11, 10, 12}));
}

TEST(ViewKernels, DepthToSpaceMovesChannelBlocks) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 1, 2, 4}, 1.0f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 2, 4, 1}, 1.0f, 0);
  ir::OpAttrs a;
  a.block_size = 2;
  b.op(OpKind::kDepthToSpace, {x}, {y}, a);
  b.output(y);
  EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2, 3, 4, 5, 6, 7, 8})}),
            (std::vector<int8_t>{1, 2, 5, 6, 3, 4, 7, 8}));
}

TEST(ViewKernels, BroadcastThenReverse) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {2, 1});
  const int shape = b.constant<int32_t>("shape", KILN_DTYPE_INT32, {2}, {2, 3});
  const int wide = b.tensor("wide", KILN_DTYPE_FLOAT32, {2, 3});
  b.op(OpKind::kBroadcastTo, {x, shape}, {wide});
  const int axes = b.constant<int32_t>("axes", KILN_DTYPE_INT32, {1}, {0});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {2, 3});
  b.op(OpKind::kReverse, {wide, axes}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({1, 2})}),
            (std::vector<float>{2, 2, 2, 1, 1, 1}));
}

TEST(ViewKernels, UnpackGivesEveryColumn) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT16, {2, 3});
  std::vector<int> columns;
  for (int k = 0; k < 3; ++k)
    columns.push_back(b.tensor("c" + std::to_string(k), KILN_DTYPE_INT16, {2}));
  ir::OpAttrs a;
  a.axis = 1;
  b.op(OpKind::kUnpack, {x}, columns, a);
  for (int c : columns) b.output(c);
  const CompiledModel m = compile_graph(b.build());
  HostRunner host(m.blob);
  const auto outputs = test::run_once(host, {bytes_of<int16_t>({0, 1, 2, 3, 4, 5})});
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_EQ(test::values_of<int16_t>(outputs[0]), (std::vector<int16_t>{0, 3}));
  EXPECT_EQ(test::values_of<int16_t>(outputs[1]), (std::vector<int16_t>{1, 4}));
  EXPECT_EQ(test::values_of<int16_t>(outputs[2]), (std::vector<int16_t>{2, 5}));
}

TEST(ViewKernels, SliceOutsideTheInputIsABadModel) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {4});
  const int begin = b.constant<int32_t>("begin", KILN_DTYPE_INT32, {1}, {2});
  const int size = b.constant<int32_t>("size", KILN_DTYPE_INT32, {1}, {3});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {3});
  b.op(OpKind::kSlice, {x, begin, size}, {y});
  b.output(y);
  try {
    compile_graph(b.build());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find("slice [2, +3) of axis 0 is outside input [4]"),
              std::string::npos)
        << e.what();
  }
}

// The runtime's check of a blob's STRIDED_COPY: the extremes of the view
// must lie in the input, whatever the strides' signs.
TEST(ViewKernels, OperandCheckKeepsViewsInsideTheInput) {
  StridedCopyParams p{};
  for (int d = 0; d < kMaxCopyRank; ++d) p.dims[d] = 1;
  p.dims[5] = 4;
  p.strides[5] = -1;
  p.offset = 3;
  p.input_elements = 4;
  p.element_size = 2;
  OperandSizes s{};
  ASSERT_TRUE(strided_copy_operand_sizes(p, &s));
  EXPECT_EQ(s.inputs[0], 8u);
  EXPECT_EQ(s.outputs[0], 8u);
  p.offset = 2;  // reaches element -1
  EXPECT_FALSE(strided_copy_operand_sizes(p, &s));
  p.offset = 0;
  p.strides[5] = 2;  // reaches element 6
  EXPECT_FALSE(strided_copy_operand_sizes(p, &s));
  p.strides[5] = 1;
  p.element_size = 3;
  EXPECT_FALSE(strided_copy_operand_sizes(p, &s));
}

}  // namespace
}  // namespace kiln
