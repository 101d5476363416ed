#include "compiler/ops/binary_weights.h"

#include <algorithm>

#include "compiler/ops/op_util.h"

namespace kiln {

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
