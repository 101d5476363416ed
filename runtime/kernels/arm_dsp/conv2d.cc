// Arm DSP-extension CONV_2D (and FULLY_CONNECTED) and DEPTHWISE_CONV_2D.
//
// Convolution: the column is widened once per output pixel to 16-bit pairs in
// SXTB16 order; each filter block holds four output channels' pre-widened
// weights in the same order, so the inner loop (dot4_pairs) is pure loads and
// SMLADs: per four taps, one column load, two weight loads and eight SMLADs.
#include "kernels/arm_dsp/conv_layer.h"
#include "kernels/arm_dsp/depthwise3x3_rows.h"
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

namespace {

// Input row `in_y` of a group (`group_input`: image b's first pixel, the
// group's first channel) widened into `entries`; zeros for a padding row.
void widen_group_row(const Conv2DParams& p, const int8_t* group_input, int32_t in_y,
                     uint32_t* entries) {
  if (in_y < 0 || in_y >= p.in_h) {
    memset(entries, 0, static_cast<size_t>(p.out_w) * KILN_DSP_DWR_ENTRY_BYTES);
  } else {
    widen_row(p, group_input + in_y * p.in_w * p.in_c, dup16(p.input_offset), entries);
  }
}

// The three widened input rows of an output row's windows, in three slots
// of the scratch. Without dilation each output row widens one new input row
// into the slot the previous window's first row leaves; with it, a row
// takes the slot its index picks (row % 3, distinct for a window's three
// rows unless the dilation is a multiple of 3; then the window row's own)
// and is widened when a window first needs it there.
class WidenedRows {
 public:
  WidenedRows(const Conv2DParams& p, uint32_t* scratch, const int8_t* group_input)
      : p_(p), group_input_(group_input) {
    for (int32_t i = 0; i < 3; ++i) slots_[i] = scratch + i * p.out_w * kRowEntryWords;
  }

  // job.row0..row2 for output row y (rows taken in order y = 0, 1, ...).
  void window(int32_t y, Depthwise3x3RowsJob* job) {
    const int32_t top = y - p_.pad_h;
    if (p_.dilation_h == 1) {
      if (y == 0) {
        widen_group_row(p_, group_input_, top, slots_[0]);
        widen_group_row(p_, group_input_, top + 1, slots_[1]);
      } else {
        uint32_t* const first = slots_[0];
        slots_[0] = slots_[1];
        slots_[1] = slots_[2];
        slots_[2] = first;
      }
      widen_group_row(p_, group_input_, top + 2, slots_[2]);
      job->row0 = slots_[0];
      job->row1 = slots_[1];
      job->row2 = slots_[2];
      return;
    }
    job->row0 = dilated_row(top, 0);
    job->row1 = dilated_row(top + p_.dilation_h, 1);
    job->row2 = dilated_row(top + 2 * p_.dilation_h, 2);
  }

 private:
  const uint32_t* dilated_row(int32_t in_y, int32_t window_row) {
    const int32_t slot = p_.dilation_h % 3 != 0 ? ((in_y % 3) + 3) % 3 : window_row;
    if (tags_[slot] != in_y) {
      tags_[slot] = in_y;
      widen_group_row(p_, group_input_, in_y, slots_[slot]);
    }
    return slots_[slot];
  }

  const Conv2DParams& p_;
  const int8_t* group_input_;
  uint32_t* slots_[3];
  int32_t tags_[3] = {INT32_MIN, INT32_MIN, INT32_MIN};
};

// A 3x3 layer of vertical stride 1 (kArmDspDepthwiseTapPairsLayout): group by
// group, each output row from the three widened input rows of its windows.
void depthwise3x3_by_rows(const kernels::DepthwiseLayer<Depthwise>& layer, void* scratch) {
  const Conv2DParams& p = layer.params();
  const Depthwise::Stage& stage = layer.stage();
  Depthwise3x3RowsJob job{};
  job.out_step = p.out_c;
  job.lo4 = stage.lo4;
  job.hi4 = stage.hi4;
  const int32_t out_row_bytes = p.out_w * p.out_c;
  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* image = layer.input() + static_cast<ptrdiff_t>(b) * p.in_h * p.in_w * p.in_c;
    for (int32_t g = 0; g < p.in_c / 4; ++g) {
      WidenedRows rows(p, static_cast<uint32_t*>(scratch), image + 4 * g);
      job.record = layer.records() + g * layer.record_bytes();
      job.out = layer.output(b, 0, 0) + 4 * g;
      for (int32_t y = 0; y < p.out_h; ++y, job.out += out_row_bytes) {
        rows.window(y, &job);
        job.out_end = job.out + out_row_bytes;
        if (stage.smlal) {
          depthwise3x3_rows(&job, stage.folded);
          continue;
        }
        const ArmDspRequant* entries = depthwise3x3_rows_entries(job.record);
        for (int32_t x = 0; x < p.out_w; ++x) {
          int32_t acc[4];
          depthwise3x3_rows_sums(job, x, acc);
          Depthwise::requantize(stage, acc, entries, 4, job.out + x * p.out_c);
        }
      }
    }
  }
}

}  // namespace

// A 3x3 layer of vertical stride 1 runs by widened rows
// (depthwise3x3_by_rows). For another 3x3 layer on SMLAL, each output row's
// pixels whose windows lie inside the input run through depthwise3x3_run in
// one call, the border pixels through depthwise3x3_window
// (Depthwise::pixel); other layers go pixel by pixel.
void depthwise_conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::DepthwiseLayer<Depthwise> layer(params, inputs, outputs);
  const Conv2DParams& p = layer.params();
  if (arm_dsp_depthwise_layout(p).tap_pairs) {
    depthwise3x3_by_rows(layer, outputs[1]);
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
