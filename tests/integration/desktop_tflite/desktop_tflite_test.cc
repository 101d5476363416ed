// The .tflite files kiln writes, loaded and run by desktop TFLite (its
// WebAssembly build from npm, XNNPACK kernels; run_tflite.js): the int8
// models kiln quantizes, against kiln's own outputs for them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "compiler/common/file_io.h"
#include "compiler/eval/dataset.h"
#include "compiler/exec/graph_evaluator.h"
#include "compiler/exec/host_runner.h"
#include "compiler/exec/source_layout.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/quantize/quantize_file.h"
#include "tests/support/cli.h"
#include "tests/support/run_graph.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

// Output 0 of a .tflite under desktop TFLite.
std::vector<uint8_t> run_desktop_tflite(const std::string& model,
                                        const std::vector<std::string>& inputs) {
  const char* wasm = std::getenv("KILN_TFLITE_WASM_DIR");
  const std::string prefix = model + ".desktop_out";
  std::string cmd = std::string("node ") + KILN_TFLITE_RUNNER + " " +
                    (wasm ? wasm : KILN_TFLITE_WASM_DIR) + " " + model + " " + prefix;
  for (const std::string& in : inputs) cmd += " " + in;
  const std::string log = prefix + ".log";
  const int status = std::system((cmd + " 2>" + log).c_str());
  const std::vector<uint8_t> printed = read_file(log);
  EXPECT_EQ(status, 0) << cmd << "\n" << std::string(printed.begin(), printed.end());
  return read_file(prefix + "0.bin");
}

struct ExportCase {
  const char* name;
  const char* model;    // under ../shared/models
  const char* vectors;  // float inputs, under ../shared/testvectors
  bool float_io;
  int max_steps;  // largest output difference in output quantization steps
};

class DesktopTflite : public ::testing::TestWithParam<ExportCase> {};

TEST_P(DesktopTflite, RunsKilnsInt8Export) {
  const ExportCase& c = GetParam();
  const std::string path = test::shared_dir() + "/models/" + c.model;
  const ir::Graph graph = passes::optimize(import_model(read_file(path), path));
  const std::string vectors = test::shared_dir() + "/testvectors/" + c.vectors;
  const Dataset data = load_dataset(vectors, source_input_ports(graph), 0, "sample");
  const std::vector<std::vector<std::vector<uint8_t>>> samples =
      calibration_samples(graph, vectors, 0);
  QuantizeOptions options;
  options.float_io = c.float_io;
  const QuantizeResult q = quantize_post_training(graph, samples, options);
  const std::string file = ::testing::TempDir() + "/" + c.name + "_kiln_int8.tflite";
  const std::vector<uint8_t> bytes = write_tflite(q.graph);
  write_file(file, bytes.data(), bytes.size());

  const ir::Tensor& in = q.graph.tensors[static_cast<size_t>(q.graph.inputs[0])];
  const ir::Tensor& out = q.graph.tensors[static_cast<size_t>(q.graph.outputs[0])];
  const float step =
      out.dtype == KILN_DTYPE_FLOAT32
          ? q.graph.tensors[static_cast<size_t>(q.graph.ops.back().inputs[0])].quant.scale()
          : out.quant.scale();
  HostRunner kiln(compile_tflite(bytes, file).blob);
  for (size_t s = 0; s < samples.size(); ++s) {
    SCOPED_TRACE(data.names[s]);
    std::vector<uint8_t> input = samples[s][0];
    if (in.dtype == KILN_DTYPE_INT8) {  // the float sample quantized as the model's input says
      std::vector<int8_t> quantized;
      for (float v : test::values_of<float>(input)) {
        quantized.push_back(static_cast<int8_t>(
            std::clamp(std::round(v / in.quant.scale()) + in.quant.zero_point(), -128.0f, 127.0f)));
      }
      input = test::bytes_of(quantized);
    }
    const std::string input_file = file + ".in.bin";
    write_file(input_file, input.data(), input.size());
    kiln.set_input(0, input);
    kiln.invoke();
    const std::vector<float> want = to_float(out, kiln.output(0));
    const std::vector<float> got = to_float(out, run_desktop_tflite(file, {input_file}));
    ASSERT_EQ(got.size(), want.size());
    float worst = 0.0f;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
    EXPECT_LE(worst, step * (static_cast<float>(c.max_steps) + 0.01f))
        << "in steps: " << worst / step;
    std::printf("%s %s: largest difference from kiln %.0f output steps\n", c.name,
                data.names[s].c_str(), worst / step);
  }
}

// XNNPACK's int8 kernels round differently from TFLite's reference ones
// (testvectors/README): a step per layer at most, compounding over AD's ten
// fully connected layers to two.
const ExportCase kCases[] = {
    {"ad", "mlcommons_tiny/ad01_fp32.tflite", "mlperf_ad01_fp32", false, 2},
    {"ad_float_io", "mlcommons_tiny/ad01_fp32.tflite", "mlperf_ad01_fp32", true, 2},
    {"mnist", "onnx_models/mnist.onnx", "onnx_mnist", true, 1},
};
INSTANTIATE_TEST_SUITE_P(KilnExports, DesktopTflite, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ExportCase>& info) {
                           return std::string(info.param.name);
                         });

// An int8 model kiln train wrote after quantization-aware training: desktop
// TFLite loads it and gives kiln's outputs within a step.
TEST(DesktopTflite, RunsAModelKilnTrainedQuantizationAware) {
#ifndef KILN_HAS_TRAINING
  GTEST_SKIP() << "kiln is built without kiln train (KILN_TRAINING)";
#endif
  const std::string dir = ::testing::TempDir() + "/kiln_trained_qat";
  const std::string model = dir + "/cnn_int8.tflite";
  const test::CliResult r = test::kiln_cli(
      "train --arch cnn --widths 4,8 --train-images 6000 --epochs 1 --qat-epochs 1 -o " + model +
      " --samples " + dir + "/samples --sample-count 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  HostRunner kiln(compile_tflite(read_file(model), model).blob);
  const TensorPort out = kiln.outputs()[0];
  ASSERT_EQ(out.dtype, KILN_DTYPE_INT8);
  for (int i = 0; i < 5; ++i) {
    const std::string input = dir + "/samples/t10k_0000" + std::to_string(i) + ".bin";
    kiln.set_input(0, read_file(input));
    kiln.invoke();
    const std::vector<int8_t> want = test::values_of<int8_t>(kiln.output(0));
    const std::vector<int8_t> got = test::values_of<int8_t>(run_desktop_tflite(model, {input}));
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) EXPECT_LE(std::abs(got[k] - want[k]), 1) << input;
  }
}

}  // namespace
}  // namespace kiln
