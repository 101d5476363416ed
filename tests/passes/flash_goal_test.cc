// --optimize speed|size|balanced and --flash-budget: which kernels and how
// many bytes each layer takes on the Cortex-M4, and the budget's refusal.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"
#include "kiln/kernels.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;

// x [1,12,12,4] -> 3x3 conv (8) -> a -> 3x3 depthwise -> b -> 1x1 conv (8)
// -> c; d = a + c.
ir::Graph small_network() {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> value(-128, 127);
  GraphBuilder b;
  auto weights = [&](const std::string& name, std::vector<int32_t> shape, int axis) {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    std::vector<int8_t> w(static_cast<size_t>(n));
    for (int8_t& v : w) v = static_cast<int8_t>(value(rng));
    const int32_t channels = shape[static_cast<size_t>(axis)];
    std::vector<float> scales(static_cast<size_t>(channels));
    for (size_t c = 0; c < scales.size(); ++c) scales[c] = 0.004f + 0.001f * static_cast<float>(c);
    return b.constant<int8_t>(name, KILN_DTYPE_INT8, shape, w, scales, axis);
  };
  auto bias = [&](const std::string& name, int32_t n) {
    std::vector<int32_t> v(static_cast<size_t>(n));
    for (int32_t& x : v) x = value(rng) * 16;
    return b.constant<int32_t>(name, KILN_DTYPE_INT32, {n}, v);
  };
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 12, 12, 4}, 0.05f, -3);
  const int a = b.tensor("a", KILN_DTYPE_INT8, {1, 12, 12, 8}, 0.1f, 2);
  const int bt = b.tensor("b", KILN_DTYPE_INT8, {1, 12, 12, 8}, 0.1f, -1);
  const int c = b.tensor("c", KILN_DTYPE_INT8, {1, 12, 12, 8}, 0.12f, 0);
  const int d = b.tensor("d", KILN_DTYPE_INT8, {1, 12, 12, 8}, 0.2f, 1);
  ir::OpAttrs same;
  same.padding = ir::Padding::kSame;
  b.op(OpKind::kConv2D, {x, weights("w1", {8, 3, 3, 4}, 0), bias("b1", 8)}, {a}, same);
  b.op(OpKind::kDepthwiseConv2D, {a, weights("w2", {1, 3, 3, 8}, 3), bias("b2", 8)}, {bt}, same);
  b.op(OpKind::kConv2D, {bt, weights("w3", {8, 1, 1, 8}, 0), bias("b3", 8)}, {c}, same);
  b.op(OpKind::kAdd, {a, c}, {d});
  b.output(d);
  return b.build();
}

CompiledModel compiled(const std::string& target, OptimizeGoal goal, uint64_t budget = 0) {
  CompileOptions options;
  options.target = target;
  options.dense_weights = true;
  options.goal = goal;
  options.max_recompute = 0;  // every layer one kernel call, not bands
  options.flash_budget = budget;
  return compile_graph(small_network(), options);
}

// Per layer (its output's name): its kernels, and the bytes of the constants they read.
struct Layer {
  std::string kernels;
  uint64_t constant_bytes = 0;
};
std::map<std::string, Layer> layers(const CompiledModel& m) {
  std::map<std::string, Layer> out;
  for (const ProgramOp& op : m.program.ops) {
    const ir::Op& source = m.graph.ops[static_cast<size_t>(op.source_op)];
    Layer& l = out[m.graph.tensors[static_cast<size_t>(source.outputs[0])].name];
    l.kernels += std::string(l.kernels.empty() ? "" : "+") +
                 find_kernel(static_cast<uint32_t>(op.opcode))->name;
    for (int t : op.inputs) {
      if (t >= 0 && m.program.tensors[static_cast<size_t>(t)].constant)
        l.constant_bytes += m.program.tensors[static_cast<size_t>(t)].bytes;
    }
  }
  return out;
}

