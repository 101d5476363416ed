// Conformance of every kernel variant with the reference kernels.
//
// Each op family is swept over shapes around the variants' tile sizes (odd
// depths, channel counts that are and are not multiples of the lanes and
// blocks, 1x1 and first-layer shapes, padding, strides, dilation,
// per-tensor and per-channel scales, input zero points). Every case is one
// op; the sweep is compiled once per kernel target. On the host each op's
// kernel is called directly with guard bytes around every operand and
// garbage in its outputs and scratch; on emulated Cortex-M4 (Arm DSP) and
// Cortex-M55 (Helium) the whole sweep runs as one model. Outputs must equal
// the reference kernels' byte for byte. The same sweeps with filters of at
// most 16 values (int4 ones, and codebooks per layer and per channel) check
// the 4-bit coded kernels against the int8 reference on the decoded weights.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "compiler/exec/host_runner.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"
#include "compiler/target/kernel_target.h"
#include "kernels/common/packed_conv.h"
#include "kiln/kernels.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;

struct ConvCase {
  OpKind kind;
  int32_t h, w, in_c, out_c, k_h, k_w, stride, dilation;
  bool same;
  bool per_channel;
  int32_t input_zero_point;
  float output_scale = 0.0f;  // 0: a typical one (rescale well below 1)
  int32_t value_range =
      128;  // weights in [-value_range, value_range), inputs that far from the zero point
};

std::vector<ConvCase> conv_cases() {
  std::vector<ConvCase> cases;
  // 1x1 convolutions (pointwise, and fully connected at h = w = 1) around the
  // block of 4 channels and the 4 / 16 tap groups.
  for (int32_t in_c : {1, 3, 4, 8, 15, 16, 17, 33}) {
    for (int32_t out_c : {1, 4, 5, 12}) {
      cases.push_back(
          {OpKind::kConv2D, 3, 2, in_c, out_c, 1, 1, 1, 1, false, out_c % 2 == 0, in_c % 3 - 1});
    }
  }
  // Spatial kernels: first layers (few input channels), strides, padding, dilation.
  cases.push_back({OpKind::kConv2D, 9, 7, 1, 8, 5, 3, 2, 1, true, true, -128});
  cases.push_back({OpKind::kConv2D, 8, 8, 3, 8, 3, 3, 2, 1, true, true, 5});
  cases.push_back({OpKind::kConv2D, 7, 6, 3, 6, 3, 3, 1, 1, false, false, 0});
  cases.push_back({OpKind::kConv2D, 6, 7, 16, 16, 3, 3, 1, 1, true, true, -7});
  cases.push_back({OpKind::kConv2D, 9, 9, 5, 7, 3, 3, 1, 2, true, true, 127});
  cases.push_back({OpKind::kConv2D, 5, 11, 4, 4, 2, 5, 3, 1, true, false, 1});
  cases.push_back({OpKind::kConv2D, 4, 4, 20, 9, 4, 4, 1, 1, false, true, -1});
  // Window rows of whole words at unaligned input addresses (one and two
  // input channels), read straight from the input by some variants.
  cases.push_back({OpKind::kConv2D, 9, 13, 1, 8, 3, 8, 1, 1, true, true, 3});
  cases.push_back({OpKind::kConv2D, 7, 9, 2, 4, 2, 4, 1, 1, false, true, -6});
  cases.push_back({OpKind::kConv2D, 8, 10, 4, 12, 3, 3, 2, 1, true, true, 2});
  // Rescales near and above 1 (small and left shifts), which some variants
  // requantize another way; small values keep the outputs off the clamps.
  cases.push_back({OpKind::kConv2D, 3, 3, 8, 8, 1, 1, 1, 1, false, true, 2, 0.0004f, 4});
  cases.push_back({OpKind::kConv2D, 3, 4, 4, 4, 1, 1, 1, 1, false, false, -3, 0.0015f, 6});
  // Rescales so small (right shifts past 23) that the Arm DSP entries add the
  // output zero point after the shift instead of folding it in.
  cases.push_back({OpKind::kConv2D, 3, 3, 16, 8, 1, 1, 1, 1, false, true, 1, 20000.0f});
  cases.push_back({OpKind::kConv2D, 2, 3, 16, 8, 1, 1, 1, 1, false, false, 1, 20000.0f});
  // Depthwise: channels that are multiples of 4 and 8 (the variants' lanes)
  // and ones that are not (reference fallback), 3x3 and larger windows.
  for (int32_t c : {4, 8, 12, 16, 24, 6, 3}) {
    cases.push_back({OpKind::kDepthwiseConv2D, 7, 5, c, c, 3, 3, 1, 1, true, true, c - 9});
    cases.push_back({OpKind::kDepthwiseConv2D, 8, 9, c, c, 3, 3, 2, 1, true, c % 8 == 0, 3});
  }
  cases.push_back({OpKind::kDepthwiseConv2D, 4, 4, 8, 8, 3, 3, 1, 1, true, true, 0, 0.0004f, 5});
  cases.push_back({OpKind::kDepthwiseConv2D, 6, 7, 8, 8, 3, 3, 1, 1, true, true, 0, 20000.0f});
  cases.push_back({OpKind::kDepthwiseConv2D, 7, 6, 8, 8, 3, 3, 1, 1, true, false, 0, 20000.0f});
  // 3x3 windows wholly inside the input for a run of pixels: dilated, strided
  // without padding, a row of one such pixel.
  cases.push_back({OpKind::kDepthwiseConv2D, 9, 10, 8, 8, 3, 3, 1, 2, true, true, 4});
  cases.push_back({OpKind::kDepthwiseConv2D, 9, 9, 12, 12, 3, 3, 2, 1, false, true, -2});
  cases.push_back({OpKind::kDepthwiseConv2D, 3, 3, 4, 4, 3, 3, 1, 1, false, true, 7});
  // Windows of one row or one column of taps: a one-pixel-high and a
  // one-pixel-wide input, padded.
  cases.push_back({OpKind::kDepthwiseConv2D, 1, 5, 8, 8, 3, 3, 1, 1, true, true, -3});
  cases.push_back({OpKind::kDepthwiseConv2D, 4, 1, 8, 8, 3, 3, 1, 1, true, true, 6});
  // One input channel, depth multiplier 8: runs as a plain convolution.
  cases.push_back({OpKind::kDepthwiseConv2D, 9, 7, 1, 8, 4, 3, 2, 1, true, true, -5});
  cases.push_back({OpKind::kDepthwiseConv2D, 10, 6, 8, 8, 5, 3, 1, 2, true, true, -100});
  cases.push_back({OpKind::kDepthwiseConv2D, 6, 6, 16, 16, 3, 3, 1, 1, false, true, 0});
  return cases;
}

