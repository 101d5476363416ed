// Generated C++ models: on the host and on the emulated Cortex-M4 their
// outputs are byte for byte TFLite Micro's and the blob runtime's, and their
// header states the same arena as `kiln analyze`.
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <map>
#include <sstream>

#include "compiler/common/file_io.h"
#include "compiler/common/temporary_directory.h"
#include "compiler/common/wav.h"
#include "compiler/exec/host_runner.h"
#include "compiler/pipeline/compile.h"
#include "compiler/run/emulated_core.h"
#include "micro_speech_pipeline.h"
#include "tests/generated/generated_models.h"
#include "tests/support/run_graph.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

class GeneratedModelTest : public ::testing::TestWithParam<test::GeneratedModel> {};

TEST_P(GeneratedModelTest, HostMatchesTfliteMicroAndBlob) {
  const test::GeneratedModel& g = GetParam();
  const test::Case c = test::load_case(g.test_case);
  // The host sources were generated for this machine's kernel variants.
  const CompiledModel compiled = compile_tflite(read_file(c.model_path), c.model_path, {"host"});
  EXPECT_EQ(g.arena_bytes, compiled.plan.arena_bytes);  // one source of truth with `kiln analyze`
  std::vector<uint64_t> arena((g.arena_bytes + 7) / 8 + 2);
  void* base =
      reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(arena.data()) + 15) & ~uintptr_t{15});
  EXPECT_EQ(g.invoke(static_cast<uint8_t*>(base) + 4), KILN_ERR_BAD_ARGUMENT);  // misaligned arena
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    HostRunner blob(compiled.blob);
    ASSERT_EQ(s.inputs.size(), g.num_inputs);
    for (uint32_t i = 0; i < g.num_inputs; ++i) {
      const std::vector<uint8_t> in = read_file(s.inputs[i]);
      ASSERT_EQ(in.size(), g.input_bytes(i));
      std::memcpy(g.input(base, i), in.data(), in.size());
      blob.set_input(i, in);
    }
    ASSERT_EQ(g.invoke(base), KILN_OK);
    blob.invoke();
    const uint8_t* out = static_cast<const uint8_t*>(g.output(base, 0));
    const std::vector<uint8_t> got(out, out + g.output_bytes(0));
    EXPECT_EQ(got, read_file(s.expected));
    EXPECT_EQ(got, blob.output(0));
  }
}

TEST_P(GeneratedModelTest, CortexM4MatchesTfliteMicro) {
  const test::GeneratedModel& g = GetParam();
  const test::Case c = test::load_case(g.test_case);
  const std::string elf =
      std::string(KILN_GENERATED_FIRMWARE_DIR) + "/kiln-model-" + g.name + ".elf";
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    const TemporaryDirectory dir;
    std::vector<std::string> args;
    for (const std::string& in : s.inputs) args.insert(args.end(), {"-i", in});
    args.insert(args.end(), {"-o", dir.file("out0.bin")});
    const FirmwareRun run = run_firmware(find_core("cortex-m4"), elf, args);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(read_file(dir.file("out0.bin")), read_file(s.expected));
    EXPECT_GT(run.value("instructions"), 0u);
  }
}

class GeneratedConformanceTest : public ::testing::TestWithParam<test::GeneratedModel> {};

// TFLite Micro's outputs at every invocation, from the generated code run
// straight after its reset function: integers byte for byte, float within
// 1e-5 of the output's largest magnitude.
TEST_P(GeneratedConformanceTest, HostMatchesTfliteMicroAtEveryStep) {
  const test::GeneratedModel& g = GetParam();
  const std::string dir = test::shared_dir() + "/conformance/tflm_ops/" + g.test_case;
  const nlohmann::json meta = nlohmann::json::parse(read_file(dir + "/meta.json"));
  const int steps = meta.value("invocations", 1);
  std::vector<uint64_t> arena((g.arena_bytes + 7) / 8 + 2);
  void* base =
      reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(arena.data()) + 15) & ~uintptr_t{15});
  ASSERT_EQ(g.reset(base), KILN_OK);
  std::vector<std::vector<uint8_t>> feeds;
  for (uint32_t i = 0; i < g.num_inputs; ++i) {
    feeds.push_back(read_file(dir + "/in" + std::to_string(i) + ".bin"));
    ASSERT_EQ(feeds[i].size(), g.input_bytes(i) * static_cast<size_t>(steps));
  }
  for (int k = 0; k < steps; ++k) {
    SCOPED_TRACE("invocation " + std::to_string(k));
    for (uint32_t i = 0; i < g.num_inputs; ++i)
      std::memcpy(g.input(base, i), feeds[i].data() + k * g.input_bytes(i), g.input_bytes(i));
    ASSERT_EQ(g.invoke(base), KILN_OK);
    for (uint32_t o = 0; o < g.num_outputs; ++o) {
      std::string want = dir + "/out" + std::to_string(o) + "_step" + std::to_string(k) + ".bin";
      if (!test::file_exists(want)) {
        if (k + 1 < steps) continue;
        want = dir + "/out" + std::to_string(o) + ".bin";
      }
      const uint8_t* out = static_cast<const uint8_t*>(g.output(base, o));
      EXPECT_TRUE(test::same_output(meta["outputs"][o]["dtype"],
                                    std::vector<uint8_t>(out, out + g.output_bytes(o)),
                                    read_file(want)))
          << "output " << o;
    }
  }
}

