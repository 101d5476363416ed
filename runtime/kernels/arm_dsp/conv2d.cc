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

// Requantization four channels at a time when every channel of the layer
// takes the SMLAL form (multiply_prepared_smlal), the portable one otherwise:
// SMLAL and a rounding shift per channel, then QADD, SSAT and a four-lane
// clamp (SSUB8/SEL) before one word store.
struct DspOutputStage {
  struct Stage {
    kernels::PortableOutputStage::Stage portable;
    bool smlal;
    uint32_t lo4, hi4;  // the activation range in every byte
  };

  static Stage output_stage(const Conv2DParams& p, const fp::PreparedRequant* table, int32_t channels) {
    bool smlal = true;
    for (int32_t c = 0; c < channels; ++c) smlal = smlal && smlal_requant_applies(table[c]);
    const uint32_t lo = static_cast<uint32_t>(ssat8(p.act_min)) & 0xFFu, hi = static_cast<uint32_t>(ssat8(p.act_max)) & 0xFFu;
    return {kernels::PortableOutputStage::output_stage(p, table, channels), smlal, lo * 0x01010101u, hi * 0x01010101u};
  }

  static void requantize(const Stage& s, const int32_t* acc, const fp::PreparedRequant* table, int32_t n, int8_t* out) {
    if (!s.smlal || n != 4) {
      kernels::PortableOutputStage::requantize(s.portable, acc, table, n, out);
      return;
    }
    const int32_t offset = s.portable.offset;
    const uint32_t packed = pack_s8x4(ssat8(qadd(multiply_prepared_smlal(acc[0], table[0]), offset)),
                                      ssat8(qadd(multiply_prepared_smlal(acc[1], table[1]), offset)),
                                      ssat8(qadd(multiply_prepared_smlal(acc[2], table[2]), offset)),
                                      ssat8(qadd(multiply_prepared_smlal(acc[3], table[3]), offset)));
    store_u32(out, clamp_s8x4(packed, s.lo4, s.hi4));
  }
};

struct Conv : DspOutputStage {
  static constexpr PackedLayout kLayout = kArmDspConvLayout;

  static const void* prepare_column(const int8_t* column, int32_t k_padded, void* widened) {
    uint32_t* dst = static_cast<uint32_t*>(widened);
    for (int32_t k = 0; k < k_padded; k += 4, dst += 2) {
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
// input offset in one instruction, SMLABB/SMLATT accumulate each lane.
struct Depthwise : DspOutputStage {
  static constexpr PackedLayout kLayout = kArmDspDepthwiseLayout;
  struct Acc {
    int32_t c0, c1, c2, c3;
  };

  static Acc load(const int32_t* bias) { return {bias[0], bias[1], bias[2], bias[3]}; }

  static void mac_row(Acc& acc, const int8_t* input, int32_t in_step, const void* filter, int32_t taps,
                      int32_t input_offset) {
    int32_t lanes[4] = {acc.c0, acc.c1, acc.c2, acc.c3};
    depthwise4_row(lanes, input, in_step, static_cast<const uint32_t*>(filter), taps, dup16(input_offset));
    acc = {lanes[0], lanes[1], lanes[2], lanes[3]};
  }

  // A whole 3x3 window (the common interior case) in one unrolled block.
  static void mac_window(Acc& acc, const kernels::Window& window, int32_t input_offset) {
    if (window.rows != 3 || window.taps != 3 || window.filter_row_bytes != 3 * 8) {
      kernels::mac_window_by_rows<Depthwise>(acc, window, input_offset);
      return;
    }
    int32_t lanes[4] = {acc.c0, acc.c1, acc.c2, acc.c3};
    depthwise4_window3x3(lanes, window.input, window.in_step, window.row_step,
                         reinterpret_cast<const uint32_t*>(window.filter), dup16(input_offset));
    acc = {lanes[0], lanes[1], lanes[2], lanes[3]};
  }

  static void store(const Acc& acc, int32_t* lanes) {
    lanes[0] = acc.c0;
    lanes[1] = acc.c1;
    lanes[2] = acc.c2;
    lanes[3] = acc.c3;
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
