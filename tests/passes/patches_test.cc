// Patch-based execution: the stage and bands chosen for the MLPerf models
// with their exact arenas, the bands' rows and padding, and outputs byte for
// byte those of every op run whole; element-wise ops in place; branches in
// the order that keeps the fewest bytes live.
#include "compiler/plan/patches.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "compiler/blob/writer.h"
#include "compiler/common/file_io.h"
#include "compiler/exec/host_runner.h"
#include "compiler/ir/builder.h"
#include "compiler/lower/lowering.h"
#include "compiler/pipeline/compile.h"
#include "compiler/plan/in_place.h"
#include "compiler/plan/schedule.h"
#include "compiler/run/emulated_core.h"
#include "compiler/target/kernel_target.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

using ir::OpKind;

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

// A random chain of int8 layers on 16 channels (so every row of every
// tensor is a multiple of 16 bytes): convolutions and depthwise ones of
// random size, stride, dilation and padding, pools, and residual ADDs.
ir::Graph random_stack(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ir::GraphBuilder b;
  int32_t h = pick(12, 40), w = pick(3, 9);
  int x = b.input("x", KILN_DTYPE_INT8, {1, h, w, 16}, 0.05f, pick(-20, 20));
  const int x0 = x;
  const int layers = pick(2, 5);
  for (int i = 0; i < layers; ++i) {
    ir::OpAttrs a;
    a.padding = pick(0, 2) > 0 ? ir::Padding::kSame : ir::Padding::kValid;
    a.stride_h = a.stride_w = pick(1, 3) == 1 ? 2 : 1;
    a.dilation_h = a.dilation_w = a.stride_h == 1 && pick(0, 3) == 0 ? 2 : 1;
    const int32_t k = pick(0, 2) * 2 + 1;
    const int kind = pick(0, 5);  // conv, depthwise, max pool, average pool, add
    const std::string n = "t" + std::to_string(i);
    if (kind == 5 && x != x0 &&
        b.graph().tensors[static_cast<size_t>(x)].shape ==
            b.graph().tensors[static_cast<size_t>(x0)].shape) {
      const int y = b.tensor(n, KILN_DTYPE_INT8, {1, h, w, 16}, 0.1f, pick(-5, 5));
      b.op(OpKind::kAdd, {x, x0}, {y});
      x = y;
      continue;
    }
    const int32_t effective = (k - 1) * a.dilation_h + 1;
    const auto out_size = [&](int32_t in) {
      if (a.padding == ir::Padding::kSame) return (in + a.stride_h - 1) / a.stride_h;
      return in < effective ? 0 : (in - effective) / a.stride_h + 1;
    };
    if (out_size(h) < 1 || out_size(w) < 1) continue;
    h = out_size(h);
    w = out_size(w);
    const int y = b.tensor(n, KILN_DTYPE_INT8, {1, h, w, 16}, kind >= 3 ? 0.05f : 0.1f,
                           kind >= 3 ? 0 : pick(-5, 5));
    if (kind >= 3) {  // pools keep their input's quantization
      b.graph().tensors[static_cast<size_t>(y)].quant =
          b.graph().tensors[static_cast<size_t>(x)].quant;
      a.filter_h = a.filter_w = k;
      a.dilation_h = a.dilation_w = 1;
      b.op(kind == 3 ? OpKind::kMaxPool2D : OpKind::kAveragePool2D, {x}, {y}, a);
      x = y;
      continue;
    }
    const bool depthwise = kind == 2;
    const std::vector<int32_t> shape =
        depthwise ? std::vector<int32_t>{1, k, k, 16} : std::vector<int32_t>{16, k, k, 16};
    std::vector<int8_t> weights(static_cast<size_t>(16 * k * k * (depthwise ? 1 : 16)));
    for (int8_t& v : weights) v = static_cast<int8_t>(pick(-127, 127));
    std::vector<int32_t> biases(16);
    for (int32_t& v : biases) v = pick(-2000, 2000);
    a.activation = pick(0, 1) ? ir::Activation::kRelu : ir::Activation::kNone;
    const int filter = b.constant<int8_t>(n + "/w", KILN_DTYPE_INT8, shape, weights,
                                          std::vector<float>(16, 0.003f), depthwise ? 3 : 0);
    const int bias = b.constant<int32_t>(n + "/b", KILN_DTYPE_INT32, {16}, biases);
    b.op(depthwise ? OpKind::kDepthwiseConv2D : OpKind::kConv2D, {x, filter, bias}, {y}, a);
    x = y;
  }
  b.output(x);
  return b.build();
}

// `stage` compiled as compile_graph compiles a chosen stage.
std::vector<uint8_t> banded_blob(const ir::Graph& g, const PatchStage& stage,
                                 const std::string& target) {
  Program p = lower(cut_into_bands(g, stage), kernel_target(target), nullptr, {}, &g);
  share_identical_constants(p);
  elide_copies(p);
  place_element_wise_in_place(p, g);
  return write_blob(p, plan_memory(p));
}