std::vector<int32_t> output_size(const ConvCase& c) {
  auto one = [&](int32_t in, int32_t k) {
    const int32_t effective = (k - 1) * c.dilation + 1;
    return c.same ? (in + c.stride - 1) / c.stride : (in - effective + c.stride) / c.stride;
  };
  return {1, one(c.h, c.k_h), one(c.w, c.k_w), c.out_c};
}

// Uniformly random bytes (int8 values of any value).
std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<uint8_t> bytes(n);
  for (uint8_t& v : bytes) v = static_cast<uint8_t>(byte(rng));
  return bytes;
}

// One graph holding every case as an independent op; inputs are the graph
// inputs' contents, in order, and output i is case i's.
struct Sweep {
  ir::Graph graph;
  std::vector<std::vector<uint8_t>> inputs;
  size_t cases() const { return graph.outputs.size(); }
};

Sweep build_sweep(const std::vector<ConvCase>& cases, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  GraphBuilder b;
  Sweep s;
  for (size_t i = 0; i < cases.size(); ++i) {
    const ConvCase& c = cases[i];
    const std::string n = "case" + std::to_string(i);
    const bool depthwise = c.kind == OpKind::kDepthwiseConv2D;
    const float in_scale = 0.05f;
    const float out_scale =
        c.output_scale > 0 ? c.output_scale : 0.1f + 0.05f * static_cast<float>(i % 3);
    const int x =
        b.input(n + "/x", KILN_DTYPE_INT8, {1, c.h, c.w, c.in_c}, in_scale, c.input_zero_point);
    const std::vector<int32_t> w_shape = depthwise
                                             ? std::vector<int32_t>{1, c.k_h, c.k_w, c.out_c}
                                             : std::vector<int32_t>{c.out_c, c.k_h, c.k_w, c.in_c};
    std::vector<int8_t> weights(
        static_cast<size_t>(c.out_c * c.k_h * c.k_w * (depthwise ? 1 : c.in_c)));
    std::uniform_int_distribution<int> value(-c.value_range, c.value_range - 1);
    for (int8_t& v : weights) v = static_cast<int8_t>(value(rng));
    std::vector<float> scales(c.per_channel ? static_cast<size_t>(c.out_c) : 1);
    for (float& v : scales) v = scale(rng);
    const int w =
        b.constant<int8_t>(n + "/w", KILN_DTYPE_INT8, w_shape, weights, scales, depthwise ? 3 : 0);
    std::vector<int32_t> bias(static_cast<size_t>(c.out_c));
    for (int32_t& v : bias) v = byte(rng) * c.value_range / 2;
    const int bias_t = b.constant<int32_t>(n + "/b", KILN_DTYPE_INT32, {c.out_c}, bias);
    const int y = b.tensor(n + "/y", KILN_DTYPE_INT8, output_size(c), out_scale,
                           static_cast<int32_t>(i % 7) - 3);
    ir::OpAttrs a;
    a.padding = c.same ? ir::Padding::kSame : ir::Padding::kValid;
    a.stride_h = a.stride_w = c.stride;
    a.dilation_h = a.dilation_w = c.dilation;
    a.activation = i % 2 ? ir::Activation::kRelu : ir::Activation::kNone;
    b.op(c.kind, {x, w, i % 5 == 4 ? -1 : bias_t}, {y}, a);
    b.output(y);
    std::vector<uint8_t> in(static_cast<size_t>(c.h * c.w * c.in_c));
    // Small values sit around the zero point; full-range ones anywhere.
    const int32_t centre = c.value_range < 128 ? c.input_zero_point : 0;
    for (uint8_t& v : in) v = static_cast<uint8_t>(fp::clamp(centre + value(rng), -128, 127));
    s.inputs.push_back(in);
  }
  s.graph = b.build();
  return s;
}

