// What the CONV_2D_A1_B1 kernels (kiln/ops/conv2d_a1.h) share: the layer's
// operands, the window's bits gathered from the int8 input, population
// counts of ANDed words, and the output stage of a channel.
#ifndef KILN_RUNTIME_KERNELS_COMMON_CONV_A1_H
#define KILN_RUNTIME_KERNELS_COMMON_CONV_A1_H

#include <stdint.h>
#include <string.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d_a1.h"

namespace kiln {
namespace kernels {

struct A1Layer {
  const Conv2DA1Params& a;
  const Conv2DParams& p;
  const int8_t* input;
  const uint32_t* bits;  // rows of a1_row_words(p) words
  const int8_t* values;  // per channel: the weight of a 0 bit, of a 1 bit
  const int32_t* bias;   // null if none
  const int32_t* stage;  // fp::PreparedRequant entries, or thresholds
  int8_t* output;

  A1Layer(const void* params, const void* const* inputs, void* const* outputs)
      : a(*static_cast<const Conv2DA1Params*>(params)),
        p(a.conv),
        input(static_cast<const int8_t*>(inputs[0])),
        bits(static_cast<const uint32_t*>(inputs[1])),
        values(static_cast<const int8_t*>(inputs[2])),
        bias(static_cast<const int32_t*>(inputs[3])),
        stage(static_cast<const int32_t*>(inputs[4])),
        output(static_cast<int8_t*>(outputs[0])) {}

  // Output channels [first, end) of the pixel whose outputs start at `out`:
  // `ones` counts the window's 1 bits, both[oc - first] those where oc's
  // bits are 1 too.
  void store(int8_t* out, int32_t first, int32_t end, uint32_t ones, const uint32_t* both) const {
    if (a.steps) {
      store_steps(out + first, end - first, values + 2 * first, stage + first, ones, both,
                  static_cast<int8_t>(p.act_min), static_cast<int8_t>(p.act_max));
      return;
    }
    const auto* requant = reinterpret_cast<const fp::PreparedRequant*>(stage);
    for (int32_t oc = first; oc < end; ++oc) {
      uint32_t acc = dot(values + 2 * oc, ones, both[oc - first]);
      if (bias) acc += static_cast<uint32_t>(bias[oc]);
      out[oc] = static_cast<int8_t>(fp::requantize_prepared(static_cast<int32_t>(acc), requant[oc],
                                                            p.output_offset, p.act_min, p.act_max));
    }
  }

 private:
  // A channel's dot product without its bias (wrapping): v0 * ones + (v1 - v0) * both.
  static uint32_t dot(const int8_t* v, uint32_t ones, uint32_t both) {
    return static_cast<uint32_t>(v[0]) * ones + static_cast<uint32_t>(v[1] - v[0]) * both;
  }

  // n channels' outputs by their thresholds (which hold the bias).
  static void store_steps(int8_t* out, int32_t n, const int8_t* values, const int32_t* thresholds,
                          uint32_t ones, const uint32_t* both, int8_t lo, int8_t hi) {
    for (int32_t i = 0; i < n; ++i, values += 2)
      out[i] = static_cast<int32_t>(dot(values, ones, both[i])) >= thresholds[i] ? hi : lo;
  }
};

// An input's bit is the low bit of its difference to the zero point: 0 for
// z, 1 for z + 1. `zeros` is z in each byte.
inline uint32_t a1_zeros(const Conv2DParams& p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(-p.input_offset)) * 0x01010101u;
}

// The bits of four inputs, the first in bit 0: each byte's bit moved to
// bits 28..31 by one multiplication (the other partial products land below
// bit 28 and never carry into it).
inline uint32_t a1_pack4(const int8_t* x, uint32_t zeros) {
  uint32_t u;
  memcpy(&u, x, sizeof(u));
  return (((u ^ zeros) & 0x01010101u) * 0x10204080u) >> 28;
}

// Thirty-two inputs' bits, the first in bit 0.
inline uint32_t a1_pack32(const int8_t* x, uint32_t zeros) {
  uint32_t word = 0;
  for (int32_t k = 0; k < 8; ++k) word |= a1_pack4(x + 4 * k, zeros) << (4 * k);
  return word;
}

// Gathers output pixel (b, out_y, out_x)'s window into `window`, the padding
// as 0 bits.
inline void a1_gather_window(const Conv2DParams& p, const int8_t* input, int32_t b, int32_t out_y,
                             int32_t out_x, uint32_t* window) {
  const int32_t words = a1_row_words(p);
  const uint32_t zeros = a1_zeros(p);
  for (int32_t w = 0; w < words; ++w) window[w] = 0;
  for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
    const int8_t* x = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c;
    int32_t at = (fy * p.k_w + fx) * p.in_c, ic = 0;
    // Whole words while the tap starts one, then nibbles while it starts one.
    if (at % 32 == 0) {
      for (; ic + 32 <= p.in_c; ic += 32, at += 32) window[at / 32] = a1_pack32(x + ic, zeros);
    }
    if (at % 4 == 0) {
      for (; ic + 4 <= p.in_c; ic += 4, at += 4)
        window[at / 32] |= a1_pack4(x + ic, zeros) << (at % 32);
    }
    for (; ic < p.in_c; ++ic, ++at)
      window[at / 32] |= ((static_cast<uint32_t>(x[ic]) ^ zeros) & 1u) << (at % 32);
  });
}

