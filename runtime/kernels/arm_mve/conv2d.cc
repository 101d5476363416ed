// Helium CONV_2D (and FULLY_CONNECTED) and DEPTHWISE_CONV_2D.
//
// Convolution: no widening at all; VMLADAVA multiplies 16 int8 pairs and adds
// them to a scalar accumulator, so per 16 taps the inner loop is one column
// load, and per channel of the block one filter load and one VMLADAVA.
#include "kernels/arm_mve/primitives.h"
#include "kernels/common/conv_16x8.h"
#include "kernels/common/packed_conv.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_mve {
namespace {

// Requantization from the ArmMveRequant table, four channels per vector.
struct MveOutputStage {
  using Requant = ArmMveRequant;
  struct Stage {
    int32_t offset, act_min, act_max;
  };

  static Stage output_stage(const Conv2DParams& p, const kernels::RecordTable<Requant>&, int32_t) {
    return {p.output_offset, p.act_min, p.act_max};
  }

  static void requantize(const Stage& s, const int32_t* acc, const Requant* table, int32_t n,
                         int8_t* out) {
    int32_t j = 0;
    for (; j + 4 <= n; j += 4)
      requantize4_store(load_s32x4(acc + j), table + j, s.offset, s.act_min, s.act_max, out + j);
    for (; j < n; ++j)
      out[j] =
          static_cast<int8_t>(requantize_one(acc[j], table[j], s.offset, s.act_min, s.act_max));
  }
};

struct Conv : MveOutputStage {
  static constexpr PackedLayout kLayout = kArmMveConvLayout;

  static const void* prepare_column(const int8_t* column, int32_t, void*) { return column; }

  static void pixel(const Stage& stage, const void* column, const uint8_t* records,
                    int32_t k_padded, int32_t out_c, int8_t* out) {
    kernels::pixel_by_blocks<Conv>(stage, column, records, k_padded, out_c, out);
  }

  static const uint8_t* dot_block(const void* column, const uint8_t* weights, int32_t k_padded,
                                  int32_t* acc) {
    return reinterpret_cast<const uint8_t*>(dot4_s8x16(static_cast<const int8_t*>(column),
                                                       reinterpret_cast<const int8_t*>(weights),
                                                       k_padded / 16, acc));
  }
};

// Depthwise: eight channels per step, input and weights widened to int16 on
// load, the widening multiplies (VMULLB/VMULLT) accumulating even and odd
// channels in two int32 vectors.
struct Depthwise : MveOutputStage {
  static constexpr PackedLayout kLayout = kArmMveDepthwiseLayout;
  using Acc = s32x4x2;

  static Acc load(const int32_t* bias) { return load_s32x4x2_deinterleaved(bias); }

  static void mac_row(Acc& acc, const int8_t* input, int32_t in_step, const void* filter,
                      int32_t taps, int32_t input_offset) {
    const int8_t* w = static_cast<const int8_t*>(filter);
    for (int32_t t = 0; t < taps; ++t, input += in_step, w += 8)
      acc = multiply_accumulate_s8x8(acc, input, input_offset, w);
  }

  // A group's record with a 3x3 filter: biases, 9 taps of eight int8 lanes,
  // requantization entries.
  static constexpr int32_t kRecord3x3Bytes = 8 * 4 + 9 * 8 + 8 * kRequantEntryBytes;

  // The job for whole windows of a 3x3 layer, but for the pixels' input,
  // output, count and step.
  static Depthwise3x3Job job3x3(const uint8_t* records, int32_t groups, int32_t in_step,
                                int32_t row_step, int32_t input_offset, const Stage& stage) {
    Depthwise3x3Job job{};
    job.records = records;
    job.groups = groups;
    job.in_step = in_step;
    job.row_step = row_step;
    job.input_offset = input_offset;
    job.output_offset = stage.offset;
    job.act_min = stage.act_min;
    job.act_max = stage.act_max;
    job.rows = job.taps = 3;
    return job;
  }

  // A 3x3 layer: the pixel's window (at a border, the rows and taps inside
  // the input) through depthwise3x3_window.
  static void pixel(const kernels::DepthwisePixel<Requant>& px, const Stage& stage) {
    const kernels::Window& w = px.window;
    if (px.record_bytes != kRecord3x3Bytes || w.filter_row_bytes != 3 * 8 || w.rows <= 0 ||
        w.taps <= 0) {
      kernels::depthwise_pixel_by_groups<Depthwise>(px, stage);
      return;
    }
    Depthwise3x3Job job =
        job3x3(px.record, px.groups, w.in_step, w.row_step, px.input_offset, stage);
    job.input = w.input;
    job.out = px.out;
    job.pixels = 1;
    job.rows = w.rows;
    job.taps = w.taps;
    job.first_tap = static_cast<int32_t>(w.filter - px.record) - 8 * 4;
    depthwise3x3_window(&job);
  }

