#include "tests/conformance/sweeps.h"

#include <cstring>
#include <map>
#include <random>

#include "compiler/exec/host_runner.h"
#include "compiler/ir/builder.h"
#include "kiln/kernels.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace conformance {
namespace {

using ir::GraphBuilder;

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

}  // namespace

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
  // Window rows of whole 16-tap steps (Helium reads them from the input, two
  // pixels at a time): strided, dilated.
  cases.push_back({OpKind::kConv2D, 9, 10, 16, 8, 3, 3, 2, 1, true, true, 4});
  cases.push_back({OpKind::kConv2D, 9, 9, 32, 4, 3, 3, 1, 2, true, false, -2});
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
  // A filter of more taps than the compact kernel widens on its stack (49).
  cases.push_back({OpKind::kDepthwiseConv2D, 10, 9, 8, 8, 9, 9, 1, 1, true, true, 11});
  cases.push_back({OpKind::kDepthwiseConv2D, 6, 6, 16, 16, 3, 3, 1, 1, false, true, 0});
  // Helium's paired layout (3x3, channels in sixteens, no weight of -128):
  // padded and unpadded, strided, dilated, one row; zero points at both ends.
  cases.push_back({OpKind::kDepthwiseConv2D, 7, 6, 16, 16, 3, 3, 1, 1, true, true, -1, 0.0f, 127});
  cases.push_back({OpKind::kDepthwiseConv2D, 9, 8, 32, 32, 3, 3, 2, 1, true, false, 90, 0.0f, 127});
  cases.push_back(
      {OpKind::kDepthwiseConv2D, 9, 10, 16, 16, 3, 3, 1, 2, true, true, -128, 0.0f, 127});
  cases.push_back({OpKind::kDepthwiseConv2D, 5, 12, 48, 48, 3, 3, 1, 1, false, true, 5, 0.0f, 127});
  cases.push_back({OpKind::kDepthwiseConv2D, 1, 5, 16, 16, 3, 3, 1, 1, true, true, 127, 0.0f, 127});
  // ... and of eight channels and stride 1, two pixels at once: runs of odd
  // and even length, vertical stride and dilation, one column.
  cases.push_back({OpKind::kDepthwiseConv2D, 7, 9, 8, 8, 3, 3, 1, 1, true, true, -1, 0.0f, 127});
  cases.push_back({OpKind::kDepthwiseConv2D, 6, 8, 8, 8, 3, 3, 1, 1, false, false, 60, 0.0f, 127});
  cases.push_back({OpKind::kDepthwiseConv2D, 9, 11, 8, 8, 3, 3, 1, 2, true, true, -128, 0.0f, 127});
  cases.push_back({OpKind::kDepthwiseConv2D, 5, 1, 8, 8, 3, 3, 1, 1, true, true, 3, 0.0f, 127});
  return cases;
}

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

const std::vector<FullyConnectedShape> kFullyConnectedShapes = {
    {1, 1, 1},   {1, 7, 3},  {1, 16, 4}, {2, 33, 10}, {1, 640, 128},
    {3, 64, 12}, {1, 5, 17}, {1, 50, 8}, {2, 784, 6}};

Sweep build_fully_connected_sweep(uint32_t seed, size_t first, size_t count,
                                  const std::vector<FullyConnectedShape>& shapes) {
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

std::vector<std::vector<uint8_t>> run_ops_guarded(const CompiledModel& m, const Sweep& s,
                                                  std::vector<std::string>* kernels) {
  std::mt19937 rng(99);
  std::vector<std::vector<uint8_t>> results;
  std::map<int, std::vector<uint8_t>> produced;  // earlier ops' outputs 0
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
      if (pt.constant) {
        in.emplace_back(pt.data);
      } else if (graph_input != m.program.inputs.end()) {
        in.emplace_back(s.inputs[static_cast<size_t>(graph_input - m.program.inputs.begin())]);
      } else if (produced.count(t)) {
        in.emplace_back(produced[t]);
      } else {
        ADD_FAILURE() << "op " << i << " reads a tensor that is neither constant, a graph input "
                      << "nor an earlier op's output";
        return {};
      }
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
    produced[op.outputs[0]] = results.back();
  }
  return results;
}

CompileOptions compile_options(const char* target, Storage storage) {
  CompileOptions options;
  options.target = target;
  options.dense_weights = storage == Storage::kDense || storage == Storage::kLean;
  options.entropy_weights = storage == Storage::kEntropy;
  const bool lean = storage == Storage::kLean || storage == Storage::kLeanCompressed;
  options.goal = lean ? OptimizeGoal::kSize : OptimizeGoal::kSpeed;
  return options;
}

void expect_variants_match_reference(const Sweep& s, Storage storage) {
  const CompiledModel reference =
      compile_graph(s.graph, compile_options("portable", Storage::kDense));
  std::vector<std::string> ref_kernels;
  const std::vector<std::vector<uint8_t>> want = run_ops_guarded(reference, s, &ref_kernels);
  ASSERT_EQ(want.size(), reference.program.ops.size());
  for (const char* target : {"cortex-m4", "cortex-m55", "host"}) {
    SCOPED_TRACE(target);
    const CompiledModel m = compile_graph(s.graph, compile_options(target, storage));
    ASSERT_EQ(m.program.ops.size(), reference.program.ops.size());
    std::vector<std::string> kernels;
    const std::vector<std::vector<uint8_t>> got = run_ops_guarded(m, s, &kernels);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i], want[i]) << "op " << i << ": " << kernels[i] << " differs from "
                                 << ref_kernels[i];
    }
  }
}

void expect_device_variants_match_reference(const Sweep& s, Storage storage) {
  const CompiledModel reference =
      compile_graph(s.graph, compile_options("portable", Storage::kDense));
  HostRunner runner(reference.blob);
  for (size_t i = 0; i < s.inputs.size(); ++i) runner.set_input(i, s.inputs[i]);
  runner.invoke();
  for (const char* target : {"cortex-m4", "cortex-m55", "portable"}) {
    const bool dense = storage == Storage::kDense || storage == Storage::kLean;
    if (dense && std::string(target) == "portable") continue;
    SCOPED_TRACE(target);
    const CompiledModel m = compile_graph(s.graph, compile_options(target, storage));
    EmulatedCoreRunner core(m.blob, std::string(target) == "portable" ? "cortex-m4" : target);
    const std::vector<std::vector<uint8_t>> got = test::run_once(core, s.inputs);
    ASSERT_EQ(got.size(), s.cases());
    for (size_t i = 0; i < s.cases(); ++i) EXPECT_EQ(got[i], runner.output(i)) << "case " << i;
  }
}

}  // namespace conformance
}  // namespace kiln
