// The kiln tool end to end: outputs, exit codes and messages for bad input.
#include "tests/support/cli.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "compiler/common/file_io.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

using Result = test::CliResult;
using test::kiln_cli;
using test::model;
using test::temp_path;

TEST(Cli, RunMatchesGoldenAndWritesOutput) {
  const std::string dir = test::shared_dir() + "/testvectors/mlperf_kws_ref/";
  const std::string out = temp_path("kws_out.bin");
  const Result r = kiln_cli("run " + model("mlcommons_tiny/kws_ref_model.tflite") + " --input " +
                            dir + "s0_in0.bin --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("argmax=5"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(out), read_file(dir + "s0_tflm0.bin"));
}

TEST(Cli, ConvertThenRunBlob) {
  const std::string blob = temp_path("hello.kiln");
  const Result c =
      kiln_cli("convert " + model("tflite_micro/hello_world_int8.tflite") + " -o " + blob);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const std::string dir = test::shared_dir() + "/testvectors/tflm_hello_world_int8/";
  const std::string out = temp_path("hello_out.bin");
  const Result r = kiln_cli("run " + blob + " --input " + dir + "s2_in0.bin --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(out), read_file(dir + "s2_tflm0.bin"));
}

TEST(Cli, AnalyzeJson) {
  const Result r = kiln_cli("analyze --json " + model("mlcommons_tiny/ad01_int8.tflite"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["macs"], 264192);
  EXPECT_EQ(j["arena_bytes"], 768);
  EXPECT_EQ(j["weights_bytes"], 270880);
  EXPECT_GT(j["blob_bytes"].get<int>(), 270880);
  EXPECT_EQ(j["layers"].size(), 10u);
  EXPECT_EQ(j["layers"][0]["op"], "FULLY_CONNECTED");
  EXPECT_EQ(j["layers"][0]["arena_offset"], 640);  // after the 640-byte input
  EXPECT_EQ(j["ops_supported"], 10);
}

// --optimize size stores about what the portable blob does (its depthwise
// layers' scratch records and the fully connected layer's per-channel
// entries add 64 bytes: FlashGoal.* check the bytes layer by layer); a budget
// below it is refused naming the smallest blob; an unknown goal lists the
// known ones.
TEST(Cli, OptimizeForSizeAndBudget) {
  const std::string kws = model("mlcommons_tiny/kws_ref_model.tflite");
  const Result portable = kiln_cli("analyze --json " + kws);
  const Result size = kiln_cli("analyze --json --target cortex-m4 --optimize size " + kws);
  ASSERT_EQ(portable.exit_code, 0) << portable.output;
  ASSERT_EQ(size.exit_code, 0) << size.output;
  const nlohmann::json s = nlohmann::json::parse(size.output);
  EXPECT_EQ(s["optimize"], "size");
  const uint64_t smallest = s["blob_bytes"];
  const uint64_t portable_bytes = nlohmann::json::parse(portable.output)["blob_bytes"];
  EXPECT_EQ(smallest, portable_bytes + 64);

  const Result balanced = kiln_cli(
      fmt::format("analyze --target cortex-m4 --flash-budget {} {}", smallest + 6000, kws));
  ASSERT_EQ(balanced.exit_code, 0) << balanced.output;
  EXPECT_NE(balanced.output.find("layers stored for speed)"), std::string::npos) << balanced.output;

  const Result tight =
      kiln_cli(fmt::format("analyze --target cortex-m4 --flash-budget {} {}", smallest - 1, kws));
  EXPECT_NE(tight.exit_code, 0);
  EXPECT_NE(tight.output.find(fmt::format("--flash-budget {}: no plan fits: the smallest blob for "
                                          "cortex-m4 is {} bytes",
                                          smallest - 1, smallest)),
            std::string::npos)
      << tight.output;

  const Result unknown = kiln_cli("analyze --target cortex-m4 --optimize fast " + kws);
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("--optimize fast: not a goal (speed, size or balanced)"),
            std::string::npos)
      << unknown.output;
}

TEST(Cli, PatchBasedExecutionIsStatedAndCanBeTurnedOff) {
  const std::string vww = model("mlcommons_tiny/vww_96_int8.tflite");
  const Result bands = kiln_cli("analyze " + vww);
  ASSERT_EQ(bands.exit_code, 0) << bands.output;
  EXPECT_NE(bands.output.find("arena bytes            36864\n  patches       ops 0-4 in 8 bands "
                              "of rows, 3.8% of the MACs computed again, the stage's output over "
                              "its consumed input rows; 55296 bytes with every op whole"),
            std::string::npos)
      << bands.output;
  const Result json = kiln_cli("analyze --json " + vww);
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const nlohmann::json j = nlohmann::json::parse(json.output);
  EXPECT_EQ(j["patches"]["bands"], 8);
  EXPECT_EQ(j["layers"][4]["bands"], 8);
  EXPECT_EQ(j["layers"][5]["bands"], 0);
  EXPECT_EQ(j["whole_layer_arena_bytes"], 55296);

  const Result whole = kiln_cli("analyze --json --max-recompute 0 " + vww);
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_EQ(nlohmann::json::parse(whole.output)["arena_bytes"], 55296);
  EXPECT_TRUE(nlohmann::json::parse(whole.output)["patches"].is_null());

  const Result bad = kiln_cli("analyze --max-recompute 150 " + vww);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("a percentage from 0 to 100"), std::string::npos) << bad.output;
}

// A target description: the plan's bytes per region, a region the model
// overflows named with its figures, a description with overlapping regions
// refused naming both.
TEST(Cli, MemoryRegionsAreStatedAndRefusedByName) {
  const std::string vww = model("mlcommons_tiny/vww_96_int8.tflite");
  const std::string f746 = std::string(KILN_SOURCE_DIR) + "/targets/descriptions/stm32f746.json";
  const Result two = kiln_cli("analyze --max-recompute 0 --target " + f746 + " " + vww);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("memory regions  (stm32f746)\n"
                            "  DTCM                 40320  of 45056 RAM bytes, 46 buffers\n"
                            "  SRAM                 36864  of 262144 RAM bytes, 2 buffers\n"
                            "  FLASH               160240  of 1048576 flash bytes, the blob\n"),
            std::string::npos)
      << two.output;
  const Result json = kiln_cli("analyze --json --target " + f746 + " " + vww);
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const nlohmann::json j = nlohmann::json::parse(json.output);
  EXPECT_EQ(j["target"], "stm32f746");
  ASSERT_EQ(j["regions"].size(), 3u);
  EXPECT_EQ(j["regions"][0]["name"], "DTCM");
  EXPECT_EQ(j["regions"][0]["bytes"], 38592);  // in bands, the whole arena fits the DTCM
  EXPECT_EQ(j["regions"][1]["bytes"], 0);
  EXPECT_EQ(j["regions"][2]["kind"], "flash");

  const std::string small = temp_path("small_sram.json");
  const std::string text = R"({"core": "cortex-m7", "regions": [
      {"name": "DTCM", "kind": "ram", "origin": "0x20000000", "bytes": "32K"},
      {"name": "SRAM", "kind": "ram", "origin": "0x20010000", "bytes": "16K", "speed": 0.5},
      {"name": "FLASH", "kind": "flash", "origin": "0x08000000", "bytes": "1M"}]})";
  write_file(small, text.data(), text.size());
  const Result over = kiln_cli("convert --max-recompute 0 --target " + small + " " + vww + " -o " +
                               temp_path("vww_small.kiln"));
  EXPECT_EQ(over.exit_code, 6) << over.output;
  EXPECT_NE(over.output.find("the model does not fit " + small + ": RAM region 'SRAM' would need "),
            std::string::npos)
      << over.output;
  const Result stated = kiln_cli("analyze --max-recompute 0 --target " + small + " " + vww);
  EXPECT_EQ(stated.exit_code, 0) << stated.output;  // analysis states the overflow
  EXPECT_NE(stated.output.find("DOES NOT FIT"), std::string::npos) << stated.output;

  const std::string overlapping = temp_path("overlapping.json");
  const std::string bad = R"({"core": "cortex-m7", "regions": [
      {"name": "DTCM", "kind": "ram", "origin": "0x20000000", "bytes": "128K"},
      {"name": "SRAM", "kind": "ram", "origin": "0x20010000", "bytes": "256K"},
      {"name": "FLASH", "kind": "flash", "origin": "0x08000000", "bytes": "1M"}]})";
  write_file(overlapping, bad.data(), bad.size());
  const Result refused = kiln_cli("analyze --target " + overlapping + " " + vww);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("regions 'DTCM' [0x20000000, 0x20020000) and 'SRAM' "
                                "[0x20010000, 0x20050000) overlap"),
            std::string::npos)
      << refused.output;
}

