// Weight pruning (compiler/compress/prune_weights.h): the weakest weights of
// the fully connected and 1x1 convolution layers go to zero, unstructured or
// N:M; kiln then stores those layers as their nonzeros and runs the sparse
// kernels, and fine-tuning keeps the zeros.
#include "compiler/compress/prune_weights.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "compiler/common/error.h"
#include "compiler/passes/passes.h"
#include "compiler/train/architectures.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

// LeNet with every weight nonzero and distinct in magnitude.
ir::Graph lenet_with_distinct_weights() {
  ir::Graph g = passes::optimize(train::lenet({12, 12, 1}, {8, 8}, 10, 3));
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.01f, 1.0f);
  for (const ir::Op& op : g.ops) {
    if (op.inputs.size() < 2 || op.inputs[1] < 0) continue;
    ir::Tensor& t = g.tensors[static_cast<size_t>(op.inputs[1])];
    if (!t.constant || t.dtype != KILN_DTYPE_FLOAT32) continue;
    auto* w = reinterpret_cast<float*>(t.data.data());
    for (int64_t i = 0; i < t.elements(); ++i) w[i] = (i % 2 ? -1.0f : 1.0f) * u(rng);
  }
  return g;
}

int64_t zeros(const ir::Tensor& t) {
  int64_t n = 0;
  for (int64_t i = 0; i < t.elements(); ++i) n += t.as<float>()[i] == 0.0f;
  return n;
}

TEST(PruneWeights, UnstructuredZeroesTheSmallestShareOfEachLayer) {
  const ir::Graph g = lenet_with_distinct_weights();
  Sparsity quarter;
  quarter.fraction = 0.75;
  const WeightPruning p = prune_weights(g, quarter);
  ASSERT_EQ(p.layers.size(), 1u);  // the fully connected layer; 5x5 convolutions are kept
  const SparseLayer& l = p.layers[0];
  EXPECT_EQ(l.weights, 10 * 3 * 3 * 8);
  EXPECT_EQ(l.zeros, 540);
  const ir::Tensor& before = g.tensors[static_cast<size_t>(l.filter)];
  const ir::Tensor& after = p.graph.tensors[static_cast<size_t>(l.filter)];
  EXPECT_EQ(zeros(after), 540);
  float largest_dropped = 0.0f, smallest_kept = 2.0f;
  for (int64_t i = 0; i < before.elements(); ++i) {
    const float m = std::fabs(before.as<float>()[i]);
    if (after.as<float>()[i] == 0.0f) {
      largest_dropped = std::max(largest_dropped, m);
    } else {
      smallest_kept = std::min(smallest_kept, m);
      EXPECT_EQ(after.as<float>()[i], before.as<float>()[i]);
    }
  }
  EXPECT_LT(largest_dropped, smallest_kept);
  int convolutions = 0;
  for (const ir::Op& op : p.graph.ops) {  // the 5x5 convolutions are as they were
    if (op.kind != ir::OpKind::kConv2D) continue;
    EXPECT_EQ(zeros(p.graph.tensors[static_cast<size_t>(op.inputs[1])]), 0);
    ++convolutions;
  }
  EXPECT_EQ(convolutions, 2);
}

// --prune-layers: a named layer's share in place of --prune's; without
// --prune the other layers stay as they are; an unknown name lists the
// layers, a malformed list or share says what is expected.
TEST(PruneWeights, LayersTakeTheirOwnShares) {
  const ir::Graph g = lenet_with_distinct_weights();
  Sparsity by_layer;
  by_layer.fraction = 0.5;
  const WeightPruning half = prune_weights(g, by_layer);
  ASSERT_EQ(half.layers.size(), 1u);
  const std::string name = half.layers[0].name;
  EXPECT_EQ(half.layers[0].zeros, 360);
  by_layer.layer_fractions = parse_layer_fractions(name + "=0.9");
  EXPECT_EQ(prune_weights(g, by_layer).layers[0].zeros, 648);
  by_layer.fraction = 0.0;
  EXPECT_EQ(prune_weights(g, by_layer).layers[0].zeros, 648);

  EXPECT_EQ(parse_layer_fractions("a=0.5,b=0.25"),
            (std::map<std::string, double>{{"a", 0.5}, {"b", 0.25}}));
  by_layer.layer_fractions = {{"nowhere", 0.5}};
  try {
    prune_weights(g, by_layer);
    ADD_FAILURE() << "an unknown layer was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("no layer 'nowhere' to prune; the fully connected and "
                                         "1x1 convolution layers are " +
                                         name),
              std::string::npos)
        << e.what();
  }
  by_layer.layer_fractions = {{name, 1.0}};
  EXPECT_THROW(prune_weights(g, by_layer), Error);
  for (const char* bad : {"dense1", "=0.5", "dense1=", "dense1=half", "a=0.5,"}) {
    EXPECT_THROW(parse_layer_fractions(bad), Error) << bad;
  }
}

