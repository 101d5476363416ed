// The TFLite importer: round trips through kiln's own writer, and the forms
// real files take (deprecated op codes, buffers after the flatbuffer, 1-D bias
// tensors with an out-of-range quantized_dimension, int4 constants, written
// back two to a byte).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/import/tflite/importer.h"
#include "tests/support/run_graph.h"
#include "tests/support/test_support.h"
#include "tflite_schema_generated.h"

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
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  const int filter =
      b.constant<int8_t>("conv/filter", KILN_DTYPE_INT8, {2, 3, 3, 1}, w, {0.01f, 0.02f}, 0);
  const int bias =
      b.constant<int32_t>("conv/bias", KILN_DTYPE_INT32, {2}, {100, -200}, {0.0005f, 0.001f}, 3);
  const int conv = b.tensor("conv", KILN_DTYPE_INT8, {1, 2, 2, 2}, 0.1f, -128);
  ir::OpAttrs a;
  a.activation = ir::Activation::kRelu;
  b.op(OpKind::kConv2D, {x, filter, bias}, {conv}, a);
  std::vector<int8_t> fw(3 * 8);
  for (size_t i = 0; i < fw.size(); ++i)
    fw[i] = static_cast<int8_t>(static_cast<int>(i * 53 % 200) - 100);
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

// The ops ONNX models bring, written and read back: each keeps its options,
// explicit padding becomes SAME or a PAD, and the file computes what the
// graph does.
TEST(TfliteImporter, RoundTripsTheOpsOfImportedModels) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 4, 4, 2});
  std::vector<float> w(3 * 3 * 3 * 2);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
  const int filter = b.constant<float>("conv/filter", KILN_DTYPE_FLOAT32, {3, 3, 3, 2}, w);
  const int conv = b.tensor("conv", KILN_DTYPE_FLOAT32, {1, 4, 4, 3});
  ir::OpAttrs explicit_pads;  // top/left 1 with a 4-wide output: SAME
  explicit_pads.padding = ir::Padding::kExplicit;
  explicit_pads.pad_top = explicit_pads.pad_left = 1;
  b.op(OpKind::kConv2D, {x, filter, -1}, {conv}, explicit_pads);
  const int tfilter = b.constant<float>("up/filter", KILN_DTYPE_FLOAT32, {2, 2, 2, 3},
                                        std::vector<float>(24, 0.25f));
  const int up = b.tensor("up", KILN_DTYPE_FLOAT32, {1, 8, 8, 2});
  ir::OpAttrs stride2;
  stride2.padding = ir::Padding::kSame;
  stride2.stride_h = stride2.stride_w = 2;
  b.op(OpKind::kTransposeConv, {conv, tfilter, -1}, {up}, stride2);
  const int offset = b.constant<float>("offset", KILN_DTYPE_FLOAT32, {2}, {0.5f, -0.5f});
  const int diff = b.tensor("diff", KILN_DTYPE_FLOAT32, {1, 8, 8, 2});
  b.op(OpKind::kSub, {up, offset}, {diff});
  const int clamped = b.tensor("clamped", KILN_DTYPE_FLOAT32, {1, 8, 8, 2});
  ir::OpAttrs relu6;
  relu6.clamp_min = 0.0f;
  relu6.clamp_max = 6.0f;
  b.op(OpKind::kClamp, {diff}, {clamped}, relu6);
  const int leaky = b.tensor("leaky", KILN_DTYPE_FLOAT32, {1, 8, 8, 2});
  ir::OpAttrs alpha;
  alpha.alpha = 0.1f;
  b.op(OpKind::kLeakyRelu, {clamped}, {leaky}, alpha);
  const int t = b.tensor("tanh", KILN_DTYPE_FLOAT32, {1, 8, 8, 2});
  b.op(OpKind::kTanh, {leaky}, {t});
  const int hs = b.tensor("hard_swish", KILN_DTYPE_FLOAT32, {1, 8, 8, 2});
  b.op(OpKind::kHardSwish, {t}, {hs});
  const int moved = b.tensor("moved", KILN_DTYPE_FLOAT32, {1, 2, 8, 8});
  ir::OpAttrs nchw;
  nchw.perm = {0, 3, 1, 2};
  b.op(OpKind::kTranspose, {hs}, {moved}, nchw);
  b.output(moved);
  const ir::Graph original = b.build();

  const std::vector<uint8_t> file = write_tflite(original);
  const ir::Graph g = tflite_import::import_tflite(file.data(), file.size(), "test");
  std::vector<OpKind> kinds;
  for (const ir::Op& op : g.ops) kinds.push_back(op.kind);
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::kConv2D, OpKind::kTransposeConv, OpKind::kSub,
                                        OpKind::kClamp, OpKind::kLeakyRelu, OpKind::kTanh,
                                        OpKind::kHardSwish, OpKind::kTranspose}));
  EXPECT_EQ(g.ops[0].attrs.padding, ir::Padding::kSame);
  EXPECT_EQ(g.ops[1].attrs.stride_h, 2);
  EXPECT_EQ(g.ops[1].inputs[0], original.ops[1].inputs[0]);  // operands back in kiln's order
  EXPECT_EQ(g.ops[3].attrs.clamp_max, 6.0f);
  EXPECT_EQ(g.ops[4].attrs.alpha, 0.1f);
  EXPECT_EQ(g.ops[7].attrs.perm, (std::vector<int32_t>{0, 3, 1, 2}));

  std::vector<float> input(32);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(i % 5) - 2.0f;
  const std::vector<float> want = test::run_graph<float>(original, {test::bytes_of(input)});
  HostRunner runner(compile_tflite(file, "test").blob);
  runner.set_input(0, test::bytes_of(input));
  runner.invoke();
  EXPECT_EQ(test::values_of<float>(runner.output(0)), want);
}

