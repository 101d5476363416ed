#include "compiler/ops/sparse_weights.h"

#include "compiler/ops/op_util.h"
#include "compiler/ops/packed_conv.h"

namespace kiln {

SparseWeights sparse_weights(const int8_t* filter, int32_t out_c, int32_t depth, int32_t block) {
  SparseWeights s;
  s.block = block;
  const int32_t units = depth / block;
  for (int32_t oc = 0; oc < out_c; ++oc) {
    const int8_t* row = filter + int64_t{oc} * depth;
    for (int32_t first = 0; first < units; first += kSparseWindow) {
      const int32_t last = std::min(units, first + kSparseWindow);
      uint16_t count = 0;
      for (int32_t u = first; u < last; ++u) {
        const int8_t* unit = row + int64_t{u} * block;
        if (std::all_of(unit, unit + block, [](int8_t w) { return w == 0; })) continue;
        s.offsets.push_back(static_cast<uint8_t>(u - first));
        s.weights.insert(s.weights.end(), unit, unit + block);
        ++count;
      }
      s.counts.push_back(count);
    }
  }
  return s;
}

SparseCosts sparse_costs(KernelIsa isa) {
  switch (isa) {
    // The reference kernels (the portable target): estimates, with a stored
    // unit dearer per weight than a dense weight.
    case KernelIsa::ref: return {8.0, 40.0, 10.0, 36.0, 60.0, 12.0};
    // Fitted to Fashion-MNIST's 784-256-128-64-10 MLP, dense and pruned to
    // 10% in single weights and in blocks (kiln bench --layers on the
    // emulated cores).
    case KernelIsa::arm_dsp: return {0.75, 36.0, 4.25, 10.0, 62.0, 15.0};
    case KernelIsa::arm_mve: return {0.15, 11.0, 5.0 / 16, 5.0 / 4, 39.0, 15.0};
    default: return {0.0, 0.0, 1e9, 1e9, 1e9, 1e9};
  }
}

namespace {

// sum (x + offset) * w = sum x * w + offset * sum w, in wrapping int32 as
// the kernels sum: the bias of each output channel with the input offset's
// share folded in.
std::vector<int32_t> folded_bias(const Conv2DParams& p, const int8_t* filter, const int32_t* bias) {
  std::vector<int32_t> folded(static_cast<size_t>(p.out_c));
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    uint32_t sum = bias ? static_cast<uint32_t>(bias[oc]) : 0u;
    for (int32_t i = 0; i < p.in_c; ++i) {
      sum += static_cast<uint32_t>(p.input_offset) *
             static_cast<uint32_t>(static_cast<int32_t>(filter[int64_t{oc} * p.in_c + i]));
    }
    folded[static_cast<size_t>(oc)] = static_cast<int32_t>(sum);
  }
  return folded;
}

}  // namespace

