// Patch-based execution of a 224x224 MobileNetV2-class network (kiln's
// built-in inverted-residual architecture, int8 by post-training
// quantization on random images): the arena with and without bands, and
// the banded program's outputs byte for byte the whole-layer program's on
// the host and on the emulated Cortex-M7 (over its DTCM and SRAM) and M55
// (the M4 board has the RAM of a 192 KB part, less than the 150,528-byte
// input and one band need).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <random>

#include "compiler/common/error.h"
#include "compiler/exec/host_runner.h"
#include "compiler/pipeline/compile.h"
#include "compiler/quantize/ptq.h"
#include "compiler/run/emulated_core.h"
#include "compiler/train/architectures.h"

namespace kiln {
namespace {

std::vector<uint8_t> random_image(std::mt19937& rng, size_t elements) {
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::vector<float> values(elements);
  for (float& v : values) v = pixel(rng);
  std::vector<uint8_t> bytes(elements * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// Stem to 16 channels at 112x112, then one inverted residual block per
// stage (x4 expansion) to 16, 24, 32 and 64 channels, 10 classes.
const ir::Graph& mobilenet_v2_224() {
  static const ir::Graph graph = [] {
    constexpr size_t kPixels = 224 * 224 * 3;
    std::mt19937 rng(7);
    std::vector<std::vector<std::vector<uint8_t>>> calibration;
    for (int i = 0; i < 4; ++i) calibration.push_back({random_image(rng, kPixels)});
    const ir::Graph float_graph = train::mobilenet({224, 224, 3}, {16, 24, 32, 64}, 1, 4, 10, 3);
    return quantize_post_training(float_graph, calibration, {}).graph;
  }();
  return graph;
}

std::vector<uint8_t> int8_image(uint32_t seed, size_t bytes) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-128, 127);
  std::vector<uint8_t> image(bytes);
  for (uint8_t& v : image) v = static_cast<uint8_t>(value(rng));
  return image;
}

CompiledModel compile_for(const std::string& target, double max_recompute) {
  CompileOptions options;
  options.target = target;
  options.max_recompute = max_recompute;
  return compile_graph(mobilenet_v2_224(), options);
}

TEST(MobileNetV2Patches, BandsTakeAFifthOfTheArenaWithTheSameOutputs) {
  const CompiledModel whole = compile_for("portable", 0);
  const CompiledModel patched = compile_for("portable", 0.10);
  ASSERT_TRUE(patched.patches.active());
  RecordProperty("whole_arena", static_cast<int>(whole.plan.arena_bytes));
  RecordProperty("patched_arena", static_cast<int>(patched.plan.arena_bytes));
  RecordProperty("stage", std::to_string(patched.patches.first_op) + "-" +
                              std::to_string(patched.patches.last_op));
  RecordProperty("bands", patched.patches.bands);
  RecordProperty("extra_macs", std::to_string(patched.patches.extra_macs) + " of " +
                                   std::to_string(patched.patches.macs));
  EXPECT_EQ(whole.plan.arena_bytes, 1806336u);
  EXPECT_EQ(patched.plan.arena_bytes, 378112u);
  EXPECT_LE(patched.patches.recompute(), 0.10);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    const std::vector<uint8_t> image = int8_image(seed, 224 * 224 * 3);
    HostRunner a(whole.blob), b(patched.blob);
    a.set_input(0, image);
    b.set_input(0, image);
    a.invoke();
    b.invoke();
    EXPECT_EQ(a.output(0), b.output(0)) << "image " << seed;
  }
}

class MobileNetV2PatchesOnCortexM : public ::testing::TestWithParam<std::string> {};

TEST_P(MobileNetV2PatchesOnCortexM, SameOutputsAsTheWholeLayerProgramOnTheHost) {
  const std::string& core = GetParam();
  const CompiledModel patched = compile_for(core, 0.10);
  ASSERT_TRUE(patched.patches.active());
  HostRunner reference(compile_for("portable", 0).blob);
  const std::vector<uint8_t> image = int8_image(1, 224 * 224 * 3);
  reference.set_input(0, image);
  reference.invoke();
  EmulatedCoreRunner runner(patched.blob, core);
  runner.set_input(0, image);
  runner.invoke();
  RecordProperty("instructions", std::to_string(runner.cost()->instructions));
  RecordProperty("ram", static_cast<int>(patched.plan.ram_bytes()));
  RecordProperty("regions", fmt::format("{}", fmt::join(patched.plan.region_bytes, " + ")));
  EXPECT_EQ(runner.output(0), reference.output(0));
}

INSTANTIATE_TEST_SUITE_P(Cores, MobileNetV2PatchesOnCortexM,
                         ::testing::Values("cortex-m7", "cortex-m55"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "cortex-m7" ? std::string("M7")
                                                            : std::string("M55");
                         });

TEST(MobileNetV2PatchesOnCortexM4, DoesNotFitAndSaysByHowMuch) {
  try {
    compile_for("cortex-m4", 0.10);
    ADD_FAILURE() << "a 386,176-byte arena compiled for a 192 KB part";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kArenaTooSmall);
    EXPECT_STREQ(e.what(),
                 "the model does not fit cortex-m4: RAM region 'SRAM' would need 386176 bytes, it "
                 "has 176128 (196608 bytes less 20480 reserved); the plan needs 386176 bytes of "
                 "RAM in all, the target's RAM regions hold 176128");
  }
}

}  // namespace
}  // namespace kiln
