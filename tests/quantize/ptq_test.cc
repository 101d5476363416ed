// Post-training quantization: the calibration statistics, the int8 graph it
// builds, and the four MLPerf Tiny float models quantized by kiln, compared
// with the official int8 models and with their float originals on the
// test-vector inputs.
#include "compiler/quantize/ptq.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/eval/dataset.h"
#include "compiler/eval/validate.h"
#include "compiler/exec/graph_evaluator.h"
#include "compiler/exec/source_layout.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/ir/builder.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/run_graph.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;

TEST(Calibration, AffineInt8HoldsZeroExactly) {
  const AffineQuantization relu = affine_int8({0.0f, 6.0f});
  EXPECT_FLOAT_EQ(relu.scale, 6.0f / 255);
  EXPECT_EQ(relu.zero_point, -128);
  const AffineQuantization both = affine_int8({-1.0f, 3.0f});
  EXPECT_FLOAT_EQ(both.scale, 4.0f / 255);
  EXPECT_EQ(both.zero_point, -64);  // -128 + 1 / (4/255) = -64.25
  // A range that excludes zero is widened to hold it.
  EXPECT_EQ(affine_int8({2.0f, 4.0f}).zero_point, -128);
  EXPECT_GT(affine_int8({0.0f, 0.0f}).scale, 0.0f);
}

TEST(Calibration, PercentileAndMseClipOutliers) {
  // 10,000 values in [0, 1] and one outlier at 100.
  std::vector<float> values;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int i = 0; i < 10000; ++i) values.push_back(u(rng));
  values.push_back(100.0f);
  TensorStats stats;
  stats.add_range(values);
  stats.add_histogram(values);
  EXPECT_FLOAT_EQ(stats.choose(CalibrationMethod::kMinMax, 99.99).max, 100.0f);
  EXPECT_LT(stats.choose(CalibrationMethod::kPercentile, 99.9).max, 1.1f);
  const Range mse = stats.choose(CalibrationMethod::kMse, 99.99);
  EXPECT_LT(mse.max, 100.0f);
  EXPECT_EQ(mse.min, 0.0f);
}

// conv (with bias) -> relu6 -> avg pool -> fully connected -> softmax, float.
ir::Graph small_float_classifier() {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 6, 6, 2});
  std::vector<float> w(4 * 3 * 3 * 2), fw(3 * 4);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(static_cast<float>(i)) * 0.5f;
  for (size_t i = 0; i < fw.size(); ++i) fw[i] = std::cos(static_cast<float>(i)) * 0.8f;
  const int filter = b.constant<float>("conv/w", KILN_DTYPE_FLOAT32, {4, 3, 3, 2}, w);
  const int bias = b.constant<float>("conv/b", KILN_DTYPE_FLOAT32, {4}, {0.1f, -0.2f, 0.3f, 0.0f});
  const int conv = b.tensor("conv", KILN_DTYPE_FLOAT32, {1, 6, 6, 4});
  ir::OpAttrs same;
  same.padding = ir::Padding::kSame;
  same.activation = ir::Activation::kRelu6;
  b.op(OpKind::kConv2D, {x, filter, bias}, {conv}, same);
  const int pool = b.tensor("pool", KILN_DTYPE_FLOAT32, {1, 1, 1, 4});
  ir::OpAttrs global;
  global.filter_h = global.filter_w = 6;
  b.op(OpKind::kAveragePool2D, {conv}, {pool}, global);
  const int fc_w = b.constant<float>("fc/w", KILN_DTYPE_FLOAT32, {3, 4}, fw);
  const int logits = b.tensor("logits", KILN_DTYPE_FLOAT32, {1, 3});
  b.op(OpKind::kFullyConnected, {pool, fc_w, -1}, {logits});
  const int probs = b.tensor("probs", KILN_DTYPE_FLOAT32, {1, 3});
  b.op(OpKind::kSoftmax, {logits}, {probs});
  b.output(probs);
  return b.build();
}

std::vector<std::vector<std::vector<uint8_t>>> random_samples(size_t n, size_t elements, float lo,
                                                              float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<std::vector<std::vector<uint8_t>>> samples;
  for (size_t s = 0; s < n; ++s) {
    std::vector<float> v(elements);
    for (float& f : v) f = u(rng);
    samples.push_back({test::bytes_of(v)});
  }
  return samples;
}

