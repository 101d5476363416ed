// Weight clustering (compiler/compress/cluster.h) and the 4-bit coding of
// filters with at most 16 values (compiler/ops/coded_weights.h): the coding
// decodes to the filter exactly, int4 filters keep TFLite's packing, the
// k-means is the optimal one, and clustered models compile to the coded
// kernels.
#include "compiler/compress/cluster.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/ir/builder.h"
#include "compiler/ops/coded_weights.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/cli.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

std::vector<int8_t> decoded(const CodedWeights& c, int64_t n, int32_t channels, bool last) {
  std::vector<int8_t> out;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t channel = c.count == 1 ? 0 : (last ? i % channels : i / (n / channels));
    out.push_back(
        w4_weight(c.indices.data(), c.codebooks.data() + channel * 16, static_cast<int32_t>(i)));
  }
  return out;
}

TEST(CodedWeights, Int4FiltersKeepTflitesPacking) {
  std::vector<int8_t> w;
  for (int i = 0; i < 37; ++i) w.push_back(static_cast<int8_t>(i % 16 - 8));
  const std::optional<CodedWeights> c = code_weights(w.data(), 37, 1, false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->count, 1);
  EXPECT_EQ(c->codebooks,
            (std::vector<int8_t>{0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1}));
  ASSERT_EQ(c->indices.size(), 19u);  // 37 nibbles, the last byte's high one zero
  EXPECT_EQ(c->indices[0], 0x98);     // -8 (index 8) low, -7 (index 9) high
  EXPECT_EQ(c->indices[18], 0x0C);    // the 37th value, 36 % 16 - 8 = -4
  EXPECT_EQ(decoded(*c, 37, 1, false), w);
}

TEST(CodedWeights, OneCodebookPerChannelOnlyWhereItPays) {
  // 4 channels of 64 weights, 16 values each but 64 over the layer.
  std::vector<int8_t> w(256);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>((i / 64) * 20 + i % 16 - 40);
  const std::optional<CodedWeights> c = code_weights(w.data(), 256, 4, false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->count, 4);
  EXPECT_EQ(c->codebooks.size(), 64u);
  EXPECT_EQ(decoded(*c, 256, 4, false), w);
  // The same values with the channel last (depthwise filters).
  std::vector<int8_t> t(256);
  for (size_t i = 0; i < 256; ++i) t[(i % 64) * 4 + i / 64] = w[i];
  const std::optional<CodedWeights> d = code_weights(t.data(), 256, 4, true);
  ASSERT_TRUE(d);
  EXPECT_EQ(decoded(*d, 256, 4, true), t);
  // 16 weights a channel: a codebook each would be larger than the int8 filter.
  EXPECT_FALSE(code_weights(w.data(), 256, 16, false));
  // 17 values in one channel, and filters too small for any codebook.
  w[5] = 127;
  EXPECT_FALSE(code_weights(w.data(), 256, 4, false));
  EXPECT_FALSE(code_weights(w.data(), 32, 1, false));
}

TEST(Cluster, KMeansIsTheOptimalOne) {
  // Against every split of up to 9 sorted values into contiguous runs.
  std::mt19937 rng(3);
  for (int trial = 0; trial < 40; ++trial) {
    std::set<int> values;
    while (values.size() < 9) values.insert(static_cast<int>(rng() % 255) - 127);
    const std::vector<int> v(values.begin(), values.end());
    const int32_t clusters = 2 + trial % 4;
    ir::GraphBuilder b;
    const int x = b.input("x", KILN_DTYPE_INT8, {1, 36}, 0.1f, 0);
    std::vector<int8_t> w;
    for (int i = 0; i < 36; ++i) w.push_back(static_cast<int8_t>(v[static_cast<size_t>(i % 9)]));
    const int f = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 36}, w, {0.01f});
    const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 1}, 1.0f, 0);
    b.op(ir::OpKind::kFullyConnected, {x, f, -1}, {y});
    b.output(y);
    const Clustering c = cluster_weights(b.build(), clusters, false);
    const ir::Tensor& clustered = c.graph.tensors[static_cast<size_t>(f)];
    double got = 0.0;
    for (int i = 0; i < 9; ++i) {
      const double d = clustered.as<int8_t>()[i] - v[static_cast<size_t>(i)];
      got += d * d;
    }
    // The best cost over all splits, with centres rounded as kiln rounds them.
    double best = std::numeric_limits<double>::infinity();
    std::function<void(size_t, int32_t, double)> split = [&](size_t first, int32_t left,
                                                             double cost) {
      if (first == v.size()) {
        best = std::min(best, cost);
        return;
      }
      if (left == 0) return;
      for (size_t last = first; last < v.size(); ++last) {
        double sum = 0.0;
        for (size_t i = first; i <= last; ++i) sum += v[i];
        const double centre = std::lround(sum / static_cast<double>(last - first + 1));
        double c2 = 0.0;
        for (size_t i = first; i <= last; ++i) c2 += (v[i] - centre) * (v[i] - centre);
        split(last + 1, left - 1, cost + c2);
      }
    };
    split(0, clusters, 0.0);
    EXPECT_NEAR(got, best, 0.5 * 9) << "trial " << trial;  // rounding moves a centre by <= 0.5
    std::set<int8_t> distinct(clustered.as<int8_t>(), clustered.as<int8_t>() + 36);
    EXPECT_LE(distinct.size(), static_cast<size_t>(clusters));
  }
}

