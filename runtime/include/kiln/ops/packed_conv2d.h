// The fast (ISA-specific) int8 convolutions. Their weights are packed on the
// host into the layout of the variant's inner loop, so the device never
// rearranges or widens a weight at run time.
//
// PACKED CONV_2D (groups == 1; FULLY_CONNECTED lowers to it as a 1x1
// convolution). Operands: input, packed filter; output, scratch (one output
// pixel's receptive field).
//
//   Packed filter: one record per block of kConvChannelBlock output channels,
//   so a kernel walks a block's every constant with one pointer:
//     bias     int32 per channel, the input zero point folded in
//              (bias + input_offset * sum of the channel's weights);
//     weights  for each group of k_multiple taps, the block's channels one
//              after the other, each group's elements in order (or, with
//              pair_interleave, as (0, 2, 1, 3) within every 4, the order
//              Arm's SXTB16 widens them in); taps are the filter's
//              (y, x, in_c) in OHWI order, zero past k;
//     requant  per channel the layout's table entry: 16 bytes
//              (fp::PreparedRequant, ArmDspRequant, ArmMveRequant) or 8
//              (ArmDspCompactRequant).
//   Channels past out_c have zero weights, bias and requantization.
//   Scratch (packed_conv2d_scratch_bytes; absent if that is 0): for layouts
//   that widen it (column_widened), the column widened (2 * k_padded bytes); then,
//   unless the convolution reads its column straight from the input (1x1,
//   unpadded, in_c == k_padded), the int8 column (k_padded bytes; padding taps
//   hold the input zero point, so the folded bias stays exact at the borders).
//
// PACKED DEPTHWISE_CONV_2D (depth multiplier 1, channels a multiple of the
// variant's lanes). Operands: input, packed filter; output. The packed filter
// is one record per group of k_multiple channels (lanes): their biases (int32,
// zero if the model has none), their k_h * k_w taps in HW order (each tap's
// lanes in the variant's order and width), their requantization entries.
// With offset_folded the biases hold bias + input_offset * sum of the
// channel's weights (the kernel multiplies raw inputs wherever the whole
// window is inside the input), and the plain biases follow the taps, for the
// border pixels whose windows are partial. With pixel_pairs each part holds
// the group's lanes twice, for two horizontally adjacent pixels at once.
// With tap_pairs (3x3 filters, vertical stride 1) each filter row holds its
// first two taps as a 16-bit pair per lane, then its third tap's lanes
// (packed_depthwise_weight_index); a scratch output holds three input rows
// widened for the group being computed (packed_depthwise_scratch_bytes).
#ifndef KILN_OPS_PACKED_CONV2D_H
#define KILN_OPS_PACKED_CONV2D_H

#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d.h"

