// Inputs that once broke an importer or the compiler (../shared/fuzz_findings,
// and what kiln's own fuzz runs found): each is now refused with a clear error
// naming what is wrong, never a crash, an overflow or a read past a protobuf or
// flatbuffer field.
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/import/tflite/importer.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"
#include "tflite_schema_generated.h"

namespace kiln {
namespace {

struct Finding {
  const char* file;
  ErrorKind kind;
  const char* message;  // a part of the error's text
};

class FuzzFinding : public testing::TestWithParam<Finding> {};

TEST_P(FuzzFinding, IsRefusedWithAClearError) {
  const std::string path = test::shared_dir() + "/fuzz_findings/" + GetParam().file;
  if (!test::file_exists(path)) GTEST_SKIP() << path << " not found";
  try {
    compile_model(read_file(path), path);
    FAIL() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), GetParam().kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(GetParam().message), std::string::npos) << e.what();
  }
}

// A Constant node without outputs.
INSTANTIATE_TEST_SUITE_P(Shared, FuzzFinding,
                         testing::Values(Finding{
                             "onnx-import-crash-1.onnx", ErrorKind::kBadModel,
                             "(Constant): output 0 is missing (the node has 0)"}));

// fuzz_tflite (about 290k executions): a depthwise convolution whose int8
// output's zero point was 33554429 overflowed while the Arm DSP
// requantization folded it into its rounding.
TEST(FuzzFinding, ZeroPointOutsideItsTypeIsRefused) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 3, 3, 4}, 0.5f, 0);
  const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 3, 3, 4}, std::vector<int8_t>(36, 1),
                                   {0.5f, 0.5f, 0.5f, 0.5f}, 3);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 1, 1, 4}, 0.25f, 33554429);
  b.op(ir::OpKind::kDepthwiseConv2D, {x, w, -1}, {y});
  b.output(y);
  try {
    compile_graph(b.build(), {"cortex-m4"});
    FAIL() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find(
                  "tensor 2 'y': zero point 33554429 is outside int8's range [-128, 127]"),
              std::string::npos)
        << e.what();
  }
}

// fuzz_tflite (about 264k executions): a DEPTHWISE_CONV_2D without outputs
// reached the graph passes, which read the output of every layer they fold.
// Every op kind's operand counts are checked on import (ir/op_kinds.h).
TEST(FuzzFinding, OpWithoutItsOperandsIsRefused) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3, 3, 4});
  const int w = b.constant<float>("w", KILN_DTYPE_FLOAT32, {1, 3, 3, 4}, std::vector<float>(36, 1));
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 1, 1, 4});
  b.op(ir::OpKind::kDepthwiseConv2D, {x, w, -1}, {});
  b.op(ir::OpKind::kDepthwiseConv2D, {x, w}, {y});
  b.output(y);
  try {
    compile_graph(b.build());
    FAIL() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find("has 0 outputs; DEPTHWISE_CONV_2D gives 1"),
              std::string::npos)
        << e.what();
  }
  ir::GraphBuilder c;
  const int cx = c.input("x", KILN_DTYPE_FLOAT32, {1, 4});
  const int cy = c.tensor("y", KILN_DTYPE_FLOAT32, {1, 4});
  c.op(ir::OpKind::kAdd, {cx, -1}, {cy});
  c.output(cy);
  try {
    compile_graph(c.build());
    FAIL() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find("lacks its input 1"), std::string::npos) << e.what();
  }
}

// fuzz_tflite (about 99k executions): the flatbuffer verifier aligns a
// vector's length, not its elements, so a file may hold int64 zero points
// at a 4-byte boundary; reading them through a typed pointer was a misaligned
// load. A model built so, read under UBSan.
TEST(FuzzFinding, ZeroPointsAtAFourByteBoundaryAreRead) {
  namespace fb = ::kiln::tflite;
  bool misaligned = false;
  for (int shift = 0; shift < 2; ++shift) {  // one of the two lands off an 8-byte boundary
    flatbuffers::FlatBufferBuilder b;
    if (shift) b.PushElement<int32_t>(0);
    const int64_t zero_points[] = {3};
    b.StartVector(1, 4);  // 4-byte alignment only, as a hand-made file may have it
    b.PushBytes(reinterpret_cast<const uint8_t*>(zero_points), sizeof(zero_points));
    const auto zp = flatbuffers::Offset<flatbuffers::Vector<int64_t>>(b.EndVector(1));
    const auto quant = fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector<float>({0.5f}), zp);
    const std::vector<int32_t> shape = {1, 4};
    const auto in = fb::CreateTensor(b, b.CreateVector(shape), fb::TensorType_INT8, 0,
                                     b.CreateString("in"), quant);
    const auto out = fb::CreateTensor(b, b.CreateVector(shape), fb::TensorType_INT8, 0,
                                      b.CreateString("out"), quant);
    const std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {in, out};
    const std::vector<int32_t> ins = {0}, outs = {1};
    const auto op = fb::CreateOperator(b, 0, b.CreateVector(ins), b.CreateVector(outs));
    const auto subgraph = fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(ins),
                                             b.CreateVector(outs), b.CreateVector(&op, 1));
    const auto code = fb::CreateOperatorCode(b, 0, 0, 1, fb::BuiltinOperator_RESHAPE);
    const auto model = fb::CreateModel(
        b, 3, b.CreateVector(&code, 1), b.CreateVector(&subgraph, 1), 0,
        b.CreateVector(std::vector<flatbuffers::Offset<fb::Buffer>>{fb::CreateBuffer(b)}));
    fb::FinishModelBuffer(b, model);
    const auto* read = fb::GetModel(b.GetBufferPointer())->subgraphs()->Get(0)->tensors()->Get(0);
    misaligned |= reinterpret_cast<uintptr_t>(read->quantization()->zero_point()->Data()) % 8 != 0;
    const ir::Graph g =
        tflite_import::import_tflite(b.GetBufferPointer(), b.GetSize(), "zp.tflite");
    ASSERT_EQ(g.tensors.size(), 2u);
    EXPECT_EQ(g.tensors[0].quant.zero_points, std::vector<int64_t>{3});
  }
  EXPECT_TRUE(misaligned) << "neither model put the zero points off an 8-byte boundary";
}

}  // namespace
}  // namespace kiln
