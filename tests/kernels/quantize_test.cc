// QUANTIZE, DEQUANTIZE and int8 requantization on cases worked out by hand.
// Every case runs on the host; with --kiln-device=CORE (the device label of
// ctest) the same blob also runs on that emulated core and must give the
// same bytes (run_graph).
#include <gtest/gtest.h>

#include <cmath>

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

TEST(QuantizeKernels, Int16AndInt32Rescales) {
  GraphBuilder q;
  const int f = q.input("f", KILN_DTYPE_FLOAT32, {3});
  const int i16 = q.tensor("q", KILN_DTYPE_INT16, {3}, 0.001f, 0);
  q.op(OpKind::kQuantize, {f}, {i16});
  q.output(i16);
  EXPECT_EQ(run_graph<int16_t>(q.build(), {bytes_of<float>({0.0125f, -1.0f, 40.0f})}),
            (std::vector<int16_t>{13, -1000, 32767}));

  // int8 (scale 0.5, zero point 3) to int32 at scale 0.125: (q - 3) * 4.
  GraphBuilder w;
  const int a = w.input("a", KILN_DTYPE_INT8, {2}, 0.5f, 3);
  const int b = w.tensor("b", KILN_DTYPE_INT32, {2}, 0.125f, 0);
  w.op(OpKind::kQuantize, {a}, {b});
  w.output(b);
  EXPECT_EQ(run_graph<int32_t>(w.build(), {bytes_of<int8_t>({3, -128})}),
            (std::vector<int32_t>{0, -524}));

  // int32 (scale 0.125) to int16 (scale 0.5): / 4, rounded half away, saturated.
  GraphBuilder n;
  const int c = n.input("c", KILN_DTYPE_INT32, {3}, 0.125f, 0);
  const int d = n.tensor("d", KILN_DTYPE_INT16, {3}, 0.5f, 0);
  n.op(OpKind::kQuantize, {c}, {d});
  n.output(d);
  EXPECT_EQ(run_graph<int16_t>(n.build(), {bytes_of<int32_t>({10, -10, 1 << 20})}),
            (std::vector<int16_t>{3, -3, 32767}));
}

// CAST as TFLite Micro computes it: floats truncate, integers wrap.
TEST(QuantizeKernels, CastTruncatesAndWraps) {
  GraphBuilder g;
  const int f = g.input("f", KILN_DTYPE_FLOAT32, {5});
  const int i8 = g.tensor("i8", KILN_DTYPE_INT8, {5});
  g.op(OpKind::kCast, {f}, {i8});
  const int i = g.input("i", KILN_DTYPE_INT32, {2});
  const int b = g.tensor("b", KILN_DTYPE_BOOL, {2});
  g.op(OpKind::kCast, {i}, {b});
  g.output(i8);
  g.output(b);
  const CompiledModel m = compile_graph(g.build());
  HostRunner host(m.blob);
  const auto out = test::run_once(
      host, {bytes_of<float>({1.9f, -1.9f, 134.5f, NAN, 1e20f}), bytes_of<int32_t>({0, -7})});
  EXPECT_EQ(test::values_of<int8_t>(out[0]), (std::vector<int8_t>{1, -1, -122, 0, -1}));
  EXPECT_EQ(out[1], (std::vector<uint8_t>{0, 1}));
}

}  // namespace
}  // namespace kiln