using FullyConnectedShape = std::array<int32_t, 3>;  // batches, depth, units

// Fully connected layers run as 1x1 convolutions in the variants.
Sweep build_fully_connected_sweep(uint32_t seed, size_t first = 0, size_t count = SIZE_MAX,
                                  const std::vector<FullyConnectedShape>& shapes = {{1, 1, 1},
                                                                                    {1, 7, 3},
                                                                                    {1, 16, 4},
                                                                                    {2, 33, 10},
                                                                                    {1, 640, 128},
                                                                                    {3, 64, 12},
                                                                                    {1, 5, 17},
                                                                                    {1, 50, 8},
                                                                                    {2, 784, 6}}) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  GraphBuilder b;
  Sweep s;
  for (size_t i = first; i < shapes.size() && i - first < count; ++i) {
    const int32_t batches = shapes[i][0], depth = shapes[i][1], units = shapes[i][2];
    const std::string n = "fc" + std::to_string(i);
    const int x = b.input(n + "/x", KILN_DTYPE_INT8, {batches, depth}, 0.04f,
                          static_cast<int32_t>(i * 11) - 30);
    std::vector<int8_t> weights(static_cast<size_t>(units * depth));
    for (int8_t& v : weights) v = static_cast<int8_t>(byte(rng));
    const int w = b.constant<int8_t>(n + "/w", KILN_DTYPE_INT8, {units, depth}, weights, {0.01f});
    std::vector<int32_t> bias(static_cast<size_t>(units));
    for (int32_t& v : bias) v = byte(rng) * 32;
    const int bias_t = b.constant<int32_t>(n + "/b", KILN_DTYPE_INT32, {units}, bias);
    const int y = b.tensor(n + "/y", KILN_DTYPE_INT8, {batches, units}, 0.2f, 4);
    b.op(OpKind::kFullyConnected, {x, w, i % 2 ? -1 : bias_t}, {y});
    b.output(y);
    s.inputs.push_back(random_bytes(rng, static_cast<size_t>(batches * depth)));
  }
  s.graph = b.build();
  return s;
}

