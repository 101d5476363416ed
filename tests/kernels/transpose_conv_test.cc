// TRANSPOSE_CONV on cases worked out by hand, float and int8.
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

// Stride 2 with a 2x2 filter: each input pixel v writes v * filter into its
// own 2x2 block of the 4x4 output.
template <typename T>
std::vector<T> blocks(const std::vector<int>& in, const std::vector<int>& filter, int bias) {
  std::vector<T> out(16);
  for (int iy = 0; iy < 2; ++iy) {
    for (int ix = 0; ix < 2; ++ix) {
      for (int fy = 0; fy < 2; ++fy) {
        for (int fx = 0; fx < 2; ++fx) {
          out[(2 * iy + fy) * 4 + 2 * ix + fx] =
              static_cast<T>(in[iy * 2 + ix] * filter[fy * 2 + fx] + bias);
        }
      }
    }
  }
  return out;
}

TEST(TransposeConvKernels, TransposeConvFloatAndInt8) {
  ir::OpAttrs a;
  a.padding = ir::Padding::kValid;
  a.stride_h = a.stride_w = 2;
  {
    GraphBuilder b;
    const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 2, 2, 1});
    const int w = b.constant<float>("w", KILN_DTYPE_FLOAT32, {1, 2, 2, 1}, {1, 2, 3, 4});
    const int bias = b.constant<float>("b", KILN_DTYPE_FLOAT32, {1}, {0.5f});
    const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 4, 4, 1});
    b.op(OpKind::kTransposeConv, {x, w, bias}, {y}, a);
    b.output(y);
    std::vector<float> want = blocks<float>({1, 2, 3, 4}, {1, 2, 3, 4}, 0);
    for (float& v : want) v += 0.5f;
    EXPECT_EQ(run_graph<float>(b.build(), {bytes_of<float>({1, 2, 3, 4})}), want);
  }
  {
    GraphBuilder b;
    const int x = b.input("x", KILN_DTYPE_INT8, {1, 2, 2, 1}, 0.5f, -1);
    const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 2, 2, 1}, {1, 2, 3, 4}, {1.0f});
    const int bias = b.constant<int32_t>("b", KILN_DTYPE_INT32, {1}, {4});  // 4 * 0.5 = 2.0
    const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 4, 4, 1}, 0.5f, 0);
    b.op(OpKind::kTransposeConv, {x, w, bias}, {y}, a);
    b.output(y);
    // Real inputs (q + 1) * 0.5 for q = 1..4 -> 1, 1.5, 2, 2.5; output step 0.5.
    EXPECT_EQ(run_graph<int8_t>(b.build(), {bytes_of<int8_t>({1, 2, 3, 4})}),
              blocks<int8_t>({2, 3, 4, 5}, {1, 2, 3, 4}, 4));
  }
}

TEST(TransposeConvKernels, TransposeConv16x8WidensAnInt16Bias) {
  // 1000 * 100 + 7 = 100007 in 64 bits, scaled by 1/4 (Q15 multiplier 2^14,
  // shift 16): 25001.75 -> 25002.
  ir::OpAttrs a;
  a.padding = ir::Padding::kValid;
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT16, {1, 1, 1, 1}, 1.0f, 0);
  const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 1, 1, 1}, {100}, {1.0f});
  const int bias = b.constant<int16_t>("b", KILN_DTYPE_INT16, {1}, {7});
  const int y = b.tensor("y", KILN_DTYPE_INT16, {1, 1, 1, 1}, 4.0f, 0);
  b.op(OpKind::kTransposeConv, {x, w, bias}, {y}, a);
  b.output(y);
  EXPECT_EQ(run_graph<int16_t>(b.build(), {bytes_of<int16_t>({1000})}),
            (std::vector<int16_t>{25002}));
}

}  // namespace
}  // namespace kiln