ir::Graph two_layers(bool per_channel_scales) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> value(-127, 127);
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 64}, 0.05f, -3);
  std::vector<int8_t> w1(32 * 64), w2(32);
  for (int8_t& v : w1) v = static_cast<int8_t>(value(rng));
  for (int8_t& v : w2) v = static_cast<int8_t>(value(rng));
  std::vector<float> scales(per_channel_scales ? 32 : 1);
  for (size_t i = 0; i < scales.size(); ++i) scales[i] = 0.002f * static_cast<float>(1 + i % 5);
  const int f1 = b.constant<int8_t>("w1", KILN_DTYPE_INT8, {32, 64}, w1, scales);
  std::vector<int32_t> bias(32, 100);
  const int b1 = b.constant<int32_t>("b1", KILN_DTYPE_INT32, {32}, bias);
  const int h = b.tensor("hidden", KILN_DTYPE_INT8, {1, 32}, 0.1f, -128);
  ir::OpAttrs relu;
  relu.activation = ir::Activation::kRelu;
  b.op(ir::OpKind::kFullyConnected, {x, f1, b1}, {h}, relu);
  const int f2 = b.constant<int8_t>("w2", KILN_DTYPE_INT8, {1, 32}, w2, {0.01f});
  const int y = b.tensor("scores", KILN_DTYPE_INT8, {1, 1}, 0.2f, 0);
  b.op(ir::OpKind::kFullyConnected, {h, f2, -1}, {y});
  b.output(y);
  return b.build();
}

TEST(Cluster, LayersAreCodedAndTooSmallOnesKept) {
  for (bool per_channel : {false, true}) {
    SCOPED_TRACE(per_channel);
    const ir::Graph g = two_layers(true);
    const Clustering c = cluster_weights(g, 16, per_channel);
    ASSERT_EQ(c.layers.size(), 2u);
    const ClusteredLayer& big = c.layers[0];
    EXPECT_EQ(big.name, "hidden");
    EXPECT_EQ(big.op, "FULLY_CONNECTED (operator 0)");
    EXPECT_EQ(big.weights, 2048);
    EXPECT_EQ(big.codebooks, per_channel ? 32 : 1);
    EXPECT_EQ(big.int8_bytes, 2048);
    EXPECT_EQ(big.coded_bytes, per_channel ? 1024 + 512 : 1024 + 16);
    EXPECT_GT(big.rms_error, 0.0);
    EXPECT_LT(big.rms_error, per_channel ? 0.05 : 0.08);
    EXPECT_TRUE(big.kept_because.empty());
    const ClusteredLayer& small = c.layers[1];
    EXPECT_EQ(small.codebooks, 0);
    EXPECT_EQ(small.kept_because, "32 weights: a codebook would not make it smaller");
    if (per_channel) continue;
    // Scales and biases stay; the layer runs on the coded kernel and gives
    // the int8 kernel's result on the clustered weights (run_graph also
    // checks the emulated core under --kiln-device).
    const ir::Tensor& w1 = c.graph.tensors[1];
    EXPECT_EQ(w1.quant.scales, g.tensors[1].quant.scales);
    EXPECT_EQ(c.graph.tensors[2].data, g.tensors[2].data);
    const CompiledModel coded = compile_graph(c.graph, {"cortex-m4"});
    EXPECT_EQ(coded.program.ops[0].opcode, OpCode::CONV_2D_S8_W4_ARM_DSP);
    CompileOptions dense;
    dense.target = "cortex-m4";
    dense.dense_weights = true;
    EXPECT_EQ(compile_graph(c.graph, dense).program.ops[0].opcode, OpCode::CONV_2D_S8_ARM_DSP);
    std::vector<int8_t> in(64);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>(i * 7 % 256 - 128);
    const std::vector<int8_t> out = test::run_graph<int8_t>(c.graph, {test::bytes_of(in)});
    HostRunner host(compile_graph(c.graph, dense).blob);
    EXPECT_EQ(test::values_of<int8_t>(test::run_once(host, {test::bytes_of(in)})[0]), out);
  }
}

