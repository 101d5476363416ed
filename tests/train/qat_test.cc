// Quantization-aware training (compiler/train/fake_quantization): the
// training graph simulates the int8 model kiln exports from it. Weights and
// activation quantizations are those quantize_post_training writes, and the
// exported model's outputs stay within one output step of the simulation.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/compress/cluster.h"
#include "compiler/exec/graph_evaluator.h"
#include "compiler/ir/builder.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/train/architectures.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/int8_export.h"
#include "compiler/train/runtime_outputs.h"
#include "compiler/train/trainer.h"
#include "tests/support/cli.h"
#include "tests/support/run_graph.h"
#include "tests/train/layout_graph.h"

namespace kiln {
namespace {

using Mode = train::ActivationQuantizer::Mode;

const ir::Tensor& named(const ir::Graph& g, const std::string& name) {
  for (const ir::Tensor& t : g.tensors) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

// The module in quantization-aware mode with ranges observed on `images`.
void start_quantization_aware(train::GraphModule& module, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  module.eval();
  module.quantizer().set_mode(Mode::kObserve);
  module.forward(images);
  module.quantizer().set_mode(Mode::kQuantize);
}

TEST(FakeQuantization, WeightsAreTheLevelsPostTrainingQuantizationWrites) {
  torch::manual_seed(2);
  const torch::Tensor w = torch::randn({3, 2, 2, 2});
  const torch::Tensor scales = train::weight_scales(w, true);
  const torch::Tensor q = train::fake_quantize_weights(w, scales);
  for (int64_t c = 0; c < 3; ++c) {
    const float max_abs = w[c].abs().max().item<float>();
    EXPECT_EQ(scales[c].item<float>(), max_abs / 127.0f);
    const torch::Tensor levels = q[c] / scales[c];
    EXPECT_LT((levels - torch::round(levels)).abs().max().item<float>(), 1e-4);  // on the grid
    EXPECT_EQ(torch::round(levels).abs().max().item<float>(), 127.0f);  // the largest is ±127
  }
  // A channel of zeros keeps scale 1, as quantize_weights gives it.
  EXPECT_EQ(train::weight_scales(torch::zeros({2, 3}), true)[1].item<float>(), 1.0f);
  EXPECT_EQ(train::weight_scales(w, false).numel(), 1);
}

TEST(FakeQuantization, Int4WeightsTakeFifteenLevels) {
  torch::manual_seed(3);
  const torch::Tensor w = torch::randn({4, 9});
  const torch::Tensor scales = train::weight_scales(w, true, 7);
  const torch::Tensor levels =
      torch::round(train::fake_quantize_weights(w, scales, 7) / scales.reshape({4, 1}));
  EXPECT_EQ(levels.abs().max().item<float>(), 7.0f);
  EXPECT_LE(std::get<0>(at::_unique(levels)).numel(), 15);
  EXPECT_FLOAT_EQ(scales[0].item<float>(), w[0].abs().max().item<float>() / 7.0f);
}

// Weight clusters: the levels take at most K values, the ones
// cluster_weights gives the int8 filter (the same k-means, weighted by the
// squared scales), and the gradient passes straight through.
TEST(FakeQuantization, ClusteredWeightsAreTheLevelsClusteringStores) {
  torch::manual_seed(5);
  const torch::Tensor w = torch::randn({4, 32}).requires_grad_(true);
  const torch::Tensor scales = train::weight_scales(w, true);
  const torch::Tensor clustered = train::fake_cluster_weights(w, scales, 4);
  const torch::Tensor levels = torch::round(clustered / scales.reshape({4, 1})).detach();
  EXPECT_LE(std::get<0>(at::_unique(levels)).numel(), 4);

  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 32}, 0.1f, 0);
  const torch::Tensor q = torch::round(w.detach() / scales.reshape({4, 1})).to(torch::kInt8);
  std::vector<float> channel_scales(4);
  for (int64_t c = 0; c < 4; ++c) channel_scales[static_cast<size_t>(c)] = scales[c].item<float>();
  const int f = b.constant<int8_t>(
      "w", KILN_DTYPE_INT8, {4, 32},
      std::vector<int8_t>(q.data_ptr<int8_t>(), q.data_ptr<int8_t>() + q.numel()), channel_scales);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 4}, 1.0f, 0);
  b.op(ir::OpKind::kFullyConnected, {x, f, -1}, {y});
  b.output(y);
  const ir::Graph g = cluster_weights(b.build(), 4, false).graph;
  const int8_t* stored = g.tensors[static_cast<size_t>(f)].as<int8_t>();
  const torch::Tensor expected =
      torch::from_blob(const_cast<int8_t*>(stored), {4, 32}, torch::kInt8).to(torch::kFloat32);
  EXPECT_TRUE(torch::equal(levels, expected));

  clustered.sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), torch::ones({4, 32})));
}