std::string label(const ::testing::TestParamInfo<test::GeneratedModel>& info) {
  std::string name = info.param.test_case;
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(SharedTestVectors, GeneratedModelTest,
                         ::testing::ValuesIn(test::generated_models()), label);
INSTANTIATE_TEST_SUITE_P(TflmOps, GeneratedConformanceTest,
                         ::testing::ValuesIn(test::generated_conformance_models()), label);

// micro_speech with its front-end as generated code: 320 samples per
// invoke, outputs written only at the block that fills the 49-frame window,
// and then TFLM's scores for the clip.
TEST(GeneratedPipeline, HostMatchesTflmScoresAfterEachClip) {
  std::vector<uint64_t> arena((MICRO_SPEECH_PIPELINE_ARENA_BYTES + 7) / 8 + 2);
  void* base =
      reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(arena.data()) + 15) & ~uintptr_t{15});
  ASSERT_EQ(micro_speech_pipeline_input_bytes(0), 320u * 2);
  const std::string dir = test::shared_dir() + "/frontend/tflm_signal";
  for (const char* clip : {"yes_1000ms", "no_1000ms", "silence_1000ms", "noise_1000ms"}) {
    const std::vector<int16_t> samples =
        read_wav_samples(dir + "/micro_speech/" + clip + ".wav", 16000, 1);
    ASSERT_EQ(samples.size(), 16000u);
    ASSERT_EQ(micro_speech_pipeline_reset(base), KILN_OK);
    for (size_t k = 0; k < 50; ++k) {
      std::memcpy(micro_speech_pipeline_input(base, 0), samples.data() + k * 320, 640);
      uint32_t written = 99;
      ASSERT_EQ(micro_speech_pipeline_invoke_stream(base, &written), KILN_OK);
      EXPECT_EQ(written, k == 49 ? 1u : 0u) << clip << " block " << k;
    }
    const uint8_t* out = static_cast<const uint8_t*>(micro_speech_pipeline_output(base, 0));
    EXPECT_EQ(std::vector<uint8_t>(out, out + micro_speech_pipeline_output_bytes(0)),
              read_file(dir + "/goldens/" + clip + "_scores_int8.bin"))
        << clip;
  }
}

#ifdef KILN_GENERATED_M7_DIR
// Symbol name -> (address, size) from an `nm -S` listing.
std::map<std::string, std::pair<uint64_t, uint64_t>> sized_symbols(const std::string& path) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> symbols;
  const std::vector<uint8_t> bytes = read_file(path);
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string address, size, type, name;
    if (fields >> address >> size >> type >> name) {
      symbols[name] = {std::stoull(address, nullptr, 16), std::stoull(size, nullptr, 16)};
    }
  }
  return symbols;
}

// MLPerf VWW with every op whole for an STM32F746-class part, as generated
// code on the emulated Cortex-M7: the buffers the firmware links in DTCM
// and SRAM are the sizes the plan (and `kiln analyze`) states, and the
// outputs are TFLite Micro's.
TEST(GeneratedTwoRegions, CortexM7LinksWhatThePlanStates) {
  CompileOptions options;
  options.target = KILN_M7_TARGET;
  options.max_recompute = 0;
  const test::Case c = test::load_case("mlperf_vww_96_int8");
  const CompiledModel compiled = compile_tflite(read_file(c.model_path), c.model_path, options);
  ASSERT_EQ(compiled.plan.region_bytes.size(), 2u);
  const std::string dir = KILN_GENERATED_M7_DIR;
  const auto symbols = sized_symbols(dir + "/kiln-model-vww_two_regions.syms");
  const auto arena = symbols.at("_ZN12_GLOBAL__N_17g_arenaE");
  const auto region1 = symbols.at("_ZN12_GLOBAL__N_19g_region1E");
  EXPECT_EQ(arena.second, compiled.plan.region_bytes[0]);
  EXPECT_EQ(region1.second, compiled.plan.region_bytes[1]);
  EXPECT_EQ(arena.first >> 28, 0x2u);    // DTCM, 0x20000000
  EXPECT_EQ(region1.first >> 28, 0x6u);  // SRAM, 0x60000000
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    const TemporaryDirectory out;
    std::vector<std::string> args;
    for (const std::string& in : s.inputs) args.insert(args.end(), {"-i", in});
    args.insert(args.end(), {"-o", out.file("out0.bin")});
    const FirmwareRun run =
        run_firmware(find_core("cortex-m7"), dir + "/kiln-model-vww_two_regions.elf", args);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(read_file(out.file("out0.bin")), read_file(s.expected));
    EXPECT_EQ(run.value("region1_bytes"), compiled.plan.region_bytes[1]);
  }
}
#endif

}  // namespace
}  // namespace kiln
