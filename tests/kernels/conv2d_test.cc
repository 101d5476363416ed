// CONV_2D on cases worked out by hand: float VALID and int8 SAME with per-channel
// weights.
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

TEST(Conv2DKernels, ConvFloatValidAndSameInt8) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3, 3, 1});
  const int w = b.constant<float>("w", KILN_DTYPE_FLOAT32, {1, 2, 2, 1}, {1, 1, 1, 1});
  const int bias = b.constant<float>("b", KILN_DTYPE_FLOAT32, {1}, {1});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 2, 2, 1});
  b.op(OpKind::kConv2D, {x, w, bias}, {y});
  b.output(y);
  EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({1, 2, 3, 4, 5, 6, 7, 8, 9})}),
            (std::vector<float>{13, 17, 25, 29}));

  // SAME padding, stride 2: every 3x3 window over a 3x3 image sees 4 pixels.
  GraphBuilder q;
  const int qx = q.input("x", KILN_DTYPE_INT8, {1, 3, 3, 1}, 1.0f, 0);
  const int qw = q.constant<int8_t>("w", KILN_DTYPE_INT8, {2, 3, 3, 1}, std::vector<int8_t>(18, 1),
                                    {1.0f, 0.5f}, 0);
  const int qy = q.tensor("y", KILN_DTYPE_INT8, {1, 2, 2, 2}, 1.0f, -1);
  ir::OpAttrs a;
  a.padding = ir::Padding::kSame;
  a.stride_h = a.stride_w = 2;
  q.op(OpKind::kConv2D, {qx, qw, -1}, {qy}, a);
  q.output(qy);
  // channel 0: 4 * 3 - 1 = 11; channel 1 (scale 0.5): 6 - 1 = 5
  EXPECT_EQ(run_graph<int8_t>(q.build(), {bytes_of<int8_t>(std::vector<int8_t>(9, 3))}),
            (std::vector<int8_t>{11, 5, 11, 5, 11, 5, 11, 5}));
}

// 16x8: int16 activations, int8 weights. 30000 * 127 * 2 plus a bias of
// 2^33 leaves int32; the 64-bit sum scaled by 2^-20 (Q15 multiplier 2^14,
// shift 34) is 8199.27 -> 8199. With an int32 bias of 100 the 32-bit path
// gives 7620100 / 2^20 = 7.27 -> 7.
ir::Graph fully_connected_16x8(kiln_dtype bias_dtype) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT16, {1, 2}, 1.0f, 0);
  const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 2}, {127, 127}, {1.0f});
  const int bias = bias_dtype == KILN_DTYPE_INT64
                       ? b.constant<int64_t>("b", KILN_DTYPE_INT64, {1}, {int64_t{1} << 33}, {1.0f})
                       : b.constant<int32_t>("b", KILN_DTYPE_INT32, {1}, {100}, {1.0f});
  const int y = b.tensor("y", KILN_DTYPE_INT16, {1, 1}, 1048576.0f, 0);
  b.op(OpKind::kFullyConnected, {x, w, bias}, {y});
  b.output(y);
  return b.build();
}

TEST(Conv2DKernels, FullyConnected16x8SumsIn64BitsWithAnInt64Bias) {
  const std::vector<uint8_t> x = bytes_of<int16_t>({30000, 30000});
  EXPECT_EQ(run_graph<int16_t>(fully_connected_16x8(KILN_DTYPE_INT64), {x}),
            (std::vector<int16_t>{8199}));
  EXPECT_EQ(run_graph<int16_t>(fully_connected_16x8(KILN_DTYPE_INT32), {x}),
            (std::vector<int16_t>{7}));
}

}  // namespace
}  // namespace kiln