TEST(PruneWeights, NOfMKeepsTheLargestNOfEveryMAlongTheDepth) {
  const ir::Graph g = lenet_with_distinct_weights();
  const WeightPruning p = prune_weights(g, parse_n_of_m("2:8"));
  ASSERT_EQ(p.layers.size(), 1u);
  const ir::Tensor& before = g.tensors[static_cast<size_t>(p.layers[0].filter)];
  const ir::Tensor& after = p.graph.tensors[static_cast<size_t>(p.layers[0].filter)];
  for (int64_t group = 0; group < after.elements(); group += 8) {
    int kept = 0;
    float smallest_kept = 2.0f, largest_dropped = 0.0f;
    for (int64_t i = group; i < group + 8; ++i) {
      const float m = std::fabs(before.as<float>()[i]);
      if (after.as<float>()[i] != 0.0f) {
        ++kept;
        smallest_kept = std::min(smallest_kept, m);
      } else {
        largest_dropped = std::max(largest_dropped, m);
      }
    }
    EXPECT_EQ(kept, 2) << group;
    EXPECT_LT(largest_dropped, smallest_kept) << group;
  }
}

TEST(PruneWeights, BlocksAreZeroedWhole) {
  const ir::Graph g = lenet_with_distinct_weights();
  Sparsity blocks;
  blocks.fraction = 0.5;
  blocks.block = 4;
  const WeightPruning p = prune_weights(g, blocks);
  ASSERT_EQ(p.layers.size(), 1u);
  EXPECT_EQ(p.layers[0].zeros, 360);
  const ir::Tensor& before = g.tensors[static_cast<size_t>(p.layers[0].filter)];
  const ir::Tensor& after = p.graph.tensors[static_cast<size_t>(p.layers[0].filter)];
  double largest_dropped = 0.0, smallest_kept = 1e9;
  for (int64_t b = 0; b < after.elements(); b += 4) {
    int zeros = 0;
    double norm = 0.0;
    for (int64_t i = b; i < b + 4; ++i) {
      zeros += after.as<float>()[i] == 0.0f;
      norm += std::fabs(before.as<float>()[i]);
    }
    EXPECT_TRUE(zeros == 0 || zeros == 4) << b;
    if (zeros == 4) largest_dropped = std::max(largest_dropped, norm);
    if (zeros == 0) smallest_kept = std::min(smallest_kept, norm);
  }
  EXPECT_LT(largest_dropped, smallest_kept);  // the weakest blocks by L1 norm went
}

TEST(PruneWeights, BadSettingsNameTheLayerAndTheReason) {
  const ir::Graph g = lenet_with_distinct_weights();
  try {
    prune_weights(g, parse_n_of_m("1:5"));
    FAIL() << "1:5 on a depth of 72";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("has an input depth of 72, not a multiple of 5"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("FULLY_CONNECTED (operator"), std::string::npos)
        << e.what();
  }
  for (const char* text : {"3:2", "0:4", "1:65", "a:b", "1:8x", "1-8"}) {
    EXPECT_THROW(parse_n_of_m(text), Error) << text;
  }
  Sparsity odd_block;
  odd_block.fraction = 0.5;
  odd_block.block = 3;
  EXPECT_THROW(prune_weights(g, odd_block), Error);
  Sparsity blocks_with_n_of_m = parse_n_of_m("1:4");
  blocks_with_n_of_m.block = 4;
  EXPECT_THROW(prune_weights(g, blocks_with_n_of_m), Error);
  for (double fraction : {1.0, 0.0}) {
    Sparsity all_or_none;
    all_or_none.fraction = fraction;
    EXPECT_THROW(prune_weights(g, all_or_none), Error) << fraction;
  }
}