TEST(TfliteImporter, ExplicitPaddingWithoutASameFormIsWrittenAsPad) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3, 3, 1});
  const int filter =
      b.constant<float>("filter", KILN_DTYPE_FLOAT32, {1, 2, 2, 1}, {1.0f, 2.0f, 3.0f, 4.0f});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 4, 4, 1});
  ir::OpAttrs pads;  // 1 on every side: 4x4 out, which SAME would not give
  pads.padding = ir::Padding::kExplicit;
  pads.pad_top = pads.pad_left = 1;
  b.op(OpKind::kConv2D, {x, filter, -1}, {y}, pads);
  b.output(y);
  const ir::Graph original = b.build();
  const std::vector<uint8_t> file = write_tflite(original);
  const ir::Graph g = tflite_import::import_tflite(file.data(), file.size(), "test");
  ASSERT_EQ(g.ops.size(), 2u);
  EXPECT_EQ(g.ops[0].kind, OpKind::kPad);
  EXPECT_EQ(g.ops[1].attrs.padding, ir::Padding::kValid);
  const std::vector<float> input = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  HostRunner runner(compile_tflite(file, "test").blob);
  runner.set_input(0, test::bytes_of(input));
  runner.invoke();
  EXPECT_EQ(test::values_of<float>(runner.output(0)),
            test::run_graph<float>(original, {test::bytes_of(input)}));
}

TEST(TfliteImporter, ReadsDeprecatedBuiltinCodes) {
  // The MLPerf KWS file predates the 32-bit builtin_code field.
  const std::vector<uint8_t> file =
      read_file(test::shared_dir() + "/models/mlcommons_tiny/kws_ref_model.tflite");
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
  b.op(OpKind::kUnsupported, {x}, {y}).type_name = "LSH_PROJECTION";
  b.output(y);
  const std::vector<uint8_t> file = write_tflite(b.build());
  const CompiledModel m =
      compile_tflite(file, "exp.tflite", {"portable", /*allow_unsupported=*/true});
  ASSERT_EQ(m.unsupported.size(), 1u);
  EXPECT_NE(m.unsupported[0].find("LSH_PROJECTION (subgraph 0, operator 0, output 'y')"),
            std::string::npos)
      << m.unsupported[0];
  EXPECT_TRUE(m.blob.empty());
  EXPECT_EQ(m.plan.arena_bytes, 32u);
}

