// CONV_2D (FULLY_CONNECTED as a 1x1 CONV_2D, groups 1) with binary weights:
// each output channel's filter takes two int8 values, and each weight is one
// bit choosing between them (kiln compress --weights binary gives every
// channel -a and +a). int8 activations; the layer computes exactly what the
// int8 kernel computes on the decoded filter.
//
// Operands: input, bits (uint8 [out_c x row_bytes]), values (int8
// [out_c x 2]: each channel's weight for a 0 bit, then for a 1 bit), bias
// (int32, optional), per-channel requantization (int32: out_c multipliers
// then out_c shifts); outputs: output, scratch (B1Scratch: 8 tables of 16
// int32, out_c uint32 sums, then the window of row_bytes x 8 int16).
//
//   Bits: each output channel's filter in its int8 order (OHWI), weight i at
//   bit i % 8 of byte i / 8 of the channel's row, rows of b1_row_bytes bytes
//   (a row's last byte padded with zero bits), so every row starts on a byte.
//
// The kernel sums with a channel's two values factored out: the dot product
// of an output pixel's window x with the filter is v0 * sum(x + offset) +
// (v1 - v0) * sum over the 1 bits of (x + offset). Both sums are exact in
// the 32-bit wrapping accumulator, so this is the int8 kernel's result bit
// for bit, and the first sum serves every output channel. The window (x +
// offset, 0 in the padding) is gathered once per pixel; with many output
// channels, the second sum is read from tables: for each four values of the
// window, the sums of its 16 subsets, so one table load adds four weights'
// worth, and each table, built once per pixel, serves every channel.
#ifndef KILN_OPS_CONV2D_B1_H
#define KILN_OPS_CONV2D_B1_H

#include "kiln/ops/conv2d.h"

namespace kiln {

// The weights of one output channel's filter, and the bytes of its bits.
inline int32_t b1_row(const Conv2DParams& p) { return p.k_h * p.k_w * p.filter_in_c; }
inline int32_t b1_row_bytes(const Conv2DParams& p) { return (b1_row(p) + 7) / 8; }

// The decoded weight `i` of a channel's row of bits under its two values.
inline int8_t b1_weight(const uint8_t* row_bits, const int8_t* values, int32_t i) {
  return values[(row_bits[i >> 3] >> (i & 7)) & 1];
}

// Output channels from which the kernel sums through subset tables (fewer
// would not repay building them).
constexpr int32_t kB1TableMinChannels = 16;
constexpr int32_t kB1NibbleEntries = 16;  // the subsets of four window values
constexpr int32_t kB1PassBytes = 4;       // bytes of bits summed per pass over the channels

// The scratch buffer's layout (the arena aligns it).
struct B1Scratch {
  int32_t tables[2 * kB1PassBytes][kB1NibbleEntries];
  // Followed by the sums (uint32 [out_c], wrapping), then the window
  // (int16 [row_bytes x 8]).
  uint32_t* sums() { return reinterpret_cast<uint32_t*>(this + 1); }
  int16_t* window(int32_t out_c) { return reinterpret_cast<int16_t*>(sums() + out_c); }
};

// The Helium variant sums a channel's 1 bits 16 at a time with predicated
// VADDVA: the window stays int8 (the padding holds the zero point, so its
// inputs plus offset are 0), and the predicate is 16 bits of the row. Its
// scratch: the window (int8, row_bytes x 8 rounded up to 16).
inline int32_t b1_window_lanes(const Conv2DParams& p) { return (b1_row_bytes(p) + 1) / 2 * 16; }

inline bool conv2d_b1_operand_sizes(const Conv2DParams& p, OperandSizes* s) {
  if (!conv2d_operand_sizes(p, 1, false, s) || p.filter_in_c != p.in_c) return false;
  s->inputs[4] = s->inputs[3];
  s->inputs[3] = s->inputs[2];
  s->inputs[1] = static_cast<uint32_t>(p.out_c) * static_cast<uint32_t>(b1_row_bytes(p));
  s->inputs[2] = static_cast<uint32_t>(p.out_c) * 2;
  s->num_inputs = 5;
  // The filter's int8 bytes bound row_bytes x 8 and out_c, so this stays small.
  const uint64_t scratch = sizeof(B1Scratch) + 4 * static_cast<uint64_t>(p.out_c) +
                           16 * static_cast<uint64_t>(b1_row_bytes(p));
  s->outputs[1] = scratch > kMaxOperandBytes ? 0 : static_cast<uint32_t>(scratch);
  s->num_outputs = 2;
  return s->outputs[1] != 0;
}

inline bool conv2d_b1_helium_operand_sizes(const Conv2DParams& p, OperandSizes* s) {
  if (!conv2d_b1_operand_sizes(p, s)) return false;
  s->outputs[1] = static_cast<uint32_t>(b1_window_lanes(p));
  return true;
}

}  // namespace kiln

#endif  // KILN_OPS_CONV2D_B1_H
