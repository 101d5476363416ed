// Structured pruning (compiler/compress/prune_channels.h): the weakest
// filters go, the layers that read them shrink, layers whose channels
// feed a residual add or the scores keep them, and the pruned graph
// computes exactly what the original computes with those channels zeroed.
#include "compiler/compress/prune_channels.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "compiler/common/error.h"
#include "compiler/passes/passes.h"
#include "compiler/train/architectures.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/int8_export.h"
#include "tests/support/cli.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

const ir::Tensor& named(const ir::Graph& g, const std::string& name) {
  for (const ir::Tensor& t : g.tensors)
    if (t.name == name) return t;
  throw std::runtime_error("no tensor " + name);
}

// The original with each removed channel's filter and bias zeroed, and the
// bias of the depthwise convolution it passes through: it then adds
// nothing downstream (ReLU and ReLU6 give 0 for 0).
ir::Graph zeroed(ir::Graph g, const ChannelPruning& pruned) {
  for (const PrunedLayer& layer : pruned.layers) {
    if (layer.kept.empty()) continue;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      const ir::Op& op = g.ops[i];
      if (g.tensors[static_cast<size_t>(op.outputs[0])].name != layer.name) continue;
      for (int32_t c = 0; c < layer.channels_before; ++c) {
        if (std::find(layer.kept.begin(), layer.kept.end(), c) != layer.kept.end()) continue;
        ir::Tensor& filter = g.tensors[static_cast<size_t>(op.inputs[1])];
        const int64_t per = filter.elements() / filter.shape[0];
        std::memset(filter.data.data() + c * per * 4, 0, static_cast<size_t>(per) * 4);
        std::memset(g.tensors[static_cast<size_t>(op.inputs[2])].data.data() + c * 4, 0, 4);
        const ir::Op& next = g.ops[i + 1];  // the architectures' depthwise follows directly
        if (next.kind == ir::OpKind::kDepthwiseConv2D && next.inputs[0] == op.outputs[0])
          std::memset(g.tensors[static_cast<size_t>(next.inputs[2])].data.data() + c * 4, 0, 4);
      }
    }
  }
  return g;
}

std::vector<float> run(const ir::Graph& g, const std::vector<float>& input) {
  return test::run_graph<float>(g, {test::bytes_of(input)});
}

std::vector<float> random_input(size_t n) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

TEST(PruneChannels, LenetLosesHalfItsFiltersAndItsReadersShrink) {
  const ir::Graph graph = passes::optimize(train::lenet({12, 12, 1}, {8, 16}, 10, 3));
  const ChannelPruning p = prune_channels(graph, 0.5);
  ASSERT_EQ(p.layers.size(), 3u);
  EXPECT_EQ(p.layers[0].channels_after, 4);
  EXPECT_EQ(p.layers[1].channels_after, 8);
  EXPECT_EQ(p.layers[2].channels_after, 10);
  EXPECT_EQ(p.layers[2].kept_because, "SOFTMAX (operator 6) reads its channels");
  EXPECT_EQ(named(p.graph, "conv1/weights").shape, (std::vector<int32_t>{4, 5, 5, 1}));
  EXPECT_EQ(named(p.graph, "conv2/weights").shape, (std::vector<int32_t>{8, 5, 5, 4}));
  EXPECT_EQ(named(p.graph, "dense3/weights").shape, (std::vector<int32_t>{10, 3 * 3 * 8}));
  const std::vector<float> x = random_input(144);
  const std::vector<float> want = run(zeroed(graph, p), x), got = run(p.graph, x);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
}

TEST(PruneChannels, KeepsTheStrongestFilters) {
  ir::Graph graph = passes::optimize(train::lenet({8, 8, 1}, {4, 4}, 3, 1));
  ir::Tensor& filter = graph.tensors[static_cast<size_t>(graph.ops[0].inputs[1])];
  float* w = reinterpret_cast<float*>(filter.data.data());
  for (int64_t i = 0; i < 25; ++i) {
    w[i] = 0.01f;       // channel 0: weakest
    w[25 + i] = 1.0f;   // channel 1: strongest
    w[50 + i] = -0.5f;  // channel 2: strong in magnitude
    w[75 + i] = 0.02f;  // channel 3
  }
  EXPECT_EQ(prune_channels(graph, 0.5).layers[0].kept, (std::vector<int32_t>{1, 2}));
}

