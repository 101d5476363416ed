// Arm DSP-extension CONV_2D (and FULLY_CONNECTED) and DEPTHWISE_CONV_2D.
//
// Convolution: the column is widened once per output pixel to 16-bit pairs in
// SXTB16 order; each filter block holds four output channels' pre-widened
// weights in the same order, so the inner loop (dot4_pairs) is pure loads and
// SMLADs: per four taps, one column load, two weight loads and eight SMLADs.
#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/packed_conv.h"

namespace kiln {
namespace arm_dsp {
namespace {

// Requantization from the ArmDspRequant table, four channels at a time when
// every channel of the layer takes multiply_smlal: SMLAL and a shift per
// channel (the output offset folded in, or one add), then SSAT and a
// four-lane clamp (SSUB8/SEL) before one word store. A layer with a channel
// it does not apply to (a rescale near or above 1) goes channel by channel.
struct DspOutputStage {
  using Requant = ArmDspRequant;
  struct Stage {
    int32_t offset, act_min, act_max;
    bool smlal, offset_folded;
    uint32_t lo4, hi4;  // the activation range in every byte
  };

  static Stage output_stage(const Conv2DParams& p, const Requant* table, int32_t channels) {
    bool smlal = true;
    for (int32_t c = 0; c < channels; ++c) smlal = smlal && smlal_applies(table[c]);
    return {p.output_offset, p.act_min, p.act_max, smlal, arm_dsp_offset_folds(table, channels),
            splat_s8x4(p.act_min), splat_s8x4(p.act_max)};
  }

  static void requantize(const Stage& s, const int32_t* acc, const Requant* table, int32_t n, int8_t* out) {
    if (__builtin_expect(!s.smlal || n != 4, 0)) {
      const int32_t offset = s.offset_folded ? 0 : s.offset;
      for (int32_t j = 0; j < n; ++j) {
        const int32_t v = smlal_applies(table[j])
                              ? fp::clamp(multiply_smlal(acc[j], table[j]) + offset, s.act_min, s.act_max)
                              : requantize_any(acc[j], table[j], s.offset, s.act_min, s.act_max);
        out[j] = static_cast<int8_t>(v);
      }
      return;
    }
    uint32_t packed;
    if (__builtin_expect(s.offset_folded, 1)) {
      packed = pack_s8x4(ssat8(multiply_smlal(acc[0], table[0])), ssat8(multiply_smlal(acc[1], table[1])),
                         ssat8(multiply_smlal(acc[2], table[2])), ssat8(multiply_smlal(acc[3], table[3])));
    } else {
      // |multiply_smlal| <= 2^29 here: the add cannot overflow.
      packed = pack_s8x4(ssat8(multiply_smlal(acc[0], table[0]) + s.offset),
                         ssat8(multiply_smlal(acc[1], table[1]) + s.offset),
                         ssat8(multiply_smlal(acc[2], table[2]) + s.offset),
                         ssat8(multiply_smlal(acc[3], table[3]) + s.offset));
    }
    store_u32(out, clamp_s8x4(packed, s.lo4, s.hi4));
  }
};

struct Conv : DspOutputStage {
  static constexpr PackedLayout kLayout = kArmDspConvLayout;

  static const void* prepare_column(const int8_t* column, int32_t k_padded, void* widened) {
    uint32_t* dst = static_cast<uint32_t*>(widened);
    int32_t k = 0;
    for (; k + 8 <= k_padded; k += 8, dst += 4) {
      const uint32_t x0 = load_u32(column + k), x1 = load_u32(column + k + 4);
      dst[0] = sxtb16(x0);
      dst[1] = sxtb16_ror8(x0);
      dst[2] = sxtb16(x1);
      dst[3] = sxtb16_ror8(x1);
    }
    if (k < k_padded) {
      const uint32_t x = load_u32(column + k);
      dst[0] = sxtb16(x);
      dst[1] = sxtb16_ror8(x);
    }
    return widened;
  }

  static void dot_block(const void* column, const void* block, int32_t k_padded, int32_t* acc) {
    dot4_pairs(static_cast<const uint32_t*>(column), static_cast<const uint32_t*>(block), k_padded / 4, acc);
  }
};

// Depthwise: four channels per step; SXTAB16 widens the input and adds the
// input offset in one instruction, SMLABB/SMLATT accumulate each lane. The
// windows of a 3x3 layer (3x3 inside, 2 or 3 rows of 2 or 3 taps at the
// borders) are unrolled blocks; other windows go row by row.
struct Depthwise : DspOutputStage {
  static constexpr PackedLayout kLayout = kArmDspDepthwiseLayout;

  // Every channel group of a window of Rows x Taps taps of a 3x3 filter.
  template <int32_t Rows, int32_t Taps>
  static void groups3x3(const kernels::DepthwisePixel<Requant>& px, const Stage& stage) {
    const kernels::Window& w = px.window;
    const uint32_t offset2 = dup16(px.input_offset);
    const int8_t* in = w.input;
    const uint32_t* filter = reinterpret_cast<const uint32_t*>(w.filter);
    const int32_t* bias = px.bias;
    const Requant* requant = px.requant;
    int8_t* out = px.out;
    for (int32_t g = 0; g < px.groups; ++g, in += 4, filter += 9 * 2, bias += 4, requant += 4, out += 4) {
      int32_t acc[4] = {bias[0], bias[1], bias[2], bias[3]};
      const int8_t* row = in;
      for (int32_t r = 0; r < Rows; ++r, row += w.row_step) {
        const uint32_t* taps = filter + r * 3 * 2;
        if (Taps == 3) {
          depthwise4_taps3(acc[0], acc[1], acc[2], acc[3], row, w.in_step, taps, offset2);
        } else {
          depthwise4_taps2(acc[0], acc[1], acc[2], acc[3], row, w.in_step, taps, offset2);
        }
      }
      requantize(stage, acc, requant, 4, out);
    }
  }

  static void pixel(const kernels::DepthwisePixel<Requant>& px, const Stage& stage) {
    const kernels::Window& w = px.window;
    if (px.filter_group_bytes == 9 * 8 && w.filter_row_bytes == 3 * 8 && w.rows >= 2 && w.taps >= 2) {
      switch (w.rows * 4 + w.taps) {
        case 3 * 4 + 3: return groups3x3<3, 3>(px, stage);
        case 3 * 4 + 2: return groups3x3<3, 2>(px, stage);
        case 2 * 4 + 3: return groups3x3<2, 3>(px, stage);
        default: return groups3x3<2, 2>(px, stage);
      }
    }
    const uint32_t offset2 = dup16(px.input_offset);
    const int8_t* in = w.input;
    const uint8_t* filter = w.filter;
    for (int32_t g = 0; g < px.groups; ++g, in += 4, filter += px.filter_group_bytes) {
      int32_t acc[4] = {px.bias[4 * g], px.bias[4 * g + 1], px.bias[4 * g + 2], px.bias[4 * g + 3]};
      for (int32_t r = 0; r < w.rows; ++r) {
        depthwise4_taps(acc[0], acc[1], acc[2], acc[3], in + r * w.row_step, w.in_step,
                        reinterpret_cast<const uint32_t*>(filter + r * w.filter_row_bytes), w.taps, offset2);
      }
      requantize(stage, acc, px.requant + 4 * g, 4, px.out + 4 * g);
    }
  }
};

}  // namespace

void conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_conv2d_s8<Conv>(params, inputs, outputs);
}

void depthwise_conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_depthwise_conv2d_s8<Depthwise>(params, inputs, outputs);
}

}  // namespace arm_dsp
}  // namespace kiln
