#include "compiler/ops/packed_conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

struct Variant {
  KernelIsa isa;
  OpCode opcode;
  PackedLayout layout;
  // The layout a depthwise layer takes, where it depends on the layer.
  PackedLayout (*layer_layout)(const Conv2DParams&) = nullptr;

  PackedLayout layout_for(const Conv2DParams& p) const {
    return layer_layout ? layer_layout(p) : layout;
  }
  // A lean layer (LowerContext::lean) takes no pre-widened weights, and only
  // a lean layer takes the compact layouts (slower where a widened one applies).
  bool fits(const Conv2DParams& p, bool lean) const {
    const PackedLayout l = layout_for(p);
    return lean ? l.weight_bytes == 1 : l.requant != RequantTable::kArmDspCompact;
  }
};

constexpr Variant kConvVariants[] = {
    {KernelIsa::arm_dsp, OpCode::CONV_2D_S8_ARM_DSP, kArmDspConvLayout},
    {KernelIsa::arm_dsp, OpCode::CONV_2D_S8_COMPACT_ARM_DSP, kArmDspConvCompactLayout},
    {KernelIsa::arm_mve, OpCode::CONV_2D_S8_ARM_MVE, kArmMveConvLayout},
    {KernelIsa::x86_avx2, OpCode::CONV_2D_S8_X86_AVX2, kX86Avx2ConvLayout},
};
constexpr Variant kDepthwiseVariants[] = {
    {KernelIsa::arm_dsp, OpCode::DEPTHWISE_CONV_2D_S8_ARM_DSP, kArmDspDepthwiseLayout,
     arm_dsp_depthwise_layout},
    {KernelIsa::arm_dsp, OpCode::DEPTHWISE_CONV_2D_S8_COMPACT_ARM_DSP,
     kArmDspDepthwiseCompactLayout, arm_dsp_depthwise_compact_layout},
    {KernelIsa::arm_mve, OpCode::DEPTHWISE_CONV_2D_S8_ARM_MVE, kArmMveDepthwiseLayout,
     arm_mve_depthwise_layout},
    {KernelIsa::x86_avx2, OpCode::DEPTHWISE_CONV_2D_S8_X86_AVX2, kX86Avx2DepthwiseLayout},
};

// The first variant, in the target's order of preference, that `applies`.
template <size_t N, typename Applies>
const Variant* choose(const KernelTarget& target, const Variant (&variants)[N], Applies applies) {
  for (KernelIsa isa : target.isas) {
    for (const Variant& v : variants) {
      if (v.isa == isa && applies(v)) return &v;
    }
  }
  return nullptr;
}

// Where element `i` of a group goes: with pair interleaving, (0, 2, 1, 3)
// within every 4, the order SXTB16 widens a word in.
int32_t slot_in_group(int32_t i, const PackedLayout& layout) {
  if (!layout.pair_interleave) return i;
  static constexpr int32_t kPairOrder[4] = {0, 2, 1, 3};
  return (i & ~3) + kPairOrder[i & 3];
}

void put_weight(uint8_t* out, size_t index, int8_t value, const PackedLayout& layout) {
  if (layout.weight_bytes == 1) {
    out[index] = static_cast<uint8_t>(value);
  } else {
    const int16_t wide = value;
    std::memcpy(&out[index * 2], &wide, sizeof(wide));
  }
}

template <typename Entry>
std::vector<uint8_t> table_bytes(const std::vector<Entry>& table) {
  std::vector<uint8_t> bytes(table.size() * sizeof(Entry));
  std::memcpy(bytes.data(), table.data(), bytes.size());
  return bytes;
}

}  // namespace

std::vector<uint8_t> requant_table(const std::vector<int32_t>& requant, int32_t channels,
                                   RequantTable kind, int32_t output_offset) {
  const size_t n = static_cast<size_t>(channels);
  for (size_t c = 0; c < n; ++c) {
    if (requant[c] < 0) return {};
  }
  if (kind == RequantTable::kArmDsp) {
    std::vector<ArmDspRequant> table(n);
    for (size_t c = 0; c < n; ++c)
      table[c] = prepare_arm_dsp_requant(requant[c], requant[n + c], output_offset);
    return table_bytes(table);
  }
  if (kind == RequantTable::kArmDspCompact) {
    std::vector<ArmDspCompactRequant> table(n);
    for (size_t c = 0; c < n; ++c)
      table[c] = prepare_arm_dsp_compact_requant(requant[c], requant[n + c], output_offset);
    return table_bytes(table);
  }
  if (kind == RequantTable::kArmMve) {
    std::vector<ArmMveRequant> table(n);
    for (size_t c = 0; c < n; ++c) table[c] = prepare_arm_mve_requant(requant[c], requant[n + c]);
    return table_bytes(table);
  }
  std::vector<fp::PreparedRequant> table(n);
  for (size_t c = 0; c < n; ++c) table[c] = fp::prepare_requant(requant[c], requant[n + c]);
  return table_bytes(table);
}