// Each layer takes the bytes the portable kernels take: per block of four
// channels 16 bytes of biases, 8 compact requantization entries' 32, and the
// int8 weights (taps padded to a multiple of 4); the ADD no lookup tables.
TEST(FlashGoal, SizeStoresWhatThePortableKernelsStore) {
  const std::map<std::string, Layer> size = layers(compiled("cortex-m4", OptimizeGoal::kSize));
  const std::map<std::string, Layer> portable = layers(compiled("portable", OptimizeGoal::kSpeed));
  const std::map<std::string, Layer> speed = layers(compiled("cortex-m4", OptimizeGoal::kSpeed));
  EXPECT_EQ(size.at("a").kernels, "CONV_2D_S8_COMPACT_ARM_DSP");
  EXPECT_EQ(size.at("b").kernels, "DEPTHWISE_CONV_2D_S8_COMPACT_ARM_DSP");
  EXPECT_EQ(size.at("c").kernels, "CONV_2D_S8_COMPACT_ARM_DSP");
  EXPECT_EQ(size.at("d").kernels, "ADD_S8");
  EXPECT_EQ(size.at("a").constant_bytes, 2u * (16 + 4 * 36 + 32));
  EXPECT_EQ(size.at("b").constant_bytes, 2u * (16 + 9 * 4 + 32));
  EXPECT_EQ(size.at("c").constant_bytes, 2u * (16 + 4 * 8 + 32));
  for (const char* layer : {"a", "b", "c", "d"}) {
    EXPECT_EQ(size.at(layer).constant_bytes, portable.at(layer).constant_bytes) << layer;
    EXPECT_GT(speed.at(layer).constant_bytes, size.at(layer).constant_bytes) << layer;
  }
  EXPECT_EQ(speed.at("a").kernels, "CONV_2D_S8_ARM_DSP");
  EXPECT_EQ(speed.at("d").kernels, "ADD_S8_ARM_DSP");
}

TEST(FlashGoal, BudgetWidensTheLayersThatFit) {
  const CompiledModel speed = compiled("cortex-m4", OptimizeGoal::kSpeed);
  const CompiledModel size = compiled("cortex-m4", OptimizeGoal::kSize);
  ASSERT_GT(speed.blob.size(), size.blob.size());

  // Room for everything: the speed plan.
  const CompiledModel roomy = compiled("cortex-m4", OptimizeGoal::kBalanced, speed.blob.size());
  EXPECT_EQ(roomy.blob.size(), speed.blob.size());
  EXPECT_EQ(roomy.fast_layers, (std::set<std::string>{"a", "b", "c", "d"}));

  // Exactly the lean plan's bytes: nothing widened.
  const CompiledModel tight = compiled("cortex-m4", OptimizeGoal::kBalanced, size.blob.size());
  EXPECT_EQ(tight.blob, size.blob);
  EXPECT_TRUE(tight.fast_layers.empty());

  // Per byte (estimated_instructions), the ADD's tables buy the most, then
  // the 3x3 convolution, the 1x1 one and the depthwise layer (whose compact
  // kernel runs by widened rows nearly as fast): room for the two
  // convolutions (and less than the tables or the depthwise layer need
  // besides) widens those two.
  const std::map<std::string, Layer> fast = layers(speed), lean = layers(size);
  auto extra = [&](const char* layer) {
    return fast.at(layer).constant_bytes - lean.at(layer).constant_bytes;
  };
  ASSERT_GT(extra("b"), 64u);
  const uint64_t budget = size.blob.size() + extra("a") + extra("c") + 64;
  const CompiledModel some = compiled("cortex-m4", OptimizeGoal::kBalanced, budget);
  EXPECT_LE(some.blob.size(), budget);
  EXPECT_EQ(some.fast_layers, (std::set<std::string>{"a", "c"}));
  EXPECT_EQ(layers(some).at("a").kernels, "CONV_2D_S8_ARM_DSP");
  EXPECT_EQ(layers(some).at("b").kernels, "DEPTHWISE_CONV_2D_S8_COMPACT_ARM_DSP");
  EXPECT_EQ(layers(some).at("d").kernels, "ADD_S8");
}

TEST(FlashGoal, BudgetBelowTheSmallestPlanNamesIt) {
  const CompiledModel size = compiled("cortex-m4", OptimizeGoal::kSize);
  try {
    compiled("cortex-m4", OptimizeGoal::kBalanced, size.blob.size() - 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_EQ(std::string(e.what()), "--flash-budget " + std::to_string(size.blob.size() - 1) +
                                         ": no plan fits: the smallest blob for cortex-m4 is " +
                                         std::to_string(size.blob.size()) +
                                         " bytes (every layer lean, --optimize size)");
  }
}

TEST(FlashGoal, GoalsAreNamed) {
  EXPECT_EQ(optimize_goal("balanced"), OptimizeGoal::kBalanced);
  try {
    optimize_goal("fast");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--optimize fast: not a goal (speed, size or balanced)");
  }
}

}  // namespace
}  // namespace kiln
