// Conformance of the compressed-weight kernels: the variants' sweeps
// (sweeps.h) with filters as int4 and clustering (at most 16 values),
// pruning (mostly zeros), binary weights and entropy coding leave them, against the int8
// reference kernels on the decoded filters, byte for byte, on the host op by
// op and on the emulated cores; and the entropy coder itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "compiler/ops/entropy_weights.h"
#include "compiler/pipeline/compile.h"
#include "kiln/kernels.h"
#include "tests/conformance/sweeps.h"

namespace kiln {
namespace {

using conformance::build_fully_connected_sweep;
using conformance::build_sweep;
using conformance::compile_options;
using conformance::conv_cases;
using conformance::expect_device_slices_match_reference;
using conformance::expect_device_variants_match_reference;
using conformance::expect_variants_match_reference;
using conformance::FullyConnectedShape;
using conformance::Storage;
using conformance::Sweep;
using ir::OpKind;

// The sweep with every convolution's and fully connected layer's filter
// reduced to at most 16 values: cases alternate between the int4 range, one
// random codebook for the layer and one per output channel.
Sweep with_coded_weights(Sweep s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (size_t i = 0; i < s.graph.ops.size(); ++i) {
    const ir::Op& op = s.graph.ops[i];
    ir::Tensor& filter = s.graph.tensors[static_cast<size_t>(op.inputs[1])];
    const bool depthwise = op.kind == OpKind::kDepthwiseConv2D;
    const int32_t channels = depthwise ? filter.shape.back() : filter.shape.front();
    const size_t books = i % 3 == 2 ? static_cast<size_t>(channels) : 1;
    std::vector<int8_t> codebooks(books * 16);
    for (size_t k = 0; k < codebooks.size(); ++k)
      codebooks[k] = static_cast<int8_t>(i % 3 == 0 ? static_cast<int>(k % 16) - 8 : byte(rng));
    const int64_t n = filter.elements(), per_channel = n / channels;
    auto* values = reinterpret_cast<int8_t*>(filter.data.data());
    for (int64_t e = 0; e < n; ++e) {
      const size_t c =
          books == 1 ? 0 : static_cast<size_t>(depthwise ? e % channels : e / per_channel);
      values[e] = codebooks[c * 16 + static_cast<size_t>(values[e] & 15)];
    }
  }
  return s;
}

// Layers large enough for the sparse kernels to pay on every core: several
// windows of single weights (1,000, 2,048 and 1,030 deep; 1,030 has no
// blocks of four) and of blocks (2,048), small ones, and batches.
const std::vector<FullyConnectedShape> kSparseShapes = {{1, 1000, 64}, {2, 2048, 16}, {1, 1030, 5},
                                                        {3, 96, 40},   {1, 300, 33},  {1, 8, 3}};

// The sweep with most of every layer's weights set to zero: the even cases
// keep 2% of single weights, the odd ones 5% of the blocks of four along the
// depth (and so run the block form), and some output channels keep none.
Sweep with_sparse_weights(Sweep s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> per_mille(0, 999);
  for (size_t i = 0; i < s.graph.ops.size(); ++i) {
    ir::Tensor& filter = s.graph.tensors[static_cast<size_t>(s.graph.ops[i].inputs[1])];
    auto* values = reinterpret_cast<int8_t*>(filter.data.data());
    const int64_t depth = filter.shape.back();
    const bool blocks = i % 2 == 1 && depth % 4 == 0;
    bool keep = false;
    for (int64_t e = 0; e < filter.elements(); ++e) {
      if (!blocks || e % 4 == 0) keep = per_mille(rng) < (blocks ? 50 : 20);
      if (!keep || values[e] == 0) values[e] = keep ? 1 : 0;
    }
  }
  return s;
}

TEST(Conformance, CodedWeightKernelsMatchReferenceOnHost) {
  expect_variants_match_reference(with_coded_weights(build_sweep(conv_cases(), 1), 10),
                                  Storage::kCompressed);
  expect_variants_match_reference(with_coded_weights(build_fully_connected_sweep(2), 11),
                                  Storage::kCompressed);
}

TEST(Conformance, CodedWeightKernelsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(conv_cases(), 6, 12, build_sweep, Storage::kCompressed,
                                       with_coded_weights);
  expect_device_variants_match_reference(
      with_coded_weights(build_fully_connected_sweep(4, 0, 6), 13), Storage::kCompressed);
  expect_device_variants_match_reference(with_coded_weights(build_fully_connected_sweep(5, 6), 14),
                                         Storage::kCompressed);
}

Sweep sparse_sweep(uint32_t seed) {
  return with_sparse_weights(build_fully_connected_sweep(seed, 0, SIZE_MAX, kSparseShapes), seed);
}

TEST(Conformance, SparseWeightKernelsMatchReferenceOnHost) {
  expect_variants_match_reference(sparse_sweep(15), Storage::kCompressed);
  // Pointwise convolutions too; the others keep their dense kernels.
  expect_variants_match_reference(with_sparse_weights(build_sweep(conv_cases(), 1), 16),
                                  Storage::kCompressed);
}

TEST(Conformance, SparseWeightKernelsMatchReferenceOnCortexM) {
  expect_device_variants_match_reference(sparse_sweep(17), Storage::kCompressed);
}

// --optimize size: the Arm DSP sparse kernel on compact entries, where the
// sparse form takes fewer bytes than the dense compact records.
TEST(Conformance, LeanSparseWeightKernelsMatchReferenceOnHost) {
  expect_variants_match_reference(sparse_sweep(18), Storage::kLeanCompressed);
}

TEST(Conformance, LeanSparseWeightKernelsMatchReferenceOnCortexM) {
  expect_device_variants_match_reference(sparse_sweep(19), Storage::kLeanCompressed);
}

TEST(Conformance, LeanSparseSweepReachesTheCompactSparseKernel) {
  const CompiledModel m =
      compile_graph(sparse_sweep(18).graph, compile_options("cortex-m4", Storage::kLeanCompressed));
  size_t compact = 0;
  for (const ProgramOp& op : m.program.ops)
    compact += op.opcode == OpCode::CONV_2D_S8_SPARSE_COMPACT_ARM_DSP ? 1 : 0;
  EXPECT_EQ(compact, 5u);  // all but the 8-deep layer, whose dense records are smaller
}

// Every layer of the sparse sweep runs a sparse kernel on the portable
// target and the Arm cores, in the form the case was pruned for (the AVX2
// host has no sparse variant and keeps its dense one). On the cores the
// three large layers do; for the small ones the dense kernels are cheaper.
TEST(Conformance, SparseSweepsReachTheSparseKernels) {
  const Sweep s = sparse_sweep(15);
  std::vector<std::string> seen;
  for (const char* target : {"portable", "cortex-m4", "cortex-m55"}) {
    SCOPED_TRACE(target);
    const CompiledModel m = compile_graph(s.graph, compile_options(target, Storage::kCompressed));
    std::set<int32_t> forms;  // every target runs both
    for (const ProgramOp& op : m.program.ops) {
      const std::string name = find_kernel(static_cast<uint32_t>(op.opcode))->name;
      if (name.find("_S8_SPARSE") == std::string::npos) continue;
      Conv2DSparseParams p;
      std::memcpy(&p, op.params.data(), sizeof(p));
      forms.insert(p.block);
    }
    EXPECT_EQ(forms, (std::set<int32_t>{1, 4}));
    for (size_t i = 0; i < m.program.ops.size(); ++i) {
      const ProgramOp& op = m.program.ops[i];
      const std::string name = find_kernel(static_cast<uint32_t>(op.opcode))->name;
      seen.push_back(name);
      const ir::Tensor& filter = s.graph.tensors[static_cast<size_t>(s.graph.ops[i].inputs[1])];
      const auto* values = filter.as<int8_t>();
      if (std::none_of(values, values + filter.elements(), [](int8_t v) { return v != 0; })) {
        continue;
      }
      if (std::string(target) != "portable" && i >= 3) continue;
      ASSERT_NE(name.find("_S8_SPARSE"), std::string::npos) << "case " << i << ": " << name;
      Conv2DSparseParams p;
      ASSERT_EQ(op.params.size(), sizeof(p));
      std::memcpy(&p, op.params.data(), sizeof(p));
      // Layers pruned in blocks run the block form; unstructured ones either
      // (a block form with fewer windows can cost less).
      if (i % 2 == 1 && kSparseShapes[i][1] % 4 == 0) {
        EXPECT_EQ(p.block, 4) << "case " << i;
      }
    }
  }
  for (const char* name :
       {"CONV_2D_S8_SPARSE", "CONV_2D_S8_SPARSE_ARM_DSP", "CONV_2D_S8_SPARSE_ARM_MVE"}) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), name), seen.end()) << name << " is never chosen";
  }
}