  static void store(const Acc& acc, int32_t* lanes) { store_s32x4x2_interleaved(lanes, acc); }
};

// Depthwise 3x3 with sixteen channels a group (the paired layout): whole
// windows through depthwise3x3_paired_run, border pixels through
// depthwise3x3_paired_window.
struct DepthwisePaired : MveOutputStage {
  static constexpr PackedLayout kLayout = kArmMveDepthwisePairedLayout;

  static void pixel(const kernels::DepthwisePixel<Requant>& px, const Stage& stage) {
    const kernels::Window& w = px.window;
    Depthwise3x3Job job =
        Depthwise::job3x3(px.record, px.groups, w.in_step, w.row_step, px.input_offset, stage);
    job.input = w.input;
    job.out = px.out;
    job.pixels = 1;
    job.rows = w.taps > 0 ? w.rows : 0;  // no tap inside: the biases alone
    job.taps = w.taps;
    job.first_tap = static_cast<int32_t>(w.filter - px.record) - KILN_MVE_DW_PAIRED_TAPS;
    depthwise3x3_paired_window(&job);
  }
};

// Depthwise 3x3 of eight channels and stride 1 (the pixel-pairs layout, its
// record's sixteen lanes each channel twice): two adjacent pixels at once
// through depthwise3x3_paired_run, every vector both pixels' eight channels;
// a pixel alone (at a border, or the last of an odd run) from the record's
// first eight lanes, widened to int16 with the input offset added.
struct DepthwisePixelPairs : MveOutputStage {
  static constexpr PackedLayout kLayout = kArmMveDepthwisePixelPairsLayout;

  static void pixel(const kernels::DepthwisePixel<Requant>& px, const Stage& stage) {
    const kernels::Window& w = px.window;
    s32x4x2 acc = load_s32x4x2_deinterleaved(
        reinterpret_cast<const int32_t*>(px.record + KILN_MVE_DW_PAIRED_PLAIN_BIASES));
    const int8_t* row = w.input;
    const uint8_t* filter = w.filter;
    for (int32_t r = 0; r < w.rows; ++r, row += w.row_step, filter += w.filter_row_bytes) {
      const int8_t* x = row;
      const int8_t* weights = reinterpret_cast<const int8_t*>(filter);
      for (int32_t t = 0; t < w.taps; ++t, x += w.in_step, weights += 16)
        acc = multiply_accumulate_s8x8(acc, x, px.input_offset, weights);
    }
    int32_t sums[8];
    store_s32x4x2_interleaved(sums, acc);
    requantize(stage, sums, px.requant(0), 8, px.out);
  }
};

void depthwise_pixel_pairs(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::DepthwiseLayer<DepthwisePixelPairs> layer(params, inputs, outputs);
  const Conv2DParams& p = layer.params();
  Depthwise3x3Job job =
      Depthwise::job3x3(layer.records(), 1, p.dilation_w * p.in_c, p.dilation_h * p.in_w * p.in_c,
                        p.input_offset, layer.stage());
  job.pixel_step = 2 * p.in_c;
  const kernels::TapRange rows =
      kernels::window_inside(p.out_h, p.in_h, p.stride_h, p.pad_h, p.dilation_h, 3);
  const kernels::TapRange cols =
      kernels::window_inside(p.out_w, p.in_w, 1, p.pad_w, p.dilation_w, 3);
  kernels::for_each_pixel_or_run(
      p, rows, cols, [&](int32_t b, int32_t out_y, int32_t out_x) { layer.pixel(b, out_y, out_x); },
      [&](int32_t b, int32_t out_y, int32_t begin, int32_t end) {
        job.pixels = (end - begin) / 2;
        if (job.pixels > 0) {
          job.input = layer.input() + kernels::window_origin_index(p, b, out_y, begin);
          job.out = layer.output(b, out_y, begin);
          depthwise3x3_paired_run(&job);
        }
        if ((end - begin) % 2 != 0) layer.pixel(b, out_y, end - 1);
      });
}

// A 1x1 unpadded layer of stride 1 whose depth is not a whole number of
// 16-tap steps: every pixel's column is read straight from the input, the
// k_padded - in_c bytes past its depth (the next pixels', which meet zero
// weights) included, wherever that read stays inside the input; the last
// pixels, whose reads would not, are gathered into the zero-padded column.
void shallow_pointwise(const kernels::ConvLayer<Conv>& layer, ConvPixelsJob job) {
  const Conv2DParams& p = layer.params();
  const int32_t pixels = p.batches * p.out_h * p.out_w;  // fits: the output's size does
  const int32_t past = layer.k_padded() - p.in_c;
  const int32_t last = (past + p.in_c - 1) / p.in_c;  // pixels whose reads would leave it
  const int32_t gathered = pixels < last ? pixels : last;
  job.input = layer.input();
  job.out = layer.output(0, 0, 0);
  job.pixel_step = job.row_bytes = job.row_step = p.in_c;
  job.rows = 1;
  if (pixels > gathered) {
    job.pixels = pixels - gathered;
    job.column = nullptr;
    conv_pixels(&job);
    job.input += job.pixels * p.in_c;
    job.out += job.pixels * p.out_c;
  }
  job.pixels = gathered;
  job.column = layer.column_scratch();
  memset(job.column + p.in_c, 0, static_cast<size_t>(past));
  conv_pixels(&job);
}

}  // namespace

