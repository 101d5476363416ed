// The loops of the 16x8 depthwise convolution's variants (int16 activations,
// int8 weights, depth multiplier 1). The taps of an output pixel that fall
// inside the input form a rectangle; each instruction set sums a block of
// channels over it with the sums in registers, and the 64-bit bias and
// requantization follow as in the reference (kernels/ref/conv2d_16x8.cc).
// A tap's product is at most 2^22 in magnitude (-32768 * -128), so the sums
// of up to kDepthwise16x8MaxTaps taps are exact in 32 bits: the variants give
// the reference's bits.
#ifndef KILN_RUNTIME_KERNELS_COMMON_DEPTHWISE_16X8_H
#define KILN_RUNTIME_KERNELS_COMMON_DEPTHWISE_16X8_H

#include <stdint.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d.h"

namespace kiln {
namespace kernels {

// One output pixel's taps inside the input, at a block's first channel:
// `rows` x `cols` taps, `cols` apart by `input_col_step` activations and
// `channels` weights, rows by `input_row_step` and `filter_row_step`.
struct TapRectangle {
  const int16_t* input;
  const int8_t* filter;
  int32_t rows, cols;
  int32_t input_col_step, input_row_step;
  int32_t channels, filter_row_step;
};

// The taps t in [0, taps) whose position origin + dilation * t lies in
// [0, size): [*first, *end).
inline void taps_inside(int32_t origin, int32_t dilation, int32_t taps, int32_t size,
                        int32_t* first, int32_t* end) {
  *first = origin < 0 ? (-origin + dilation - 1) / dilation : 0;
  const int32_t past = size - origin;  // positions left from the origin
  *end = past <= 0 ? 0 : (past + dilation - 1) / dilation;
  if (*end > taps) *end = taps;
  if (*first > *end) *first = *end;
}

// The sums of `lanes` channels over the rectangle, one product at a time
// (the variants' channel tails, and their portable form).
inline void depthwise_16x8_sums_portable(const TapRectangle& t, int32_t lanes, int32_t* sums) {
  for (int32_t l = 0; l < lanes; ++l) {
    int32_t acc = 0;
    for (int32_t r = 0; r < t.rows; ++r) {
      for (int32_t c = 0; c < t.cols; ++c) {
        acc += t.input[r * t.input_row_step + c * t.input_col_step + l] *
               t.filter[r * t.filter_row_step + c * t.channels + l];
      }
    }
    sums[l] = acc;
  }
}

// BlockSums(taps, lanes, sums): the sums of `lanes` (at most Block) channels
// from the rectangle's first (a template argument, so that it is inlined).
template <int32_t Block, void (*BlockSums)(const TapRectangle&, int32_t, int32_t*)>
void depthwise_16x8(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DParams& p = *static_cast<const Conv2DParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int64_t* bias = static_cast<const int64_t*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int16_t* output = static_cast<int16_t*>(outputs[0]);
  const int32_t channels = p.out_c;

  // Channel blocks outermost, so that each channel's bias and requantization
  // are prepared once for all pixels.
  for (int32_t c = 0; c < channels; c += Block) {
    const int32_t lanes = channels - c < Block ? channels - c : Block;
    fp::Requant64 requant[Block];
    int64_t biases[Block];
    for (int32_t l = 0; l < lanes; ++l) {
      requant[l] = fp::prepare_requant_64(multipliers[c + l], shifts[c + l]);
      biases[l] = bias ? bias[c + l] : 0;
    }
    for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
      const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
      const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
      int32_t fy, fy_end, fx, fx_end;
      taps_inside(in_y_origin, p.dilation_h, p.k_h, p.in_h, &fy, &fy_end);
      taps_inside(in_x_origin, p.dilation_w, p.k_w, p.in_w, &fx, &fx_end);
      TapRectangle taps{};
      taps.rows = fy_end - fy;
      taps.cols = fx_end - fx;
      taps.input_col_step = p.dilation_w * channels;
      taps.input_row_step = p.dilation_h * p.in_w * channels;
      taps.channels = channels;
      taps.filter_row_step = p.k_w * channels;
      // Without taps (a pixel wholly in the padding) nothing is read.
      const bool any = taps.rows > 0 && taps.cols > 0;
      const int32_t in_y = in_y_origin + p.dilation_h * fy;
      const int32_t in_x = in_x_origin + p.dilation_w * fx;
      taps.input = any ? input + ((b * p.in_h + in_y) * p.in_w + in_x) * channels + c : input;
      taps.filter = any ? filter + (fy * p.k_w + fx) * channels + c : filter;
      int32_t sums[Block];
      BlockSums(taps, lanes, sums);
      int16_t* out = output + output_index(p, b, out_y, out_x, c);
      for (int32_t l = 0; l < lanes; ++l) {
        const int32_t v = fp::requantize_64(int64_t{sums[l]} + biases[l], requant[l]);
        out[l] = static_cast<int16_t>(
            fp::clamp(fp::saturating_add(v, p.output_offset), p.act_min, p.act_max));
      }
    });
  }
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_DEPTHWISE_16X8_H
