// The loop nest of the fast CONV_2D_S8_W4 variants (kiln/ops/conv2d_w4.h),
// written once: groups == 1 and an even number of input channels, so every
// run of weights starts on an index byte. Each output pixel's channels are
// taken four at a time, so every input word a variant loads serves four
// filters. A filter row's taps inside the input are one run (NHWC keeps
// them contiguous when the dilation is 1); taps in the padding are skipped,
// as the reference skips them. A variant supplies
//
//   struct Dot {
//     static constexpr int32_t kBookBytes;  // one codebook in the variant's form
//     // acc[k] += sum over n (even) inputs x of (x + offset) * filter k's
//     // weights, whose indices start at idx[k] and decode through book[k]
//     // (the layer's codebook, or the filter's own).
//     static void dot4(int32_t acc[4], const int8_t* x, const uint8_t* const idx[4],
//                      int32_t n, int32_t offset, const void* const book[4]);
//     static int32_t dot1(int32_t acc, const int8_t* x, const uint8_t* idx, int32_t n,
//                         int32_t offset, const void* book);
//   };
#ifndef KILN_RUNTIME_KERNELS_COMMON_CONV_W4_H
#define KILN_RUNTIME_KERNELS_COMMON_CONV_W4_H

#include <stdint.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d_w4.h"

namespace kiln {
namespace kernels {

template <typename Dot>
void conv2d_s8_w4(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DW4Params& pw = *static_cast<const Conv2DW4Params*>(params);
  const Conv2DParams& p = pw.conv;
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const uint8_t* indices = static_cast<const uint8_t*>(inputs[1]);
  const uint8_t* books = static_cast<const uint8_t*>(inputs[2]);
  auto book = [&](int32_t oc) -> const void* {
    return books + (pw.codebooks == 1 ? 0 : oc * Dot::kBookBytes);
  };
  const int32_t* bias = static_cast<const int32_t*>(inputs[3]);
  const fp::PreparedRequant* requant = static_cast<const fp::PreparedRequant*>(inputs[4]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  const int32_t row_bytes = p.k_h * p.k_w * p.in_c / 2;

  auto store = [&](int32_t b, int32_t y, int32_t x, int32_t oc, int32_t acc) {
    if (bias)
      acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(bias[oc]));
    output[output_index(p, b, y, x, oc)] = static_cast<int8_t>(
        fp::requantize_prepared(acc, requant[oc], p.output_offset, p.act_min, p.act_max));
  };
  // Calls run(x, first weight, length) for each run of taps of output
  // pixel (b, out_y, out_x) inside the input.
  auto for_each_run = [&](int32_t b, int32_t out_y, int32_t out_x, auto run) {
    const int32_t y0 = out_y * p.stride_h - p.pad_h, x0 = out_x * p.stride_w - p.pad_w;
    for (int32_t fy = 0; fy < p.k_h; ++fy) {
      const int32_t in_y = y0 + p.dilation_h * fy;
      if (in_y < 0 || in_y >= p.in_h) continue;
      const int8_t* row = input + (b * p.in_h + in_y) * p.in_w * p.in_c;
      if (p.dilation_w == 1) {
        const int32_t first = x0 < 0 ? -x0 : 0;
        const int32_t last = x0 + p.k_w > p.in_w ? p.in_w - x0 : p.k_w;
        if (first < last) {
          run(row + (x0 + first) * p.in_c, (fy * p.k_w + first) * p.in_c, (last - first) * p.in_c);
        }
        continue;
      }
      for (int32_t fx = 0; fx < p.k_w; ++fx) {
        const int32_t in_x = x0 + p.dilation_w * fx;
        if (in_x >= 0 && in_x < p.in_w)
          run(row + in_x * p.in_c, (fy * p.k_w + fx) * p.in_c, p.in_c);
      }
    }
  };
  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    int32_t oc = 0;
    for (; oc + 4 <= p.out_c; oc += 4) {
      int32_t acc[4] = {0, 0, 0, 0};
      const void* const block_books[4] = {book(oc), book(oc + 1), book(oc + 2), book(oc + 3)};
      for_each_run(b, out_y, out_x, [&](const int8_t* x, int32_t weight, int32_t n) {
        const uint8_t* first = indices + oc * row_bytes + weight / 2;
        const uint8_t* const idx[4] = {first, first + row_bytes, first + 2 * row_bytes,
                                       first + 3 * row_bytes};
        Dot::dot4(acc, x, idx, n, p.input_offset, block_books);
      });
      for (int32_t k = 0; k < 4; ++k) store(b, out_y, out_x, oc + k, acc[k]);
    }
    for (; oc < p.out_c; ++oc) {
      int32_t acc = 0;
      for_each_run(b, out_y, out_x, [&](const int8_t* x, int32_t weight, int32_t n) {
        acc = Dot::dot1(acc, x, indices + oc * row_bytes + weight / 2, n, p.input_offset, book(oc));
      });
      store(b, out_y, out_x, oc, acc);
    }
  });
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_CONV_W4_H
