// Binary weights: the bit form of filters with two values per channel
// (compiler/ops/binary_weights.h), the binarization of an int8 model
// (compiler/compress/cluster.h's binarize_weights), and kiln compress
// --weights binary on an MLPerf model, which then compiles to the binary
// kernel and runs.
#include "compiler/ops/binary_weights.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/compress/cluster.h"
#include "compiler/ir/builder.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

TEST(BinaryWeights, PacksARowOfBitsPerChannelAndItsTwoValues) {
  // Two channels of 10 weights: -5/+5 alternating in pairs, then 7 throughout.
  std::vector<int8_t> w;
  for (int i = 0; i < 10; ++i) w.push_back(static_cast<int8_t>(i / 2 % 2 ? 5 : -5));
  for (int i = 0; i < 10; ++i) w.push_back(7);
  const std::optional<BinaryWeights> b = binary_weights(w.data(), 2, 10);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->values, (std::vector<int8_t>{-5, 5, 7, 7}));
  // Weight i at bit i % 8 of its row's byte i / 8; rows start on a byte.
  EXPECT_EQ(b->bits, (std::vector<uint8_t>{0xCC, 0x00, 0x00, 0x00}));
  EXPECT_EQ(b->bytes(), 8);
  for (int32_t r = 0; r < 2; ++r) {
    for (int32_t i = 0; i < 10; ++i) {
      EXPECT_EQ(b1_weight(b->bits.data() + 2 * r, b->values.data() + 2 * r, i), w[r * 10 + i]);
    }
  }
  w[13] = 6;  // channel 1 takes 6 and 7: still two values
  EXPECT_TRUE(binary_weights(w.data(), 2, 10));
  w[14] = 8;  // and a third
  EXPECT_FALSE(binary_weights(w.data(), 2, 10));
}

// Each channel becomes +a or -a by sign (zero counts as positive), a its
// mean magnitude in levels, at least 1 unless the channel is all zeros;
// scales are kept.
TEST(Binarize, ChannelsTakeTheirMeanMagnitude) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 8}, 0.5f, 0);
  const std::vector<int8_t> w = {-127, 64, 0, 1, 3, -9, 20, 2,  // mean |w| 28.25
                                 0,    0,  0, 0, 0, 0,  0,  1,  // 0.125: at least 1
                                 0,    0,  0, 0, 0, 0,  0,  0};
  const int f = b.constant<int8_t>("w", KILN_DTYPE_INT8, {3, 8}, w, {0.01f});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 3}, 1.0f, 0);
  b.op(ir::OpKind::kFullyConnected, {x, f, -1}, {y});
  b.output(y);
  const Clustering c = binarize_weights(b.build());
  const ir::Tensor& q = c.graph.tensors[static_cast<size_t>(f)];
  EXPECT_EQ(std::vector<int8_t>(q.as<int8_t>(), q.as<int8_t>() + 24),
            (std::vector<int8_t>{-28, 28, 28, 28, 28, -28, 28, 28,  //
                                 1,   1,  1,  1,  1,  1,   1,  1,   //
                                 0,   0,  0,  0,  0,  0,   0,  0}));
  EXPECT_FLOAT_EQ(q.quant.scales[0], 0.01f);
  ASSERT_EQ(c.layers.size(), 1u);
  EXPECT_EQ(c.layers[0].coded_bytes, 3 * (1 + 2));
}

// Only the named layers are binarized; the others keep their weights.
TEST(Binarize, OnlyTheNamedLayers) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 8}, 0.5f, 0);
  const std::vector<int8_t> w = {-127, 64, 0, 1, 3, -9, 20, 2};
  const int f1 = b.constant<int8_t>("w1", KILN_DTYPE_INT8, {1, 8}, w, {0.01f});
  const int f2 = b.constant<int8_t>("w2", KILN_DTYPE_INT8, {1, 8}, w, {0.01f});
  const int y1 = b.tensor("y1", KILN_DTYPE_INT8, {1, 1}, 1.0f, 0);
  const int y2 = b.tensor("y2", KILN_DTYPE_INT8, {1, 1}, 1.0f, 0);
  b.op(ir::OpKind::kFullyConnected, {x, f1, -1}, {y1});
  b.op(ir::OpKind::kFullyConnected, {x, f2, -1}, {y2});
  b.output(y1);
  b.output(y2);
  const Clustering c = binarize_weights(b.build(), {"y2"});
  ASSERT_EQ(c.layers.size(), 1u);
  EXPECT_EQ(c.layers[0].name, "y2");
  auto values = [&](int t) {
    const ir::Tensor& q = c.graph.tensors[static_cast<size_t>(t)];
    return std::vector<int8_t>(q.as<int8_t>(), q.as<int8_t>() + 8);
  };
  EXPECT_EQ(values(f1), w);
  EXPECT_EQ(values(f2), (std::vector<int8_t>{-28, 28, 28, 28, 28, -28, 28, 28}));
}