namespace kiln {

constexpr int32_t kConvChannelBlock = 4;

// The Arm DSP kernels' requantization of one channel, fp::requantize's
// multiplier and shift arranged for one SMLAL and one shift (see
// arm_dsp::multiply_smlal), with r the right shift and z the output zero
// point. Where r is 2 to 23 (nearly every real channel) z rides in the
// rounding: the high word plus the rounding stays within int32, and the
// SMLAL form yields the offset result directly; elsewhere it is added after.
struct ArmDspRequant {
  int32_t multiplier;  // Q31, [0, 2^31)
  int32_t rounding;    // 2^(r - 2) if r >= 2, else 0; plus z * 2^(r - 1) if z is folded in
  int32_t shift;       // r - 1 in [-1, 30]; for a left shift l > 0 (r = 0), -1 - l in [-31, -2]
  int32_t offset;      // z if not folded into the rounding, else 0
};
constexpr int32_t kRequantEntryBytes = 16;
static_assert(sizeof(ArmDspRequant) == kRequantEntryBytes, "one entry size for every layout");

constexpr int32_t kArmDspFoldMaxShift = 22;  // r - 1

inline ArmDspRequant prepare_arm_dsp_requant(int32_t multiplier, int shift, int32_t output_offset) {
  shift = shift < -31 ? -31 : (shift > 30 ? 30 : shift);
  // A zero multiplier (a channel whose weights or scale are zero) rescales
  // everything to 0 under any shift: a right shift of 2 lets it take SMLAL.
  if (multiplier == 0) shift = -2;
  if (shift > 0) return {multiplier, 0, -1 - shift, output_offset};
  const int32_t right = -shift;
  ArmDspRequant q{multiplier, right >= 2 ? int32_t{1} << (right - 2) : 0, right - 1, output_offset};
  if (q.shift >= 1 && q.shift <= kArmDspFoldMaxShift) {
    q.rounding += output_offset * (int32_t{1} << q.shift);
    q.offset = 0;
  }
  return q;
}

// The Arm DSP compact layouts' requantization entry: half an ArmDspRequant.
// The rounding and offset follow from the shift and the layer's output offset
// z: where z folds in (a right shift r of 2 to 23, nearly every real channel)
// the rounding is 2^(r - 2) + z * 2^(r - 1) = (2z + 1) << (shift - 1), two
// instructions per channel instead of 8 bytes of flash.
struct ArmDspCompactRequant {
  int32_t multiplier;  // ArmDspRequant's
  int32_t shift;       // ArmDspRequant's
};

inline ArmDspCompactRequant prepare_arm_dsp_compact_requant(int32_t multiplier, int shift,
                                                            int32_t output_offset) {
  const ArmDspRequant q = prepare_arm_dsp_requant(multiplier, shift, output_offset);
  return {q.multiplier, q.shift};
}

// Whether a compact entry's channel has the output offset in its rounding.
inline bool compact_requant_folded(const ArmDspCompactRequant& e) {
  return e.shift >= 1 && e.shift <= kArmDspFoldMaxShift;
}

// The ArmDspRequant a compact entry stands for, in a layer of output offset z.
inline ArmDspRequant expand_arm_dsp_requant(const ArmDspCompactRequant& e, int32_t z) {
  if (compact_requant_folded(e)) {
    const uint32_t base = 2u * static_cast<uint32_t>(z) + 1u;
    return {e.multiplier, static_cast<int32_t>(base << (e.shift - 1)), e.shift, 0};
  }
  return {e.multiplier, e.shift >= 1 ? int32_t{1} << (e.shift - 1) : 0, e.shift, z};
}

// The Helium kernels' requantization of one channel, for four channels at a
// time from one de-interleaving load (VLD4): VQRDMULH is the rounding
// doubling high multiply, VRSHL by -r rounds half up, so negative values
// step down by one first (round_mask) to round ties away from zero.
struct ArmMveRequant {
  int32_t multiplier;       // Q31, [0, 2^31)
  int32_t left_shift;       // [0, 30]
  int32_t neg_right_shift;  // -r, [-31, 0]
  int32_t round_mask;       // -1 if r > 0, else 0
};
static_assert(sizeof(ArmMveRequant) == kRequantEntryBytes, "one entry size for every layout");
static_assert(sizeof(fp::PreparedRequant) == kRequantEntryBytes, "one entry size for every layout");

inline ArmMveRequant prepare_arm_mve_requant(int32_t multiplier, int shift) {
  shift = shift < -31 ? -31 : (shift > 30 ? 30 : shift);
  return {multiplier, shift > 0 ? shift : 0, shift > 0 ? 0 : shift, shift < 0 ? -1 : 0};
}

// Which requantization table a variant reads.
enum class RequantTable : uint8_t { kPrepared, kArmDsp, kArmMve, kArmDspCompact };

constexpr int32_t requant_entry_bytes(RequantTable table) {
  return table == RequantTable::kArmDspCompact ? int32_t{sizeof(ArmDspCompactRequant)}
                                               : kRequantEntryBytes;
}

// How one variant wants its weights.
struct PackedLayout {
  uint32_t weight_bytes;  // 1: int8, 2: int16 (pre-widened)
  int32_t k_multiple;     // taps per group (conv) / channels per group (depthwise)
  bool pair_interleave;   // (0, 2, 1, 3) within every 4 elements
  RequantTable requant = RequantTable::kPrepared;
  bool offset_folded = false;        // depthwise: see PACKED DEPTHWISE_CONV_2D above
  bool excludes_weight_min = false;  // for filters with no weight of -128 only
  bool pixel_pairs = false;          // depthwise: see PACKED DEPTHWISE_CONV_2D above
  bool tap_pairs = false;            // depthwise 3x3: see PACKED DEPTHWISE_CONV_2D above
  bool column_widened = false;       // conv: int8 weights, the column widened to 16 bits
  bool widened_rows = false;         // depthwise 3x3: a tap_pairs layer's scratch, int8 weights
};

constexpr int32_t requant_entry_bytes(const PackedLayout& layout) {
  return requant_entry_bytes(layout.requant);
}

// The lanes of one depthwise record (its channels, twice with pixel_pairs).
constexpr int32_t packed_record_lanes(const PackedLayout& layout) {
  return layout.k_multiple * (layout.pixel_pairs ? 2 : 1);
}

struct PackedConv2DParams {
  Conv2DParams conv;
  int32_t k_padded;   // k_h * k_w * in_c rounded up to the layout's k_multiple
  int32_t oc_padded;  // out_c rounded up to kConvChannelBlock
};

inline int64_t round_up(int64_t v, int64_t multiple) {
  return (v + multiple - 1) / multiple * multiple;
}

// A 1x1 unpadded convolution whose depth needs no padding reads each
// output pixel's column straight from the input.
inline bool packed_conv2d_reads_input_directly(const PackedConv2DParams& pp) {
  const Conv2DParams& p = pp.conv;
  return p.k_h == 1 && p.k_w == 1 && p.pad_h == 0 && p.pad_w == 0 && p.in_c == pp.k_padded;
}

inline int32_t packed_conv2d_widened_bytes(const PackedConv2DParams& pp,
                                           const PackedLayout& layout) {
  return layout.weight_bytes == 2 || layout.column_widened ? 2 * pp.k_padded : 0;
}

inline int32_t packed_conv2d_scratch_bytes(const PackedConv2DParams& pp,
                                           const PackedLayout& layout) {
  return packed_conv2d_widened_bytes(pp, layout) +
         (packed_conv2d_reads_input_directly(pp) ? 0 : pp.k_padded);
}

// The bytes of one record of `lanes` channels whose weights take
// `weight_bytes`; 0 past the operand limit.
inline int32_t packed_record_bytes(int32_t lanes, int64_t weight_bytes,
                                   const PackedLayout& layout) {
  const int64_t bytes = lanes * int64_t{4 + requant_entry_bytes(layout)} + weight_bytes;
  return bytes <= static_cast<int64_t>(kMaxOperandBytes) ? static_cast<int32_t>(bytes) : 0;
}

// The bytes of `records` records; 0 past the operand limit.
inline uint32_t packed_records_operand_bytes(int32_t records, int32_t record_bytes) {
  const uint64_t bytes = static_cast<uint64_t>(records) * static_cast<uint64_t>(record_bytes);
  return records > 0 && bytes <= kMaxOperandBytes ? static_cast<uint32_t>(bytes) : 0;
}

inline int32_t packed_conv2d_record_bytes(const PackedConv2DParams& pp,
                                          const PackedLayout& layout) {
  return packed_record_bytes(
      kConvChannelBlock, int64_t{kConvChannelBlock} * pp.k_padded * layout.weight_bytes, layout);
}

// The bytes before a depthwise record's requantization entries that are not
// its biases or taps: the plain biases of an offset_folded layout.
inline int32_t packed_depthwise_plain_bias_bytes(const PackedLayout& layout) {
  return layout.offset_folded ? packed_record_lanes(layout) * 4 : 0;
}

inline int32_t packed_depthwise_record_bytes(const Conv2DParams& p, const PackedLayout& layout) {
  const int32_t lanes = packed_record_lanes(layout);
  return packed_record_bytes(lanes,
                             int64_t{p.k_h} * p.k_w * lanes * layout.weight_bytes +
                                 packed_depthwise_plain_bias_bytes(layout),
                             layout);
}

// Where tap `tap` (filter row-major) of lane `lane` goes among a record's
// taps, in weights. With tap_pairs each filter row holds its taps 0 and 1 as
// a pair per lane, lane after lane, then its tap 2's lanes as (0, 2, 1, 3).
inline int32_t packed_depthwise_weight_index(const Conv2DParams& p, const PackedLayout& layout,
                                             int32_t tap, int32_t lane) {
  static constexpr int32_t kPairOrder[4] = {0, 2, 1, 3};
  const int32_t lanes = packed_record_lanes(layout);
  const int32_t slot = layout.pair_interleave ? (lane & ~3) + kPairOrder[lane & 3] : lane;
  if (!layout.tap_pairs) return tap * lanes + slot;
  const int32_t row = tap / p.k_w, x = tap % p.k_w;
  return row * 3 * lanes + (x < 2 ? lane * 2 + x : 2 * lanes + slot);
}

// A tap_pairs layer widens input rows into an entry per output column: for
// each lane pair, 16-bit pairs of the column's taps 0 and 1, then tap 2's
// two SXTB16 words (6 words per 4 lanes).
inline int32_t packed_depthwise_row_entry_bytes(const PackedLayout& layout) {
  return packed_record_lanes(layout) * 6;
}

// Scratch of a tap_pairs (or widened_rows) layer: three widened input rows.
inline int32_t packed_depthwise_scratch_bytes(const Conv2DParams& p, const PackedLayout& layout) {
  if (!layout.tap_pairs && !layout.widened_rows) return 0;
  const int64_t bytes = int64_t{3} * p.out_w * packed_depthwise_row_entry_bytes(layout);
  return bytes <= static_cast<int64_t>(kMaxOperandBytes) ? static_cast<int32_t>(bytes) : 0;
}

inline bool packed_conv2d_operand_sizes(const PackedConv2DParams& pp, const PackedLayout& layout,
                                        OperandSizes* s) {
  const Conv2DParams& p = pp.conv;
  if (!conv2d_operand_sizes(p, 1, false, s) || p.filter_in_c != p.in_c) return false;
  const int64_t k = int64_t{p.k_h} * p.k_w * p.in_c;
  if (k > kMaxDim * 16 || pp.k_padded != round_up(k, layout.k_multiple) ||
      pp.oc_padded != round_up(p.out_c, kConvChannelBlock)) {
    return false;
  }
  const int32_t scratch = packed_conv2d_scratch_bytes(pp, layout);
  s->inputs[1] = packed_records_operand_bytes(pp.oc_padded / kConvChannelBlock,
                                              packed_conv2d_record_bytes(pp, layout));
  s->inputs[2] = s->inputs[3] = 0;
  s->num_inputs = 2;
  s->outputs[1] = scratch > 0 ? operand_bytes(1, &scratch, 1) : 0;
  s->num_outputs = 2;
  return s->inputs[1] && (scratch == 0 || s->outputs[1]);
}

inline bool packed_depthwise_operand_sizes(const Conv2DParams& p, const PackedLayout& layout,
                                           OperandSizes* s) {
  if (!conv2d_operand_sizes(p, 1, true, s) || p.depth_multiplier != 1 ||
      p.in_c % layout.k_multiple != 0) {
    return false;
  }
  s->inputs[1] = packed_records_operand_bytes(p.out_c / layout.k_multiple,
                                              packed_depthwise_record_bytes(p, layout));
  s->inputs[2] = s->inputs[3] = 0;
  s->num_inputs = 2;
  if (layout.tap_pairs || layout.widened_rows) {
    if (p.k_h != 3 || p.k_w != 3) return false;
    const int32_t scratch = packed_depthwise_scratch_bytes(p, layout);
    s->outputs[1] = scratch > 0 ? operand_bytes(1, &scratch, 1) : 0;
    s->num_outputs = 2;
    if (!s->outputs[1]) return false;
  }
  return s->inputs[1] != 0;
}

// Armv7E-M / Armv8-M DSP extension (Cortex-M4, M7, M33, M55): SMLAD on
// 16-bit pairs, so weights are pre-widened and pair-interleaved.
constexpr PackedLayout kArmDspConvLayout = {2, 4, true, RequantTable::kArmDsp};
constexpr PackedLayout kArmDspDepthwiseLayout = {2, 4, true, RequantTable::kArmDsp};
// A 3x3 depthwise layer of vertical stride 1 takes two taps per SMLAD from
// input rows widened once for the three output rows that read them (rows of
// at least 4 output pixels: shorter ones cost more in widening than pairing
// saves).
constexpr PackedLayout kArmDspDepthwiseTapPairsLayout = {2,     4,     true,  RequantTable::kArmDsp,
                                                         false, false, false, true};
inline PackedLayout arm_dsp_depthwise_layout(const Conv2DParams& p) {
  return p.k_h == 3 && p.k_w == 3 && p.stride_h == 1 && p.out_w >= 4
             ? kArmDspDepthwiseTapPairsLayout
             : kArmDspDepthwiseLayout;
}
// The Arm DSP layouts for flash (--optimize size): int8 weights in their
// natural order, which SXTB16 widens in registers into the pairs (0, 2) and
// (1, 3), and compact requantization entries, so a record takes what the
// portable kernels' filter, bias and table take (plus padding to whole
// groups). The convolution still widens its column once per pixel.
constexpr PackedLayout kArmDspConvCompactLayout = {
    1, 4, false, RequantTable::kArmDspCompact, false, false, false, false, true};
constexpr PackedLayout kArmDspDepthwiseCompactLayout = {1, 4, false, RequantTable::kArmDspCompact};
// A compact depthwise layer that the pre-widened kernels would run by widened
// rows (tap pairs) runs so too, each group's record expanded to that layout
// on the stack: it takes the same scratch of three widened input rows.
inline PackedLayout arm_dsp_depthwise_compact_layout(const Conv2DParams& p) {
  PackedLayout layout = kArmDspDepthwiseCompactLayout;
  layout.widened_rows = arm_dsp_depthwise_layout(p).tap_pairs;
  return layout;
}
// Helium (M-profile Vector Extension, Cortex-M55): VMLADAVA on 16 int8 lanes.
constexpr PackedLayout kArmMveConvLayout = {1, 16, false, RequantTable::kArmMve};
// Depthwise: eight int16-widened channels per step; a 3x3 layer whose
// channels come in sixteens multiplies sixteen int8 lanes and sums two taps'
// products in int16 before widening (arm_mve_depthwise_layout), and so does
// one of eight channels and stride 1, for two adjacent pixels at once. The
// int16 sum of two products is exact while no weight is -128, which the
// compiler checks.
constexpr PackedLayout kArmMveDepthwiseLayout = {1, 8, false, RequantTable::kArmMve};
constexpr PackedLayout kArmMveDepthwisePairedLayout = {1,    16,  false, RequantTable::kArmMve,
                                                       true, true};
constexpr PackedLayout kArmMveDepthwisePixelPairsLayout = {1,    8,    false, RequantTable::kArmMve,
                                                           true, true, true};
inline PackedLayout arm_mve_depthwise_layout(const Conv2DParams& p) {
  if (p.k_h != 3 || p.k_w != 3) return kArmMveDepthwiseLayout;
  if (p.in_c % 16 == 0) return kArmMveDepthwisePairedLayout;
  if (p.in_c == 8 && p.stride_w == 1) return kArmMveDepthwisePixelPairsLayout;
  return kArmMveDepthwiseLayout;
}
// x86-64 AVX2: VPMADDWD on 16 int16 lanes.
constexpr PackedLayout kX86Avx2ConvLayout = {2, 16, false};
constexpr PackedLayout kX86Avx2DepthwiseLayout = {1, 8, false};

}  // namespace kiln

#endif  // KILN_OPS_PACKED_CONV2D_H
