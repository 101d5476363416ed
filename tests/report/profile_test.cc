// kiln's QEMU plugin on the emulated cores: the instructions it counts by
// class are every instruction the firmware's own counter counts, for the
// inference and for each op.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "compiler/eval/bench.h"
#include "compiler/target/parts.h"
#include "tests/support/cli.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

uint64_t sum_of_classes(const InstructionMix& mix) {
  uint64_t n = 0;
  for (const char* cls : {"alu",      "mul",       "mul_long",      "div",
                          "load",     "store",     "load_multiple", "store_multiple",
                          "branch",   "load_pc",   "table_branch",  "loop",
                          "fp",       "fp_div",    "fp_load",       "fp_store",
                          "mve_load", "mve_store", "mve_int",       "mve_mul"})
    n += mix.at(cls);
  return n;
}

class ProfileOnCortexM : public ::testing::TestWithParam<std::string> {};

TEST_P(ProfileOnCortexM, CountsWhatTheFirmwareCounts) {
  BenchOptions options;
  options.input_files = {test::shared_dir() + "/testvectors/mlperf_kws_ref/s0_in0.bin"};
  options.per_layer = true;
  options.cycles = true;
  const BenchReport r =
      bench_model(test::model("mlcommons_tiny/kws_ref_model.tflite"), GetParam(), options);
  ASSERT_TRUE(r.has_cycles);
  const InstructionMix& mix = r.cost.mix;
  EXPECT_EQ(sum_of_classes(mix), mix.at("instructions"));
  // The plugin's segment also holds the counter's reads (which the firmware
  // subtracts) and the marker calls: a few dozen instructions around the
  // inference and around every op (the counter's own count of an op varies
  // by a few instructions with where its reads fall).
  const uint64_t around = mix.at("instructions") - r.cost.instructions;
  EXPECT_GT(around, 0u);
  EXPECT_LT(around, 250u);  // the Cortex-M33 board: 180
  ASSERT_EQ(r.cost.layers.size(), 12u);
  uint64_t least = UINT64_MAX, most = 0;
  for (const LayerCost& l : r.cost.layers) {
    EXPECT_EQ(sum_of_classes(l.mix), l.mix.at("instructions"));
    ASSERT_GT(l.mix.at("instructions"), l.instructions) << "op " << l.op_index;
    least = std::min(least, l.mix.at("instructions") - l.instructions);
    most = std::max(most, l.mix.at("instructions") - l.instructions);
  }
  EXPECT_LT(most, 150u);
  EXPECT_LE(most - least, 20u);
  EXPECT_GT(mix.at("taken"), 0u);
  EXPECT_GT(r.cycles.core, static_cast<double>(r.cost.instructions) * 0.5);
  EXPECT_EQ(r.cycles.flash, 0.0);  // no part: no wait states
  if (GetParam() == "cortex-m55") {
    EXPECT_GT(mix.at("mve_mul"), 0u);
    EXPECT_GT(mix.at("mve_overlap"), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Cores, ProfileOnCortexM,
                         ::testing::Values("cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"));

// A part adds the wait states of the data reads that miss its flash cache.
TEST(ProfileOnCortexM4, APartsFlashWaitStatesAreCharged) {
  BenchOptions options;
  options.input_files = {test::shared_dir() + "/testvectors/mlperf_ad01_int8/s0_in0.bin"};
  options.part = "STM32L4R5";
  const BenchReport r =
      bench_model(test::model("mlcommons_tiny/ad01_int8.tflite"), "cortex-m4", options);
  ASSERT_TRUE(r.has_cycles);
  const InstructionMix& mix = r.cost.mix;
  // The weights (270,880 bytes) stream from flash once: at least one read per 8 bytes.
  EXPECT_GE(mix.at("flash_lines"), 270880u / 8);
  EXPECT_LE(mix.at("flash_lines"), mix.at("flash_loads"));
  EXPECT_DOUBLE_EQ(r.cycles.flash, 5.0 * static_cast<double>(mix.at("flash_lines")));
  EXPECT_EQ(r.part, "STM32L4R5");
  EXPECT_EQ(test::error_of(
                [] {
                  BenchOptions o;
                  o.part = "nRF52840";
                  bench_model(test::model("mlcommons_tiny/ad01_int8.tflite"), "cortex-m55", o);
                },
                ErrorKind::kUsage),
            "nRF52840 is a cortex-m4, not a cortex-m55: give --target cortex-m4");
}

}  // namespace
}  // namespace kiln