TEST(PostTrainingQuantization, BuildsTheTfliteInt8Scheme) {
  const ir::Graph g = small_float_classifier();
  const QuantizeResult r = quantize_post_training(g, random_samples(16, 72, -1.0f, 1.0f, 1), {});
  const ir::Graph& q = r.graph;
  for (const ir::Op& op : q.ops) {
    for (int t : op.outputs)
      EXPECT_EQ(q.tensors[static_cast<size_t>(t)].dtype, KILN_DTYPE_INT8) << op.type_name;
  }
  const ir::Op& conv = q.ops[0];
  const ir::Tensor& w = q.tensors[static_cast<size_t>(conv.inputs[1])];
  EXPECT_EQ(w.dtype, KILN_DTYPE_INT8);
  EXPECT_EQ(w.quant.scales.size(), 4u);  // per output channel
  EXPECT_EQ(w.quant.axis, 0);
  const ir::Tensor& bias = q.tensors[static_cast<size_t>(conv.inputs[2])];
  EXPECT_EQ(bias.dtype, KILN_DTYPE_INT32);
  const float input_scale = q.tensors[static_cast<size_t>(conv.inputs[0])].quant.scale();
  for (size_t c = 0; c < 4; ++c)
    EXPECT_FLOAT_EQ(bias.quant.scales[c], input_scale * w.quant.scales[c]);
  // Pooling keeps its input's quantization; softmax's is fixed.
  EXPECT_EQ(q.tensors[static_cast<size_t>(q.ops[1].outputs[0])].quant.scales,
            q.tensors[static_cast<size_t>(q.ops[1].inputs[0])].quant.scales);
  EXPECT_EQ(q.tensors[static_cast<size_t>(q.outputs[0])].quant.scale(), 1.0f / 256);
  EXPECT_EQ(q.tensors[static_cast<size_t>(q.outputs[0])].quant.zero_point(), -128);
  // ReLU6 fused: the conv output's range starts at 0.
  EXPECT_EQ(q.tensors[static_cast<size_t>(conv.outputs[0])].quant.zero_point(), -128);

  // On fresh inputs the int8 model tracks the float one.
  const CompiledModel float_model = compile_graph(g), int8_model = compile_graph(q);
  HostRunner f(float_model.blob), i(int8_model.blob);
  DifferenceMeter meter;
  for (const auto& sample : random_samples(20, 72, -1.0f, 1.0f, 2)) {
    f.set_input(0, sample[0]);
    f.invoke();
    std::vector<float> in = test::values_of<float>(sample[0]);
    const ir::Tensor& qin = q.tensors[static_cast<size_t>(q.inputs[0])];
    std::vector<int8_t> quantized(in.size());
    for (size_t k = 0; k < in.size(); ++k) {
      quantized[k] = static_cast<int8_t>(std::clamp(
          std::round(in[k] / qin.quant.scale()) + qin.quant.zero_point(), -128.0f, 127.0f));
    }
    i.set_input(0, test::bytes_of(quantized));
    i.invoke();
    std::vector<float> want = test::values_of<float>(f.output(0)), got;
    for (int8_t v : test::values_of<int8_t>(i.output(0))) got.push_back((v + 128) / 256.0f);
    meter.add(want, got);
  }
  EXPECT_LT(meter.result().l2r, 0.05);
  EXPECT_LT(meter.result().max_abs_diff, 0.05);
}