// int8 weights requantized to [-7, 7] with their scales and biases: the
// largest level becomes 7, the scale grows by the same factor, and the
// bias keeps its real value.
TEST(Int4, RequantizesFiltersScalesAndBiases) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 34}, 0.5f, 0);
  std::vector<int8_t> w(2 * 34, 0);
  w[0] = -127;
  w[1] = 64;
  w[2] = 127;
  w[34] = 14;  // channel 1: largest 14
  w[35] = -3;
  const int f = b.constant<int8_t>("w", KILN_DTYPE_INT8, {2, 34}, w, {0.01f, 0.02f});
  const int bias = b.constant<int32_t>("b", KILN_DTYPE_INT32, {2}, {1000, -1000}, {0.005f, 0.01f});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 2}, 1.0f, 0);
  b.op(ir::OpKind::kFullyConnected, {x, f, bias}, {y});
  b.output(y);
  const Clustering c = requantize_int4(b.build());
  const ir::Tensor& q = c.graph.tensors[static_cast<size_t>(f)];
  EXPECT_EQ(q.as<int8_t>()[0], -7);
  EXPECT_EQ(q.as<int8_t>()[1], 4);  // 64 * 7 / 127 = 3.53
  EXPECT_EQ(q.as<int8_t>()[2], 7);
  EXPECT_EQ(q.as<int8_t>()[34], 7);
  EXPECT_EQ(q.as<int8_t>()[35], -2);  // -3 * 7 / 14 = -1.5, away from zero
  EXPECT_FLOAT_EQ(q.quant.scales[0], 0.01f * 127 / 7);
  EXPECT_FLOAT_EQ(q.quant.scales[1], 0.02f * 14 / 7);
  EXPECT_TRUE(q.int4);  // a .tflite stores it as INT4
  const ir::Tensor& qb = c.graph.tensors[static_cast<size_t>(bias)];
  EXPECT_EQ(qb.as<int32_t>()[0], 55);    // 1000 * 7 / 127 = 55.1
  EXPECT_EQ(qb.as<int32_t>()[1], -500);  // -1000 * 7 / 14
  EXPECT_FLOAT_EQ(qb.quant.scales[0], 0.005f * 127 / 7);
  ASSERT_EQ(c.layers.size(), 1u);
  EXPECT_EQ(c.layers[0].codebooks, 1);
  EXPECT_EQ(c.layers[0].coded_bytes, 34 + 16);
}

TEST(Cluster, BadSettingsAreRefused) {
  const ir::Graph g = two_layers(false);
  for (int32_t k : {1, 17, 0}) {
    try {
      cluster_weights(g, k, false);
      ADD_FAILURE() << k;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
      EXPECT_NE(std::string(e.what()).find("2 to 16 clusters"), std::string::npos) << e.what();
    }
  }
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 4});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 4});
  b.op(ir::OpKind::kTanh, {x}, {y});
  b.output(y);
  try {
    cluster_weights(b.build(), 16, false);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
  }
}