TEST(FakeQuantization, GradientsPassStraightThroughTheRounding) {
  const torch::Tensor w = torch::tensor({0.3f, -1.0f, 0.71f}).requires_grad_(true);
  train::fake_quantize_weights(w, train::weight_scales(w, false)).sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), torch::ones({3})));
}

TEST(QuantizationAware, NeedsRangesBeforeItQuantizes) {
  train::GraphModule module(passes::optimize(test::layout_graph()));
  module.quantizer().set_mode(Mode::kQuantize);
  try {
    module.forward(torch::rand({1, 9, 8, 3}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("activation 'x' has no range"), std::string::npos)
        << e.what();
  }
}

// The exported int8 model quantizes every tensor as the training graph did,
// and its output is within one step of the simulated one.
TEST(QuantizationAware, Int8ModelIsTheTrainingGraphsSimulation) {
  const ir::Graph graph = passes::optimize(test::layout_graph());
  train::GraphModule module(graph);
  torch::manual_seed(4);
  const torch::Tensor images = torch::rand({64, 9, 8, 3}) * 4 - 2;
  start_quantization_aware(module, images);
  const QuantizeResult q = train::quantize_trained(module, images.slice(0, 0, 8));

  for (const TensorQuantization& t : q.activations) {
    const ir::Tensor& float_tensor = named(graph, t.name);
    int index = static_cast<int>(&float_tensor - graph.tensors.data());
    const AffineQuantization want = module.quantizer().quantization(index);
    EXPECT_EQ(t.scale, want.scale) << t.name;
    EXPECT_EQ(t.zero_point, want.zero_point) << t.name;
  }
  for (const ir::Op& op : q.graph.ops) {
    if (op.kind != ir::OpKind::kConv2D && op.kind != ir::OpKind::kDepthwiseConv2D &&
        op.kind != ir::OpKind::kFullyConnected)
      continue;
    const ir::Tensor& w = q.graph.tensors[static_cast<size_t>(op.inputs[1])];
    const ir::Tensor& f = named(graph, w.name);
    // The float weights in kiln's layout, output channels first for the
    // simulation; compared with the int8 levels times their scales.
    std::vector<int64_t> shape(f.shape.begin(), f.shape.end());
    torch::Tensor weights =
        torch::from_blob(const_cast<uint8_t*>(f.data.data()), shape, torch::kFloat32);
    torch::Tensor levels =
        torch::from_blob(const_cast<uint8_t*>(w.data.data()), shape, torch::kInt8)
            .to(torch::kFloat32);
    if (op.kind == ir::OpKind::kDepthwiseConv2D) {
      weights = weights.permute({3, 0, 1, 2});
      levels = levels.permute({3, 0, 1, 2});
    }
    const torch::Tensor scales = torch::tensor(w.quant.scales);
    const torch::Tensor simulated_weights = train::fake_quantize_weights(
        weights, train::weight_scales(weights, op.kind != ir::OpKind::kFullyConnected));
    const torch::Tensor exported =
        levels * (scales.numel() > 1 ? scales.reshape({-1, 1, 1, 1}) : scales);
    EXPECT_TRUE(torch::equal(simulated_weights, exported)) << w.name;
  }

  const torch::Tensor simulated = [&] {
    torch::NoGradGuard no_grad;
    module.eval();
    return module.forward(images).contiguous();
  }();
  const CompiledModel int8 = compile_graph(q.graph);
  HostRunner runner(int8.blob);
  const TensorPort in = runner.inputs()[0], out = runner.outputs()[0];
  const torch::Tensor levels = train::quantize_images(images, in.scale, in.zero_point);
  double worst = 0.0;
  for (int64_t i = 0; i < images.size(0); ++i) {
    const torch::Tensor sample = levels[i].contiguous();
    const std::vector<uint8_t> bytes(
        static_cast<const uint8_t*>(sample.data_ptr()),
        static_cast<const uint8_t*>(sample.data_ptr()) + sample.numel());
    const std::vector<int8_t> got = test::values_of<int8_t>(test::run_once(runner, {bytes})[0]);
    for (size_t k = 0; k < got.size(); ++k) {
      const double real = out.scale * (got[k] - out.zero_point);
      worst =
          std::max(worst, std::fabs(real - simulated[i][static_cast<int64_t>(k)].item<double>()));
    }
  }
  EXPECT_LE(worst, 1.0001 * out.scale);
}

TEST(QuantizationAware, RangesFollowTrainingBatches) {
  train::GraphModule module(passes::optimize(test::layout_graph()));
  start_quantization_aware(module, torch::rand({8, 9, 8, 3}));  // inputs in [0, 1)
  const Range before = module.quantizer().ranges().at("x");
  module.train();
  module.forward(torch::rand({8, 9, 8, 3}) * 3);  // a batch reaching 3
  const Range after = module.quantizer().ranges().at("x");
  EXPECT_GT(after.max, before.max);
  EXPECT_LT(after.max, 3.0f);  // moved 1% of the way, not all of it
  module.eval();
  module.forward(torch::rand({8, 9, 8, 3}) * 10);  // evaluation never moves them
  EXPECT_EQ(module.quantizer().ranges().at("x").max, after.max);
}

// Ctrl-C in quantization-aware training: the ranges go back with the
// parameters to the best completed epoch.
TEST(QuantizationAware, StoppingKeepsTheBestEpochsRanges) {
  torch::manual_seed(3);
  train::GraphModule module(passes::optimize(train::mlp({4, 4, 1}, {8}, 3, 1)));
  const train::LabelledImages data{torch::rand({640, 4, 4, 1}),
                                   torch::randint(0, 3, {640}, torch::kInt64)};
  start_quantization_aware(module, data.images);
  std::atomic<bool> stop{false};
  std::map<std::string, Range> after_first, at_stop;
  train::TrainOptions options;
  options.epochs = 3;
  options.validation_fraction = 0.5;
  options.stop = &stop;
  options.epoch_done = [&](const train::EpochReport&) {
    after_first = module.quantizer().ranges();
  };
  // Two batches of the second epoch move the ranges, then the stop comes.
  options.progress = [&](const train::BatchProgress& p) {
    if (p.epoch == 2 && p.batch == 2) {
      stop = true;
      at_stop = module.quantizer().ranges();
    }
  };
  const train::TrainResult r = train::fit(module, data, options);
  ASSERT_TRUE(r.stopped);
  EXPECT_EQ(r.kept_epoch, 1);
  const std::map<std::string, Range> kept = module.quantizer().ranges();
  bool moved = false;
  for (const auto& entry : after_first)
    moved = moved || at_stop.at(entry.first).max != entry.second.max;
  EXPECT_TRUE(moved);
  ASSERT_EQ(kept.size(), after_first.size());
  for (const auto& entry : after_first) {
    EXPECT_EQ(kept.at(entry.first).min, entry.second.min) << entry.first;
    EXPECT_EQ(kept.at(entry.first).max, entry.second.max) << entry.first;
  }
}

TEST(QuantizePostTraining, RefusesARangeForATensorTheGraphLacks) {
  QuantizeOptions options;
  options.ranges["no such tensor"] = {0.0f, 1.0f};
  const std::vector<uint8_t> sample(9 * 8 * 3 * 4, 0);
  try {
    quantize_post_training(test::layout_graph(), {{sample}}, options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("'no such tensor'"), std::string::npos) << e.what();
  }
}

TEST(TrainCli, QuantizationAwareTrainingWritesTheInt8Model) {
  const std::string out = test::temp_path("qat16.tflite"), report = test::temp_path("qat16.json");
  const test::CliResult r =
      test::kiln_cli("train --arch mlp --widths 16 --epochs 1 --qat-epochs 1 --threads 1 -o " +
                     out + " --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("int8, post-training quantization"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("int8, quantization-aware: test accuracy"), std::string::npos)
      << r.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_GT(j["int8_qat_accuracy"].get<double>(), 0.75);
  ASSERT_EQ(j["qat_epochs"].size(), 1u);
  // The int8 model and its simulation disagree only where two scores tie
  // within an int8 step: a handful of 10,000.
  EXPECT_LE(j["qat_predictions_differing"].get<int64_t>(), 20);
  const test::CliResult a = test::kiln_cli("analyze " + out);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(a.output.find("FULLY_CONNECTED_S8"), std::string::npos) << a.output;
}

// --weights int4: training simulates weights of 15 levels, the int8 model
// holds them, the .tflite stores them as INT4, and kiln stores every filter
// large enough in 4 bits.
TEST(TrainCli, Int4WeightsAreTrainedAndStoredInFourBits) {
  const std::string out = test::temp_path("qat_int4.tflite");
  const test::CliResult r = test::kiln_cli(
      "train --arch mlp --widths 16 --epochs 1 --qat-epochs 1 --weights int4 "
      "--threads 1 -o " +
      out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("int8 (int4 weights), quantization-aware: test accuracy"),
            std::string::npos)
      << r.output;
  const ir::Graph g = import_model(read_file(out), out);
  int filters = 0;
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::kFullyConnected) continue;
    const ir::Tensor& w = g.tensors[static_cast<size_t>(op.inputs[1])];
    for (int64_t i = 0; i < w.elements(); ++i) {
      EXPECT_LE(std::abs(int32_t{w.as<int8_t>()[i]}), 7) << w.name;
    }
    EXPECT_TRUE(w.int4) << w.name << ": the .tflite stores it as INT4";
    ++filters;
  }
  EXPECT_EQ(filters, 2);
  const test::CliResult a = test::kiln_cli("analyze " + out + " --target cortex-m4");
  EXPECT_NE(a.output.find("4-bit/1"), std::string::npos) << a.output;
  const test::CliResult bad =
      test::kiln_cli("train --arch mlp --widths 16 --epochs 1 --weights int4 -o " + out);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("--weights int4 quantizes the weights: add --int8 or --qat-epochs"),
            std::string::npos)
      << bad.output;
}