// A model whose only op reads tensor 0 (of `type`, constant with `packed`
// bytes unless empty) into an int8 tensor 1 of the same shape.
std::vector<uint8_t> model_reading(tflite::TensorType type, const std::vector<int32_t>& shape,
                                   const std::vector<uint8_t>& packed) {
  namespace fb = ::kiln::tflite;
  flatbuffers::FlatBufferBuilder b;
  const auto quant = fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector<float>({0.5f}),
                                                      b.CreateVector<int64_t>({0}));
  const auto in = fb::CreateTensor(b, b.CreateVector(shape), type, packed.empty() ? 0 : 1,
                                   b.CreateString("w"), quant);
  const auto out = fb::CreateTensor(b, b.CreateVector(shape), fb::TensorType_INT8, 0,
                                    b.CreateString("out"), quant);
  const std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {in, out};
  const std::vector<int32_t> ins = {0}, outs = {1};
  const std::vector<int32_t> graph_ins = packed.empty() ? ins : std::vector<int32_t>{};
  const auto op = fb::CreateOperator(b, 0, b.CreateVector(ins), b.CreateVector(outs));
  const auto subgraph = fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(graph_ins),
                                           b.CreateVector(outs), b.CreateVector(&op, 1));
  const auto code = fb::CreateOperatorCode(b, 0, 0, 1, fb::BuiltinOperator_RESHAPE);
  const std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {
      fb::CreateBuffer(b), fb::CreateBuffer(b, b.CreateVector(packed))};
  const auto model = fb::CreateModel(b, 3, b.CreateVector(&code, 1), b.CreateVector(&subgraph, 1),
                                     0, b.CreateVector(buffers));
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

TEST(TfliteImporter, UnpacksInt4ConstantsLowNibbleFirst) {
  const std::vector<uint8_t> file = model_reading(tflite::TensorType_INT4, {3}, {0x9F, 0x07});
  const ir::Graph g = tflite_import::import_tflite(file.data(), file.size(), "int4.tflite");
  EXPECT_EQ(g.tensors[0].dtype, KILN_DTYPE_INT8);
  const std::vector<uint8_t> want = {0xFF, 0xF9, 0x07};  // -1, -7, 7
  EXPECT_EQ(g.tensors[0].data, want);
}

// The file's tensor `index`: its type and buffer bytes.
std::pair<tflite::TensorType, std::vector<uint8_t>> stored_tensor(const std::vector<uint8_t>& file,
                                                                  int index) {
  const tflite::Model* model = tflite::GetModel(file.data());
  const tflite::Tensor* t =
      model->subgraphs()->Get(0)->tensors()->Get(static_cast<flatbuffers::uoffset_t>(index));
  const flatbuffers::Vector<uint8_t>* data = model->buffers()->Get(t->buffer())->data();
  return {t->type(),
          data ? std::vector<uint8_t>(data->begin(), data->end()) : std::vector<uint8_t>{}};
}

// TFLM's int4 models come back out of kiln's writer as they went in: the
// weights two to a byte, the same bytes; a value pushed outside [-8, 7]
// makes the tensor int8 again.
TEST(TfliteImporter, WritesInt4WeightsBackTwoToAByte) {
  for (const char* name :
       {"CONV_2D/i8_i4w_0", "DEPTHWISE_CONV_2D/i8_i4w_0", "FULLY_CONNECTED/i8_i4w_0"}) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> original =
        read_file(test::shared_dir() + "/conformance/tflm_ops/" + name + "/model.tflite");
    ir::Graph g = tflite_import::import_tflite(original.data(), original.size(), name);
    const int filter = g.ops.at(0).inputs.at(1);
    ASSERT_TRUE(g.tensors[static_cast<size_t>(filter)].int4);
    const auto [type, bytes] = stored_tensor(original, filter);
    ASSERT_EQ(type, tflite::TensorType_INT4);
    const std::vector<uint8_t> written = write_tflite(g);
    EXPECT_EQ(stored_tensor(written, filter), std::make_pair(type, bytes));
    const ir::Graph back = tflite_import::import_tflite(written.data(), written.size(), name);
    EXPECT_EQ(back.tensors[static_cast<size_t>(filter)].data,
              g.tensors[static_cast<size_t>(filter)].data);

    g.tensors[static_cast<size_t>(filter)].data[0] = 8;
    const std::vector<uint8_t> widened = write_tflite(g);
    const auto [int8_type, int8_bytes] = stored_tensor(widened, filter);
    EXPECT_EQ(int8_type, tflite::TensorType_INT8);
    EXPECT_EQ(int8_bytes, g.tensors[static_cast<size_t>(filter)].data);
  }
}