// Every filter of the coded sweeps that a codebook makes smaller runs coded
// on the portable target; the rest (fewer than 32 weights, or small
// channels with a codebook each) stay int8. Targets with instruction-set
// kernels run coded only where a coded variant takes the layer (the Arm DSP
// one: one codebook, 2,048 weights or more; the Helium one), never the
// reference coded kernel.
TEST(Conformance, CodedSweepsReachTheCodedKernels) {
  std::vector<std::string> seen;
  for (const Sweep& s : {with_coded_weights(build_sweep(conv_cases(), 1), 10),
                         with_coded_weights(build_fully_connected_sweep(2), 11)}) {
    for (const char* target : {"portable", "cortex-m4", "cortex-m55", "host"}) {
      SCOPED_TRACE(target);
      const CompiledModel m = compile_graph(s.graph, compile_options(target, Storage::kCompressed));
      int coded = 0;
      for (size_t i = 0; i < m.program.ops.size(); ++i) {
        const std::string name = find_kernel(static_cast<uint32_t>(m.program.ops[i].opcode))->name;
        const ir::Tensor& filter = s.graph.tensors[static_cast<size_t>(s.graph.ops[i].inputs[1])];
        const bool w4 = name.find("_S8_W4") != std::string::npos;
        coded += w4;
        seen.push_back(name);
        const bool portable = std::string(target) == "portable";
        if (portable && filter.elements() >= 64 && i % 3 != 2) {
          EXPECT_TRUE(w4) << "case " << i << ": " << name;
        }
        if (!portable) {
          EXPECT_NE(name, "CONV_2D_S8_W4");
          EXPECT_NE(name, "DEPTHWISE_CONV_2D_S8_W4");
        }
      }
      if (std::string(target) == "portable") {
        EXPECT_GE(coded, static_cast<int>(s.cases()) / 2);
      }
    }
  }
  for (const char* name : {"CONV_2D_S8_W4", "DEPTHWISE_CONV_2D_S8_W4", "CONV_2D_S8_W4_ARM_DSP",
                           "CONV_2D_S8_W4_ARM_MVE"}) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), name), seen.end()) << name << " is never chosen";
  }
}