// --weights binary: training simulates each output channel's weights as
// +a or -a (straight-through gradients), the int8 model holds them, and kiln
// stores the filters in one bit per weight.
TEST(TrainCli, BinaryWeightsAreTrainedAndStoredInOneBit) {
  const std::string out = test::temp_path("qat_binary.tflite");
  const test::CliResult r = test::kiln_cli(
      "train --arch mlp --widths 16 --epochs 1 --qat-epochs 1 --weights binary "
      "--threads 1 -o " +
      out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("int8 (binary weights), quantization-aware: test accuracy"),
            std::string::npos)
      << r.output;
  const ir::Graph g = import_model(read_file(out), out);
  int filters = 0;
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::kFullyConnected) continue;
    const ir::Tensor& w = g.tensors[static_cast<size_t>(op.inputs[1])];
    const int64_t row = w.shape.back();
    for (int64_t i = 0; i < w.elements(); ++i) {
      EXPECT_EQ(std::abs(int32_t{w.as<int8_t>()[i]}),
                std::abs(int32_t{w.as<int8_t>()[i / row * row]}))
          << w.name << " " << i;
    }
    ++filters;
  }
  EXPECT_EQ(filters, 2);
  const test::CliResult a = test::kiln_cli("analyze " + out + " --target cortex-m4");
  EXPECT_NE(a.output.find("1-bit"), std::string::npos) << a.output;
}

