// Models exported from PyTorch by export_models.py (run by CTest before these
// tests, into $KILN_PYTORCH_DIR): kiln's outputs against PyTorch's own (small
// models of the imported ops, torchvision's classification models), and a
// Fashion-MNIST CNN trained there, quantized by kiln: float against int8
// accuracy on the 10,000 test images.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/eval/dataset.h"
#include "compiler/eval/validate.h"
#include "compiler/exec/host_runner.h"
#include "compiler/exec/source_layout.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/quantize/quantize_file.h"
#include "tests/support/cli.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

std::string exported(const std::string& file) {
  const char* dir = std::getenv("KILN_PYTORCH_DIR");
  return std::string(dir ? dir : KILN_PYTORCH_DIR) + "/" + file;
}

// Compiles NAME.onnx for the host, runs it on NAME_in<i>.npy in PyTorch's
// layout (`invocations` times: PyTorch's models keep no state from one to
// the next) and expects PyTorch's NAME_out<i>.npy within 1e-4 of each
// output's largest magnitude.
CompiledModel expect_pytorch_outputs(const std::string& name, int invocations = 1) {
  CompiledModel m = compile_model(read_file(exported(name + ".onnx")), name + ".onnx", {"host"});
  SourceLayoutRunner runner(std::make_unique<HostRunner>(m.blob), m.graph);
  // Inputs are set before each invocation: the arena may reuse their bytes.
  for (int k = 0; k < invocations; ++k) {
    for (size_t i = 0; i < runner.inputs().size(); ++i) {
      const std::string file = fmt::format("{}_in{}.npy", name, i);
      runner.set_input(i, parse_npy(read_file(exported(file)), file).data);
    }
    runner.invoke();
  }
  for (size_t o = 0; o < runner.outputs().size(); ++o) {
    const std::string file = fmt::format("{}_out{}.npy", name, o);
    const std::vector<float> want =
        test::values_of<float>(parse_npy(read_file(exported(file)), file).data);
    const std::vector<float> got = test::values_of<float>(runner.output(o));
    EXPECT_EQ(got.size(), want.size()) << file;
    float max_magnitude = 0.0f, max_diff = 0.0f;
    for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
      max_magnitude = std::max(max_magnitude, std::fabs(want[i]));
      max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
    }
    EXPECT_LE(max_diff, 1e-4f * max_magnitude) << file << ": max |kiln - pytorch| = " << max_diff
                                               << ", largest |pytorch| = " << max_magnitude;
  }
  return m;
}

class PytorchModel : public ::testing::TestWithParam<const char*> {};

TEST_P(PytorchModel, MatchesPytorch) {
  const CompiledModel m = expect_pytorch_outputs(GetParam());
  // No transpose is left for the device: layout changes folded away.
  for (const ir::Op& op : m.graph.ops) EXPECT_NE(op.kind, ir::OpKind::kTranspose) << op.location;
}

INSTANTIATE_TEST_SUITE_P(Exported, PytorchModel,
                         ::testing::Values("conv_bn_relu6", "depthwise_separable", "upsample",
                                           "pools", "mlp", "concat_pad_permute", "audio_1d",
                                           "residual"));

// Models of the ops mapped through the op records' ONNX forms; some need a
// transpose on the device (a softmax over channels, a slice in PyTorch's
// element order).
class PytorchOpModel : public ::testing::TestWithParam<const char*> {};

TEST_P(PytorchOpModel, MatchesPytorchAtEveryInvocation) { expect_pytorch_outputs(GetParam(), 2); }

INSTANTIATE_TEST_SUITE_P(Exported, PytorchOpModel,
                         ::testing::Values("reductions", "slicing", "comparisons", "unary_math",
                                           "activations", "repeats", "resizing", "recurrent"));

// torchvision's classification models as PyTorch users export them
// (export_models.py's TORCHVISION).
class TorchvisionModel : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchvisionModel, MatchesPytorch) {
  const CompiledModel m = expect_pytorch_outputs(std::string("tv_") + GetParam());
  int transposes = 0;
  for (const ir::Op& op : m.graph.ops) transposes += op.kind == ir::OpKind::kTranspose;
  RecordProperty("ops", static_cast<int>(m.graph.ops.size()));
  RecordProperty("transposes", transposes);
}

INSTANTIATE_TEST_SUITE_P(Classification, TorchvisionModel,
                         ::testing::Values("resnet18", "mobilenet_v2", "mobilenet_v3_small",
                                           "squeezenet1_1", "shufflenet_v2_x0_5", "mnasnet0_5",
                                           "efficientnet_b0", "regnet_y_400mf", "densenet121",
                                           "googlenet", "convnext_tiny", "resnext50_32x4d"));

