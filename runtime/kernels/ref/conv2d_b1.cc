// CONV_2D with binary weights (kiln/ops/conv2d_b1.h), for every target: per
// output pixel, its window (input plus offset, 0 in the padding) gathered
// into the scratch as int16 with its sum, then per output channel the sum
// over the window where its bits are 1 (through tables of the subset sums
// of every four window values, when the layer has many channels), combined
// with the channel's two values in the 32-bit wrapping accumulator;
// requantized in TFLite's rounding.
#include "kiln/ops/conv2d_b1.h"

#include <stdint.h>
#include <string.h>

#include "kernels/common/conv_b1.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// The window of output pixel (b, out_y, out_x) in the filter's order, row
// padded to whole bytes with zeros; returns its sum (wrapping).
uint32_t gather_window(const Conv2DParams& p, const int8_t* input, int32_t b, int32_t out_y,
                       int32_t out_x, int16_t* window) {
  const int32_t padded = b1_row_bytes(p) * 8;
  for (int32_t i = 0; i < padded; ++i) window[i] = 0;
  uint32_t sum = 0;
  kernels::for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
    const int8_t* x = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c;
    int16_t* w = window + (fy * p.k_w + fx) * p.in_c;
    for (int32_t ic = 0; ic < p.in_c; ++ic) {
      w[ic] = static_cast<int16_t>(x[ic] + p.input_offset);
      sum += static_cast<uint32_t>(w[ic]);
    }
  });
  return sum;
}

// table[s] = the sum of the four values at the set bits of s.
void build_nibble_table(const int16_t* values, int32_t* table) {
  const int32_t v0 = values[0], v1 = values[1], v2 = values[2], v3 = values[3];
  table[0] = 0;
  table[1] = v0;
  table[2] = v1;
  table[3] = v0 + v1;
  for (int32_t s = 0; s < 4; ++s) table[4 + s] = table[s] + v2;
  for (int32_t s = 0; s < 8; ++s) table[8 + s] = table[s] + v3;
}

// sums[oc] = the sum of the window where channel oc's bits are 1, through
// a table per four window values, kB1PassBytes bytes of bits at a time.
void sum_through_tables(const Conv2DParams& p, const uint8_t* bits, const int16_t* window,
                        B1Scratch* scratch, uint32_t* sums) {
  const int32_t row_bytes = b1_row_bytes(p), out_c = p.out_c;
  for (int32_t oc = 0; oc < out_c; ++oc) sums[oc] = 0;
  const int32_t(*table)[kB1NibbleEntries] = scratch->tables;
  for (int32_t first = 0; first < row_bytes; first += kB1PassBytes) {
    const int32_t bytes = row_bytes - first < kB1PassBytes ? row_bytes - first : kB1PassBytes;
    for (int32_t t = 0; t < 2 * bytes; ++t)
      build_nibble_table(window + first * 8 + t * 4, scratch->tables[t]);
    const uint8_t* row = bits + first;
    if (bytes == kB1PassBytes) {
      for (int32_t oc = 0; oc < out_c; ++oc, row += row_bytes) {
        uint32_t w;  // four bytes of bits, the first in the low byte
        memcpy(&w, row, sizeof(w));
        sums[oc] += static_cast<uint32_t>(table[0][w & 15] + table[1][(w >> 4) & 15] +
                                          table[2][(w >> 8) & 15] + table[3][(w >> 12) & 15] +
                                          table[4][(w >> 16) & 15] + table[5][(w >> 20) & 15] +
                                          table[6][(w >> 24) & 15] + table[7][w >> 28]);
      }
      continue;
    }
    for (int32_t oc = 0; oc < out_c; ++oc, row += row_bytes) {
      int32_t sum = 0;
      for (int32_t b = 0; b < bytes; ++b)
        sum += table[2 * b][row[b] & 15] + table[2 * b + 1][row[b] >> 4];
      sums[oc] += static_cast<uint32_t>(sum);
    }
  }
}

// The same sums bit by bit, for layers of few channels.
void sum_bit_by_bit(const Conv2DParams& p, const uint8_t* bits, const int16_t* window,
                    uint32_t* sums) {
  const int32_t row_bytes = b1_row_bytes(p);
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    const uint8_t* row = bits + oc * row_bytes;
    uint32_t sum = 0;
    for (int32_t byte = 0; byte < row_bytes; ++byte) {
      const int16_t* w = window + byte * 8;
      for (uint32_t set = row[byte]; set != 0; set &= set - 1)
        sum += static_cast<uint32_t>(w[__builtin_ctz(set)]);
    }
    sums[oc] = sum;
  }
}

}  // namespace

void conv2d_s8_b1(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::B1Layer l(params, inputs, outputs);
  const Conv2DParams& p = l.p;
  B1Scratch* scratch = static_cast<B1Scratch*>(outputs[1]);
  uint32_t* sums = scratch->sums();
  int16_t* window = scratch->window(p.out_c);

  kernels::for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    const uint32_t all = gather_window(p, l.input, b, out_y, out_x, window);
    if (p.out_c >= kB1TableMinChannels) {
      sum_through_tables(p, l.bits, window, scratch, sums);
    } else {
      sum_bit_by_bit(p, l.bits, window, sums);
    }
    for (int32_t oc = 0; oc < p.out_c; ++oc) l.store(b, out_y, out_x, oc, all, sums[oc]);
  });
}

}  // namespace ref
}  // namespace kiln