TEST(PruneChannels, DepthwiseLayersShrinkWithTheirInputs) {
  const ir::Graph graph = passes::optimize(train::ds_cnn({16, 16, 2}, 8, 2, 4, 5));
  const ChannelPruning p = prune_channels(graph, 0.25);
  for (const PrunedLayer& l : p.layers) {
    SCOPED_TRACE(l.name);
    if (l.name == "dense6") {
      EXPECT_FALSE(l.kept_because.empty());
    } else {
      EXPECT_EQ(l.channels_after, 6) << l.kept_because;
    }
  }
  EXPECT_EQ(named(p.graph, "depthwise2/weights").shape, (std::vector<int32_t>{1, 3, 3, 6}));
  EXPECT_EQ(named(p.graph, "dense6/weights").shape, (std::vector<int32_t>{4, 6}));
  const std::vector<float> x = random_input(16 * 16 * 2);
  const std::vector<float> want = run(zeroed(graph, p), x), got = run(p.graph, x);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
}

// Layers whose outputs meet at residual adds share one set of channels:
// they are pruned together, keeping the channels strongest over all of them.
TEST(PruneChannels, ResidualBlocksArePrunedTogether) {
  struct Case {
    const char* name;
    ir::Graph graph;
    size_t pruned;                                 // layers
    std::vector<std::vector<std::string>> groups;  // layers that share their channels
  };
  const Case cases[] = {
      // Stem, then two blocks: expansion, depthwise, projection added to the input.
      {"mobilenet",
       passes::optimize(train::mobilenet({16, 16, 1}, {8}, 2, 2, 3, 6)),
       5,
       {{"conv1", "conv4", "conv7"}}},
      // Stem, a block, then a block whose 1x1 projection (conv4) carries the shortcut.
      {"resnet",
       passes::optimize(train::resnet({16, 16, 1}, {8, 16}, 1, 3, 7)),
       6,
       {{"conv1", "conv3"}, {"conv4", "conv6"}}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const ChannelPruning p = prune_channels(c.graph, 0.5);
    std::map<std::string, const PrunedLayer*> by_name;
    size_t pruned = 0;
    for (const PrunedLayer& l : p.layers) {
      by_name[l.name] = &l;
      pruned += l.kept_because.empty() ? 1 : 0;
    }
    EXPECT_EQ(pruned, c.pruned);
    for (const std::vector<std::string>& group : c.groups) {
      for (const std::string& name : group) {
        ASSERT_TRUE(by_name.count(name)) << name;
        EXPECT_EQ(by_name[name]->kept, by_name[group[0]]->kept) << name;
        EXPECT_EQ(by_name[name]->channels_after * 2, by_name[name]->channels_before) << name;
      }
    }
    EXPECT_EQ(p.layers.back().kept_because.find("SOFTMAX"), 0u) << p.layers.back().kept_because;
    const std::vector<float> x = random_input(256);
    const std::vector<float> want = run(zeroed(c.graph, p), x), got = run(p.graph, x);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
  }
}

// int8: per-channel scales follow their channels, and the pruned model's
// int8 outputs equal, bit for bit, the original's with the removed filters
// and biases zeroed (a removed channel then holds the zero point, which
// the next layer's input offset cancels).
TEST(PruneChannels, Int8ModelsPruneBitExactly) {
  const ir::Graph float_graph = passes::optimize(train::lenet({12, 12, 1}, {8, 16}, 10, 3));
  train::GraphModule module(float_graph);
  const torch::Tensor calibration = torch::rand({16, 12, 12, 1});
  const ir::Graph graph = train::quantize_trained(module, calibration).graph;
  const ChannelPruning p = prune_channels(graph, 0.5);
  ASSERT_EQ(p.layers[0].channels_after, 4);
  const ir::Tensor& before = named(graph, "conv1/weights");
  const ir::Tensor& after = named(p.graph, "conv1/weights");
  ASSERT_EQ(after.quant.scales.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(after.quant.scales[i], before.quant.scales[static_cast<size_t>(p.layers[0].kept[i])]);
  ir::Graph zeroed_int8 = graph;
  for (const PrunedLayer& l : p.layers) {
    if (l.kept.empty()) continue;
    for (const ir::Op& op : zeroed_int8.ops) {
      if (zeroed_int8.tensors[static_cast<size_t>(op.outputs[0])].name != l.name) continue;
      ir::Tensor& w = zeroed_int8.tensors[static_cast<size_t>(op.inputs[1])];
      ir::Tensor& b = zeroed_int8.tensors[static_cast<size_t>(op.inputs[2])];
      const int64_t per = w.elements() / w.shape[0];
      for (int32_t c = 0; c < l.channels_before; ++c) {
        if (std::find(l.kept.begin(), l.kept.end(), c) != l.kept.end()) continue;
        std::memset(w.data.data() + c * per, 0, static_cast<size_t>(per));
        std::memset(b.data.data() + c * 4, 0, 4);
      }
    }
  }
  std::vector<uint8_t> input(144);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<uint8_t>((i * 37) % 256);
  EXPECT_EQ(test::run_graph<int8_t>(p.graph, {input}),
            test::run_graph<int8_t>(zeroed_int8, {input}));
}

TEST(PruneChannels, KeptChannelsAreRoundedUpToTheMultiple) {
  const ir::Graph graph = passes::optimize(train::lenet({12, 12, 1}, {32, 64}, 10, 3));
  const ChannelPruning p = prune_channels(graph, 0.3, 8);
  EXPECT_EQ(p.layers[0].channels_after, 24);  // 22.4 -> 23 -> 24
  EXPECT_EQ(p.layers[1].channels_after, 48);  // 44.8 -> 45 -> 48
  const ChannelPruning none = prune_channels(graph, 0.1, 16);
  EXPECT_EQ(none.layers[0].channels_after, 32);
  EXPECT_EQ(none.layers[0].kept_because, "a multiple of 16 channels keeps all 32");
}

TEST(PruneChannels, FractionOutsideTheRangeIsAUsageError) {
  const ir::Graph graph = train::mlp({2, 2, 1}, {4}, 2, 1);
  for (double f : {-0.1, 1.0, 1.5}) {
    try {
      prune_channels(graph, f);
      FAIL() << f;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    }
  }
}

TEST(CompressCli, PrunesFineTunesDistilledAndWritesTheSmallerModel) {
  const std::string original = test::temp_path("compress_cnn.tflite");
  const test::CliResult t = test::kiln_cli(
      "train --arch cnn --widths 8,16 --epochs 1 --train-images 3000 --threads 1 -o " + original);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  const std::string out = test::temp_path("compress_cnn_pruned.tflite");
  const std::string report = test::temp_path("compress_cnn_pruned.json");
  const test::CliResult c =
      test::kiln_cli("compress " + original +
                     " --prune-channels 0.5 --channel-multiple 4 --finetune 1 "
                     "--train-images 3000 "
                     "--threads 1 --qat-epochs 1 -o " +
                     out + " --report " + report);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find(fmt::format("  {:<32} {:4} -> {:4} channels", "conv1", 8, 4)),
            std::string::npos)
      << c.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["pruning"]["parameters_after"], 25 * 4 + 4 + 25 * 4 * 8 + 8 + 7 * 7 * 8 * 10 + 10);
  EXPECT_EQ(j["teacher"]["model"], original);  // distilled from the original by default
  EXPECT_GT(j["int8_qat_accuracy"].get<double>(), 0.6);
  const test::CliResult a = test::kiln_cli("analyze " + out);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(a.output.find("[1,28,28,4]"), std::string::npos) << a.output;
}