// Binary weights: each output channel's weights are +a or -a by sign, a the
// channel's mean magnitude: 127 levels of its own scale for the per-channel
// convolution; for the fully connected layer's one scale, the largest
// channel's a is 127 levels and the others' are rounded to theirs.
TEST(PostTrainingQuantization, BinaryWeightsTakeTwoValuesPerChannel) {
  const ir::Graph g = small_float_classifier();
  QuantizeOptions options;
  options.binary_weights = true;
  const ir::Graph q =
      quantize_post_training(g, random_samples(16, 72, -1.0f, 1.0f, 1), options).graph;
  auto float_weights = [&](const char* name) {
    for (const ir::Tensor& t : g.tensors) {
      if (t.name == name) return std::vector<float>(t.as<float>(), t.as<float>() + t.elements());
    }
    return std::vector<float>{};
  };
  const ir::Tensor& conv_w = q.tensors[static_cast<size_t>(q.ops[0].inputs[1])];
  const std::vector<float> conv_f = float_weights("conv/w");
  ASSERT_EQ(conv_w.quant.scales.size(), 4u);
  for (size_t c = 0; c < 4; ++c) {
    double mean = 0.0;
    for (size_t i = c * 18; i < (c + 1) * 18; ++i) mean += std::fabs(conv_f[i]) / 18.0;
    EXPECT_NEAR(conv_w.quant.scales[c], mean / 127.0, 1e-6) << c;
    for (size_t i = c * 18; i < (c + 1) * 18; ++i)
      EXPECT_EQ(conv_w.as<int8_t>()[i], conv_f[i] >= 0.0f ? 127 : -127) << i;
  }
  const ir::Tensor& fc_w = q.tensors[static_cast<size_t>(q.ops[2].inputs[1])];
  const std::vector<float> fc_f = float_weights("fc/w");
  ASSERT_EQ(fc_w.quant.scales.size(), 1u);
  std::vector<double> means(3, 0.0);
  for (size_t i = 0; i < 12; ++i) means[i / 4] += std::fabs(fc_f[i]) / 4.0;
  const double scale = *std::max_element(means.begin(), means.end()) / 127.0;
  EXPECT_NEAR(fc_w.quant.scales[0], scale, 1e-6);
  for (size_t i = 0; i < 12; ++i) {
    const auto level = static_cast<int>(std::lround(means[i / 4] / scale));
    EXPECT_EQ(fc_w.as<int8_t>()[i], fc_f[i] >= 0.0f ? level : -level) << i;
  }
}

TEST(PostTrainingQuantization, FloatInterfaceAndTfliteExport) {
  QuantizeOptions options;
  options.float_io = true;
  options.method = CalibrationMethod::kMse;
  const QuantizeResult r = quantize_post_training(small_float_classifier(),
                                                  random_samples(8, 72, -1.0f, 1.0f, 1), options);
  EXPECT_EQ(r.graph.ops.front().kind, OpKind::kQuantize);
  EXPECT_EQ(r.graph.ops.back().kind, OpKind::kDequantize);
  EXPECT_EQ(r.graph.tensors[static_cast<size_t>(r.graph.inputs[0])].dtype, KILN_DTYPE_FLOAT32);
  EXPECT_EQ(r.graph.tensors[static_cast<size_t>(r.graph.inputs[0])].name, "x");
  // The .tflite kiln writes reads back to the same int8 graph and outputs.
  const std::vector<uint8_t> file = write_tflite(r.graph);
  const std::vector<uint8_t> input = random_samples(1, 72, -1.0f, 1.0f, 9)[0][0];
  HostRunner from_file(compile_tflite(file, "q.tflite").blob),
      from_graph(compile_graph(r.graph).blob);
  from_file.set_input(0, input);
  from_graph.set_input(0, input);
  from_file.invoke();
  from_graph.invoke();
  EXPECT_EQ(from_file.output(0), from_graph.output(0));
}

TEST(PostTrainingQuantization, RefusesQuantizedModels) {
  const std::string path = test::shared_dir() + "/models/mlcommons_tiny/ad01_int8.tflite";
  const std::vector<uint8_t> bytes = read_file(path);
  try {
    quantize_post_training(import_model(bytes, path), random_samples(1, 640, 0.0f, 1.0f, 1), {});
    FAIL() << "an int8 model was quantized again";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("already quantized"), std::string::npos) << e.what();
  }
}

// The MLPerf Tiny float models, quantized by kiln and compared with the
// official int8 models and the float originals on the int8 test-vector
// inputs (dequantized for the float model). No real calibration data for
// them ships here, so kiln calibrates on seeded uniform draws over the
// official int8 input range (the same distribution as the test vectors'
// random draws; sample 0 of KWS is a real utterance).
struct MlperfCase {
  const char* name;
  const char* float_model;
  const char* int8_model;
  const char* vectors;  // int8 test vectors
  // Floors on the test-vector inputs (top-1 agreement; cosine of the outputs).
  double min_agreement_with_float, min_cosine_with_float, min_agreement_with_official;
};