// The sweep with filters as pruning and clustering leave them: in two cases
// of three, 90% zeros and the rest among 15 values (the first) or one value
// throughout (the second: one symbol, a stream of its first state alone);
// the third keeps its uniformly random int8 weights, which no static model
// codes in fewer than 8 bits, so it stays int8.
Sweep with_skewed_weights(Sweep s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> per_mille(0, 999), value(0, 14);
  for (size_t i = 0; i < s.graph.ops.size(); ++i) {
    ir::Tensor& filter = s.graph.tensors[static_cast<size_t>(s.graph.ops[i].inputs[1])];
    auto* values = reinterpret_cast<int8_t*>(filter.data.data());
    for (int64_t e = 0; e < filter.elements(); ++e) {
      if (i % 3 == 0)
        values[e] = per_mille(rng) < 900 ? 0 : static_cast<int8_t>(value(rng) * 17 - 119);
      if (i % 3 == 1) values[e] = -37;
    }
  }
  return s;
}

const std::vector<FullyConnectedShape> kEntropyShapes = {{1, 784, 64}, {2, 300, 17}, {1, 1030, 5},
                                                         {1, 64, 10},  {3, 96, 40},  {1, 8, 3}};

TEST(Conformance, EntropyCodedKernelMatchesReferenceOnHost) {
  expect_variants_match_reference(with_skewed_weights(build_sweep(conv_cases(), 1), 18),
                                  Storage::kEntropy);
  expect_variants_match_reference(
      with_skewed_weights(build_fully_connected_sweep(19, 0, SIZE_MAX, kEntropyShapes), 19),
      Storage::kEntropy);
}

