// kiln bench --compare: kiln's per-layer instructions beside a per-layer
// baseline file, matched by the source model's operator index.
#include "compiler/eval/bench_compare.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "tests/support/cli.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

BenchLayer layer(int source, const char* op, const char* kernel, uint64_t instructions) {
  BenchLayer l;
  l.source_index = source;
  l.op = op;
  l.kernel = kernel;
  l.instructions = instructions;
  l.macs = 0;
  return l;
}

// Operators 0 (a pad kiln folded away), 1 (a conv kiln runs as two ops) and
// 2 (a softmax), and an op kiln added.
BenchReport report() {
  BenchReport r;
  r.model = "m.tflite";
  r.target = "cortex-m4";
  r.has_graph = true;
  r.layers = {layer(1, "CONV_2D", "CONV_2D_S8_ARM_DSP", 600),
              layer(1, "CONV_2D", "QUANTIZE_S8", 40), layer(-1, "QUANTIZE", "QUANTIZE_S8", 7),
              layer(2, "SOFTMAX", "SOFTMAX_S8", 100)};
  r.cost.instructions = 800;
  return r;
}

nlohmann::json baseline() {
  return nlohmann::json::parse(R"({
    "runtime": "TFLM", "core": "Cortex-M4F", "total": 2100, "interpreter_overhead": 100,
    "layers": [{"index": 0, "op": "PAD", "instructions": 300},
               {"index": 1, "op": "CONV_2D", "instructions": 1500},
               {"index": 2, "op": "SOFTMAX", "instructions": 200}]})");
}

TEST(BenchCompare, MatchesTheBaselinesOperatorsByIndex) {
  const BenchComparison c = compare_bench(report(), baseline(), "b.json");
  ASSERT_EQ(c.layers.size(), 3u);
  EXPECT_EQ(c.layers[0].op, "PAD");
  EXPECT_EQ(c.layers[0].baseline, 300);
  EXPECT_EQ(c.layers[0].kiln, 0u);
  EXPECT_TRUE(c.layers[0].kernels.empty());
  EXPECT_EQ(c.layers[1].kiln, 640u);
  EXPECT_EQ(c.layers[1].kernels, (std::vector<std::string>{"CONV_2D_S8_ARM_DSP", "QUANTIZE_S8"}));
  EXPECT_EQ(c.layers[2].kiln, 100u);
  EXPECT_EQ(c.kiln_other, 7u);
  EXPECT_EQ(c.baseline_total, 2100);

  const std::string table = to_table(c, report());
  EXPECT_NE(table.find("   0  PAD                         300            0     0.000"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("(fused or in place)"), std::string::npos) << table;
  EXPECT_NE(table.find("   1  CONV_2D                   1,500          640     0.427"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("ops kiln added"), std::string::npos) << table;
  // 747 in the layers; 53 outside them; 800 / 2,100.
  EXPECT_NE(table.find("layers                    2,000          747     0.373"), std::string::npos)
      << table;
  EXPECT_NE(table.find("outside the layers          100           53"), std::string::npos) << table;
  EXPECT_NE(table.find("total                     2,100          800     0.381"), std::string::npos)
      << table;
  EXPECT_EQ(table.find("note: the baseline ran on"), std::string::npos)
      << "Cortex-M4F is kiln's cortex-m4\n"
      << table;
  const nlohmann::json j = to_json(c);
  EXPECT_EQ(j["layers_sum"], 747);
  EXPECT_EQ(j["baseline_layers_sum"], 2000);
}

TEST(BenchCompare, RefusesABaselineOfAnotherModelOrMalformed) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"([1, 2])", "expected an object with a \"layers\" array"},
      {R"({"layers": [{"index": 1, "instructions": 5}]})", "layer 0 has no \"op\" name"},
      {R"({"layers": [{"index": 1, "op": "CONV_2D"}]})",
       "layer 0 needs an \"index\" and \"instructions\""},
      {R"({"layers": [{"index": -1, "op": "CONV_2D", "instructions": 5}]})",
       "layer 0's \"index\" is not a count"},
      {R"({"layers": [{"index": 1, "op": "CONV_2D", "instructions": 5},
                      {"index": 1, "op": "CONV_2D", "instructions": 5}]})",
       "operator 1 has two rows"},
      {R"({"layers": [{"index": 1, "op": "DEPTHWISE_CONV_2D", "instructions": 5}]})",
       "its operator 1 is DEPTHWISE_CONV_2D, but the model's is CONV_2D: a baseline of another "
       "model"},
      {R"({"total": "many", "layers": []})", "the file's \"total\" is not a count"}};
  for (const Case& c : cases) {
    try {
      compare_bench(report(), nlohmann::json::parse(c.json), "b.json");
      ADD_FAILURE() << "expected: " << c.message;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_EQ(std::string(e.what()), std::string("--compare b.json: ") + c.message);
    }
  }
  BenchReport blob = report();
  blob.has_graph = false;
  EXPECT_THROW(compare_bench(blob, baseline(), "b.json"), Error);
}

// On the emulated M55, KWS beside TFLM + CMSIS-NN's per-layer counts: every
// operator of the file has a row, the reshape kiln does in place costs
// nothing, and kiln's rows add up to its whole-inference count.
TEST(CliTarget, BenchComparesEachOperatorWithAPerLayerBaseline) {
  const std::string file = test::shared_dir() + "/baselines/per_layer/m55_kws.json";
  const std::vector<uint8_t> text = read_file(file);
  const nlohmann::json base = nlohmann::json::parse(text.begin(), text.end());
  const test::CliResult r =
      test::kiln_cli("bench " + test::model("mlcommons_tiny/kws_ref_model.tflite") +
                     " --target cortex-m55 --json --compare " + file);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  const nlohmann::json& c = j["compare"];
  ASSERT_EQ(c["layers"].size(), base["layers"].size());
  uint64_t sum = 0;
  for (size_t i = 0; i < base["layers"].size(); ++i) {
    const nlohmann::json& row = c["layers"][i];
    EXPECT_EQ(row["index"], base["layers"][i]["index"]);
    EXPECT_EQ(row["op"], base["layers"][i]["op"]);
    EXPECT_EQ(row["baseline_instructions"], base["layers"][i]["instructions"]);
    if (row["op"] == "RESHAPE") {
      EXPECT_EQ(row["instructions"], 0);
    } else {
      EXPECT_GT(row["instructions"].get<uint64_t>(), 0u) << row;
    }
    sum += row["instructions"].get<uint64_t>();
  }
  EXPECT_EQ(c["layers_sum"], sum);
  EXPECT_EQ(c["baseline_total"], base["total"]);
  EXPECT_LT(sum, j["instructions"].get<uint64_t>());
  EXPECT_EQ(j["layers"].size(), 12u);  // kiln's own per-op rows stay

  const test::CliResult wrong =
      test::kiln_cli("bench " + test::model("mlcommons_tiny/ad01_int8.tflite") +
                     " --target cortex-m55 --compare " + file);
  EXPECT_EQ(wrong.exit_code, 5) << wrong.output;
  EXPECT_NE(wrong.output.find("its operator 0 is CONV_2D, but the model's is FULLY_CONNECTED"),
            std::string::npos)
      << wrong.output;
}

}  // namespace
}  // namespace kiln