TEST(TfliteImporter, RefusesInt4OfTheWrongSizeOrNotConstant) {
  struct Case {
    std::vector<uint8_t> packed;
    ErrorKind kind;
    const char* message;
  };
  const Case cases[] = {
      {{0x9F}, ErrorKind::kBadModel, "3 int4 values need 2 bytes, the buffer holds 1"},
      {{}, ErrorKind::kUnsupported, "int4 is supported for constant weights only"}};
  for (const Case& c : cases) {
    const std::vector<uint8_t> file = model_reading(tflite::TensorType_INT4, {3}, c.packed);
    try {
      tflite_import::import_tflite(file.data(), file.size(), "int4.tflite");
      ADD_FAILURE() << "expected: " << c.message;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), c.kind);
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

// A model whose operator 0 is CALL_ONCE of subgraph `init` (subgraph 1 has
// no ops) and whose operator 1 copies input x to output y.
std::vector<uint8_t> model_calling_once(int32_t init) {
  namespace fb = ::kiln::tflite;
  flatbuffers::FlatBufferBuilder b;
  const std::vector<int32_t> shape = {2};
  const std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensor(b, b.CreateVector(shape), fb::TensorType_FLOAT32, 0, b.CreateString("x")),
      fb::CreateTensor(b, b.CreateVector(shape), fb::TensorType_FLOAT32, 0, b.CreateString("y"))};
  const std::vector<int32_t> ins = {0}, outs = {1}, none = {};
  const std::vector<flatbuffers::Offset<fb::Operator>> ops = {
      fb::CreateOperator(b, 0, b.CreateVector(none), b.CreateVector(none),
                         fb::BuiltinOptions_CallOnceOptions,
                         fb::CreateCallOnceOptions(b, init).Union()),
      fb::CreateOperator(b, 1, b.CreateVector(ins), b.CreateVector(outs))};
  const std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs = {
      fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(ins), b.CreateVector(outs),
                         b.CreateVector(ops)),
      fb::CreateSubGraph(b, b.CreateVector(std::vector<flatbuffers::Offset<fb::Tensor>>{}))};
  const std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {
      fb::CreateOperatorCode(b, 127, 0, 1, fb::BuiltinOperator_CALL_ONCE),
      fb::CreateOperatorCode(b, 0, 0, 1, fb::BuiltinOperator_RESHAPE)};
  const std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  const auto model = fb::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(subgraphs), 0,
                                     b.CreateVector(buffers));
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

// A model with one int8 variable tensor of `shape` (zero point 5) that
// RESHAPE copies to the output.
std::vector<uint8_t> model_with_variable(const std::vector<int32_t>& shape) {
  namespace fb = ::kiln::tflite;
  flatbuffers::FlatBufferBuilder b;
  const std::vector<float> scale = {0.5f};
  const std::vector<int64_t> zero_point = {5};
  const auto quant =
      fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector(scale), b.CreateVector(zero_point));
  const std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensor(b, b.CreateVector(shape), fb::TensorType_INT8, 0, b.CreateString("state"),
                       quant, true),
      fb::CreateTensor(b, b.CreateVector(shape), fb::TensorType_INT8, 0, b.CreateString("y"))};
  const std::vector<int32_t> ins = {0}, outs = {1}, none = {};
  const std::vector<flatbuffers::Offset<fb::Operator>> ops = {
      fb::CreateOperator(b, 0, b.CreateVector(ins), b.CreateVector(outs))};
  const std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs = {fb::CreateSubGraph(
      b, b.CreateVector(tensors), b.CreateVector(none), b.CreateVector(outs), b.CreateVector(ops))};
  const std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {
      fb::CreateOperatorCode(b, 22, 0, 1, fb::BuiltinOperator_RESHAPE)};
  const std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  const auto model = fb::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(subgraphs), 0,
                                     b.CreateVector(buffers));
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