struct AddCase {
  int32_t size;
  int32_t zero_point1, zero_point2, output_zero_point;
  float scale1, scale2, output_scale;
  ir::Activation activation;
};

// Sizes around the variants' blocks (2, 8, 16 elements) and their tails;
// scales from equal to far apart (the larger input's rescale is then near 1);
// zero points at the ends of the range; power-of-two scales, whose rescales
// land exactly halfway between integers (rounding ties).
std::vector<AddCase> add_cases() {
  const ir::Activation relu = ir::Activation::kRelu, none = ir::Activation::kNone;
  return {
      {1, 0, 0, 0, 0.1f, 0.1f, 0.2f, none},
      {3, -128, 127, 5, 0.05f, 0.07f, 0.1f, relu},
      {8, 3, -4, -128, 0.02f, 0.5f, 0.4f, none},
      {15, 127, -128, 127, 0.3f, 0.01f, 0.25f, none},
      {16, -1, 2, 9, 0.015f, 0.015f, 0.015f, relu},
      {17, 10, -20, 0, 1.0f, 0.001f, 0.9f, relu},
      {64, -5, 7, -3, 0.0078f, 0.0312f, 0.0625f, none},
      {257, 0, -60, 40, 0.2f, 0.11f, 0.05f, ir::Activation::kRelu6},
      {100, -3, 5, 1, 0.25f, 0.125f, 0.5f, none},
      {40, 0, 0, 0, 0.5f, 0.5f, 4.0f, none},
  };
}

Sweep build_add_sweep(const std::vector<AddCase>& cases, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  GraphBuilder b;
  Sweep s;
  for (size_t i = 0; i < cases.size(); ++i) {
    const AddCase& c = cases[i];
    const std::string n = "add" + std::to_string(i);
    // Alternate shapes: the variants see only the element count.
    const std::vector<int32_t> shape =
        i % 2 ? std::vector<int32_t>{1, c.size} : std::vector<int32_t>{1, 1, c.size, 1};
    const int x1 = b.input(n + "/x1", KILN_DTYPE_INT8, shape, c.scale1, c.zero_point1);
    const int x2 = b.input(n + "/x2", KILN_DTYPE_INT8, shape, c.scale2, c.zero_point2);
    const int y = b.tensor(n + "/y", KILN_DTYPE_INT8, shape, c.output_scale, c.output_zero_point);
    ir::OpAttrs a;
    a.activation = c.activation;
    b.op(OpKind::kAdd, {x1, x2}, {y}, a);
    b.output(y);
    for (int k = 0; k < 2; ++k) s.inputs.push_back(random_bytes(rng, static_cast<size_t>(c.size)));
  }
  s.graph = b.build();
  return s;
}

struct PoolCase {
  OpKind kind;
  int32_t h, w, c, k_h, k_w, stride;
  bool same;
};

// Channels around the lanes (4, 16, 32) and not a multiple of them
// (reference), windows from 2x2 to global, clipped at the borders, and one
// average window beyond 16-bit sums (reference).
std::vector<PoolCase> pool_cases() {
  std::vector<PoolCase> cases;
  for (OpKind kind : {OpKind::kAveragePool2D, OpKind::kMaxPool2D}) {
    cases.push_back({kind, 6, 5, 4, 2, 2, 2, false});
    cases.push_back({kind, 7, 7, 16, 3, 3, 1, true});
    cases.push_back({kind, 9, 8, 32, 3, 3, 2, true});
    cases.push_back({kind, 5, 5, 64, 5, 5, 1, false});
    cases.push_back({kind, 8, 6, 48, 5, 3, 2, true});
    cases.push_back({kind, 4, 4, 6, 2, 2, 2, false});
    cases.push_back({kind, 17, 16, 8, 17, 16, 1, false});
  }
  return cases;
}

