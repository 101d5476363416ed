// Models exported from PyTorch by export_models.py (run by CTest before these
// tests, into $KILN_PYTORCH_DIR): kiln's outputs against PyTorch's own, and a
// Fashion-MNIST CNN trained there, quantized by kiln: float against int8
// accuracy on the 10,000 test images.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/compile.h"
#include "compiler/eval/dataset.h"
#include "compiler/eval/host_runner.h"
#include "compiler/eval/validate.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/passes/passes.h"
#include "compiler/quantize/ptq.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

std::string exported(const std::string& file) {
  const char* dir = std::getenv("KILN_PYTORCH_DIR");
  return std::string(dir ? dir : KILN_PYTORCH_DIR) + "/" + file;
}

class PytorchModel : public ::testing::TestWithParam<const char*> {};

// Host, and the same blob on the emulated Cortex-M4 for one of them.
TEST_P(PytorchModel, MatchesPytorch) {
  const std::string name = GetParam();
  const CompiledModel m = compile_model(read_file(exported(name + ".onnx")), name + ".onnx", {"host"});
  const NpyArray in = parse_npy(read_file(exported(name + "_in0.npy")), name);
  const NpyArray want = parse_npy(read_file(exported(name + "_out0.npy")), name);
  HostRunner runner(m.blob);
  runner.set_input(0, input_to_kiln_layout(m.graph, 0, in.data));
  runner.invoke();
  const std::vector<float> got = test::values_of<float>(output_to_source_layout(m.graph, 0, runner.output(0)));
  const std::vector<float> w = test::values_of<float>(want.data);
  ASSERT_EQ(got.size(), w.size());
  float max_magnitude = 0.0f, max_diff = 0.0f;
  for (size_t i = 0; i < w.size(); ++i) {
    max_magnitude = std::max(max_magnitude, std::fabs(w[i]));
    max_diff = std::max(max_diff, std::fabs(got[i] - w[i]));
  }
  EXPECT_LE(max_diff, 1e-4f * max_magnitude) << "max |kiln - pytorch| = " << max_diff;
  // No transpose is left for the device: layout changes folded away.
  for (const ir::Op& op : m.graph.ops) EXPECT_NE(op.kind, ir::OpKind::kTranspose) << op.location;
}

INSTANTIATE_TEST_SUITE_P(Exported, PytorchModel,
                         ::testing::Values("conv_bn_relu6", "depthwise_separable", "upsample", "pools", "mlp",
                                           "concat_pad_permute", "audio_1d", "residual"));

TEST(FashionMnist, Int8AccuracyWithinHalfAPointOfFloat) {
  const std::string model = exported("fashion_cnn.onnx");
  const ir::Graph graph = passes::optimize(import_model(read_file(model), model));
  const Dataset calibration = load_dataset(exported("fashion_calibration"), model_inputs(graph), 0, "calibration sample");
  std::vector<std::vector<std::vector<uint8_t>>> samples;
  for (const auto& s : calibration.samples) samples.push_back({input_to_kiln_layout(graph, 0, s[0])});
  const QuantizeResult q = quantize_post_training(graph, samples, {});
  const std::string int8_model = ::testing::TempDir() + "/fashion_cnn_int8.tflite";
  const std::vector<uint8_t> file = write_tflite(q.graph);
  write_file(int8_model, file.data(), file.size());

  ValidateOptions options;
  options.labels = exported("fashion_labels.txt");
  const ValidateReport r = validate_models(model, int8_model, exported("fashion_test"), options);
  double pytorch_accuracy = 0;
  std::ifstream(exported("fashion_float_accuracy.txt")) >> pytorch_accuracy;
  std::printf("fashion-mnist, %zu test images: PyTorch float %.4f, kiln float %.4f, kiln int8 %.4f; top-1 agreement %.4f\n",
              r.samples, pytorch_accuracy, *r.accuracy_a, *r.accuracy_b, r.top1_agreement);
  ASSERT_EQ(r.samples, 10000u);
  EXPECT_NEAR(*r.accuracy_a, pytorch_accuracy, 0.0005);  // kiln's float run is PyTorch's model
  EXPECT_LE(std::fabs(*r.accuracy_a - *r.accuracy_b), 0.005);
  EXPECT_TRUE(r.first_divergent_layer.empty()) << r.first_divergent_layer;
}

}  // namespace
}  // namespace kiln