// kiln compress --cluster on an int8 model: every filter large enough is
// coded, the model compiles to the coded kernels and runs.
TEST(CompressCli, ClustersAnInt8Model) {
  const std::string kws = test::model("mlcommons_tiny/kws_ref_model.tflite");
  const std::string out = test::temp_path("kws_clustered.tflite");
  const std::string report = test::temp_path("kws_clustered.json");
  const test::CliResult c =
      test::kiln_cli("compress " + kws + " --cluster 16 -o " + out + " --report " + report);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("weight clustering, 16 values per layer"), std::string::npos) << c.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["clustering"]["filter_bytes_int8"], 22016);
  EXPECT_LT(j["clustering"]["filter_bytes_coded"].get<int64_t>(), 22016 * 53 / 100);
  const test::CliResult a = test::kiln_cli("analyze " + out);
  EXPECT_NE(a.output.find("CONV_2D_S8_W4"), std::string::npos) << a.output;
  EXPECT_NE(a.output.find("DEPTHWISE_CONV_2D_S8_W4"), std::string::npos) << a.output;
  const test::CliResult v = test::kiln_cli("validate " + kws + " " + out + " --data " +
                                           test::shared_dir() + "/testvectors/mlperf_kws_ref");
  EXPECT_EQ(v.exit_code, 0) << v.output;
  const test::CliResult none = test::kiln_cli("compress " + kws + " -o " + out);
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_NE(none.output.find("give --prune-channels, --prune, --prune-layers, --sparsity, "
                             "--cluster, --weights int4|binary, --entropy or "
                             "--flash-budget"),
            std::string::npos)
      << none.output;
}

// Clustered filters entropy-coded: kiln analyze --entropy shows each coded
// layer's bits per weight and stores fewer bytes than the 4-bit codes; kiln
// compress --entropy writes the same blob as kiln convert --entropy, which
// computes what the clustered model computes; a .tflite output is refused.
TEST(CompressCli, EntropyCodesClusteredFilters) {
  const std::string kws = test::model("mlcommons_tiny/kws_ref_model.tflite");
  const std::string clustered = test::temp_path("kws_c16.tflite");
  ASSERT_EQ(test::kiln_cli("compress " + kws + " --cluster 16 -o " + clustered).exit_code, 0);
  const test::CliResult coded = test::kiln_cli("analyze " + clustered + " --json");
  const test::CliResult entropy = test::kiln_cli("analyze " + clustered + " --entropy --json");
  ASSERT_EQ(entropy.exit_code, 0) << entropy.output;
  const nlohmann::json c = nlohmann::json::parse(coded.output);
  const nlohmann::json e = nlohmann::json::parse(entropy.output);
  int entropy_layers = 0;
  for (const nlohmann::json& l : e["layers"]) entropy_layers += l["entropy_stream_bytes"] > 0;
  EXPECT_GE(entropy_layers, 4);
  EXPECT_LT(e["stored_weights_bytes"].get<int64_t>(), c["stored_weights_bytes"].get<int64_t>());
  EXPECT_NE(test::kiln_cli("analyze " + clustered + " --entropy").output.find("rANS/"),
            std::string::npos);

  const std::string converted = test::temp_path("kws_c16_entropy.kiln");
  const std::string compressed = test::temp_path("kws_c16_entropy_compress.kiln");
  ASSERT_EQ(test::kiln_cli("convert " + clustered + " --entropy -o " + converted).exit_code, 0);
  const test::CliResult written =
      test::kiln_cli("compress " + kws + " --cluster 16 --entropy -o " + compressed);
  ASSERT_EQ(written.exit_code, 0) << written.output;
  EXPECT_EQ(read_file(converted), read_file(compressed));
  const test::CliResult v = test::kiln_cli("validate " + clustered + " " + converted + " --data " +
                                           test::shared_dir() + "/testvectors/mlperf_kws_ref");
  EXPECT_EQ(v.exit_code, 0) << v.output;

  const test::CliResult tflite =
      test::kiln_cli("compress " + kws + " --cluster 16 --entropy -o " + clustered);
  EXPECT_EQ(tflite.exit_code, 1);
  EXPECT_NE(tflite.output.find("is not a .kiln blob"), std::string::npos) << tflite.output;
  const test::CliResult both =
      test::kiln_cli("convert " + clustered + " --entropy --dense-weights -o " + converted);
  EXPECT_NE(both.exit_code, 0);
}

}  // namespace
}  // namespace kiln