Sweep build_pool_sweep(const std::vector<PoolCase>& cases, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  GraphBuilder b;
  Sweep s;
  for (size_t i = 0; i < cases.size(); ++i) {
    const PoolCase& c = cases[i];
    const std::string n = "pool" + std::to_string(i);
    auto out_size = [&](int32_t in, int32_t k) {
      return c.same ? (in + c.stride - 1) / c.stride : (in - k) / c.stride + 1;
    };
    const int32_t zero_point = static_cast<int32_t>(i % 5) * 20 - 40;
    const int x = b.input(n + "/x", KILN_DTYPE_INT8, {1, c.h, c.w, c.c}, 0.1f, zero_point);
    const int y = b.tensor(n + "/y", KILN_DTYPE_INT8,
                           {1, out_size(c.h, c.k_h), out_size(c.w, c.k_w), c.c}, 0.1f, zero_point);
    ir::OpAttrs a;
    a.padding = c.same ? ir::Padding::kSame : ir::Padding::kValid;
    a.filter_h = c.k_h;
    a.filter_w = c.k_w;
    a.stride_h = a.stride_w = c.stride;
    a.activation = i % 3 == 1 ? ir::Activation::kRelu
                              : (i % 3 == 2 ? ir::Activation::kRelu6 : ir::Activation::kNone);
    b.op(c.kind, {x}, {y}, a);
    b.output(y);
    s.inputs.push_back(random_bytes(rng, static_cast<size_t>(c.h * c.w * c.c)));
  }
  s.graph = b.build();
  return s;
}

constexpr size_t kGuard = 64;
constexpr uint8_t kGuardByte = 0xA5;

// A buffer with guard bytes on both sides.
struct Guarded {
  std::vector<uint8_t> bytes;
  explicit Guarded(const std::vector<uint8_t>& data) : bytes(data.size() + 2 * kGuard, kGuardByte) {
    if (!data.empty()) std::memcpy(bytes.data() + kGuard, data.data(), data.size());
  }
  uint8_t* data() { return bytes.data() + kGuard; }
  std::vector<uint8_t> contents() const {
    return std::vector<uint8_t>(bytes.begin() + kGuard, bytes.end() - kGuard);
  }
  bool guards_intact() const {
    for (size_t i = 0; i < kGuard; ++i) {
      if (bytes[i] != kGuardByte || bytes[bytes.size() - 1 - i] != kGuardByte) return false;
    }
    return true;
  }
};

// Runs every op of a compiled sweep by calling its kernel directly, each
// operand in its own guarded buffer, outputs and scratch filled with garbage.
// Returns each op's output 0.
std::vector<std::vector<uint8_t>> run_ops_guarded(const CompiledModel& m, const Sweep& s,
                                                  std::vector<std::string>* kernels) {
  std::mt19937 rng(99);
  std::vector<std::vector<uint8_t>> results;
  for (size_t i = 0; i < m.program.ops.size(); ++i) {
    const ProgramOp& op = m.program.ops[i];
    const KernelInfo* info = find_runnable_kernel(static_cast<uint32_t>(op.opcode));
    EXPECT_NE(info, nullptr);
    if (!info) return {};
    kernels->push_back(info->name);
    std::vector<Guarded> in, out;
    for (int t : op.inputs) {
      if (t < 0) {
        in.emplace_back(std::vector<uint8_t>{});
        continue;
      }
      const ProgramTensor& pt = m.program.tensors[static_cast<size_t>(t)];
      const auto graph_input = std::find(m.program.inputs.begin(), m.program.inputs.end(), t);
      if (!pt.constant && graph_input == m.program.inputs.end()) {
        ADD_FAILURE() << "op " << i << " reads a tensor that is neither constant nor a graph input";
        return {};
      }
      in.emplace_back(pt.constant
                          ? pt.data
                          : s.inputs[static_cast<size_t>(graph_input - m.program.inputs.begin())]);
    }
    for (int t : op.outputs) {
      std::vector<uint8_t> garbage(t < 0 ? 0 : m.program.tensors[static_cast<size_t>(t)].bytes);
      for (uint8_t& g : garbage) g = static_cast<uint8_t>(rng());
      out.emplace_back(garbage);
    }
    const void* inputs[kMaxOperands] = {};
    void* outputs[kMaxOperands] = {};
    for (size_t k = 0; k < in.size(); ++k) inputs[k] = op.inputs[k] < 0 ? nullptr : in[k].data();
    for (size_t k = 0; k < out.size(); ++k)
      outputs[k] = op.outputs[k] < 0 ? nullptr : out[k].data();
    info->kernel(op.params.data(), inputs, outputs);
    for (const Guarded& g : in)
      EXPECT_TRUE(g.guards_intact()) << info->name << " wrote around an input of op " << i;
    for (const Guarded& g : out)
      EXPECT_TRUE(g.guards_intact()) << info->name << " wrote past an output of op " << i;
    results.push_back(out[0].contents());
  }
  return results;
}

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