bool lower_sparse_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p, bool depthwise,
                         const int8_t* filter, int bias, const std::vector<int32_t>& requant) {
  if (!ctx.compressed_weights() || depthwise || p.k_h != 1 || p.k_w != 1 ||
      p.filter_in_c != p.in_c || p.pad_h != 0 || p.pad_w != 0) {
    return false;
  }
  Conv2DSparseParams ps{};
  ps.conv = p;
  ps.conv.input_offset = 0;  // folded into the bias below
  ps.conv.has_bias = 1;
  ps.block = 1;
  ps.nonzeros = 1;
  // A lean layer takes the Arm DSP compact variant, whose table is the
  // reference kernel's size, where the target has it, else the reference.
  const bool lean = ctx.lean(op);
  const bool compact = lean && ctx.target().has(KernelIsa::arm_dsp);
  const OpCode opcode = compact ? OpCode::CONV_2D_S8_SPARSE_COMPACT_ARM_DSP
                        : lean  ? OpCode::CONV_2D_S8_SPARSE
                                : choose_variant(ctx.target(), OpCode::CONV_2D_S8_SPARSE, ps);
  const KernelIsa isa = find_kernel(static_cast<uint32_t>(opcode))->isa;
  // A target with instruction-set kernels but no sparse one keeps its dense
  // variant, as it does for coded weights.
  if (isa == KernelIsa::ref && !ctx.target().isas.empty() && !lean) return false;

  // The form of fewest instructions, if fewer than the dense kernel's.
  const SparseCosts costs = sparse_costs(isa);
  auto cost = [&](const SparseWeights& s) {
    const double per_unit = s.block == 1 ? costs.per_weight_unit : costs.per_block_unit;
    return per_unit * static_cast<double>(s.units()) +
           (costs.per_channel + costs.per_window * sparse_windows(p.in_c / s.block)) * p.out_c;
  };
  SparseWeights s = sparse_weights(filter, p.out_c, p.in_c, 1);
  if (p.in_c % kSparseBlock == 0) {
    SparseWeights blocks = sparse_weights(filter, p.out_c, p.in_c, kSparseBlock);
    if (cost(blocks) < cost(s)) s = std::move(blocks);
  }
  const double dense = (costs.dense_per_weight * p.in_c + costs.dense_per_channel) * p.out_c;
  if (s.units() == 0) return false;
  if (compact) {
    // Fewer bytes than the dense compact records (per four channels: biases,
    // entries, the weights to a multiple of 4), whatever the instructions.
    const int64_t sparse_bytes = int64_t{2} * static_cast<int64_t>(s.counts.size()) +
                                 s.units() * (1 + s.block) + int64_t{12} * p.out_c;
    const int64_t dense_bytes = round_up(p.out_c, kConvChannelBlock) * (12 + round_up(p.in_c, 4));
    if (sparse_bytes >= dense_bytes) return false;
  } else if (cost(s) >= dense) {
    return false;
  }
  ps.block = s.block;
  ps.nonzeros = static_cast<int32_t>(s.units());
  // The requantization in the form the kernel takes (kiln/ops/conv2d_sparse.h).
  const std::vector<uint8_t> table =
      isa == KernelIsa::ref ? int32_bytes(requant)
                            : requant_table(requant, p.out_c,
                                            compact ? RequantTable::kArmDspCompact
                                            : isa == KernelIsa::arm_dsp ? RequantTable::kArmDsp
                                                                        : RequantTable::kArmMve,
                                            p.output_offset);
  if (table.empty()) return false;  // a negative multiplier: the reference kernel takes it

  const std::string base = ctx.output(op, 0).name;
  std::vector<uint8_t> count_bytes(s.counts.size() * sizeof(uint16_t));
  std::memcpy(count_bytes.data(), s.counts.data(), count_bytes.size());
  const int counts = ctx.add_constant(base + "/nonzero_counts", KILN_DTYPE_INT16,
                                      {p.out_c, sparse_windows(p.in_c / s.block)}, count_bytes);
  const int offsets =
      ctx.add_constant(base + "/nonzero_offsets", KILN_DTYPE_UINT8, {ps.nonzeros}, s.offsets);
  const int weights =
      ctx.add_constant(base + "/nonzero_weights", KILN_DTYPE_INT8, {ps.nonzeros, s.block},
                       std::vector<uint8_t>(s.weights.begin(), s.weights.end()));
  const int32_t* b = bias >= 0 ? ctx.tensor(bias).as<int32_t>() : nullptr;
  const int biases = ctx.add_constant(base + "/folded_bias", KILN_DTYPE_INT32, {p.out_c},
                                      int32_bytes(folded_bias(p, filter, b)));
  const int quant = isa == KernelIsa::ref
                        ? ctx.add_constant(base + "/requant", KILN_DTYPE_INT32, {2, p.out_c}, table)
                        : ctx.add_constant(base + "/requant", KILN_DTYPE_UINT8,
                                           {static_cast<int32_t>(table.size())}, table);
  ctx.emit(op, opcode, ps, {op.inputs[0], counts, offsets, weights, biases, quant},
           {op.outputs[0]});
  return true;
}

}  // namespace kiln