// --activations binary: the hidden layers' ReLU outputs are trained in one
// bit, the int8 model quantizes them with zero point 126 (the ReLU leaves
// 126 and 127), and kiln runs the layers reading them fully binary.
TEST(TrainCli, BinaryActivationsRunTheLayersReadingThemFullyBinary) {
  const std::string out = test::temp_path("qat_binary_activations.tflite");
  const std::string report = test::temp_path("qat_binary_activations.json");
  const test::CliResult r = test::kiln_cli(
      "train --arch mlp --widths 32,16 --epochs 1 --qat-epochs 3 --qat-learning-rate 0.01 "
      "--weights binary --activations binary --train-images 6000 --threads 1 -o " +
      out + " --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("binary activations: the inputs of "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("int8 (binary weights, binary activations after quantization-aware "
                          "training), quantization-aware: test accuracy"),
            std::string::npos)
      << r.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["activations"], "binary");
  // Scores made from a few bits tie often once they are int8, and ties
  // break differently in the simulation: predictions differ more than with
  // int8 activations, but not the accuracy.
  EXPECT_NEAR(j["int8_qat_accuracy"].get<double>(), j["qat_graph_accuracy"].get<double>(), 0.03);
  EXPECT_GT(j["int8_qat_accuracy"].get<double>(), 0.5);
  const ir::Graph g = import_model(read_file(out), out);
  std::vector<const ir::Op*> layers;
  for (const ir::Op& op : g.ops) {
    if (op.kind == ir::OpKind::kFullyConnected) layers.push_back(&op);
  }
  ASSERT_EQ(layers.size(), 3u);
  for (size_t i = 1; i < layers.size(); ++i) {
    const ir::Tensor& in = g.tensors[static_cast<size_t>(layers[i]->inputs[0])];
    EXPECT_EQ(in.quant.zero_point(), kBinaryActivationZeroPoint) << in.name;
    EXPECT_EQ(layers[i - 1]->attrs.activation, ir::Activation::kRelu) << in.name;
  }
  // The first layer reads the image (int8); the others read bits.
  for (const char* target : {"portable", "cortex-m4"}) {
    CompileOptions options;
    options.target = target;
    const CompiledModel m = compile_graph(g, options);
    std::vector<OpCode> kernels;
    for (const ProgramOp& op : m.program.ops) kernels.push_back(op.opcode);
    const OpCode fully_binary =
        std::string(target) == "portable" ? OpCode::CONV_2D_A1_B1 : OpCode::CONV_2D_A1_B1_ARM_DSP;
    ASSERT_GE(kernels.size(), 3u) << target;
    EXPECT_EQ(kernels[0], OpCode::CONV_2D_S8_B1) << target;
    EXPECT_EQ(kernels[1], fully_binary) << target;
    EXPECT_EQ(kernels[2], fully_binary) << target;
  }
  const test::CliResult a = test::kiln_cli("analyze " + out + " --target cortex-m4");
  EXPECT_NE(a.output.find("1-bit/1-bit"), std::string::npos) << a.output;
}