TEST(Cli, FileNotFound) {
  const Result r = kiln_cli("run /nonexistent/model.tflite");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cannot open '/nonexistent/model.tflite'"), std::string::npos)
      << r.output;
}

TEST(Cli, NotAModel) {
  const std::string path = temp_path("text.tflite");
  std::ofstream(path) << "this is not a model at all";
  const Result r = kiln_cli("run " + path);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("not a model"), std::string::npos) << r.output;
}

TEST(Cli, TruncatedModel) {
  std::vector<uint8_t> bytes = read_file(model("mlcommons_tiny/kws_ref_model.tflite"));
  bytes.resize(bytes.size() / 2);
  const std::string path = temp_path("half.tflite");
  write_file(path, bytes.data(), bytes.size());
  const Result r = kiln_cli("analyze " + path);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("truncated or corrupted"), std::string::npos) << r.output;
}

TEST(Cli, CorruptedBlob) {
  const std::string blob = temp_path("corrupt.kiln");
  ASSERT_EQ(kiln_cli("convert " + model("tflite_micro/hello_world_int8.tflite") + " -o " + blob)
                .exit_code,
            0);
  std::vector<uint8_t> bytes = read_file(blob);
  bytes[bytes.size() - 20] ^= 1;
  write_file(blob, bytes.data(), bytes.size());
  const Result r = kiln_cli("run " + blob);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("checksum"), std::string::npos) << r.output;
}

