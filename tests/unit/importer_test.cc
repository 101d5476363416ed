// The TFLite importer: round trips through kiln's own writer, and the forms
// real files take (deprecated op codes, buffers after the flatbuffer, 1-D bias
// tensors with an out-of-range quantized_dimension).
#include <gtest/gtest.h>

#include "compiler/common/file_io.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/import/tflite/importer.h"
#include "tests/support/run_graph.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;

// A small int8 classifier: conv (per-channel weights, 1-D bias with a
// quantized_dimension of 3) -> fully connected -> softmax.
ir::Graph small_classifier() {
  GraphBuilder b;
  const int x = b.input("input", KILN_DTYPE_INT8, {1, 4, 4, 1}, 0.05f, -3);
  std::vector<int8_t> w(2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  const int filter = b.constant<int8_t>("conv/filter", KILN_DTYPE_INT8, {2, 3, 3, 1}, w, {0.01f, 0.02f}, 0);
  const int bias = b.constant<int32_t>("conv/bias", KILN_DTYPE_INT32, {2}, {100, -200}, {0.0005f, 0.001f}, 3);
  const int conv = b.tensor("conv", KILN_DTYPE_INT8, {1, 2, 2, 2}, 0.1f, -128);
  ir::OpAttrs a;
  a.activation = ir::Activation::kRelu;
  b.op(OpKind::kConv2D, {x, filter, bias}, {conv}, a);
  std::vector<int8_t> fw(3 * 8);
  for (size_t i = 0; i < fw.size(); ++i) fw[i] = static_cast<int8_t>(static_cast<int>(i * 53 % 200) - 100);
  const int fc_w = b.constant<int8_t>("fc/weights", KILN_DTYPE_INT8, {3, 8}, fw, {0.02f});
  const int logits = b.tensor("logits", KILN_DTYPE_INT8, {1, 3}, 0.2f, 4);
  b.op(OpKind::kFullyConnected, {conv, fc_w, -1}, {logits});
  const int probs = b.tensor("probs", KILN_DTYPE_INT8, {1, 3}, 1.0f / 256, -128);
  b.op(OpKind::kSoftmax, {logits}, {probs});
  b.output(probs);
  return b.build();
}

TEST(TfliteImporter, RoundTripsKilnsOwnWriter) {
  const ir::Graph original = small_classifier();
  for (bool external : {false, true}) {
    SCOPED_TRACE(external ? "buffers after the flatbuffer" : "buffers inside");
    const std::vector<uint8_t> file = write_tflite(original, external);
    const ir::Graph g = tflite_import::import_tflite(file.data(), file.size(), "test");
    ASSERT_EQ(g.tensors.size(), original.tensors.size());
    for (size_t i = 0; i < g.tensors.size(); ++i) {
      EXPECT_EQ(g.tensors[i].name, original.tensors[i].name);
      EXPECT_EQ(g.tensors[i].shape, original.tensors[i].shape);
      EXPECT_EQ(g.tensors[i].data, original.tensors[i].data);
      EXPECT_EQ(g.tensors[i].quant.scales, original.tensors[i].quant.scales);
    }
    // The rank-1 bias keeps its scales along its only axis.
    EXPECT_EQ(g.tensors[2].quant.axis, 0);
    ASSERT_EQ(g.ops.size(), 3u);
    EXPECT_EQ(g.ops[0].kind, OpKind::kConv2D);
    EXPECT_EQ(g.ops[0].attrs.activation, ir::Activation::kRelu);
    EXPECT_EQ(g.ops[1].kind, OpKind::kFullyConnected);
    EXPECT_EQ(g.ops[1].inputs[2], -1);
    EXPECT_EQ(g.ops[2].kind, OpKind::kSoftmax);
    EXPECT_EQ(g.ops[2].attrs.beta, 1.0f);
  }
  // Both file layouts compute the same outputs as the graph itself.
  const std::vector<uint8_t> input(16, 7);
  const std::vector<int8_t> want = test::run_graph<int8_t>(original, {input});
  for (bool external : {false, true}) {
    const std::vector<uint8_t> file = write_tflite(original, external);
    HostRunner runner(compile_tflite(file, "test").blob);
    runner.set_input(0, input);
    runner.invoke();
    EXPECT_EQ(test::values_of<int8_t>(runner.output(0)), want);
  }
}

TEST(TfliteImporter, ReadsDeprecatedBuiltinCodes) {
  // The MLPerf KWS file predates the 32-bit builtin_code field.
  const std::vector<uint8_t> file = read_file(test::shared_dir() + "/models/mlcommons_tiny/kws_ref_model.tflite");
  const ir::Graph g = tflite_import::import_tflite(file.data(), file.size(), "kws");
  ASSERT_EQ(g.ops.size(), 13u);
  EXPECT_EQ(g.ops[0].kind, OpKind::kConv2D);
  EXPECT_EQ(g.ops[1].kind, OpKind::kDepthwiseConv2D);
  EXPECT_EQ(g.ops[9].kind, OpKind::kAveragePool2D);
  EXPECT_EQ(g.ops[10].kind, OpKind::kReshape);
  EXPECT_EQ(g.ops[12].kind, OpKind::kSoftmax);
  EXPECT_EQ(g.ops[1].location, "subgraph 0, operator 1");
}

TEST(TfliteImporter, NamesUnsupportedOpsInAnalysisMode) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 4});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 4});
  b.op(OpKind::kUnsupported, {x}, {y}).type_name = "EXP";
  b.output(y);
  const std::vector<uint8_t> file = write_tflite(b.build());
  const CompiledModel m = compile_tflite(file, "exp.tflite", {"portable", /*allow_unsupported=*/true});
  ASSERT_EQ(m.unsupported.size(), 1u);
  EXPECT_NE(m.unsupported[0].find("EXP (subgraph 0, operator 0, output 'y')"), std::string::npos) << m.unsupported[0];
  EXPECT_TRUE(m.blob.empty());
  EXPECT_EQ(m.plan.arena_bytes, 32u);
}

}  // namespace
}  // namespace kiln