CompileOptions compile_options(const char* target, bool coded) {
  CompileOptions options;
  options.target = target;
  options.dense_weights = !coded;
  return options;
}

void expect_variants_match_reference(const Sweep& s, bool coded = false) {
  const CompiledModel reference = compile_graph(s.graph, compile_options("portable", false));
  std::vector<std::string> ref_kernels;
  const std::vector<std::vector<uint8_t>> want = run_ops_guarded(reference, s, &ref_kernels);
  ASSERT_EQ(want.size(), s.cases());
  for (const char* target : {"cortex-m4", "cortex-m55", "host"}) {
    SCOPED_TRACE(target);
    const CompiledModel m = compile_graph(s.graph, compile_options(target, coded));
    ASSERT_EQ(m.program.ops.size(), s.cases());
    std::vector<std::string> kernels;
    const std::vector<std::vector<uint8_t>> got = run_ops_guarded(m, s, &kernels);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i], want[i]) << "case " << i << ": " << kernels[i] << " differs from "
                                 << ref_kernels[i];
    }
  }
}

// The Arm variants compiled for the real instruction sets, on the emulated cores.
// With coded weights the portable blob (the reference coded kernels) runs on
// the M4 too.
void expect_device_variants_match_reference(const Sweep& s, bool coded = false) {
  const CompiledModel reference = compile_graph(s.graph, compile_options("portable", false));
  HostRunner runner(reference.blob);
  for (size_t i = 0; i < s.inputs.size(); ++i) runner.set_input(i, s.inputs[i]);
  runner.invoke();
  for (const char* target : {"cortex-m4", "cortex-m55", "portable"}) {
    if (!coded && std::string(target) == "portable") continue;
    SCOPED_TRACE(target);
    const CompiledModel m = compile_graph(s.graph, compile_options(target, coded));
    EmulatedCoreRunner core(m.blob, std::string(target) == "portable" ? "cortex-m4" : target);
    const std::vector<std::vector<uint8_t>> got = test::run_once(core, s.inputs);
    ASSERT_EQ(got.size(), s.cases());
    for (size_t i = 0; i < s.cases(); ++i) EXPECT_EQ(got[i], runner.output(i)) << "case " << i;
  }
}

TEST(Conformance, ConvolutionVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_sweep(conv_cases(), 1));
}

TEST(Conformance, FullyConnectedVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_fully_connected_sweep(2));
}

TEST(Conformance, AddVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_add_sweep(add_cases(), 6));
}

TEST(Conformance, PoolVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_pool_sweep(pool_cases(), 8));
}

// The firmware's command line holds a few files (each case's inputs and
// output), so a device sweep runs in slices of `slice` cases.
template <typename Case, typename Build>
void expect_device_slices_match_reference(const std::vector<Case>& cases, size_t slice,
                                          uint32_t seed, Build build, bool coded = false) {
  for (size_t first = 0; first < cases.size(); first += slice) {
    SCOPED_TRACE("cases from " + std::to_string(first));
    const size_t last = std::min(cases.size(), first + slice);
    const Sweep s = build(std::vector<Case>(cases.begin() + static_cast<long>(first),
                                            cases.begin() + static_cast<long>(last)),
                          static_cast<uint32_t>(seed + first));
    expect_device_variants_match_reference(coded ? with_coded_weights(s, seed) : s, coded);
  }
}

