// Every int8 test-vector case on every emulated core: byte for byte what
// TFLite Micro's reference kernels give, with the core's kernel variants
// (and on the Cortex-M4 with each --optimize goal's).
#include <gtest/gtest.h>

#include "compiler/common/file_io.h"
#include "compiler/common/temporary_directory.h"
#include "compiler/pipeline/compile.h"
#include "compiler/run/emulated_core.h"
#include "compiler/run/open_model.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

class GoldenCortexMTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(GoldenCortexMTest, MatchesTfliteMicro) {
  const auto& [target, name] = GetParam();
  const test::Case c = test::load_case(name);
  const CompiledModel compiled = compile_tflite(read_file(c.model_path), c.model_path, {target});
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    EmulatedCoreRunner runner(compiled.blob, target);
    set_inputs_from_files(runner, s.inputs);
    runner.invoke();
    EXPECT_EQ(runner.output(0), read_file(s.expected));
  }
}

INSTANTIATE_TEST_SUITE_P(SharedTestVectors, GoldenCortexMTest,
                         ::testing::Combine(::testing::Values("cortex-m4", "cortex-m7",
                                                              "cortex-m33", "cortex-m55"),
                                            ::testing::ValuesIn(test::int8_case_names())),
                         test::target_case_label);

// The same under --optimize size (the Arm DSP compact variants, the
// reference ADD) and balanced (a mix, layer by layer) on the Cortex-M4.
class GoldenLeanCortexMTest
    : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(GoldenLeanCortexMTest, MatchesTfliteMicro) {
  const auto& [goal, name] = GetParam();
  const test::Case c = test::load_case(name);
  CompileOptions options;
  options.target = "cortex-m4";
  options.goal = optimize_goal(goal);
  const CompiledModel compiled = compile_tflite(read_file(c.model_path), c.model_path, options);
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    EmulatedCoreRunner runner(compiled.blob, options.target);
    set_inputs_from_files(runner, s.inputs);
    runner.invoke();
    EXPECT_EQ(runner.output(0), read_file(s.expected));
  }
}

INSTANTIATE_TEST_SUITE_P(SharedTestVectors, GoldenLeanCortexMTest,
                         ::testing::Combine(::testing::Values("size", "balanced"),
                                            ::testing::ValuesIn(test::int8_case_names())),
                         test::target_case_label);

// Every op whole, over two RAM regions (a fast one half the one-region
// arena, then a slow one) on the cores whose boards have two: the Cortex-M7
// (DTCM, SRAM) and the Cortex-M55 (DTCM, ISRAM). The firmware takes the
// blob's regions and the outputs stay TFLite Micro's.
class GoldenTwoRegionTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
};

TEST_P(GoldenTwoRegionTest, MatchesTfliteMicro) {
  const auto& [core, name] = GetParam();
  const test::Case c = test::load_case(name);
  CompileOptions options;
  options.target = core;
  options.max_recompute = 0;
  const uint64_t one_region =
      compile_tflite(read_file(c.model_path), c.model_path, options).plan.arena_bytes;
  const TemporaryDirectory dir;
  options.target =
      test::write_two_region_target(dir.file("board.json"), core, one_region / 32 * 16);
  const CompiledModel compiled = compile_tflite(read_file(c.model_path), c.model_path, options);
  ASSERT_EQ(compiled.plan.region_bytes.size(), 2u);
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    EmulatedCoreRunner runner(compiled.blob, core);
    set_inputs_from_files(runner, s.inputs);
    runner.invoke();
    EXPECT_EQ(runner.output(0), read_file(s.expected));
    EXPECT_EQ(runner.cost()->arena_bytes, compiled.plan.region_bytes[0]);
    EXPECT_EQ(runner.cost()->region1_bytes, compiled.plan.region_bytes[1]);
  }
}

INSTANTIATE_TEST_SUITE_P(SharedTestVectors, GoldenTwoRegionTest,
                         ::testing::Combine(::testing::Values("cortex-m7", "cortex-m55"),
                                            ::testing::ValuesIn(test::int8_case_names())),
                         test::target_case_label);

}  // namespace
}  // namespace kiln