// The masks of the population count. On Arm they are kept in registers
// (the empty asm hides their values from the compiler), where an AND takes
// a register shifted for free but an immediate mask costs a separate shift.
struct A1Masks {
  uint32_t pairs = 0x55555555u, nibbles = 0x33333333u, bytes = 0x0F0F0F0Fu;
  A1Masks() {
#if defined(__arm__)
    __asm__("" : "+r"(pairs), "+r"(nibbles), "+r"(bytes));
#endif
  }
};

// Per nibble of x, how many of its bits are 1 (0 to 4).
inline uint32_t a1_nibble_counts(uint32_t x, const A1Masks& m) {
  x -= (x >> 1) & m.pairs;
  return (x & m.nibbles) + ((x >> 2) & m.nibbles);
}

// Nibble counts (at most 15 each) added up per byte.
inline uint32_t a1_byte_counts(uint32_t nibbles, const A1Masks& m) {
  return (nibbles & m.bytes) + ((nibbles >> 4) & m.bytes);
}

// The sum of the four bytes of x: bytes added in pairs into halfwords,
// then the halfwords by one multiplication (their sum may pass 255).
inline uint32_t a1_sum_bytes(uint32_t x) {
  const uint32_t halves = (x & 0x00FF00FFu) + ((x >> 8) & 0x00FF00FFu);
  return (halves * 0x00010001u) >> 16;
}

// How many bits are 1 in both the window and each of two rows, `words`
// long: the nibble counts of three words add up before they fold into
// bytes (at most 12 per nibble), the bytes of ten such groups before they
// are summed (at most 240 per byte).
inline void a1_count_pair(const uint32_t* window, const uint32_t* r0, const uint32_t* r1,
                          int32_t words, uint32_t* both0, uint32_t* both1) {
  const A1Masks m;
  uint32_t total0 = 0, total1 = 0;
  for (int32_t i = 0; i < words;) {
    const int32_t end = words - i < 30 ? words : i + 30;
    uint32_t bytes0 = 0, bytes1 = 0;
    for (; i + 3 <= end; i += 3) {
      const uint32_t x0 = window[i], x1 = window[i + 1], x2 = window[i + 2];
      bytes0 +=
          a1_byte_counts(a1_nibble_counts(x0 & r0[i], m) + a1_nibble_counts(x1 & r0[i + 1], m) +
                             a1_nibble_counts(x2 & r0[i + 2], m),
                         m);
      bytes1 +=
          a1_byte_counts(a1_nibble_counts(x0 & r1[i], m) + a1_nibble_counts(x1 & r1[i + 1], m) +
                             a1_nibble_counts(x2 & r1[i + 2], m),
                         m);
    }
    for (; i < end; ++i) {
      bytes0 += a1_byte_counts(a1_nibble_counts(window[i] & r0[i], m), m);
      bytes1 += a1_byte_counts(a1_nibble_counts(window[i] & r1[i], m), m);
    }
    total0 += a1_sum_bytes(bytes0);
    total1 += a1_sum_bytes(bytes1);
  }
  *both0 = total0;
  *both1 = total1;
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_CONV_A1_H
