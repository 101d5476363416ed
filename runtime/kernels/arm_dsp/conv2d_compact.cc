// Arm DSP CONV_2D (and FULLY_CONNECTED) and DEPTHWISE_CONV_2D on compact
// records (kArmDspConvCompactLayout, kArmDspDepthwiseCompactLayout), which
// take no more flash than the portable kernels' filters: int8 weights widened
// in registers by SXTB16, and half-size requantization entries whose roundings
// the kernel derives from the output offset. The convolution runs through
// conv_pixels.S like the widened one, 19 instructions per group of 16
// multiply-accumulates instead of 11. The depthwise one goes group by group
// (four channels): a 3x3 layer of vertical stride 1 through the pre-widened
// kernel's widened-rows routine (each group's record expanded on the stack),
// others in C with each group's taps widened once.
#include "kernels/arm_dsp/conv_layer.h"
#include "kernels/arm_dsp/depthwise3x3_by_rows.h"
#include "kernels/arm_dsp/dsp_output_stage.h"
#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/packed_conv.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_dsp {
namespace {

// The output stage of ArmDspRequant entries (DspOutputStage), each expanded
// from its compact entry with the layer's output offset.
struct CompactOutputStage {
  using Requant = ArmDspCompactRequant;
  using Stage = DspOutputStage::Stage;

  static Stage output_stage(const Conv2DParams& p, const kernels::RecordTable<Requant>& table,
                            int32_t channels) {
    bool smlal = true, folded = true;
    for (int32_t c = 0; c < channels; ++c) {
      smlal = smlal && table[c].shift >= 1;
      folded = folded && compact_requant_folded(table[c]);
    }
    return {
        p.output_offset,      p.act_min, p.act_max, smlal, smlal && folded, splat_s8x4(p.act_min),
        splat_s8x4(p.act_max)};
  }

  static void expand(const Stage& s, const Requant* table, int32_t n, ArmDspRequant* entries) {
    for (int32_t j = 0; j < n; ++j) entries[j] = expand_arm_dsp_requant(table[j], s.offset);
  }

  static void requantize(const Stage& s, const int32_t* acc, const Requant* table, int32_t n,
                         int8_t* out) {
    ArmDspRequant entries[kConvChannelBlock];
    expand(s, table, n, entries);
    DspOutputStage::requantize(s, acc, entries, n, out);
  }
};

using ConvCompact = WidenedColumnConv<CompactOutputStage, kArmDspConvCompactLayout, dot4_s8w>;

// Depthwise: the layer's generic pixel (kernels::DepthwiseLayer), four
// channels per step with every weight widened in registers. The kernel
// below takes the layers whose filters fit on the stack group by group instead.
struct DepthwiseCompact : CompactOutputStage {
  static constexpr PackedLayout kLayout = kArmDspDepthwiseCompactLayout;

  static void pixel(const kernels::DepthwisePixel<Requant>& px, const Stage& stage) {
    const kernels::Window& w = px.window;
    const uint32_t offset2 = dup16(px.input_offset);
    const int8_t* in = w.input;
    const uint8_t* filter = w.filter;
    for (int32_t g = 0; g < px.groups; ++g, in += 4, filter += px.record_bytes) {
      const int32_t* bias = px.bias(g);
      int32_t acc[4] = {bias[0], bias[1], bias[2], bias[3]};
      for (int32_t r = 0; r < w.rows; ++r) {
        depthwise4_taps_s8w(acc, in + r * w.row_step, w.in_step, filter + r * w.filter_row_bytes,
                            w.taps, offset2);
      }
      requantize(stage, acc, px.requant(g), 4, px.out + 4 * g);
    }
  }
};

// Filters of up to this many taps are widened once per group of four channels.
constexpr int32_t kWidenedTapsMax = 49;

// One group of four channels: its taps widened once into (w02, w13) pairs,
// the pre-widened records' order, its biases and its entries expanded.
struct WidenedGroup {
  uint32_t taps[2 * kWidenedTapsMax];
  int32_t bias[4];
  ArmDspRequant entries[4];
  int32_t group;
};

// Every pixel of output row out_y (image b) for one group: a whole 3x3
// window as three unrolled rows of taps, any other window row by row, through
// the pre-widened kernels' tap loops (depthwise4_taps3, depthwise4_taps). Out of line, so that
// the loops have the registers.
__attribute__((noinline)) void depthwise_group_row(
    const kernels::DepthwiseLayer<DepthwiseCompact>& layer, const WidenedGroup& w, int32_t b,
    int32_t out_y) {
  const Conv2DParams& p = layer.params();
  const DspOutputStage::Stage& stage = layer.stage();
  const uint32_t offset2 = dup16(p.input_offset);
  const int32_t in_step_x = p.dilation_w * p.in_c, in_step_y = p.dilation_h * p.in_w * p.in_c;
  const int32_t in_y0 = out_y * p.stride_h - p.pad_h;
  const kernels::TapRange ys = kernels::valid_taps(in_y0, p.dilation_h, p.k_h, p.in_h);
  const bool rows3 = p.k_h == 3 && p.k_w == 3 && ys.begin == 0 && ys.end == 3;
  int8_t* out = layer.output(b, out_y, 0) + 4 * w.group;
  for (int32_t out_x = 0; out_x < p.out_w; ++out_x, out += p.out_c) {
    const int32_t in_x0 = out_x * p.stride_w - p.pad_w;
    const kernels::TapRange xs = kernels::valid_taps(in_x0, p.dilation_w, p.k_w, p.in_w);
    int32_t a0 = w.bias[0], a1 = w.bias[1], a2 = w.bias[2], a3 = w.bias[3];
    // May lie outside the input (a padded corner): only taps inside are read.
    const int32_t origin = ((b * p.in_h + in_y0) * p.in_w + in_x0) * p.in_c + 4 * w.group;
    if (rows3 && xs.begin == 0 && xs.end == 3) {
      const int8_t* in = layer.input() + origin;
      const uint32_t* taps = depthwise4_taps3(a0, a1, a2, a3, in, in_step_x, w.taps, offset2);
      taps = depthwise4_taps3(a0, a1, a2, a3, in + in_step_y, in_step_x, taps, offset2);
      depthwise4_taps3(a0, a1, a2, a3, in + 2 * in_step_y, in_step_x, taps, offset2);
    } else {
      for (int32_t r = ys.begin; r < ys.end; ++r) {
        depthwise4_taps(a0, a1, a2, a3,
                        layer.input() + (origin + r * in_step_y + xs.begin * in_step_x), in_step_x,
                        w.taps + 2 * (r * p.k_w + xs.begin), xs.end - xs.begin, offset2);
      }
    }
    const int32_t acc[4] = {a0, a1, a2, a3};
    if (stage.smlal) {
      store_u32(out, requantize4_smlal(acc, w.entries, stage.lo4, stage.hi4));
    } else {
      DspOutputStage::requantize(stage, acc, w.entries, 4, out);
    }
  }
}

void depthwise_group(const kernels::DepthwiseLayer<DepthwiseCompact>& layer, int32_t g) {
  const Conv2DParams& p = layer.params();
  const uint8_t* record = layer.records() + g * layer.record_bytes();
  const int32_t taps = p.k_h * p.k_w;
  WidenedGroup w;
  w.group = g;
  for (int32_t t = 0; t < taps; ++t) {
    const uint32_t weights = load_u32(record + sizeof(w.bias) + 4 * t);
    w.taps[2 * t] = sxtb16(weights);
    w.taps[2 * t + 1] = sxtb16_ror8(weights);
  }
  memcpy(w.bias, record, sizeof(w.bias));
  DepthwiseCompact::expand(
      layer.stage(),
      reinterpret_cast<const ArmDspCompactRequant*>(record + sizeof(w.bias) + 4 * taps), 4,
      w.entries);
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) depthwise_group_row(layer, w, b, out_y);
  }
}