TEST(Cli, UnsupportedOpIsNamedWithLocation) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 4});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 4});
  const int z = b.tensor("z", KILN_DTYPE_FLOAT32, {1, 4});
  b.op(ir::OpKind::kUnsupported, {x}, {y}).type_name = "LSH_PROJECTION";
  b.op(ir::OpKind::kUnsupported, {y}, {z}).type_name = "HASHTABLE_LOOKUP";
  b.output(z);
  const std::vector<uint8_t> file = write_tflite(b.build());
  const std::string path = temp_path("exp.tflite");
  write_file(path, file.data(), file.size());
  const Result run = kiln_cli("convert " + path + " -o " + temp_path("exp.kiln"));
  EXPECT_EQ(run.exit_code, 4);
  EXPECT_NE(run.output.find("LSH_PROJECTION (subgraph 0, operator 0, output 'y')"),
            std::string::npos)
      << run.output;
  // analyze still reports the model, with its coverage.
  const Result an = kiln_cli("analyze --json " + path);
  ASSERT_EQ(an.exit_code, 0) << an.output;
  const nlohmann::json j = nlohmann::json::parse(an.output);
  EXPECT_EQ(j["ops_supported"], 0);
  EXPECT_EQ(j["ops_total"], 2);
  EXPECT_EQ(j["unsupported"].size(), 2u);
}

TEST(Cli, WrongInputSize) {
  const std::string path = temp_path("short_input.bin");
  std::ofstream(path) << "abc";
  const Result r =
      kiln_cli("run " + model("mlcommons_tiny/kws_ref_model.tflite") + " --input " + path);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.output.find("is 3 bytes but the model's input 0 int8 [1,49,10,1] needs 490 bytes"),
            std::string::npos)
      << r.output;
}

TEST(Cli, ArenaTooSmall) {
  // `run` on the host compiles for the host's kernel variants.
  const std::string kws = model("mlcommons_tiny/kws_ref_model.tflite");
  const uint64_t needs = compile_tflite(read_file(kws), kws, {"host"}).plan.arena_bytes;
  const Result r = kiln_cli("run " + kws + " --arena-bytes " + std::to_string(needs - 1));
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.output.find(fmt::format("needs {} bytes, given {}", needs, needs - 1)),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

// A model whose weights or activations are larger than the target has memory.
std::string oversized_model(const std::string& name, int32_t in_features, int32_t out_features) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, in_features}, 0.1f, 0);
  // Varied weights: a filter of 16 values or fewer would be stored in 4 bits.
  std::vector<int8_t> weights(static_cast<size_t>(in_features) * out_features);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int8_t>(i * 37 % 255 - 127);
  const int w =
      b.constant<int8_t>("w", KILN_DTYPE_INT8, {out_features, in_features}, weights, {0.01f});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, out_features}, 0.1f, 0);
  b.op(ir::OpKind::kFullyConnected, {x, w, -1}, {y});
  b.output(y);
  const std::vector<uint8_t> file = write_tflite(b.build());
  const std::string path = temp_path(name);
  write_file(path, file.data(), file.size());
  return path;
}

