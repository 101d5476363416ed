// Float ONNX export (compiler/export/onnx_writer.h) of the models kiln
// trains: ONNX's own checker and shape inference accept each file, and kiln's
// ONNX importer reads it back into a graph that computes what the original
// computes.
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>

#include "compiler/common/error.h"
#include "compiler/export/onnx_writer.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/train/architectures.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/int8_export.h"
#include "tests/support/cli.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

struct Case {
  const char* name;
  ir::Graph graph;
};

std::vector<Case> cases() {
  const train::ImageShape image{12, 10, 2};
  return {{"mlp", train::mlp(image, {16, 8}, 5, 1)},
          {"cnn", train::lenet(image, {4, 6}, 5, 2)},
          {"ds-cnn", train::ds_cnn(image, 8, 2, 5, 3)},
          {"mobilenet", train::mobilenet(image, {8, 12}, 2, 3, 5, 4)},
          {"resnet", train::resnet(image, {4, 8}, 1, 5, 5)}};
}

TEST(OnnxExport, TrainedArchitecturesPassOnnxsCheckerAndComputeTheSame) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    // As kiln train writes them: activations fused.
    const ir::Graph graph = passes::optimize(c.graph);
    const std::vector<uint8_t> file = write_onnx(graph);
    onnx::ModelProto model;
    ASSERT_TRUE(model.ParseFromArray(file.data(), static_cast<int>(file.size())));
    EXPECT_NO_THROW(onnx::checker::check_model(model));
    onnx::ShapeInferenceOptions strict{true, 1, false};
    EXPECT_NO_THROW(
        onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), strict));
    const onnx::TensorShapeProto& in = model.graph().input(0).type().tensor_type().shape();
    ASSERT_EQ(in.dim_size(), 4);
    EXPECT_EQ(in.dim(1).dim_value(), 2);  // channels first
    EXPECT_EQ(in.dim(2).dim_value(), 12);

    const ir::Graph back = import_model(file, std::string(c.name) + ".onnx");
    torch::manual_seed(9);
    const torch::Tensor x = torch::rand({1, 12, 10, 2}) * 2 - 1;
    std::vector<float> values(static_cast<size_t>(x.numel()));
    std::memcpy(values.data(), x.data_ptr<float>(), values.size() * sizeof(float));
    // Both graphs take kiln's NHWC values: the importer converts ONNX's layout.
    const std::vector<float> want = test::run_graph<float>(graph, {test::bytes_of(values)});
    const std::vector<float> got = test::run_graph<float>(back, {test::bytes_of(values)});
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
  }
}

TEST(OnnxExport, QuantizedModelsAreRefusedNamingTheOp) {
  train::GraphModule module(passes::optimize(train::mlp({4, 4, 1}, {4}, 3, 1)));
  const QuantizeResult q = train::quantize_trained(module, torch::rand({8, 4, 4, 1}));
  try {
    write_onnx(q.graph);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("has no float ONNX form here: tensor"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("is int8, not float"), std::string::npos) << e.what();
  }
}

TEST(TrainCli, WritesTheFloatModelAsOnnx) {
  const std::string onnx = test::temp_path("trained_cnn.onnx");
  const test::CliResult r = test::kiln_cli(
      "train --arch cnn --widths 4,8 --epochs 1 --train-images 2000 --threads 1 -o " + onnx);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote " + onnx + " (float"), std::string::npos) << r.output;
  const test::CliResult a = test::kiln_cli("analyze " + onnx);
  EXPECT_EQ(a.exit_code, 0) << a.output;
  const test::CliResult q =
      test::kiln_cli("train --arch mlp --int8 -o " + test::temp_path("never_int8.onnx"));
  EXPECT_EQ(q.exit_code, 1) << q.output;
  EXPECT_NE(q.output.find("expected a .tflite or .kiln file (ONNX files are float)"),
            std::string::npos)
      << q.output;
}

}  // namespace
}  // namespace kiln