TEST(TrainCli, BinaryActivationsNeedBinaryWeightsAndQuantizationAwareEpochs) {
  const std::string out = test::temp_path("qat_binary_activations_alone.tflite");
  for (const char* flags : {"--qat-epochs 1", "--weights binary --int8"}) {
    const test::CliResult r = test::kiln_cli(
        std::string("train --arch mlp --widths 16 --epochs 1 --activations binary ") + flags +
        " -o " + out);
    EXPECT_EQ(r.exit_code, 1) << flags;
    EXPECT_NE(r.output.find("--activations binary feeds layers of binary weights, both learned "
                            "in quantization-aware epochs: add --weights binary and "
                            "--qat-epochs N"),
              std::string::npos)
        << r.output;
  }
}

TEST(QuantizePostTraining, BinaryActivationsNeedAReluToClampThem) {
  const std::vector<uint8_t> sample(9 * 8 * 3 * 4, 0);
  const ir::Graph g = passes::optimize(test::layout_graph());
  // Every op output of the optimized graph that no fused ReLU clamps.
  for (const ir::Op& op : g.ops) {
    if (op.attrs.activation != ir::Activation::kNone) continue;
    QuantizeOptions options;
    const std::string& name = g.tensors[static_cast<size_t>(op.outputs[0])].name;
    options.binary_activations[name] = 0.5f;
    try {
      quantize_post_training(test::layout_graph(), {{sample}}, options);
      FAIL() << "no error for " << name;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
      EXPECT_NE(std::string(e.what()).find("activation '" + name + "' cannot be binary"),
                std::string::npos)
          << e.what();
    }
  }
  // The first convolution's ReLU output can: 0 or the step.
  QuantizeOptions options;
  options.binary_activations["c1"] = 0.5f;
  const QuantizeResult q = quantize_post_training(test::layout_graph(), {{sample}}, options);
  EXPECT_EQ(named(q.graph, "c1").quant.scale(), 0.5f);
  EXPECT_EQ(named(q.graph, "c1").quant.zero_point(), kBinaryActivationZeroPoint);
}

}  // namespace
}  // namespace kiln