bool has_packed_conv2d(const KernelTarget& target) {
  return choose(target, kConvVariants, [](const Variant&) { return true; }) != nullptr;
}

bool lower_packed_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p,
                         const int8_t* filter, const int32_t* bias,
                         const std::vector<int32_t>& requant) {
  if (p.filter_in_c != p.in_c) return false;  // grouped convolution: reference only
  const bool lean = ctx.lean(op);
  const Variant* v =
      choose(ctx.target(), kConvVariants, [&](const Variant& c) { return c.fits(p, lean); });
  if (!v) return false;
  const PackedLayout& layout = v->layout;
  std::vector<uint8_t> requant_bytes =
      requant_table(requant, p.out_c, layout.requant, p.output_offset);
  if (requant_bytes.empty()) return false;
  const int64_t k = int64_t{p.k_h} * p.k_w * p.in_c;
  PackedConv2DParams pp{};
  pp.conv = p;
  pp.conv.has_bias = 1;
  pp.k_padded = static_cast<int32_t>(round_up(k, layout.k_multiple));
  pp.oc_padded = static_cast<int32_t>(round_up(p.out_c, kConvChannelBlock));
  if (!kernel_accepts(v->opcode, &pp)) return false;

  // One record per block of kConvChannelBlock channels: biases, weights (per
  // group of k_multiple taps, each channel's group in turn), requantization
  // entries (packed_conv2d.h).
  const size_t record_bytes = static_cast<size_t>(packed_conv2d_record_bytes(pp, layout));
  const size_t weights_offset = kConvChannelBlock * sizeof(int32_t);
  const size_t entry_bytes = static_cast<size_t>(requant_entry_bytes(layout));
  const size_t requant_offset = record_bytes - kConvChannelBlock * entry_bytes;
  std::vector<uint8_t> records(static_cast<size_t>(pp.oc_padded / kConvChannelBlock) *
                               record_bytes);
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    const int32_t block = oc / kConvChannelBlock, lane = oc % kConvChannelBlock;
    uint8_t* record = records.data() + static_cast<size_t>(block) * record_bytes;
    uint32_t weight_sum = 0;
    for (int64_t t = 0; t < k; ++t) {
      const int8_t w = filter[oc * k + t];
      weight_sum += static_cast<uint32_t>(static_cast<int32_t>(w));
      const int32_t group = static_cast<int32_t>(t / layout.k_multiple);
      const int32_t within = static_cast<int32_t>(t % layout.k_multiple);
      const size_t index =
          (static_cast<size_t>(group) * kConvChannelBlock + static_cast<size_t>(lane)) *
              static_cast<size_t>(layout.k_multiple) +
          static_cast<size_t>(slot_in_group(within, layout));
      put_weight(record + weights_offset, index, w, layout);
    }
    // bias + input_offset * sum(w): the kernel then multiplies raw inputs.
    const int32_t folded = static_cast<int32_t>((bias ? static_cast<uint32_t>(bias[oc]) : 0u) +
                                                static_cast<uint32_t>(p.input_offset) * weight_sum);
    std::memcpy(record + static_cast<size_t>(lane) * sizeof(int32_t), &folded, sizeof(folded));
    std::memcpy(record + requant_offset + static_cast<size_t>(lane) * entry_bytes,
                requant_bytes.data() + static_cast<size_t>(oc) * entry_bytes, entry_bytes);
  }
  const std::string base = ctx.output(op, 0).name;
  const int packed_tensor = ctx.add_constant(
      base + "/packed_filter", KILN_DTYPE_INT8,
      {pp.oc_padded / kConvChannelBlock, static_cast<int32_t>(record_bytes)}, std::move(records));
  const int32_t scratch_bytes = packed_conv2d_scratch_bytes(pp, layout);
  const int scratch =
      scratch_bytes > 0 ? ctx.add_scratch(base + "/column", KILN_DTYPE_INT8, {scratch_bytes}) : -1;
  ctx.emit(op, v->opcode, pp, {op.inputs[0], packed_tensor}, {op.outputs[0], scratch});
  return true;
}

