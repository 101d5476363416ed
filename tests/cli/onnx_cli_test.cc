// kiln quantize and kiln validate end to end, and the messages for bad
// ONNX files and calibration sets.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

using test::kiln_cli;
using test::model;
using test::temp_path;

// The ONNX MNIST test vectors (three 1x1x28x28 images) as a data directory.
std::string mnist_data() {
  const std::string dir = temp_path("mnist_data");
  mkdir(dir.c_str(), 0777);
  for (int k = 0; k < 3; ++k) {
    const std::string name = "s" + std::to_string(k) + "_in0.bin";
    const std::vector<uint8_t> bytes =
        read_file(test::shared_dir() + "/testvectors/onnx_mnist/" + name);
    write_file(dir + "/" + name, bytes.data(), bytes.size());
  }
  const std::string labels = "s0 5\ns1 0\ns2 4\n";  // the published argmaxes
  write_file(dir + "_labels.txt", labels.data(), labels.size());
  return dir;
}

TEST(OnnxCli, QuantizeThenValidate) {
  const std::string data = mnist_data();
  const std::string onnx = model("onnx_models/mnist.onnx");
  const std::string tflite = temp_path("mnist_int8.tflite"), blob = temp_path("mnist_int8.kiln");
  const test::CliResult q =
      kiln_cli("quantize " + onnx + " --calibration " + data + " --method mse -o " + tflite);
  ASSERT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("calibrating 6/6"), std::string::npos) << q.output;  // two passes for MSE
  ASSERT_EQ(kiln_cli("quantize " + onnx + " --calibration " + data + " -o " + blob).exit_code, 0);

  const test::CliResult v = kiln_cli("validate " + onnx + " " + tflite + " --data " + data +
                                     " --labels " + data + "_labels.txt --json");
  ASSERT_EQ(v.exit_code, 0) << v.output;
  const nlohmann::json j = nlohmann::json::parse(v.output);
  for (const char* key : {"rmse", "mae", "l2r", "cosine", "max_abs_diff", "top1_agreement",
                          "accuracy_a", "accuracy_b", "first_divergent_layer"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["samples"], 3);
  EXPECT_EQ(j["accuracy_a"], 1.0);  // the float model gets the published answers
  EXPECT_EQ(j["top1_agreement"], 1.0);
  EXPECT_GT(j["cosine"].get<double>(), 0.99);
  EXPECT_TRUE(j["layers_compared"].get<bool>());
  EXPECT_EQ(j["layers"].size(), 6u);

  // The int8 blob on the emulated Cortex-M4 against the float model.
  const test::CliResult m4 =
      kiln_cli("validate " + onnx + " " + blob + " --data " + data + " --target cortex-m4 --json");
  ASSERT_EQ(m4.exit_code, 0) << m4.output;
  const nlohmann::json k = nlohmann::json::parse(m4.output);
  EXPECT_EQ(k["top1_agreement"], 1.0);
  EXPECT_FALSE(k["layers_compared"].get<bool>());
  EXPECT_TRUE(k["first_divergent_layer"].is_null());
}

TEST(OnnxCli, CalibrationSetOfTheWrongShapeIsRefusedWithBothShapes) {
  const std::string dir = temp_path("nhwc_calibration");
  mkdir(dir.c_str(), 0777);
  NpyArray nhwc;  // NHWC data for a model that takes NCHW
  nhwc.shape = {1, 28, 28, 3};
  nhwc.data.assign(28 * 28 * 3 * 4, 0);
  const std::vector<uint8_t> file = write_npy(nhwc);
  write_file(dir + "/0.npy", file.data(), file.size());
  const test::CliResult r = kiln_cli("quantize " + model("onnx_models/mnist.onnx") +
                                     " --calibration " + dir + " -o " + temp_path("never.tflite"));
  EXPECT_EQ(r.exit_code, 5) << r.output;
  EXPECT_NE(r.output.find("[1,28,28,3]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[1,1,28,28]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("0.npy"), std::string::npos) << r.output;
}

TEST(OnnxCli, UnsupportedOpIsNamedWithItsNode) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  onnx::ValueInfoProto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  for (int d : {1, 3, 4, 4})
    in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
  onnx::NodeProto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->add_input("x");
  relu->add_output("r");
  onnx::NodeProto* einsum = g->add_node();
  einsum->set_op_type("Einsum");
  einsum->set_name("mix");
  einsum->add_input("r");
  einsum->add_output("y");
  g->add_output()->set_name("y");
  std::string bytes;
  m.SerializeToString(&bytes);
  const std::string path = temp_path("einsum.onnx");
  write_file(path, bytes.data(), bytes.size());
  const test::CliResult r = kiln_cli("convert " + path + " -o " + temp_path("einsum.kiln"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("node 1 'mix' (Einsum)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ONNX op 'Einsum'"), std::string::npos) << r.output;
}

TEST(OnnxCli, NotAModel) {
  const std::string path = temp_path("garbage.onnx");
  const std::string junk = "this is not a protobuf \xff\xff\xff\xff";
  write_file(path, junk.data(), junk.size());
  const test::CliResult r = kiln_cli("analyze " + path);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("not a model"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kiln