// An int8 model has no float weights to fine-tune: its weights are pruned
// as they are, per-channel scales following their channels.
TEST(CompressCli, PrunesAnInt8ModelAsItIs) {
  const std::string kws = test::model("mlcommons_tiny/kws_ref_model.tflite");
  const std::string out = test::temp_path("kws_pruned.tflite");
  const std::string report = test::temp_path("kws_pruned.json");
  const test::CliResult c =
      test::kiln_cli("compress " + kws + " --prune-channels 0.3 -o " + out + " --report " + report);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("int8, compressed without fine-tuning"), std::string::npos) << c.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["pruning"]["macs_before"], 2656768);
  EXPECT_EQ(j["pruning"]["macs_after"], 1608576);  // five 64-channel layers left with 48
  // The pruned model runs, and its outputs are those of a model of its own.
  const test::CliResult v = test::kiln_cli("validate " + kws + " " + out + " --data " +
                                           test::shared_dir() + "/testvectors/mlperf_kws_ref");
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("top-1 agreement"), std::string::npos) << v.output;
  const test::CliResult f =
      test::kiln_cli("compress " + kws + " --prune-channels 0.3 --finetune 2 -o " + out);
  EXPECT_EQ(f.exit_code, 1) << f.output;
  EXPECT_NE(f.output.find("is quantized, and training starts from a float model"),
            std::string::npos)
      << f.output;
}

}  // namespace
}  // namespace kiln
