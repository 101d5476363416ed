// Arm DSP-extension CONV_2D (and FULLY_CONNECTED) and DEPTHWISE_CONV_2D.
//
// Convolution: the column is widened once per output pixel to 16-bit pairs in
// SXTB16 order; each filter block holds four output channels' pre-widened
// weights in the same order, so the inner loop (dot4_pairs) is pure loads and
// SMLADs: per four taps, one column load, two weight loads and eight SMLADs.
#include "kernels/arm_dsp/conv_layer.h"
#include "kernels/arm_dsp/depthwise3x3_by_rows.h"
#include "kernels/arm_dsp/dsp_output_stage.h"
#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/conv_16x8.h"
#include "kernels/common/packed_conv.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_dsp {
namespace {

using Conv = WidenedColumnConv<DspOutputStage, kArmDspConvLayout, dot4_pairs>;

// Depthwise: four channels per step; SXTAB16 widens the input and adds the
// input offset in one instruction, SMLABB/SMLATT accumulate each lane. A 3x3
// layer on SMLAL runs through depthwise3x3.S (interior runs, border
// windows); other layers go row by row.
struct Depthwise : DspOutputStage {
  static constexpr PackedLayout kLayout = kArmDspDepthwiseLayout;

  // A group's record with a 3x3 filter: biases, 9 taps of four 16-bit
  // lanes, requantization entries.
  static constexpr int32_t kRecord3x3Bytes = 4 * 4 + 9 * 4 * 2 + 4 * kRequantEntryBytes;

  // The job for whole windows of a 3x3 layer on SMLAL, but for the pixels'
  // input, output, count and step.
  static Depthwise3x3Job job3x3(const uint8_t* records, int32_t groups, int32_t in_step,
                                int32_t row_step, int32_t input_offset, const Stage& stage) {
    Depthwise3x3Job job{};
    job.records = records;
    job.groups = groups;
    job.in_step = in_step;
    job.row_step = row_step;
    job.lo4 = stage.lo4;
    job.hi4 = stage.hi4;
    job.offset2 = dup16(input_offset);
    job.rows = job.taps = 3;
    return job;
  }

  // A 3x3 layer on SMLAL: the pixel's window (all of it or, at a border, the
  // rows and taps inside the input) through depthwise3x3_window.
  static void pixel(const kernels::DepthwisePixel<Requant>& px, const Stage& stage) {
    const kernels::Window& w = px.window;
    if (px.record_bytes == kRecord3x3Bytes && w.filter_row_bytes == 3 * 8 && stage.smlal &&
        w.rows > 0 && w.taps > 0) {
      Depthwise3x3Job job =
          job3x3(px.record, px.groups, w.in_step, w.row_step, px.input_offset, stage);
      job.input = w.input;
      job.out = px.out;
      job.pixels = 1;
      job.rows = w.rows;
      job.taps = w.taps;
      job.first_tap = static_cast<int32_t>(w.filter - px.record) - 4 * 4;
      depthwise3x3_window(&job, stage.folded);
      return;
    }
    const uint32_t offset2 = dup16(px.input_offset);
    const int8_t* in = w.input;
    const uint8_t* filter = w.filter;
    for (int32_t g = 0; g < px.groups; ++g, in += 4, filter += px.record_bytes) {
      const int32_t* bias = px.bias(g);
      int32_t acc[4] = {bias[0], bias[1], bias[2], bias[3]};
      for (int32_t r = 0; r < w.rows; ++r) {
        depthwise4_taps(acc[0], acc[1], acc[2], acc[3], in + r * w.row_step, w.in_step,
                        reinterpret_cast<const uint32_t*>(filter + r * w.filter_row_bytes), w.taps,
                        offset2);
      }
      requantize(stage, acc, px.requant(g), 4, px.out + 4 * g);
    }
  }
};

}  // namespace

// A layer on SMLAL runs through conv_pixels (conv_through_routine).
void conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::ConvLayer<Conv> layer(params, inputs, outputs);
  if (!layer.stage().smlal || layer.params().out_c < kConvChannelBlock) {
    kernels::packed_conv2d_s8<Conv>(params, inputs, outputs);
    return;
  }
  const bool folded = layer.stage().folded;
  conv_through_routine(layer, ConvPixelsJob{},
                       [folded](const ConvPixelsJob& j) { conv_pixels(&j, folded); });
}

// A 3x3 layer of vertical stride 1 runs by widened rows
// (depthwise3x3_by_rows). For another 3x3 layer on SMLAL, each output row's
// pixels whose windows lie inside the input run through depthwise3x3_run in
// one call, the border pixels through depthwise3x3_window
// (Depthwise::pixel); other layers go pixel by pixel.
void depthwise_conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::DepthwiseLayer<Depthwise> layer(params, inputs, outputs);
  const Conv2DParams& p = layer.params();
  if (arm_dsp_depthwise_layout(p).tap_pairs) {
    depthwise3x3_by_rows(layer, outputs[1], [&layer](int32_t g, uint8_t*) {
      return layer.records() + g * layer.record_bytes();
    });
    return;
  }
  if (p.k_h != 3 || p.k_w != 3 || layer.record_bytes() != Depthwise::kRecord3x3Bytes ||
      !layer.stage().smlal) {
    kernels::for_each_output_pixel(
        p, [&](int32_t b, int32_t out_y, int32_t out_x) { layer.pixel(b, out_y, out_x); });
    return;
  }
  const bool folded = layer.stage().folded;
  kernels::depthwise3x3_by_pixel_runs(
      layer,
      Depthwise::job3x3(layer.records(), p.in_c / 4, p.dilation_w * p.in_c,
                        p.dilation_h * p.in_w * p.in_c, p.input_offset, layer.stage()),
      [folded](const Depthwise3x3Job& j) { depthwise3x3_run(&j, folded); });
}

// 16x8 convolutions (and fully connected layers, as 1x1 convolutions): the
// reference's loops with this instruction set's inner product.
void conv2d_s16(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_16x8<int64_t>(params, inputs, outputs, dot_s16_s8, dot2_s16_s8);
}

void conv2d_s16_b32(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_16x8<int32_t>(params, inputs, outputs, dot_s16_s8, dot2_s16_s8);
}

}  // namespace arm_dsp
}  // namespace kiln