// Every stage of random stacks, in every band count up to 5, on the portable
// and host kernels: byte for byte the whole-layer program's outputs.
TEST(Patches, EveryStageOfRandomStacksMatchesTheWholeLayers) {
  int stages = 0, overlays = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const ir::Graph g = random_stack(seed);
    std::mt19937 rng(seed);
    std::vector<uint8_t> input(g.tensors[static_cast<size_t>(g.inputs[0])].bytes());
    for (uint8_t& v : input) v = static_cast<uint8_t>(rng());
    for (const std::string target : {"portable", "host"}) {
      CompileOptions whole;
      whole.target = target;
      whole.max_recompute = 0;
      HostRunner reference(compile_graph(g, whole).blob);
      reference.set_input(0, input);
      reference.invoke();
      const int n = static_cast<int>(g.ops.size());
      for (int first = 0; first < n; ++first) {
        for (int last = first; last < n; ++last) {
          for (int bands = 2; bands <= 5; ++bands) {
            const PatchStage stage = patch_stage(g, first, last, bands);
            if (!stage.active()) continue;
            SCOPED_TRACE(target + " ops " + std::to_string(first) + "-" + std::to_string(last) +
                         " in " + std::to_string(bands));
            HostRunner banded(banded_blob(g, stage, target));
            banded.set_input(0, input);
            banded.invoke();
            ASSERT_EQ(banded.output(0), reference.output(0));
            ++stages;
            overlays += stage.overlays_input ? 1 : 0;
          }
        }
      }
    }
  }
  RecordProperty("stages", stages);
  RecordProperty("overlays", overlays);
  EXPECT_GT(stages, 500);
  EXPECT_GT(overlays, 50);
}

// The Arm DSP and Helium variants on the emulated cores: each of ten random
// stacks, whole, in three bands.
TEST(Patches, RandomStacksMatchTheWholeLayersOnCortexM) {
  int stages = 0;
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const ir::Graph g = random_stack(seed);
    const PatchStage stage = patch_stage(g, 0, static_cast<int>(g.ops.size()) - 1, 3);
    if (!stage.active()) continue;
    std::mt19937 rng(seed);
    std::vector<uint8_t> input(g.tensors[static_cast<size_t>(g.inputs[0])].bytes());
    for (uint8_t& v : input) v = static_cast<uint8_t>(rng());
    CompileOptions whole;
    whole.max_recompute = 0;
    HostRunner reference(compile_graph(g, whole).blob);
    reference.set_input(0, input);
    reference.invoke();
    for (const std::string core : {"cortex-m4", "cortex-m55"}) {
      EmulatedCoreRunner banded(banded_blob(g, stage, core), core);
      banded.set_input(0, input);
      banded.invoke();
      EXPECT_EQ(banded.output(0), reference.output(0)) << core;
    }
    ++stages;
  }
  EXPECT_GE(stages, 5);
}

// x -> a1 (1,024 B) -> a2 (16 B) and x -> b1 (1,024 B) -> b2 (16 B), then
// a2 + b2, written with both wide layers first: run each branch to its end
// and only one wide tensor is live at a time.
TEST(Schedule, BranchesRunOneAfterTheOtherWhenThatLowersThePeak) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 4, 4, 4});
  auto tensor = [&](const char* name, int32_t channels) {
    return b.tensor(name, KILN_DTYPE_FLOAT32, {1, 4, 4, channels});
  };
  const int a1 = tensor("a1", 16), b1 = tensor("b1", 16), a2 = tensor("a2", 1),
            b2 = tensor("b2", 1), sum = tensor("sum", 1);
  auto conv = [&](int in, int out, int32_t in_c, int32_t out_c) {
    const std::vector<float> w(static_cast<size_t>(in_c * out_c), 0.5f);
    b.op(OpKind::kConv2D,
         {in, b.constant<float>("w", KILN_DTYPE_FLOAT32, {out_c, 1, 1, in_c}, w), -1}, {out});
  };
  conv(x, a1, 4, 16);
  conv(x, b1, 4, 16);
  conv(a1, a2, 16, 1);
  conv(b1, b2, 16, 1);
  b.op(OpKind::kAdd, {a2, b2}, {sum});
  b.output(sum);
  const ir::Graph g = b.build();
  EXPECT_EQ(peak_live_bytes(g), 256u + 1024 + 1024);
  const ir::Graph ordered = order_for_memory(g);
  ASSERT_EQ(ordered.ops.size(), 5u);
  EXPECT_EQ(ordered.ops[1].outputs[0], a2);
  EXPECT_EQ(ordered.ops[2].outputs[0], b1);
  EXPECT_EQ(peak_live_bytes(ordered), 256u + 64 + 1024);

  CompileOptions options;
  options.max_recompute = 0;
  EXPECT_EQ(compile_graph(g, options).plan.arena_bytes, 256u + 64 + 1024);
  options.optimize = false;  // the graph's own order
  EXPECT_EQ(compile_graph(g, options).plan.arena_bytes, 256u + 1024 + 1024);
}

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