TEST(FashionMnist, Int8AccuracyWithinHalfAPointOfFloat) {
  const std::string model = exported("fashion_cnn.onnx");
  const ir::Graph graph = passes::optimize(import_model(read_file(model), model));
  const QuantizeResult q = quantize_post_training(
      graph, calibration_samples(graph, exported("fashion_calibration"), 0), {});
  const std::string int8_model = ::testing::TempDir() + "/fashion_cnn_int8.tflite";
  const std::vector<uint8_t> file = write_tflite(q.graph);
  write_file(int8_model, file.data(), file.size());

  ValidateOptions options;
  options.labels = exported("fashion_labels.txt");
  const ValidateReport r = validate_models(model, int8_model, exported("fashion_test"), options);
  double pytorch_accuracy = 0;
  std::ifstream(exported("fashion_float_accuracy.txt")) >> pytorch_accuracy;
  std::printf(
      "fashion-mnist, %zu test images: PyTorch float %.4f, kiln float %.4f, kiln int8 %.4f; top-1 "
      "agreement %.4f\n",
      r.samples, pytorch_accuracy, *r.accuracy_a, *r.accuracy_b, r.top1_agreement);
  ASSERT_EQ(r.samples, 10000u);
  EXPECT_NEAR(*r.accuracy_a, pytorch_accuracy, 0.0005);  // kiln's float run is PyTorch's model
  EXPECT_LE(std::fabs(*r.accuracy_a - *r.accuracy_b), 0.005);
  EXPECT_TRUE(r.first_divergent_layer.empty()) << r.first_divergent_layer;
}

// kiln train fine-tunes the imported ONNX CNN (its batch norms folded into
// the convolutions), quantization-aware: before, the module computes
// PyTorch's model; after, the int8 model keeps the float accuracy.
TEST(FashionMnist, FineTunesTheImportedModelQuantizationAware) {
#ifndef KILN_HAS_TRAINING
  GTEST_SKIP() << "kiln is built without kiln train (KILN_TRAINING)";
#endif
  const std::string report = ::testing::TempDir() + "/fashion_finetune.json";
  const test::CliResult r =
      test::kiln_cli("train --model " + exported("fashion_cnn.onnx") +
                     " --train-images 12000 --epochs 1 --learning-rate 1e-4 --qat-epochs 1 -o " +
                     ::testing::TempDir() + "/fashion_finetuned_int8.tflite --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::printf("%s", r.output.c_str());
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  double pytorch_accuracy = 0;
  std::ifstream(exported("fashion_float_accuracy.txt")) >> pytorch_accuracy;
  EXPECT_NEAR(j["test_accuracy_before"].get<double>(), pytorch_accuracy, 0.0005);
  EXPECT_GE(j["test_accuracy"].get<double>(), j["test_accuracy_before"].get<double>() - 0.005);
  EXPECT_GE(j["int8_qat_accuracy"].get<double>(), j["test_accuracy"].get<double>() - 0.003);
  EXPECT_LE(j["qat_predictions_differing"].get<int64_t>(), 20);
}

// The same CNN quantized by PyTorch and exported in ONNX's QDQ form runs as
// int8 ops in kiln (fold_qdq) with PyTorch's int8 outputs.
TEST(FashionMnist, PytorchQuantizedQdqModelRunsAsInt8) {
  const std::string model = exported("fashion_cnn_qdq.onnx");
  const CompiledModel m = compile_model(read_file(model), model, {"host"});
  for (const ir::Op& op : m.graph.ops) {
    if (op.kind == ir::OpKind::kQuantize || op.kind == ir::OpKind::kDequantize)
      continue;  // the float interface
    for (int t : op.outputs) {
      EXPECT_EQ(m.graph.tensors[static_cast<size_t>(t)].dtype, KILN_DTYPE_INT8)
          << op.type_name << " " << op.location;
    }
  }
  const NpyArray want =
      parse_npy(read_file(exported("fashion_qdq_out.npy")), "fashion_qdq_out.npy");
  const std::vector<float> expected = test::values_of<float>(want.data);
  const size_t images = static_cast<size_t>(want.shape[0]),
               classes = static_cast<size_t>(want.shape[1]);
  const ir::Tensor& logits = m.graph.tensors[static_cast<size_t>(m.graph.ops.back().inputs[0])];
  const float step = logits.quant.scale();
  SourceLayoutRunner runner(std::make_unique<HostRunner>(m.blob), m.graph);
  size_t exact = 0, agree = 0;
  float worst = 0.0f;
  for (size_t i = 0; i < images; ++i) {
    runner.set_input(0, read_file(exported(fmt::format("fashion_test/{:05}.bin", i))));
    runner.invoke();
    const std::vector<float> got = test::values_of<float>(runner.output(0));
    const float* w = &expected[i * classes];
    bool same = true;
    for (size_t c = 0; c < classes; ++c) {
      worst = std::max(worst, std::fabs(got[c] - w[c]));
      same = same && got[c] == w[c];
    }
    exact += same;
    agree += std::max_element(got.begin(), got.end()) - got.begin() ==
             std::max_element(w, w + classes) - w;
  }
  std::printf(
      "QDQ fashion CNN, %zu images: %zu outputs identical to PyTorch's int8 ones, argmax agrees on "
      "%zu, "
      "largest difference %.2f steps\n",
      images, exact, agree, worst / step);
  EXPECT_LE(worst, step * 1.01f);
  EXPECT_GE(static_cast<double>(agree), 0.99 * static_cast<double>(images));
}

}  // namespace
}  // namespace kiln