TEST(Conformance, EntropyCodedKernelMatchesReferenceOnCortexM) {
  expect_device_slices_match_reference(conv_cases(), 6, 20, build_sweep, Storage::kEntropy,
                                       with_skewed_weights);
  expect_device_variants_match_reference(
      with_skewed_weights(build_fully_connected_sweep(21, 0, SIZE_MAX, kEntropyShapes), 21),
      Storage::kEntropy);
}

// Skewed filters of groups-1 convolutions with at least 1,024 weights run
// entropy-coded on every target (smaller ones may store smaller as nonzero
// weights or 4-bit codes); random ones never do, nor depthwise ones.
TEST(Conformance, EntropySweepsReachTheEntropyKernel) {
  for (const Sweep& s :
       {with_skewed_weights(build_sweep(conv_cases(), 1), 18),
        with_skewed_weights(build_fully_connected_sweep(19, 0, SIZE_MAX, kEntropyShapes), 19)}) {
    for (const char* target : {"portable", "cortex-m4", "cortex-m55", "host"}) {
      SCOPED_TRACE(target);
      const CompiledModel m = compile_graph(s.graph, compile_options(target, Storage::kEntropy));
      ASSERT_EQ(m.program.ops.size(), s.cases());
      int coded = 0, convolutions = 0;
      for (size_t i = 0; i < s.cases(); ++i) {
        const ir::Op& op = s.graph.ops[i];
        const ir::Tensor& filter = s.graph.tensors[static_cast<size_t>(op.inputs[1])];
        const bool entropy = m.program.ops[i].opcode == OpCode::CONV_2D_S8_ENTROPY;
        coded += entropy;
        convolutions += op.kind != OpKind::kDepthwiseConv2D;
        if (i % 3 == 2 || op.kind == OpKind::kDepthwiseConv2D) {
          EXPECT_FALSE(entropy) << "case " << i;
        } else if (filter.elements() >= 1024) {
          EXPECT_TRUE(entropy) << "case " << i;
        }
      }
      EXPECT_GE(coded, convolutions / 4);
    }
  }
}

// The sweep with every filter binary: each output channel takes two
// values, in turn -a and +a (as kiln compress --weights binary leaves
// them), two random ones, and one value throughout.
Sweep with_binary_weights(Sweep s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127), bit(0, 1);
  for (size_t i = 0; i < s.graph.ops.size(); ++i) {
    const ir::Op& op = s.graph.ops[i];
    ir::Tensor& filter = s.graph.tensors[static_cast<size_t>(op.inputs[1])];
    const bool depthwise = op.kind == OpKind::kDepthwiseConv2D;
    const int32_t channels = depthwise ? filter.shape.back() : filter.shape.front();
    std::vector<std::array<int8_t, 2>> pairs(static_cast<size_t>(channels));
    for (auto& pair : pairs) {
      const auto a = static_cast<int8_t>(byte(rng));
      pair = i % 3 == 0   ? std::array<int8_t, 2>{static_cast<int8_t>(a == -128 ? 127 : -a), a}
             : i % 3 == 1 ? std::array<int8_t, 2>{a, static_cast<int8_t>(byte(rng))}
                          : std::array<int8_t, 2>{a, a};
    }
    const int64_t n = filter.elements(), per_channel = n / channels;
    auto* values = reinterpret_cast<int8_t*>(filter.data.data());
    for (int64_t e = 0; e < n; ++e) {
      const auto c = static_cast<size_t>(depthwise ? e % channels : e / per_channel);
      values[e] = pairs[c][static_cast<size_t>(bit(rng))];
    }
  }
  return s;
}