class MlperfQuantization : public ::testing::TestWithParam<MlperfCase> {};

TEST_P(MlperfQuantization, MatchesFloatAndOfficialInt8) {
  const MlperfCase& c = GetParam();
  const std::string models = test::shared_dir() + "/models/mlcommons_tiny/";
  const std::string float_path = models + c.float_model, int8_path = models + c.int8_model;
  const ir::Graph float_graph = passes::optimize(import_model(read_file(float_path), float_path));
  const ir::Graph official = import_model(read_file(int8_path), int8_path);
  const ir::Tensor& in = official.tensors[static_cast<size_t>(official.inputs[0])];
  const float lo = in.quant.scale() * static_cast<float>(-128 - in.quant.zero_point());
  const float hi = in.quant.scale() * static_cast<float>(127 - in.quant.zero_point());
  const QuantizeResult r = quantize_post_training(
      float_graph, random_samples(32, static_cast<size_t>(in.elements()), lo, hi, 7), {});
  const std::string out = ::testing::TempDir() + "/" + c.name + "_kiln_int8.tflite";
  const std::vector<uint8_t> file = write_tflite(passes::remove_unused(r.graph));
  write_file(out, file.data(), file.size());

  // The test-vector inputs, and the same values as float for the float model.
  const std::string data = test::shared_dir() + "/testvectors/" + c.vectors;
  const std::string float_data = ::testing::TempDir() + "/" + c.name + "_float_inputs";
  mkdir(float_data.c_str(), 0777);
  const Dataset vectors = load_dataset(data, source_input_ports(official), 0, "test vector");
  for (size_t s = 0; s < vectors.samples.size(); ++s) {
    const std::vector<float> real = to_float(in, vectors.samples[s][0]);
    write_file(float_data + "/" + vectors.names[s] + "_in0.bin", real.data(),
               real.size() * sizeof(float));
  }
  const ValidateReport kiln_vs_float = validate_models(float_path, out, float_data, {});
  const ValidateReport official_vs_float = validate_models(float_path, int8_path, float_data, {});
  const ValidateReport kiln_vs_official = validate_models(int8_path, out, data, {});
  for (const auto& [what, r] :
       {std::pair<const char*, const ValidateReport&>{"kiln int8 vs float", kiln_vs_float},
        {"official int8 vs float", official_vs_float},
        {"kiln int8 vs official int8", kiln_vs_official}}) {
    std::printf(
        "%-8s %-28s top-1 agreement %.3f  rmse %.5f  l2r %.4f  cosine %.5f  (%zu samples)\n",
        c.name, what, r.top1_agreement, r.outputs.rmse, r.outputs.l2r, r.outputs.cosine, r.samples);
  }
  EXPECT_EQ(kiln_vs_official.samples, vectors.samples.size());
  EXPECT_TRUE(kiln_vs_float.layers_compared);
  EXPECT_GE(kiln_vs_float.top1_agreement, c.min_agreement_with_float);
  EXPECT_GT(kiln_vs_float.outputs.cosine, c.min_cosine_with_float);
  EXPECT_GE(kiln_vs_official.top1_agreement, c.min_agreement_with_official);
}

const MlperfCase kMlperfCases[] = {
    // KWS: on the two random draws the official int8 model disagrees with its
    // own float model (its ranges come from real audio, which the draws
    // exceed); on the real sample 0 kiln's output equals the official one.
    {"kws", "kws_ref_model_float32.tflite", "kws_ref_model.tflite", "mlperf_kws_ref", 1.0, 0.999,
     0.0},
    {"vww", "vww_96_float.tflite", "vww_96_int8.tflite", "mlperf_vww_96_int8", 1.0, 0.999, 1.0},
    {"resnet8", "pretrainedResnet.tflite", "pretrainedResnet_quant.tflite", "mlperf_resnet8_int8",
     1.0, 0.98, 1.0},
    // AD's output is a reconstruction: its argmax means nothing.
    {"ad", "ad01_fp32.tflite", "ad01_int8.tflite", "mlperf_ad01_int8", 0.0, 0.999, 0.0},
};
INSTANTIATE_TEST_SUITE_P(SharedModels, MlperfQuantization, ::testing::ValuesIn(kMlperfCases),
                         [](const ::testing::TestParamInfo<MlperfCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace kiln
