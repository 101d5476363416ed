// Patch-based execution: the stage and bands chosen for the MLPerf models
// with their exact arenas, the bands' rows and padding, and outputs byte for
// byte those of every op run whole; element-wise ops in place.
#include "compiler/plan/patches.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/common/file_io.h"
#include "compiler/exec/host_runner.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

ir::Graph mlperf(const std::string& model) {
  const std::string path = test::shared_dir() + "/models/mlcommons_tiny/" + model;
  CompileOptions options;
  options.max_recompute = 0;
  return compile_tflite(read_file(path), path, options).graph;
}

TEST(Patches, VwwsLowestEstimateRunsItsFirstFourLayersInEightBands) {
  const ir::Graph g = mlperf("vww_96_int8.tflite");
  EXPECT_EQ(peak_live_bytes(g), 55296u);
  const std::vector<PatchStage> stages = patch_stages(g, 0.10);
  ASSERT_FALSE(stages.empty());
  const PatchStage& s = stages.front();
  EXPECT_EQ(s.first_op, 0);
  EXPECT_EQ(s.last_op, 3);  // conv, dw, pw, dw stride 2: to 24x24x16
  EXPECT_EQ(s.bands, 8);
  EXPECT_TRUE(s.overlays_input);
  EXPECT_EQ(s.macs, 7489664);
  EXPECT_EQ(s.extra_macs, 284928);
  EXPECT_EQ(s.peak_bytes, 36864u);
  for (const PatchStage& other : stages) {
    EXPECT_LE(other.recompute(), 0.10);
    EXPECT_GE(other.peak_bytes, s.peak_bytes);
  }

  const ir::Graph banded = cut_into_bands(g, s);
  ASSERT_EQ(banded.ops.size(), g.ops.size() + 4 * 7);
  // Band 1 (output rows 3..5 of 24) of the 3x3 depthwise layer (op 1, SAME,
  // pad 1): rows 6..12 of its 48, from rows 5..13 of the first
  // convolution's output; no padding left at the top.
  const ir::Op& dw = banded.ops[4 + 1];
  EXPECT_EQ(dw.layer, 1);
  EXPECT_EQ(banded.tensors[static_cast<size_t>(dw.outputs[0])].shape[1], 7);
  EXPECT_EQ(banded.tensors[static_cast<size_t>(dw.inputs[0])].shape[1], 9);
  EXPECT_EQ(dw.attrs.padding, ir::Padding::kExplicit);
  EXPECT_EQ(dw.attrs.pad_top, 0);
  EXPECT_EQ(dw.attrs.pad_left, 1);
  EXPECT_EQ(banded.ops[1].attrs.pad_top, 1);  // band 0 keeps the layer's own
  const ir::Tensor& out = banded.tensors[static_cast<size_t>(banded.ops[4 + 3].outputs[0])];
  EXPECT_EQ(out.shape, (std::vector<int32_t>{1, 3, 24, 16}));
  EXPECT_EQ(out.view_of, g.ops[3].outputs[0]);
  EXPECT_EQ(out.view_offset, 3u * 24 * 16);
  EXPECT_EQ(banded.tensors[static_cast<size_t>(g.ops[3].outputs[0])].overlays, g.inputs[0]);
}

TEST(Patches, NoStageWhereActivationsNeverShrinkOrNothingIsSpatial) {
  EXPECT_TRUE(patch_stages(mlperf("kws_ref_model.tflite"), 0.10).empty());
  EXPECT_TRUE(patch_stages(mlperf("ad01_int8.tflite"), 0.10).empty());
  EXPECT_TRUE(patch_stages(mlperf("vww_96_int8.tflite"), 0.0).empty());
}

struct ArenaCase {
  const char* model;
  const char* test_case;
  const char* target;
  uint64_t whole, patched;
  int first_op, last_op, bands;
};

class PatchedArenaTest : public ::testing::TestWithParam<ArenaCase> {};

// The arena with and without patches, exactly (of the stages estimated
// lowest, the compiled arena decides: for VWW a stage ending at op 4 rather
// than the lowest estimate's op 3); the outputs of every test
// vector byte for byte the whole-layer program's (and so TFLite Micro's,
// which golden_test checks).
TEST_P(PatchedArenaTest, SmallerArenaSameOutputs) {
  const ArenaCase& c = GetParam();
  const std::string path = test::shared_dir() + "/models/mlcommons_tiny/" + c.model;
  CompileOptions whole_options;
  whole_options.target = c.target;
  whole_options.max_recompute = 0;
  CompileOptions patched_options = whole_options;
  patched_options.max_recompute = 0.10;
  const CompiledModel whole = compile_tflite(read_file(path), path, whole_options);
  const CompiledModel patched = compile_tflite(read_file(path), path, patched_options);
  EXPECT_FALSE(whole.patches.active());
  EXPECT_EQ(whole.plan.arena_bytes, c.whole);
  EXPECT_EQ(patched.whole_layer_arena_bytes, c.whole);
  EXPECT_EQ(patched.plan.arena_bytes, c.patched);
  EXPECT_EQ(patched.patches.first_op, c.first_op);
  EXPECT_EQ(patched.patches.last_op, c.last_op);
  EXPECT_EQ(patched.patches.bands, c.bands);
  for (const test::Sample& s : test::load_case(c.test_case).samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    HostRunner a(whole.blob), b(patched.blob);
    a.set_input(0, read_file(s.inputs[0]));
    b.set_input(0, read_file(s.inputs[0]));
    a.invoke();
    b.invoke();
    EXPECT_EQ(a.output(0), b.output(0));
    EXPECT_EQ(b.output(0), read_file(s.expected));
  }
}

INSTANTIATE_TEST_SUITE_P(MlperfTiny, PatchedArenaTest,
                         ::testing::Values(ArenaCase{"vww_96_int8.tflite", "mlperf_vww_96_int8",
                                                     "portable", 55296, 36864, 0, 4, 8},
                                           ArenaCase{"vww_96_int8.tflite", "mlperf_vww_96_int8",
                                                     "cortex-m4", 55312, 38592, 0, 4, 8},
                                           ArenaCase{"pretrainedResnet_quant.tflite",
                                                     "mlperf_resnet8_int8", "portable", 49152,
                                                     32768, 0, 3, 6}),
                         [](const ::testing::TestParamInfo<ArenaCase>& info) {
                           std::string name =
                               std::string(info.param.test_case) + "_" + info.param.target;
                           for (char& ch : name) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// ResNet-8's three residual ADDs each write over the convolution output
// they read last; nothing else is element-wise there.
TEST(InPlace, ResidualAddsWriteOverTheirDyingInput) {
  const std::string path =
      test::shared_dir() + "/models/mlcommons_tiny/pretrainedResnet_quant.tflite";
  CompileOptions options;
  options.max_recompute = 0;
  const CompiledModel m = compile_tflite(read_file(path), path, options);
  int in_place = 0;
  for (const ProgramOp& op : m.program.ops) {
    if (op.outputs.empty()) continue;
    const ProgramTensor& out = m.program.tensors[static_cast<size_t>(op.outputs[0])];
    if (out.overlays < 0) continue;
    ++in_place;
    EXPECT_EQ(op.opcode, OpCode::ADD_S8);
    EXPECT_NE(std::find(op.inputs.begin(), op.inputs.end(), out.overlays), op.inputs.end());
    EXPECT_EQ(m.plan.offsets[static_cast<size_t>(op.outputs[0])],
              m.plan.offsets[static_cast<size_t>(out.overlays)]);
  }
  EXPECT_EQ(in_place, 3);
}

}  // namespace
}  // namespace kiln