TEST(Conformance, BinaryWeightKernelMatchesReferenceOnHost) {
  expect_variants_match_reference(with_binary_weights(build_sweep(conv_cases(), 1), 22),
                                  Storage::kCompressed);
  expect_variants_match_reference(
      with_binary_weights(build_fully_connected_sweep(23, 0, SIZE_MAX, kEntropyShapes), 23),
      Storage::kCompressed);
}

TEST(Conformance, BinaryWeightKernelMatchesReferenceOnCortexM) {
  expect_device_slices_match_reference(conv_cases(), 6, 24, build_sweep, Storage::kCompressed,
                                       with_binary_weights);
  expect_device_variants_match_reference(
      with_binary_weights(build_fully_connected_sweep(25, 0, SIZE_MAX, kEntropyShapes), 25),
      Storage::kCompressed);
}

// Binary filters of groups-1 convolutions run binary on every target once a
// channel has at least four weights (three take as many bytes as in int8,
// with the two values); depthwise ones never do, nor any with --dense-weights.
TEST(Conformance, BinarySweepsReachTheBinaryKernel) {
  for (const Sweep& s :
       {with_binary_weights(build_sweep(conv_cases(), 1), 22),
        with_binary_weights(build_fully_connected_sweep(23, 0, SIZE_MAX, kEntropyShapes), 23)}) {
    for (const char* target : {"portable", "cortex-m4", "cortex-m55", "host"}) {
      SCOPED_TRACE(target);
      const CompiledModel m = compile_graph(s.graph, compile_options(target, Storage::kCompressed));
      const CompiledModel dense = compile_graph(s.graph, compile_options(target, Storage::kDense));
      ASSERT_EQ(m.program.ops.size(), s.cases());
      for (size_t i = 0; i < s.cases(); ++i) {
        const ir::Op& op = s.graph.ops[i];
        const ir::Tensor& filter = s.graph.tensors[static_cast<size_t>(op.inputs[1])];
        const int64_t row = filter.elements() / filter.shape.front();
        const bool grouped =
            op.kind == OpKind::kConv2D &&
            filter.shape.back() != s.graph.tensors[static_cast<size_t>(op.inputs[0])].shape.back();
        const bool expected = op.kind != OpKind::kDepthwiseConv2D && !grouped && row >= 4;
        // Helium sums the bits as lane predicates; every other target runs
        // the portable kernel.
        const OpCode binary = std::string(target) == "cortex-m55" ? OpCode::CONV_2D_S8_B1_ARM_MVE
                                                                  : OpCode::CONV_2D_S8_B1;
        EXPECT_EQ(m.program.ops[i].opcode == binary, expected) << "case " << i;
        EXPECT_NE(dense.program.ops[i].opcode, OpCode::CONV_2D_S8_B1) << "case " << i;
      }
    }
  }
}

// Whether the sweep's op runs fully binary once its filter is binary and its
// input binary: a groups-1 convolution or fully connected layer with
// channels of at least four weights (three take as many bytes as in int8).
bool takes_binary_input(const ir::Graph& g, const ir::Op& op) {
  const ir::Tensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& filter = g.tensors[static_cast<size_t>(op.inputs[1])];
  const bool groups_1 = op.kind == OpKind::kFullyConnected ||
                        (op.kind == OpKind::kConv2D && filter.shape.back() == in.shape.back());
  return groups_1 && filter.elements() / filter.shape.front() >= 4;
}