// Group g's compact record expanded into `buffer` in the tap-pairs layout
// (kArmDspDepthwiseTapPairsLayout: biases, the taps as 16-bit weights in
// packed_depthwise_weight_index's order, ArmDspRequant entries).
const uint8_t* tap_pairs_record(const kernels::DepthwiseLayer<DepthwiseCompact>& layer, int32_t g,
                                uint8_t* buffer) {
  constexpr int32_t kTaps = 9, kBiasBytes = 4 * sizeof(int32_t);
  const Conv2DParams& p = layer.params();
  const uint8_t* record = layer.records() + g * layer.record_bytes();
  int16_t taps[kTaps * 4];
  for (int32_t t = 0; t < kTaps; ++t) {
    for (int32_t lane = 0; lane < 4; ++lane) {
      taps[packed_depthwise_weight_index(p, kArmDspDepthwiseTapPairsLayout, t, lane)] =
          static_cast<int8_t>(record[kBiasBytes + 4 * t + lane]);
    }
  }
  ArmDspRequant entries[4];
  DepthwiseCompact::expand(
      layer.stage(), reinterpret_cast<const ArmDspCompactRequant*>(record + kBiasBytes + 4 * kTaps),
      4, entries);
  memcpy(buffer, record, kBiasBytes);
  memcpy(buffer + kBiasBytes, taps, sizeof(taps));
  memcpy(buffer + kBiasBytes + sizeof(taps), entries, sizeof(entries));
  return buffer;
}

}  // namespace

// A layer whose every channel folds its output offset into the rounding
// runs through conv_pixels.S (conv_through_routine); others by blocks.
void conv2d_s8_compact(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::ConvLayer<ConvCompact> layer(params, inputs, outputs);
  if (!layer.stage().folded || layer.params().out_c < kConvChannelBlock) {
    kernels::packed_conv2d_s8<ConvCompact>(params, inputs, outputs);
    return;
  }
  ConvPixelsJob job{};
  job.rounding_base = 2u * static_cast<uint32_t>(layer.params().output_offset) + 1u;
  conv_through_routine(layer, job, [](const ConvPixelsJob& j) { conv_pixels_compact(&j); });
}

void depthwise_conv2d_s8_compact(const void* params, const void* const* inputs,
                                 void* const* outputs) {
  const kernels::DepthwiseLayer<DepthwiseCompact> layer(params, inputs, outputs);
  const Conv2DParams& p = layer.params();
  if (arm_dsp_depthwise_compact_layout(p).widened_rows) {
    depthwise3x3_by_rows(layer, outputs[1], [&layer](int32_t g, uint8_t* buffer) {
      return tap_pairs_record(layer, g, buffer);
    });
    return;
  }
  if (p.k_h * p.k_w > kWidenedTapsMax) {
    kernels::packed_depthwise_conv2d_s8<DepthwiseCompact>(params, inputs, outputs);
    return;
  }
  for (int32_t g = 0; g < p.in_c / 4; ++g) depthwise_group(layer, g);
}

}  // namespace arm_dsp
}  // namespace kiln