TEST(Conformance, ConvolutionVariantsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(conv_cases(), 6, 3, build_sweep);
}

TEST(Conformance, FullyConnectedVariantsMatchReferenceOnCortexM) {
  expect_device_variants_match_reference(build_fully_connected_sweep(4, 0, 6));
  expect_device_variants_match_reference(build_fully_connected_sweep(5, 6));
}

TEST(Conformance, AddVariantsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(add_cases(), 4, 7, build_add_sweep);  // three files per case
}

TEST(Conformance, PoolVariantsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(pool_cases(), 5, 9, build_pool_sweep);
}

TEST(Conformance, CodedWeightKernelsMatchReferenceOnHost) {
  expect_variants_match_reference(with_coded_weights(build_sweep(conv_cases(), 1), 10), true);
  expect_variants_match_reference(with_coded_weights(build_fully_connected_sweep(2), 11), true);
}

TEST(Conformance, CodedWeightKernelsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(conv_cases(), 6, 12, build_sweep, true);
  expect_device_variants_match_reference(
      with_coded_weights(build_fully_connected_sweep(4, 0, 6), 13), true);
  expect_device_variants_match_reference(with_coded_weights(build_fully_connected_sweep(5, 6), 14),
                                         true);
}

Sweep sparse_sweep(uint32_t seed) {
  return with_sparse_weights(build_fully_connected_sweep(seed, 0, SIZE_MAX, kSparseShapes), seed);
}

TEST(Conformance, SparseWeightKernelsMatchReferenceOnHost) {
  expect_variants_match_reference(sparse_sweep(15), true);
  // Pointwise convolutions too; the others keep their dense kernels.
  expect_variants_match_reference(with_sparse_weights(build_sweep(conv_cases(), 1), 16), true);
}

TEST(Conformance, SparseWeightKernelsMatchReferenceOnCortexM) {
  expect_device_variants_match_reference(sparse_sweep(17), true);
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
    const CompiledModel m = compile_graph(s.graph, compile_options(target, true));
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
      const CompiledModel m = compile_graph(s.graph, compile_options(target, true));
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

// The sweep must reach every variant, or the suite proves nothing about it.
TEST(Conformance, SweepExercisesEveryVariant) {
  std::vector<std::string> seen;
  for (const Sweep& s : {build_sweep(conv_cases(), 1), build_add_sweep(add_cases(), 6),
                         build_pool_sweep(pool_cases(), 8)}) {
    for (const char* target : {"cortex-m4", "cortex-m55", "host"}) {
      for (const ProgramOp& op :
           compile_graph(s.graph, compile_options(target, false)).program.ops) {
        seen.push_back(find_kernel(static_cast<uint32_t>(op.opcode))->name);
      }
    }
  }
  std::vector<std::string> want = {"CONV_2D_S8_ARM_DSP",     "DEPTHWISE_CONV_2D_S8_ARM_DSP",
                                   "CONV_2D_S8_ARM_MVE",     "DEPTHWISE_CONV_2D_S8_ARM_MVE",
                                   "DEPTHWISE_CONV_2D_S8",   "ADD_S8_ARM_DSP",
                                   "ADD_S8_ARM_MVE",         "AVERAGE_POOL_2D_S8_ARM_DSP",
                                   "MAX_POOL_2D_S8_ARM_DSP", "AVERAGE_POOL_2D_S8_ARM_MVE",
                                   "MAX_POOL_2D_S8_ARM_MVE", "AVERAGE_POOL_2D_S8",
                                   "MAX_POOL_2D_S8"};
  if (kernel_isa_available(KernelIsa::x86_avx2)) {
    for (const char* name :
         {"CONV_2D_S8_X86_AVX2", "DEPTHWISE_CONV_2D_S8_X86_AVX2", "ADD_S8_X86_AVX2",
          "AVERAGE_POOL_2D_S8_X86_AVX2", "MAX_POOL_2D_S8_X86_AVX2"}) {
      want.push_back(name);
    }
  }
  for (const std::string& name : want) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), name), seen.end()) << name << " is never chosen";
  }
}