// The binary sweep (with_binary_weights) with binary activations: each
// groups-1 layer reads its input through a clamp to [0, the clamp's output
// scale], which leaves the output's zero point z and z + 1 (z varying from
// case to case), so the layer runs fully binary; every third one's output
// is a ReLU quantized to one bit too (z = 126), so its kernel compares with
// thresholds instead of requantizing.
Sweep with_binary_activations(Sweep s, uint32_t seed) {
  s = with_binary_weights(std::move(s), seed);
  ir::Graph& g = s.graph;
  std::vector<ir::Op> ops;
  int layer = 0;
  for (ir::Op op : g.ops) {
    if (op.kind != OpKind::kDepthwiseConv2D && takes_binary_input(g, op)) {
      ir::Tensor bits = g.tensors[static_cast<size_t>(op.inputs[0])];
      bits.name += "/bits";
      const float scale = bits.quant.scale() * 4;
      bits.quant.scales = {scale};
      bits.quant.zero_points = {-128 + (layer * 37) % 255};
      g.tensors.push_back(bits);
      ir::Op clamp;
      clamp.kind = OpKind::kClamp;
      clamp.type_name = "RELU";
      clamp.inputs = {op.inputs[0]};
      clamp.outputs = {static_cast<int>(g.tensors.size()) - 1};
      clamp.attrs.clamp_min = 0.0f;
      clamp.attrs.clamp_max = scale;
      ops.push_back(clamp);
      op.inputs[0] = clamp.outputs[0];
      if (layer % 3 == 2) {
        op.attrs.activation = ir::Activation::kRelu;
        g.tensors[static_cast<size_t>(op.outputs[0])].quant.zero_points = {126};
      }
      ++layer;
    }
    ops.push_back(op);
  }
  g.ops = ops;
  return s;
}

Sweep fully_binary_conv_sweep() {
  return with_binary_activations(build_sweep(conv_cases(), 1), 26);
}

Sweep fully_binary_fully_connected_sweep() {
  return with_binary_activations(build_fully_connected_sweep(27, 0, SIZE_MAX, kEntropyShapes), 27);
}

TEST(Conformance, FullyBinaryKernelMatchesReferenceOnHost) {
  expect_variants_match_reference(fully_binary_conv_sweep(), Storage::kCompressed);
  expect_variants_match_reference(fully_binary_fully_connected_sweep(), Storage::kCompressed);
}

TEST(Conformance, FullyBinaryKernelMatchesReferenceOnCortexM) {
  expect_device_slices_match_reference(conv_cases(), 6, 26, build_sweep, Storage::kCompressed,
                                       with_binary_activations);
  expect_device_variants_match_reference(fully_binary_fully_connected_sweep(),
                                         Storage::kCompressed);
}

// Every groups-1 layer whose input is binary runs fully binary on every
// target (the Arm DSP variant on the cores, rows of at most 30 words), those
// whose output takes two values with thresholds; with --dense-weights none
// does.
TEST(Conformance, BinaryActivationSweepsReachTheFullyBinaryKernel) {
  for (const Sweep& s : {fully_binary_conv_sweep(), fully_binary_fully_connected_sweep()}) {
    for (const char* target : {"portable", "cortex-m4", "cortex-m55", "host"}) {
      SCOPED_TRACE(target);
      const CompiledModel m = compile_graph(s.graph, compile_options(target, Storage::kCompressed));
      const CompiledModel dense = compile_graph(s.graph, compile_options(target, Storage::kDense));
      ASSERT_EQ(m.program.ops.size(), s.graph.ops.size());
      int fully_binary = 0;
      for (size_t i = 0; i < s.graph.ops.size(); ++i) {
        const ir::Op& op = s.graph.ops[i];
        const bool binary_input =
            s.graph.ops[i > 0 ? i - 1 : 0].kind == OpKind::kClamp && op.kind != OpKind::kClamp;
        const bool expected = binary_input && takes_binary_input(s.graph, op);
        const ProgramOp& lowered = m.program.ops[i];
        const bool binary_kernel = lowered.opcode == OpCode::CONV_2D_A1_B1 ||
                                   lowered.opcode == OpCode::CONV_2D_A1_B1_ARM_DSP;
        EXPECT_EQ(binary_kernel, expected) << "op " << i;
        EXPECT_NE(dense.program.ops[i].opcode, OpCode::CONV_2D_A1_B1) << "op " << i;
        if (!binary_kernel) continue;
        ++fully_binary;
        Conv2DA1Params p;
        ASSERT_EQ(lowered.params.size(), sizeof(p));
        std::memcpy(&p, lowered.params.data(), sizeof(p));
        // The Arm cores count with the DSP routine up to its longest row.
        const bool arm = std::string(target).rfind("cortex-m", 0) == 0;
        EXPECT_EQ(lowered.opcode == OpCode::CONV_2D_A1_B1_ARM_DSP,
                  arm && a1_row_words(p.conv) <= kA1DspMaxWords)
            << "op " << i;
        const ir::Tensor& out = s.graph.tensors[static_cast<size_t>(op.outputs[0])];
        const bool two_valued =
            op.attrs.activation == ir::Activation::kRelu && out.quant.zero_point() == 126;
        EXPECT_EQ(p.steps, two_valued ? 1 : 0) << "op " << i;
      }
      EXPECT_GE(fully_binary, 6);
    }
  }
}