// --weights-layers: the named layers only; a name that is no layer with
// weights lists the layers; without --weights it is refused.
TEST(CompressCli, WeightsLayersNameTheLayers) {
  const std::string kws = test::model("mlcommons_tiny/kws_ref_model.tflite");
  const std::string out = test::temp_path("kws_binary_dense.tflite");
  const test::CliResult c = test::kiln_cli("compress " + kws +
                                           " --weights binary --weights-layers "
                                           "functional_1/dense/BiasAdd -o " +
                                           out);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const test::CliResult a = test::kiln_cli("analyze " + out + " --json");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const nlohmann::json report_json = nlohmann::json::parse(a.output);
  std::vector<std::string> binary;
  for (const nlohmann::json& l : report_json["layers"]) {
    if (l["binary_weights"].get<bool>()) binary.push_back(l["name"]);
  }
  EXPECT_EQ(binary, std::vector<std::string>{"functional_1/dense/BiasAdd"});

  const test::CliResult unknown =
      test::kiln_cli("compress " + kws + " --weights binary --weights-layers nope -o " + out);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("--weights-layers: no layer 'nope' with weights; the layers are "),
            std::string::npos)
      << unknown.output;
  EXPECT_NE(unknown.output.find("functional_1/dense/BiasAdd"), std::string::npos);
  const test::CliResult alone = test::kiln_cli(
      "compress " + kws + " --cluster 16 --weights-layers functional_1/dense/BiasAdd -o " + out);
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_NE(alone.output.find("--weights-layers names the layers of --weights int4 or binary"),
            std::string::npos)
      << alone.output;
}

// kiln compress --weights binary on KWS: its convolution and fully connected
// filters go to one bit per weight (depthwise ones stay int8), the model
// compiles to the binary kernel for every target and runs.
TEST(CompressCli, BinarizesAnInt8Model) {
  const std::string kws = test::model("mlcommons_tiny/kws_ref_model.tflite");
  const std::string out = test::temp_path("kws_binary.tflite");
  const std::string report = test::temp_path("kws_binary.json");
  const test::CliResult c =
      test::kiln_cli("compress " + kws + " --weights binary -o " + out + " --report " + report);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("binary weights from int8"), std::string::npos) << c.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["binary"]["filter_bytes_int8"], 22016);
  // conv 64 x (40 bits + 2), four pointwise 64 x (64 bits + 2), fully
  // connected 12 x (64 bits + 2), four depthwise 576 int8 each.
  EXPECT_EQ(j["binary"]["filter_bytes_coded"], 64 * 7 + 4 * 64 * 10 + 12 * 10 + 4 * 576);
  for (const char* target : {"portable", "cortex-m4", "cortex-m55", "host"}) {
    const test::CliResult a =
        test::kiln_cli("analyze " + out + " --target " + std::string(target) + " --json");
    ASSERT_EQ(a.exit_code, 0) << a.output;
    const nlohmann::json report_json = nlohmann::json::parse(a.output);
    int binary = 0;
    for (const nlohmann::json& l : report_json["layers"]) binary += l["binary_weights"].get<bool>();
    EXPECT_EQ(binary, 6) << target;
  }
  EXPECT_NE(test::kiln_cli("analyze " + out).output.find("1-bit"), std::string::npos);
  const test::CliResult v = test::kiln_cli("validate " + kws + " " + out + " --data " +
                                           test::shared_dir() + "/testvectors/mlperf_kws_ref");
  EXPECT_EQ(v.exit_code, 0) << v.output;
}

}  // namespace
}  // namespace kiln
