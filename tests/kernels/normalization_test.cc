// LOG_SOFTMAX and L2_NORMALIZATION on cases worked out by hand (run_graph
// also runs them on an emulated core under the device label).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using test::bytes_of;
using test::run_graph;

template <typename T>
std::vector<T> run_rows(OpKind kind, kiln_dtype dtype, std::vector<int32_t> shape, float in_scale,
                        int32_t in_zero, float out_scale, int32_t out_zero,
                        const std::vector<T>& x) {
  GraphBuilder b;
  const int in = b.input("x", dtype, shape, in_scale, in_zero);
  const int out = b.tensor("y", dtype, shape, out_scale, out_zero);
  b.op(kind, {in}, {out});
  b.output(out);
  return run_graph<T>(b.build(), {bytes_of<T>(x)});
}

TEST(NormalizationKernels, LogSoftmaxFloat) {
  const std::vector<float> out =
      run_rows<float>(OpKind::kLogSoftmax, KILN_DTYPE_FLOAT32, {2, 2}, 0, 0, 0, 0, {1, 1, 0, 0});
  for (float v : out) EXPECT_NEAR(v, -std::log(2.0f), 1e-6);
}

TEST(NormalizationKernels, LogSoftmaxInt8) {
  // Output at 1/16 around 127. Equal values: log(1/2) = -0.693 -> -11.1 -> 116.
  // A row with one value far below: the maximum gets log 1 = 0 (127), the
  // other -12.8 (-204.8 + 127 -> -78); at scale 0.2, -25.6 is out of range (-128).
  EXPECT_EQ(run_rows<int8_t>(OpKind::kLogSoftmax, KILN_DTYPE_INT8, {2, 2}, 0.1f, 0, 1.0f / 16, 127,
                             {5, 5, 0, -128}),
            (std::vector<int8_t>{116, 116, 127, -78}));
  EXPECT_EQ(run_rows<int8_t>(OpKind::kLogSoftmax, KILN_DTYPE_INT8, {1, 2}, 0.2f, 0, 1.0f / 16, 127,
                             {0, -128}),
            (std::vector<int8_t>{127, -128}));
}

TEST(NormalizationKernels, L2NormalizationInt8AndFloat) {
  // (3, 4) / 5 = (0.6, 0.8) -> 76.8, 102.4 at 1/128; an all-zero row stays 0.
  EXPECT_EQ(run_rows<int8_t>(OpKind::kL2Normalization, KILN_DTYPE_INT8, {2, 2}, 0.5f, 1, 1.0f / 128,
                             0, {7, 9, 1, 1}),
            (std::vector<int8_t>{77, 102, 0, 0}));
  EXPECT_EQ(
      run_rows<float>(OpKind::kL2Normalization, KILN_DTYPE_FLOAT32, {1, 2}, 0, 0, 0, 0, {3, 4}),
      (std::vector<float>{0.6f, 0.8f}));
}

}  // namespace
}  // namespace kiln