// Through conv_pixels (conv_by_pixel_runs): the routine reads a direct
// convolution's columns from the input and gathers other windows' rows into
// the column scratch first (but see shallow_pointwise).
void conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::ConvLayer<Conv> layer(params, inputs, outputs);
  const Conv2DParams& p = layer.params();
  const int32_t blocks = p.out_c / kConvChannelBlock, k_padded = layer.k_padded();
  if (blocks == 0) {
    kernels::packed_conv2d_s8<Conv>(params, inputs, outputs);
    return;
  }
  const int32_t tail = p.out_c - blocks * kConvChannelBlock;
  ConvPixelsJob job{};
  job.records = layer.records();
  job.blocks = blocks;
  job.steps = k_padded / 16;
  job.offset = p.output_offset;
  job.act_min = p.act_min;
  job.act_max = p.act_max;
  if (tail == 0 && p.k_h == 1 && p.k_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 &&
      p.pad_w == 0 && !layer.direct()) {
    shallow_pointwise(layer, job);
    return;
  }
  const uint8_t* tail_records = layer.records() + blocks * layer.record_bytes();
  kernels::conv_by_pixel_runs(
      layer, job, tail == 0 && p.dilation_w == 1, layer.column_scratch(),
      [](const ConvPixelsJob& j) { conv_pixels(&j); },
      [&](const ConvPixelsJob& j) {
        if (tail > 0) {
          kernels::pixel_by_blocks<Conv>(layer.stage(), j.input, tail_records, k_padded, tail,
                                         j.out + blocks * kConvChannelBlock);
        }
      });
}

// For a 3x3 layer, each output row's pixels whose windows lie inside the input
// run through depthwise3x3_run (the paired layout: depthwise3x3_paired_run)
// in one call, the border pixels through depthwise3x3_window (Depthwise::pixel;
// DepthwisePaired::pixel); other layers go pixel by pixel. Layers of eight
// channels and stride 1 go by pairs of pixels (depthwise_pixel_pairs).
void depthwise_conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const PackedLayout layout = arm_mve_depthwise_layout(*static_cast<const Conv2DParams*>(params));
  if (layout.pixel_pairs) {
    depthwise_pixel_pairs(params, inputs, outputs);
    return;
  }
  if (layout.offset_folded) {
    const kernels::DepthwiseLayer<DepthwisePaired> layer(params, inputs, outputs);
    const Conv2DParams& p = layer.params();
    kernels::depthwise3x3_by_pixel_runs(
        layer,
        Depthwise::job3x3(layer.records(), p.in_c / 16, p.dilation_w * p.in_c,
                          p.dilation_h * p.in_w * p.in_c, p.input_offset, layer.stage()),
        [](const Depthwise3x3Job& j) { depthwise3x3_paired_run(&j); });
    return;
  }
  const kernels::DepthwiseLayer<Depthwise> layer(params, inputs, outputs);
  const Conv2DParams& p = layer.params();
  if (p.k_h != 3 || p.k_w != 3) {
    kernels::for_each_output_pixel(
        p, [&](int32_t b, int32_t out_y, int32_t out_x) { layer.pixel(b, out_y, out_x); });
    return;
  }
  kernels::depthwise3x3_by_pixel_runs(
      layer,
      Depthwise::job3x3(layer.records(), p.in_c / 8, p.dilation_w * p.in_c,
                        p.dilation_h * p.in_w * p.in_c, p.input_offset, layer.stage()),
      [](const Depthwise3x3Job& j) { depthwise3x3_run(&j); });
}

// 16x8 convolutions (and fully connected layers, as 1x1 convolutions): the
// reference's loops with this instruction set's inner product.
void conv2d_s16(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_16x8<int64_t>(params, inputs, outputs, dot_s16_s8, dot2_s16_s8);
}

void conv2d_s16_b32(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::conv2d_16x8<int32_t>(params, inputs, outputs, dot_s16_s8, dot2_s16_s8);
}

}  // namespace arm_mve
}  // namespace kiln