// The compiler finds a variant by its name, <REFERENCE>_<INSTRUCTION SET>:
// every variant in the kernel list must be named after a reference kernel.
TEST(Conformance, EveryVariantIsNamedAfterItsReferenceKernel) {
  std::vector<std::string> reference;
  std::vector<const KernelInfo*> variants;
  for (uint32_t number = 0; number < 1024; ++number) {
    const KernelInfo* k = find_kernel(number);
    if (!k || !k->name) continue;
    if (k->isa == KernelIsa::ref) {
      reference.push_back(k->name);
    } else {
      variants.push_back(k);
    }
  }
  ASSERT_GE(variants.size(), 20u);  // the loop saw the list
  for (const KernelInfo* v : variants) {
    std::string suffix = std::string("_") + kernel_isa_name(v->isa);
    std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const std::string name = v->name;
    ASSERT_GT(name.size(), suffix.size()) << name;
    EXPECT_EQ(name.substr(name.size() - suffix.size()), suffix) << name;
    const std::string base = name.substr(0, name.size() - suffix.size());
    EXPECT_NE(std::find(reference.begin(), reference.end(), base), reference.end())
        << name << " names no reference kernel " << base;
  }
}

// A layer beyond a variant's limits (here 3x3x8192 taps per channel, above
// kMaxDim) compiles to the reference kernel instead of failing.
TEST(Conformance, LayerBeyondVariantLimitsFallsBackToReference) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 3, 3, 8192}, 0.05f, 0);
  const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 3, 3, 8192},
                                   std::vector<int8_t>(9 * 8192, 1), {0.01f});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 1, 1, 1}, 1.0f, 0);
  b.op(OpKind::kConv2D, {x, w, -1}, {y});
  b.output(y);
  const CompiledModel m = compile_graph(b.build(), compile_options("cortex-m4", false));
  ASSERT_EQ(m.program.ops.size(), 1u);
  EXPECT_EQ(m.program.ops[0].opcode, OpCode::CONV_2D_S8);
}

// The assembly routines read whole windows without bounds checks, so the
// runs they get must hold exactly the output positions whose every tap lies
// inside the input, and every pixel must be visited once, in order.
TEST(Conformance, PixelRunsCoverExactlyTheWindowsInsideTheInput) {
  for (int32_t in = 1; in <= 12; ++in) {
    for (int32_t taps = 1; taps <= 4; ++taps) {
      for (int32_t stride = 1; stride <= 3; ++stride) {
        for (int32_t dilation = 1; dilation <= 2; ++dilation) {
          for (int32_t pad = 0; pad <= taps; ++pad) {
            const int32_t out = (in + 2 * pad - (taps - 1) * dilation - 1) / stride + 1;
            if (out < 1) continue;
            const kernels::TapRange r =
                kernels::window_inside(out, in, stride, pad, dilation, taps);
            for (int32_t o = 0; o < out; ++o) {
              const int32_t first = o * stride - pad, last = first + (taps - 1) * dilation;
              const bool inside = first >= 0 && last < in;
              EXPECT_EQ(inside, o >= r.begin && o < r.end)
                  << "in " << in << " taps " << taps << " stride " << stride << " dilation "
                  << dilation << " pad " << pad << " position " << o;
            }
          }
        }
      }
    }
  }
  Conv2DParams p{};
  p.batches = 2;
  p.out_h = 3;
  p.out_w = 5;
  std::vector<int32_t> visits;
  kernels::for_each_pixel_or_run(
      p, kernels::TapRange{1, 2}, kernels::TapRange{1, 4},
      [&](int32_t b, int32_t y, int32_t x) { visits.push_back((b * p.out_h + y) * p.out_w + x); },
      [&](int32_t b, int32_t y, int32_t begin, int32_t end) {
        EXPECT_EQ(y, 1);
        for (int32_t x = begin; x < end; ++x) visits.push_back((b * p.out_h + y) * p.out_w + x);
      });
  std::vector<int32_t> want(static_cast<size_t>(p.batches * p.out_h * p.out_w));
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<int32_t>(i);
  EXPECT_EQ(visits, want);
}

}  // namespace
}  // namespace kiln
