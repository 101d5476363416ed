// Arm DSP-extension SIGNAL_RFFT (int16): the reference's KISS FFT v130
// (kernels/ref/signal_fft.cc), each complex value one word and each of
// KISS's fixed-point macros a few SIMD instructions (complex_q15.h) instead
// of 64-bit products per component; the same operations on the same values
// in the same order, so the same bits. The digit-reversed input order is
// computed with shifts, the lengths being powers of two.
#include <string.h>

#include "kernels/arm_dsp/complex_q15.h"
#include "kernels/arm_dsp/primitives.h"
#include "kiln/kernels.h"
#include "kiln/ops/signal.h"

namespace kiln {
namespace arm_dsp {
namespace {

constexpr int32_t kHalf = fixdiv_doubled(2), kQuarter = fixdiv_doubled(4);

inline uint32_t word(const int16_t* v, int32_t i) { return load_u32(v + 2 * i); }
inline void put(int16_t* v, int32_t i, uint32_t c) { store_u32(v + 2 * i, c); }

// kf_bfly2 on the m pairs (j, j + m) of one block.
void butterfly2(int16_t* f, const int16_t* twiddles, int32_t stride, int32_t m) {
  for (int32_t j = 0; j < m; ++j) {
    const uint32_t a = cq15_scale(word(f, j), kHalf);
    const uint32_t t = cq15_mul(cq15_scale(word(f, j + m), kHalf), word(twiddles, j * stride));
    put(f, j + m, cq15_sub(a, t));
    put(f, j, cq15_add(a, t));
  }
}

// kf_bfly4 (forward) on the m quadruples (j, j + m, j + 2m, j + 3m).
void butterfly4(int16_t* f, const int16_t* twiddles, int32_t stride, int32_t m) {
  const int16_t* tw1 = twiddles;
  const int16_t* tw2 = twiddles;
  const int16_t* tw3 = twiddles;
  for (int32_t j = 0; j < m; ++j) {
    const uint32_t a0 = cq15_scale(word(f, j), kQuarter);
    const uint32_t s0 = cq15_mul(cq15_scale(word(f, j + m), kQuarter), load_u32(tw1));
    const uint32_t s1 = cq15_mul(cq15_scale(word(f, j + 2 * m), kQuarter), load_u32(tw2));
    const uint32_t s2 = cq15_mul(cq15_scale(word(f, j + 3 * m), kQuarter), load_u32(tw3));
    tw1 += 2 * stride;
    tw2 += 4 * stride;
    tw3 += 6 * stride;
    const uint32_t s5 = cq15_sub(a0, s1);
    const uint32_t a1 = cq15_add(a0, s1);
    const uint32_t s3 = cq15_add(s0, s2);
    const uint32_t s4 = cq15_sub(s0, s2);
    put(f, j + 2 * m, cq15_sub(a1, s3));
    put(f, j, cq15_add(a1, s3));
    put(f, j + m, cq15_sub_i(s5, s4));
    put(f, j + 3 * m, cq15_add_i(s5, s4));
  }
}

// The bits of x in reverse order (RBIT).
inline uint32_t reverse_bits(uint32_t x) {
#if KILN_COMPLEX_Q15_NATIVE
  uint32_t r;
  __asm__("rbit %0, %1" : "=r"(r) : "r"(x));
  return r;
#else
  uint32_t r = 0;
  for (int i = 0; i < 32; ++i) r |= ((x >> i) & 1u) << (31 - i);
  return r;
#endif
}

int32_t log2_of(int32_t n) {
  int32_t l = 0;
  while ((int32_t{1} << l) < n) ++l;
  return l;
}

// The complex FFT of the n pairs z into f, n a power of two of at least 2:
// KISS's radix 4 stages with one radix 2 innermost when log2(n) is odd.
void complex_fft(const int16_t* z, int16_t* f, const int16_t* twiddles, int32_t n) {
  const int32_t bits = log2_of(n);
  // Output o holds the input whose mixed-radix digits (2 bits each from the
  // top, the last 1 bit when `bits` is odd) are o's in reverse order: o's
  // bits reversed, then each 2-bit digit's own two bits put back in order.
  const uint32_t pairs = (uint32_t{1} << (bits & ~1)) - 1;
  for (uint32_t o = 0; o < static_cast<uint32_t>(n); ++o) {
    const uint32_t reversed = reverse_bits(o) >> (32 - bits);
    const uint32_t swapped = ((reversed & 0x55555555u) << 1) | ((reversed >> 1) & 0x55555555u);
    const uint32_t source = (reversed & ~pairs) | (swapped & pairs);
    put(f, static_cast<int32_t>(o), word(z, static_cast<int32_t>(source)));
  }
  int32_t m = 1;
  if (bits & 1) {
    for (int32_t b = 0; b < n; b += 2) butterfly2(f + 2 * b, twiddles, n / 2, 1);
    m = 2;
  }
  for (; m < n; m *= 4) {
    for (int32_t b = 0; b < n; b += 4 * m) butterfly4(f + 2 * b, twiddles, n / (4 * m), m);
  }
}

}  // namespace

void signal_rfft_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalRfftParams& p = *static_cast<const SignalRfftParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  const int16_t* twiddles = static_cast<const int16_t*>(inputs[1]);
  const int16_t* super_twiddles = static_cast<const int16_t*>(inputs[2]);
  int16_t* out = static_cast<int16_t*>(outputs[0]);
  int16_t* padded = static_cast<int16_t*>(outputs[1]);
  int16_t* z = padded + p.fft_length;
  const int32_t n = p.fft_length / 2;

  for (int32_t r = 0; r < p.rows; ++r) {
    memcpy(padded, input + r * p.input_length, static_cast<size_t>(p.input_length) * 2);
    memset(padded + p.input_length, 0, static_cast<size_t>(p.fft_length - p.input_length) * 2);
    complex_fft(padded, z, twiddles, n);
    int16_t* row = out + r * (n + 1) * 2;

    // The split step (the reference's, word by word).
    const uint32_t dc = cq15_scale(word(z, 0), kHalf);
    const int32_t dc_re = static_cast<int16_t>(dc & 0xFFFFu),
                  dc_im = static_cast<int16_t>(dc >> 16);
    put(row, 0, static_cast<uint16_t>(dc_re + dc_im));
    put(row, n, static_cast<uint16_t>(dc_re - dc_im));
    for (int32_t k = 1; k <= n / 2; ++k) {
      const uint32_t a = cq15_scale(word(z, k), kHalf);
      const uint32_t zn = word(z, n - k);
      // conj(zn), its imaginary part negated in int16 (-(-32768) wraps).
      const uint32_t conj = (zn & 0xFFFFu) | (cq15_sub(0, zn) & 0xFFFF0000u);
      const uint32_t b = cq15_scale(conj, kHalf);
      const uint32_t f1 = cq15_add(a, b);
      const uint32_t tw = cq15_mul(cq15_sub(a, b), word(super_twiddles, k - 1));
      put(row, k, cq15_half_add(f1, tw));
      // (f1.re - tw.re, tw.im - f1.im), halved.
      put(row, n - k, (cq15_half_sub(f1, tw) & 0xFFFFu) | (cq15_half_sub(tw, f1) & 0xFFFF0000u));
    }
  }
}

}  // namespace arm_dsp
}  // namespace kiln
