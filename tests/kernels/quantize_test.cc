// QUANTIZE, DEQUANTIZE and int8 requantization on cases worked out by hand.
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

TEST(QuantizeKernels, QuantizeDequantizeRequantize) {
  GraphBuilder q;
  const int f = q.input("f", KILN_DTYPE_FLOAT32, {5});
  const int i8 = q.tensor("q", KILN_DTYPE_INT8, {5}, 0.5f, -1);
  q.op(OpKind::kQuantize, {f}, {i8});
  q.output(i8);
  EXPECT_EQ(run_graph<int8_t>(q.build(), {bytes_of<float>({0.0f, 0.25f, -0.25f, 1.0f, 100.0f})}),
            (std::vector<int8_t>{-1, 0, -2, 1, 127}));

  GraphBuilder d;
  const int di = d.input("q", KILN_DTYPE_INT8, {3}, 0.5f, 2);
  const int df = d.tensor("f", KILN_DTYPE_FLOAT32, {3});
  d.op(OpKind::kDequantize, {di}, {df});
  d.output(df);
  EXPECT_EQ(run_graph<float>(d.build(), {bytes_of<int8_t>({2, 4, -128})}),
            (std::vector<float>{0.0f, 1.0f, -65.0f}));

  GraphBuilder r;
  const int ri = r.input("a", KILN_DTYPE_INT8, {3}, 1.0f, 0);
  const int ro = r.tensor("b", KILN_DTYPE_INT8, {3}, 2.0f, 10);
  r.op(OpKind::kQuantize, {ri}, {ro});
  r.output(ro);
  // 2.5 rounds up; -2.5 rounds toward zero in the doubling high multiply.
  EXPECT_EQ(run_graph<int8_t>(r.build(), {bytes_of<int8_t>({4, 5, -5})}),
            (std::vector<int8_t>{12, 13, 8}));
}

}  // namespace
}  // namespace kiln