// KWS's pointwise convolutions and its fully connected layer, pruned as
// int8: they run the sparse kernels and the model still runs end to end.
TEST(CompressCli, PrunesAnInt8ModelToSparseKernels) {
  const std::string kws = test::model("mlcommons_tiny/kws_ref_model.tflite");
  const std::string out = test::temp_path("kws_sparse.tflite");
  const std::string report = test::temp_path("kws_sparse.json");
  const test::CliResult c =
      test::kiln_cli("compress " + kws + " --prune 0.95 -o " + out + " --report " + report);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("unstructured pruning, 95% of each layer's weights"), std::string::npos)
      << c.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  ASSERT_EQ(j["weight_pruning"]["layers"].size(), 5u);  // four pointwise layers and the classifier
  EXPECT_EQ(j["weight_pruning"]["layers"][0]["weights"], 64 * 64);
  EXPECT_EQ(j["weight_pruning"]["layers"][0]["zeros"], 3891);
  // The portable target runs them sparse; on the Cortex-M cores KWS's
  // 64x64 layers are too small for it to pay (each output channel costs
  // the sparse kernels 40 to 60 instructions around its sums).
  const test::CliResult a = test::kiln_cli("analyze " + out + " --target portable");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(a.output.find("sparse/5.0%"), std::string::npos) << a.output;
  EXPECT_NE(a.output.find("CONV_2D_S8_SPARSE"), std::string::npos) << a.output;
  const test::CliResult m4 = test::kiln_cli("analyze " + out + " --target cortex-m4");
  EXPECT_EQ(m4.output.find("sparse/"), std::string::npos) << m4.output;
  const test::CliResult v = test::kiln_cli("validate " + kws + " " + out + " --data " +
                                           test::shared_dir() + "/testvectors/mlperf_kws_ref");
  EXPECT_EQ(v.exit_code, 0) << v.output;
  const test::CliResult bad = test::kiln_cli("compress " + kws + " --sparsity 1:7 -o " + out);
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("not a multiple of 7"), std::string::npos) << bad.output;
}

// Fine-tuning a float model after pruning keeps its zeros: the int8 model
// written is exactly as sparse.
TEST(CompressCli, FineTuningKeepsThePrunedZeros) {
  const std::string original = test::temp_path("prune_mlp.tflite");
  const test::CliResult t = test::kiln_cli(
      "train --arch mlp --widths 32 --epochs 1 --train-images 2000 --threads 1 -o " + original);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  const std::string out = test::temp_path("prune_mlp_sparse.tflite");
  const test::CliResult c = test::kiln_cli("compress " + original +
                                           " --sparsity 1:8 --finetune 1 --train-images 2000 "
                                           "--threads 1 --int8 -o " +
                                           out);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const test::CliResult a = test::kiln_cli("analyze " + out + " --target portable");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(a.output.find("sparse/12.5%"), std::string::npos) << a.output;
}

// Unstructured pruning before several epochs is gradual, and ends at the
// share asked for.
TEST(CompressCli, PruningBeforeSeveralEpochsIsGradual) {
  const std::string original = test::temp_path("gradual_mlp.tflite");
  const test::CliResult t = test::kiln_cli(
      "train --arch mlp --widths 32 --epochs 1 --train-images 2000 --threads 1 -o " + original);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  const std::string out = test::temp_path("gradual_mlp_sparse.tflite");
  const test::CliResult c = test::kiln_cli("compress " + original +
                                           " --prune 0.8 --finetune 4 --train-images 2000 "
                                           "--threads 1 --int8 -o " +
                                           out);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  // 0.8 x (1 - (1 - 1/2)^3) before the first epoch, 80% from the second.
  EXPECT_NE(c.output.find("gradual pruning: 70.0% before the first epoch, 80% from epoch 2"),
            std::string::npos)
      << c.output;
  const test::CliResult a = test::kiln_cli("analyze " + out + " --target portable");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(a.output.find("sparse/20.0%"), std::string::npos) << a.output;
}

}  // namespace
}  // namespace kiln