bool lower_packed_depthwise(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p,
                            const int8_t* filter, const int32_t* bias,
                            const std::vector<int32_t>& requant) {
  if (p.depth_multiplier != 1) return false;
  const int64_t filter_size = int64_t{p.k_h} * p.k_w * p.out_c;
  const bool has_weight_min =
      std::find(filter, filter + filter_size, int8_t{-128}) != filter + filter_size;
  const bool lean = ctx.lean(op);
  const Variant* v = choose(ctx.target(), kDepthwiseVariants, [&](const Variant& c) {
    const PackedLayout l = c.layout_for(p);
    return c.fits(p, lean) && p.in_c % l.k_multiple == 0 &&
           !(l.excludes_weight_min && has_weight_min);
  });
  if (!v) return false;
  const PackedLayout layout = v->layout_for(p);
  std::vector<uint8_t> requant_bytes =
      requant_table(requant, p.out_c, layout.requant, p.output_offset);
  if (requant_bytes.empty()) return false;
  Conv2DParams params = p;
  params.has_bias = 1;
  if (!kernel_accepts(v->opcode, &params)) return false;
  // One record per group of k_multiple channels: biases, taps (in the
  // layout's order: packed_depthwise_weight_index), with offset_folded the
  // plain biases, requantization entries (packed_conv2d.h); with pixel_pairs
  // each part holds the channels twice.
  const int32_t taps = p.k_h * p.k_w, lanes = packed_record_lanes(layout);
  const int32_t channels = layout.k_multiple;
  const size_t record_bytes = static_cast<size_t>(packed_depthwise_record_bytes(p, layout));
  const size_t weights_offset = static_cast<size_t>(lanes) * sizeof(int32_t);
  const size_t entry_bytes = static_cast<size_t>(requant_entry_bytes(layout));
  const size_t requant_offset = record_bytes - static_cast<size_t>(lanes) * entry_bytes;
  const size_t plain_bias_offset =
      requant_offset - static_cast<size_t>(packed_depthwise_plain_bias_bytes(layout));
  std::vector<uint8_t> records(static_cast<size_t>(p.out_c / channels) * record_bytes);
  for (int32_t slot = 0; slot < p.out_c / channels * lanes; ++slot) {
    const int32_t group = slot / lanes, lane = slot % lanes;
    const int32_t c = group * channels + lane % channels;
    uint8_t* record = records.data() + static_cast<size_t>(group) * record_bytes;
    uint32_t weight_sum = 0;
    for (int32_t t = 0; t < taps; ++t) {
      const auto index = static_cast<size_t>(packed_depthwise_weight_index(p, layout, t, lane));
      const int8_t w = filter[t * p.out_c + c];
      weight_sum += static_cast<uint32_t>(static_cast<int32_t>(w));
      put_weight(record + weights_offset, index, w, layout);
    }
    const int32_t b = bias ? bias[c] : 0;
    const size_t bias_index = static_cast<size_t>(lane) * sizeof(int32_t);
    if (layout.offset_folded) {
      // bias + input_offset * sum(w), wrapping as the kernel's int32 sums do.
      const int32_t folded = static_cast<int32_t>(
          static_cast<uint32_t>(b) + static_cast<uint32_t>(p.input_offset) * weight_sum);
      std::memcpy(record + bias_index, &folded, sizeof(folded));
      std::memcpy(record + plain_bias_offset + bias_index, &b, sizeof(b));
    } else {
      std::memcpy(record + bias_index, &b, sizeof(b));
    }
    std::memcpy(record + requant_offset + static_cast<size_t>(lane) * entry_bytes,
                requant_bytes.data() + static_cast<size_t>(c) * entry_bytes, entry_bytes);
  }
  const std::string base = ctx.output(op, 0).name;
  const int packed_tensor = ctx.add_constant(
      base + "/packed_filter", KILN_DTYPE_INT8,
      {p.out_c / channels, static_cast<int32_t>(record_bytes)}, std::move(records));
  const int32_t scratch_bytes = packed_depthwise_scratch_bytes(p, layout);
  if (scratch_bytes > 0) {
    const int scratch = ctx.add_scratch(base + "/lines", KILN_DTYPE_INT8, {scratch_bytes});
    ctx.emit(op, v->opcode, params, {op.inputs[0], packed_tensor}, {op.outputs[0], scratch});
  } else {
    ctx.emit(op, v->opcode, params, {op.inputs[0], packed_tensor}, {op.outputs[0]});
  }
  return true;
}

}  // namespace kiln