// The operands a coded filter becomes (frequencies, values, runs, stream),
// as the kernel and the loader take them.
struct CodedOperands {
  std::vector<uint16_t> frequencies;
  std::vector<int8_t> values;
  std::vector<uint8_t> runs, stream;
  explicit CodedOperands(const EntropyCoded& c)
      : frequencies(c.run_frequencies), values(c.values), runs(c.run_lengths), stream(c.stream) {
    frequencies.insert(frequencies.end(), c.value_frequencies.begin(), c.value_frequencies.end());
    if (values.empty()) values.push_back(0);
  }
};

// Decodes a coded filter of `rows` rows of `row` weights as the kernel
// does; checks the stream as the loader does.
std::vector<int8_t> entropy_decoded(const EntropyCoded& c, int64_t rows, int32_t row,
                                    bool* checks) {
  const CodedOperands o(c);
  Conv2DEntropyParams p{};
  p.run_symbols = static_cast<int32_t>(c.run_lengths.size());
  p.value_symbols = static_cast<int32_t>(c.values.size());
  const void* inputs[kMaxOperands] = {nullptr, o.frequencies.data(), o.values.data(), o.runs.data(),
                                      o.stream.data()};
  const EntropyCode code = entropy_code_of(p, inputs);
  EntropyDecoder d(o.stream.data(), static_cast<uint32_t>(o.stream.size()));
  EntropyLookup lookups[2];
  lookups[0].build(code.runs);
  if (code.values.symbols > 0) lookups[1].build(code.values);
  std::vector<int8_t> out(static_cast<size_t>(rows * row), 99);
  bool rows_ok = true;
  for (int64_t r = 0; r < rows; ++r) {
    int8_t* decoded = out.data() + r * row;
    rows_ok = rows_ok && entropy_decode_row(
                             d, code, lookups, row,
                             [&](int32_t first, int32_t count) {
                               std::fill(decoded + first, decoded + first + count, 0);
                             },
                             [&](int32_t i, int8_t w) { decoded[i] = w; });
  }
  *checks = rows_ok && !d.malformed && d.next == d.end && d.state == kEntropyStateLow;
  return out;
}

// The weights' empirical entropy, in bits: what coding them one at a time
// under a static model of their values can reach.
double entropy_bits(const std::vector<int8_t>& w) {
  std::map<int8_t, double> count;
  for (int8_t v : w) count[v] += 1.0;
  double bits = 0.0;
  for (const auto& [v, k] : count) bits -= k * std::log2(k / static_cast<double>(w.size()));
  return bits;
}

// Exact decoding of filters from dense to all zeros, with zeros at random
// and in stretches; within 3% (and 24 bytes) of the weights' entropy, what
// coding each weight alone under a static model could reach.
TEST(EntropyCoding, DecodesExactlyNearTheEntropy) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> per_mille(0, 999), value(-128, 127);
  for (bool stretches : {false, true}) {
    for (int zeros : {0, 500, 900, 990, 1000}) {
      SCOPED_TRACE(std::to_string(zeros) + (stretches ? " with stretches" : ""));
      std::vector<int8_t> w(20000);
      for (size_t i = 0; i < w.size(); ++i) {
        const bool stretch = stretches && i % 1000 < 400;  // inputs no output channel uses
        w[i] = stretch || per_mille(rng) < zeros ? 0 : static_cast<int8_t>(value(rng) / 16 * 16);
      }
      const EntropyCoded c = entropy_code(w.data(), 20, 1000);
      bool checks = false;
      EXPECT_EQ(entropy_decoded(c, 20, 1000, &checks), w);
      EXPECT_TRUE(checks);
      const double coded_bits = 8.0 * static_cast<double>(c.stream.size());
      const double bits = entropy_bits(w);
      EXPECT_LE(coded_bits, bits * 1.03 + 192);
      EXPECT_TRUE(std::is_sorted(c.run_frequencies.rbegin(), c.run_frequencies.rend()));
      EXPECT_TRUE(std::is_sorted(c.value_frequencies.rbegin(), c.value_frequencies.rend()));
    }
  }
}

