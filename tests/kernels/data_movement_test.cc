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

TEST(DataMovementKernels, ConcatenationOfMoreInputsThanOneCallTakes) {
  // 20 operands along axis 1, as in a DenseNet block: joined eight at a
  // time, then the groups. Operand i is input i % 3, of [2, 1 + i % 3],
  // whose row r holds 100 * (i % 3) + 10 * r + j.
  GraphBuilder b;
  std::vector<int> inputs;
  std::vector<std::vector<uint8_t>> feeds;
  for (int i = 0; i < 3; ++i) {
    inputs.push_back(b.input("x" + std::to_string(i), KILN_DTYPE_INT32, {2, 1 + i}));
    std::vector<int32_t> values;
    for (int32_t r = 0; r < 2; ++r) {
      for (int32_t j = 0; j <= i; ++j) values.push_back(100 * i + 10 * r + j);
    }
    feeds.push_back(bytes_of(values));
  }
  std::vector<int> operands;
  int32_t width = 0;
  for (int i = 0; i < 20; ++i) {
    operands.push_back(inputs[static_cast<size_t>(i % 3)]);
    width += 1 + i % 3;
  }
  const int y = b.tensor("y", KILN_DTYPE_INT32, {2, width});
  ir::OpAttrs axis;
  axis.axis = 1;
  b.op(OpKind::kConcatenation, operands, {y}, axis);
  b.output(y);
  std::vector<int32_t> expected;
  for (int32_t r = 0; r < 2; ++r) {
    for (int i = 0; i < 20; ++i) {
      for (int32_t j = 0; j <= i % 3; ++j) expected.push_back(100 * (i % 3) + 10 * r + j);
    }
  }
  EXPECT_EQ(run_graph<int32_t>(b.build(), feeds), expected);
  // PACK of 10 scalars: s0 and s1, alternately.
  GraphBuilder p;
  const int s0 = p.input("s0", KILN_DTYPE_FLOAT32, {}), s1 = p.input("s1", KILN_DTYPE_FLOAT32, {});
  std::vector<int> scalars;
  for (int i = 0; i < 10; ++i) scalars.push_back(i % 2 ? s1 : s0);
  const int packed = p.tensor("packed", KILN_DTYPE_FLOAT32, {10});
  p.op(OpKind::kPack, scalars, {packed});
  p.output(packed);
  EXPECT_EQ(run_graph<float>(p.build(), {bytes_of<float>({0.5f}), bytes_of<float>({-2.0f})}),
            (std::vector<float>{0.5f, -2, 0.5f, -2, 0.5f, -2, 0.5f, -2, 0.5f, -2}));
}

TEST(DataMovementKernels, FlattenedCountsMayExceedAnyOneDimensionsLimit) {
  // 65,792 rows: more than the 65,536 one dimension may have, but a count
  // the kernels only index within their operands (host only: the rows take
  // more RAM than the emulated Cortex-M4 has).
  constexpr int32_t kRows = 257 * 256;
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {kRows, 1}, 1.0f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {kRows, 2}, 1.0f, 0);
  ir::OpAttrs axis;
  axis.axis = 1;
  b.op(OpKind::kConcatenation, {x, x}, {y}, axis);
  const int first = b.tensor("first", KILN_DTYPE_INT8, {kRows, 1}, 1.0f, 0);
  b.op(OpKind::kStridedSlice,
       {y, b.constant<int32_t>("begin", KILN_DTYPE_INT32, {2}, {0, 1}),
        b.constant<int32_t>("end", KILN_DTYPE_INT32, {2}, {kRows, 2}),
        b.constant<int32_t>("strides", KILN_DTYPE_INT32, {2}, {1, 1})},
       {first});
  b.output(y);
  b.output(first);
  std::vector<int8_t> in(kRows);
  for (int32_t i = 0; i < kRows; ++i) in[static_cast<size_t>(i)] = static_cast<int8_t>(i % 251);
  HostRunner runner(compile_graph(b.build()).blob);
  const auto out = test::run_once(runner, {bytes_of(in)});
  const std::vector<int8_t> joined = test::values_of<int8_t>(out[0]);
  ASSERT_EQ(joined.size(), 2u * kRows);
  for (int32_t i = 0; i < kRows; i += 997) {
    EXPECT_EQ(joined[2 * static_cast<size_t>(i)], in[static_cast<size_t>(i)]);
    EXPECT_EQ(joined[2 * static_cast<size_t>(i) + 1], in[static_cast<size_t>(i)]);
  }
  EXPECT_EQ(test::values_of<int8_t>(out[1]), in);
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