TEST(TfliteImporter, RefusesAVariableOfAShapeThatCannotExist) {
  // Found by fuzz_tflite: the reset value (the zero point in every byte) of
  // a variable with a negative or huge shape was allocated before the shape
  // was checked.
  for (const auto& [shape, message] : std::vector<std::pair<std::vector<int32_t>, std::string>>{
           {{-3, 4}, "tensor 0 'state' has a negative dimension [-3,4]"},
           {{65536, 65536, 65536}, "tensor 0 'state' of shape [65536,65536,65536] would take"}}) {
    const std::vector<uint8_t> file = model_with_variable(shape);
    try {
      tflite_import::import_tflite(file.data(), file.size(), "variable.tflite");
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
  const std::vector<uint8_t> good = model_with_variable({2, 3});
  const ir::Graph g = tflite_import::import_tflite(good.data(), good.size(), "variable.tflite");
  EXPECT_EQ(g.tensors[0].data, std::vector<uint8_t>(6, 5));
}

TEST(TfliteImporter, ChecksTheSubgraphACallOnceRuns) {
  const std::vector<uint8_t> good = model_calling_once(1);
  const ir::Graph g = tflite_import::import_tflite(good.data(), good.size(), "once.tflite");
  ASSERT_EQ(g.ops.size(), 1u);  // the empty initialization inlines to nothing
  EXPECT_EQ(g.ops[0].kind, OpKind::kReshape);
  for (int32_t index : {0, 2, -1}) {
    const std::vector<uint8_t> file = model_calling_once(index);
    try {
      tflite_import::import_tflite(file.data(), file.size(), "once.tflite");
      ADD_FAILURE() << "subgraph " << index << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
      EXPECT_NE(std::string(e.what()).find(fmt::format(
                    "CALL_ONCE (subgraph 0, operator 0) runs subgraph {}, but the model's "
                    "subgraphs are 1 to 1",
                    index)),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(TfliteImporter, ResourceVariablesBecomePersistentTensors) {
  // The conformance set's delay line: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE.
  const std::vector<uint8_t> file =
      read_file(test::shared_dir() + "/conformance/tflm_ops/VAR_HANDLE/i8_0/model.tflite");
  const ir::Graph g = tflite_import::import_tflite(file.data(), file.size(), "var.tflite");
  ASSERT_EQ(g.ops.size(), 2u);
  EXPECT_EQ(g.ops[0].kind, OpKind::kReadVariable);
  EXPECT_EQ(g.ops[1].kind, OpKind::kAssignVariable);
  const ir::Tensor& v = g.tensors[static_cast<size_t>(g.ops[0].inputs[0])];
  EXPECT_EQ(g.ops[1].inputs[0], g.ops[0].inputs[0]);
  EXPECT_TRUE(v.persistent);
  EXPECT_EQ(v.name, "acc");
  // TFLite Micro resets an int8 variable to its zero point (12 here).
  EXPECT_EQ(v.data, std::vector<uint8_t>(4, 12));
}

TEST(TfliteImporter, IfRunsBothBranchesAndSelects) {
  // then: ADD(a, b); else: MUL(a, b) (the conformance set's IF).
  const std::vector<uint8_t> file =
      read_file(test::shared_dir() + "/conformance/tflm_ops/IF/f32_0/model.tflite");
  const ir::Graph g = tflite_import::import_tflite(file.data(), file.size(), "if.tflite");
  ASSERT_EQ(g.ops.size(), 3u);
  EXPECT_EQ(g.ops[0].kind, OpKind::kAdd);
  EXPECT_EQ(g.ops[1].kind, OpKind::kMul);
  EXPECT_EQ(g.ops[2].kind, OpKind::kSelect);
  EXPECT_EQ(g.ops[2].inputs,
            (std::vector<int>{g.inputs[0], g.ops[0].outputs[0], g.ops[1].outputs[0]}));
  EXPECT_EQ(g.ops[2].outputs[0], g.outputs[0]);
  // Each branch reads the IF's own operands.
  EXPECT_EQ(g.ops[0].inputs, (std::vector<int>{g.inputs[1], g.inputs[2]}));
  EXPECT_EQ(g.ops[1].inputs, (std::vector<int>{g.inputs[1], g.inputs[2]}));
}

TEST(TfliteImporter, WhileBecomesALoopOverCarriedValues) {
  // cond: i < 3; body: i += 1, x *= 2 (the conformance set's WHILE).
  const std::vector<uint8_t> file =
      read_file(test::shared_dir() + "/conformance/tflm_ops/WHILE/i32_1/model.tflite");
  const ir::Graph g = tflite_import::import_tflite(file.data(), file.size(), "while.tflite");
  std::vector<OpKind> kinds;
  for (const ir::Op& op : g.ops) kinds.push_back(op.kind);
  EXPECT_EQ(kinds,
            (std::vector<OpKind>{OpKind::kAssignVariable, OpKind::kAssignVariable, OpKind::kLoop,
                                 OpKind::kReadVariable, OpKind::kReadVariable, OpKind::kLess,
                                 OpKind::kBreakUnless, OpKind::kAdd, OpKind::kMul,
                                 OpKind::kAssignVariable, OpKind::kAssignVariable, OpKind::kEndLoop,
                                 OpKind::kReadVariable, OpKind::kReadVariable}));
  // The carried values start as the WHILE's inputs and end as its outputs.
  const int i = g.ops[0].inputs[0], x = g.ops[1].inputs[0];
  EXPECT_TRUE(g.tensors[static_cast<size_t>(i)].loop_variable);
  EXPECT_FALSE(g.tensors[static_cast<size_t>(i)].persistent);
  EXPECT_EQ(g.ops[0].inputs[1], g.inputs[0]);
  EXPECT_EQ(g.ops[1].inputs[1], g.inputs[1]);
  EXPECT_EQ(g.ops[9].inputs, (std::vector<int>{i, g.ops[7].outputs[0]}));
  EXPECT_EQ(g.ops[10].inputs, (std::vector<int>{x, g.ops[8].outputs[0]}));
  EXPECT_EQ(g.ops[12].outputs[0], g.outputs[0]);
  EXPECT_EQ(g.ops[13].outputs[0], g.outputs[1]);
  EXPECT_EQ(g.ops[6].type_name, "WHILE/BREAK_UNLESS");
}

TEST(TfliteImporter, AWhileRunsUntilItsConditionFailsOrTheLoopLimit) {
  const std::vector<uint8_t> file =
      read_file(test::shared_dir() + "/conformance/tflm_ops/WHILE/i32_0/model.tflite");
  HostRunner runner(compile_tflite(file, "while.tflite").blob);
  // i from -10 to 2, doubling x each time: 12 iterations.
  const std::vector<std::vector<uint8_t>> inputs = {test::bytes_of<int32_t>({-10}),
                                                    test::bytes_of<int32_t>({3})};
  const auto outputs = test::run_once(runner, inputs);
  EXPECT_EQ(test::values_of<int32_t>(outputs[0]), (std::vector<int32_t>{2}));
  EXPECT_EQ(test::values_of<int32_t>(outputs[1]), (std::vector<int32_t>{3 << 12}));
  runner.set_loop_limit(12);
  EXPECT_EQ(test::values_of<int32_t>(test::run_once(runner, inputs)[1]),
            (std::vector<int32_t>{3 << 12}));
  runner.set_loop_limit(11);
  try {
    test::run_once(runner, inputs);
    ADD_FAILURE() << "ran past the loop limit";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a loop ran more iterations than the limit set"),
              std::string::npos)
        << e.what();
  }
}

TEST(TfliteImporter, NothingALoopComputesIsReadAfterIt) {
  // y = NEG(x) inside a loop, read by a NEG after it: on an exit before
  // the NEG, y would hold nothing.
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1});
  const int c = b.tensor("c", KILN_DTYPE_BOOL, {1});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1});
  const int z = b.tensor("z", KILN_DTYPE_FLOAT32, {1});
  b.op(OpKind::kLoop, {}, {});
  b.op(OpKind::kLess, {x, x}, {c});
  b.op(OpKind::kBreakUnless, {c}, {});
  b.op(OpKind::kNeg, {x}, {y});
  b.op(OpKind::kEndLoop, {}, {});
  b.op(OpKind::kNeg, {y}, {z});
  b.output(z);
  try {
    b.build();
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find("NEG (operator 5) reads tensor 2 'y' after the loop that "
                                         "computes it"),
              std::string::npos)
        << e.what();
  }
  b.graph().ops.pop_back();
  b.graph().ops.pop_back();  // no END_LOOP
  b.graph().outputs = {y};
  EXPECT_THROW(b.build(), Error);
}

}  // namespace
}  // namespace kiln
