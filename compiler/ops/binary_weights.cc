#include "compiler/ops/binary_weights.h"

#include <algorithm>
#include <limits>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// The values an op's int8 output is clamped to, if the op clamps it: fused
// activations of the layers and adds, and standalone clamps (RELU).
std::optional<IntRange> output_clamp(const ir::Op& op, const ir::Tensor& out) {
  switch (op.kind) {
    case ir::OpKind::kConv2D:
    case ir::OpKind::kDepthwiseConv2D:
    case ir::OpKind::kFullyConnected:
    case ir::OpKind::kAdd:
      return activation_range(op.attrs.activation, out.quant.scale(), out.quant.zero_point());
    case ir::OpKind::kClamp:
      if (op.attrs.clamp_in_input_quantization) return std::nullopt;
      return clamp_range(op.attrs.clamp_min, op.attrs.clamp_max, out.quant.scale(),
                         out.quant.zero_point());
    default: return std::nullopt;
  }
}

// The least accumulator the output stage takes to act_max when the output
// takes two values (act_max = act_min + 1), among the channel's possible
// accumulators [lo, hi]; hi + 1 if none. Requantization never decreases as
// the accumulator grows while its left shift does not wrap, so a binary
// search finds it; nullopt if the shift could wrap.
std::optional<int32_t> output_threshold(int32_t multiplier, int32_t shift, const Conv2DParams& p,
                                        int64_t lo, int64_t hi) {
  const int64_t bound = shift > 0 ? int64_t{1} << (31 - std::min(shift, 30)) : int64_t{1} << 31;
  if (lo < -bound || hi >= bound - 1) return std::nullopt;
  auto high = [&](int64_t acc) {
    return fp::requantize(static_cast<int32_t>(acc), multiplier, shift, p.output_offset, p.act_min,
                          p.act_max) == p.act_max;
  };
  int64_t first = lo, last = hi + 1;  // the answer lies in [first, last]
  while (first < last) {
    const int64_t mid = first + (last - first) / 2;
    if (high(mid)) {
      last = mid;
    } else {
      first = mid + 1;
    }
  }
  return static_cast<int32_t>(first);
}

// Emits CONV_2D_A1_B1 for a binary filter whose input is binary too.
void lower_fully_binary_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p,
                               const BinaryWeights& binary, int bias,
                               const std::vector<int32_t>& requant) {
  const int32_t row_bytes = 4 * a1_row_words(p);
  std::vector<uint8_t> bits(static_cast<size_t>(p.out_c) * static_cast<size_t>(row_bytes), 0);
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    std::copy_n(binary.bits.begin() + static_cast<int64_t>(oc) * b1_row_bytes(p), b1_row_bytes(p),
                bits.begin() + static_cast<int64_t>(oc) * row_bytes);
  }
  Conv2DA1Params a{};
  a.conv = p;
  std::vector<uint8_t> stage = prepared_requant_bytes(requant);
  if (p.act_max == p.act_min + 1) {
    // Each input plus offset is 0 or 1, so a channel's accumulator is its
    // bias plus at most `row` of its values.
    const int64_t row = b1_row(p);
    const int32_t* bias_data = bias >= 0 ? ctx.tensor(bias).as<int32_t>() : nullptr;
    std::vector<int32_t> thresholds;
    for (int32_t oc = 0; oc < p.out_c; ++oc) {
      const int64_t v0 = binary.values[2 * static_cast<size_t>(oc)];
      const int64_t v1 = binary.values[2 * static_cast<size_t>(oc) + 1];
      const int64_t b = bias_data ? bias_data[oc] : 0;
      const std::optional<int32_t> t = output_threshold(
          requant[static_cast<size_t>(oc)],
          requant[static_cast<size_t>(p.out_c) + static_cast<size_t>(oc)], p,
          b + row * std::min({int64_t{0}, v0, v1}), b + row * std::max({int64_t{0}, v0, v1}));
      // The kernel compares the dot product without the bias: it too must
      // stay in int32.
      const int64_t dot_hi = row * std::max({int64_t{0}, v0, v1}) + 1;
      if (!t || dot_hi > std::numeric_limits<int32_t>::max()) break;
      thresholds.push_back(static_cast<int32_t>(*t - b));
    }
    if (thresholds.size() == static_cast<size_t>(p.out_c)) {
      a.steps = 1;
      stage = int32_bytes(thresholds);
    }
  }
  const std::string base = ctx.output(op, 0).name;
  const int weight_bits =
      ctx.add_constant(base + "/weight_bits", KILN_DTYPE_UINT8, {p.out_c, row_bytes}, bits);
  const int values =
      ctx.add_constant(base + "/weight_values", KILN_DTYPE_INT8, {p.out_c, 2},
                       std::vector<uint8_t>(binary.values.begin(), binary.values.end()));
  const int output_stage =
      ctx.add_constant(base + (a.steps ? "/thresholds" : "/requant"), KILN_DTYPE_UINT8,
                       {static_cast<int32_t>(stage.size())}, stage);
  // The variant's scratch: the window's bits, and for some its counts.
  const OpCode opcode = choose_variant(ctx.target(), OpCode::CONV_2D_A1_B1, a);
  OperandSizes sizes{};
  find_kernel(static_cast<uint32_t>(opcode))->operand_sizes(&a, &sizes);
  const int scratch = ctx.add_scratch(base + "/window_bits", KILN_DTYPE_UINT8,
                                      {static_cast<int32_t>(sizes.outputs[1])});
  ctx.emit(op, opcode, a, {op.inputs[0], weight_bits, values, bias, output_stage},
           {op.outputs[0], scratch});
}

}  // namespace