TEST(CliTarget, RunsOnCortexM4BitExact) {
  const std::string dir = test::shared_dir() + "/testvectors/tflm_micro_speech/";
  const std::string out = temp_path("speech_m4.bin");
  const Result r = kiln_cli("run " + model("tflite_micro/micro_speech_quantized.tflite") +
                            " --target cortex-m4 --input " + dir + "s1_in0.bin --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cortex-m4: "), std::string::npos) << r.output;
  EXPECT_EQ(read_file(out), read_file(dir + "s1_tflm0.bin"));
}

// A blob with Helium kernels is refused by the M4's runtime, which has none.
TEST(CliTarget, BlobForAnotherCoreIsRefused) {
  const std::string blob = temp_path("kws_m55.kiln");
  ASSERT_EQ(kiln_cli("convert " + model("mlcommons_tiny/kws_ref_model.tflite") +
                     " --target cortex-m55 -o " + blob)
                .exit_code,
            0);
  const Result r = kiln_cli("run " + blob + " --target cortex-m4");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(
      r.output.find("blob uses an op this runtime does not have (compiled for another target?)"),
      std::string::npos)
      << r.output;
}

TEST(CliTarget, BenchReportsCostAndMemory) {
  const std::string hello = model("tflite_micro/hello_world_int8.tflite");
  const Result r = kiln_cli("bench " + hello + " --target cortex-m4 --json --layers");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_GT(j["instructions"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["macs"], 16 + 256 + 16);
  const uint64_t arena = compile_tflite(read_file(hello), hello, {"cortex-m4"}).plan.arena_bytes;
  EXPECT_EQ(j["arena_bytes"], arena);
  EXPECT_EQ(j["ram_bytes"].get<uint64_t>(),
            j["static_ram_bytes"].get<uint64_t>() + arena + j["stack_bytes"].get<uint64_t>());
  EXPECT_GT(j["runtime_flash_bytes"].get<uint64_t>(), 0u);
  ASSERT_EQ(j["layers"].size(), 3u);
  EXPECT_EQ(j["layers"][0]["op"], "FULLY_CONNECTED");
  EXPECT_GT(j["layers"][0]["macs_per_instruction"].get<double>(), 0.0);
  // The same run twice gives the same count.
  const Result again = kiln_cli("bench " + hello + " --target cortex-m4 --json");
  EXPECT_EQ(nlohmann::json::parse(again.output)["instructions"], j["instructions"]);
}

TEST(CliTarget, ModelLargerThanFlashIsRefused) {
  const Result r =
      kiln_cli("run " + oversized_model("big_weights.tflite", 1024, 1100) + " --target cortex-m4");
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_NE(r.output.find("the model does not fit cortex-m4: flash region 'FLASH' would need "),
            std::string::npos)
      << r.output;
}

TEST(CliTarget, ArenaLargerThanRamIsRefused) {
  // A 400x400 image pooled 1x1: input and output live together, 320,000 bytes.
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 400, 400, 1}, 0.1f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 400, 400, 1}, 0.1f, 0);
  b.op(ir::OpKind::kMaxPool2D, {x}, {y});
  b.output(y);
  const std::vector<uint8_t> file = write_tflite(b.build());
  const std::string path = temp_path("big_activations.tflite");
  write_file(path, file.data(), file.size());
  const Result r = kiln_cli("run " + path + " --target cortex-m4");
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_NE(r.output.find("the model does not fit cortex-m4: RAM region 'SRAM' would need 320000 "
                          "bytes, it has 176128"),
            std::string::npos)
      << r.output;
}

TEST(CliTarget, UnknownTarget) {
  const Result r =
      kiln_cli("run " + model("tflite_micro/hello_world_int8.tflite") + " --target cortex-m0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(
                "unknown target 'cortex-m0' (known: cortex-m4, cortex-m7, cortex-m33, cortex-m55)"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace kiln