TEST(EntropyCoding, FrequenciesSumToTheTotalAndKeepEverySymbol) {
  for (const std::vector<int64_t>& counts :
       {std::vector<int64_t>{1}, std::vector<int64_t>{1000000, 1}, std::vector<int64_t>(256, 7),
        std::vector<int64_t>{5, 3, 3, 1, 1, 1}}) {
    const std::vector<uint16_t> f = entropy_frequencies(counts);
    ASSERT_EQ(f.size(), counts.size());
    int64_t sum = 0;
    for (uint16_t v : f) {
      EXPECT_GE(v, 1);
      sum += v;
    }
    EXPECT_EQ(sum, kEntropyTotal);
  }
}

// A stream one byte short or one byte long, or frequencies that do not sum
// to the total, fail the loader's check (constants_ok). A changed byte
// mostly does; where the changed stream still decodes exactly (rANS makes
// most byte strings some filter's code) it decodes other weights, which the
// blob's checksum, not this check, is there to catch. Either way the check
// reads no byte past the stream (the buffers here are exactly its size).
TEST(EntropyCoding, TheLoaderRefusesDamagedStreams) {
  std::vector<int8_t> w(3000);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(i % 7 == 0 ? i % 5 : 0);
  const EntropyCoded c = entropy_code(w.data(), 10, 300);
  Conv2DEntropyParams p{};
  p.conv.batches = p.conv.in_h = p.conv.in_w = p.conv.k_h = p.conv.k_w = 1;
  p.conv.out_h = p.conv.out_w = p.conv.stride_h = p.conv.stride_w = 1;
  p.conv.dilation_h = p.conv.dilation_w = 1;
  p.conv.in_c = p.conv.filter_in_c = 300;
  p.conv.out_c = 10;
  p.run_symbols = static_cast<int32_t>(c.run_lengths.size());
  p.value_symbols = static_cast<int32_t>(c.values.size());
  auto ok = [&](const CodedOperands& o) {
    p.stream_bytes = static_cast<int32_t>(o.stream.size());
    const void* inputs[kMaxOperands] = {nullptr, o.frequencies.data(), o.values.data(),
                                        o.runs.data(), o.stream.data()};
    return constants_ok(p, inputs);
  };
  const CodedOperands good(c);
  EXPECT_TRUE(ok(good));
  CodedOperands shorter = good, longer = good;
  shorter.stream.pop_back();
  EXPECT_FALSE(ok(shorter));
  longer.stream.push_back(0);
  EXPECT_FALSE(ok(longer));
  int refused = 0;
  for (size_t i = 0; i < good.stream.size(); ++i) {
    CodedOperands changed = good;
    changed.stream[i] ^= 0x10;
    refused += !ok(changed);
  }
  EXPECT_GE(refused, static_cast<int>(good.stream.size()) * 9 / 10);
  // A model that does not sum to the total (the runs', the values'), and a
  // run longer than any.
  for (size_t model : {size_t{0}, c.run_lengths.size()}) {
    CodedOperands wrong = good;
    wrong.frequencies[model] += 1;
    EXPECT_FALSE(ok(wrong)) << model;
  }
  CodedOperands long_run = good;
  long_run.runs[0] = kEntropyMaxRun + 1;
  EXPECT_FALSE(ok(long_run));
}
}  // namespace
}  // namespace kiln