bool binary_activations(const ir::Graph& g, int tensor) {
  for (;;) {
    const ir::Tensor& t = g.tensors[static_cast<size_t>(tensor)];
    if (t.dtype != KILN_DTYPE_INT8 || !t.quant.present() || t.quant.per_channel()) return false;
    const int writer = ir::producer(g, tensor);
    if (writer < 0) return false;
    const ir::Op* producer = &g.ops[static_cast<size_t>(writer)];
    if (producer->kind == ir::OpKind::kReshape) {
      const ir::Tensor& in = g.tensors[static_cast<size_t>(producer->inputs[0])];
      if (in.quant.scales != t.quant.scales || in.quant.zero_points != t.quant.zero_points)
        return false;
      tensor = producer->inputs[0];
      continue;
    }
    const std::optional<IntRange> r = output_clamp(*producer, t);
    return r && r->min == t.quant.zero_point() && r->max == r->min + 1;
  }
}

std::optional<BinaryWeights> binary_weights(const int8_t* weights, int32_t rows, int32_t row) {
  if (rows < 1 || row < 1) return std::nullopt;
  const size_t row_bytes = (static_cast<size_t>(row) + 7) / 8;
  BinaryWeights b;
  b.bits.assign(static_cast<size_t>(rows) * row_bytes, 0);
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* w = weights + static_cast<int64_t>(r) * row;
    const auto [low, high] = std::minmax_element(w, w + row);
    for (int32_t i = 0; i < row; ++i) {
      if (w[i] != *low && w[i] != *high) return std::nullopt;
    }
    b.values.push_back(*low);
    b.values.push_back(*high);
    uint8_t* bits = b.bits.data() + static_cast<size_t>(r) * row_bytes;
    for (int32_t i = 0; i < row; ++i) {
      if (w[i] != *low) bits[i / 8] = static_cast<uint8_t>(bits[i / 8] | 1u << (i % 8));
    }
  }
  return b;
}

bool lower_binary_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p, bool depthwise,
                         const int8_t* filter, int bias, const std::vector<int32_t>& requant) {
  if (!ctx.compressed_weights() || depthwise || p.filter_in_c != p.in_c) return false;
  const int32_t row = b1_row(p);
  const std::optional<BinaryWeights> binary = binary_weights(filter, p.out_c, row);
  // A filter of at most two values per channel in a layer of few weights
  // is no smaller in bits than in int8 (two values per channel).
  if (!binary || binary->bytes() >= int64_t{row} * p.out_c) return false;
  if (binary_activations(ctx.graph(), op.inputs[0])) {
    lower_fully_binary_conv2d(ctx, op, p, *binary, bias, requant);
    return true;
  }
  const std::string base = ctx.output(op, 0).name;
  const int bits = ctx.add_constant(base + "/weight_bits", KILN_DTYPE_UINT8,
                                    {p.out_c, b1_row_bytes(p)}, binary->bits);
  const int values =
      ctx.add_constant(base + "/weight_values", KILN_DTYPE_INT8, {p.out_c, 2},
                       std::vector<uint8_t>(binary->values.begin(), binary->values.end()));
  const int quant =
      ctx.add_constant(base + "/requant", KILN_DTYPE_INT32, {2, p.out_c}, int32_bytes(requant));
  const OpCode opcode = choose_variant(ctx.target(), OpCode::CONV_2D_S8_B1, p);
  OperandSizes sizes{};
  if (opcode == OpCode::CONV_2D_S8_B1_ARM_MVE) {
    conv2d_b1_helium_operand_sizes(p, &sizes);
  } else {
    conv2d_b1_operand_sizes(p, &sizes);
  }
  const int scratch =
      ctx.add_scratch(base + "/window", KILN_DTYPE_INT8, {static_cast<int32_t>(sizes.outputs[1])});
  ctx.emit(op, opcode, p, {op.inputs[0], bits, values, bias, quant}, {op.outputs[0], scratch});
  return true;
}

}  // namespace kiln
