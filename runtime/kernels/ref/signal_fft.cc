// Reference SIGNAL_RFFT (int16): TFLite Micro's real FFT, which is KISS FFT
// release v130 built with FIXED_POINT=16. Bit-exactness hangs on KISS's
// order of operations: each butterfly divides its inputs by the radix before
// combining them, every product is rounded to Q15, and every sum is stored
// back into an int16 (so it wraps). The recursion of kf_work is unrolled
// here: the inputs are first put in KISS's (digit-reversed) order, then the
// butterfly stages run from the innermost to the outermost, which performs
// the same operations on the same values.
#include <stdint.h>
#include <string.h>

#include "kiln/kernels.h"
#include "kiln/ops/signal.h"

namespace kiln {
namespace ref {
namespace {

// A complex value. The buffers stay int16 arrays of (re, im) pairs, as the
// operands are, and are read and written through load and store.
struct Cpx {
  int16_t re, im;
};

// KISS's sround: a Q15 product rounded half up, stored in an int16. The sum
// of two products is formed in 64 bits: with real twiddles (|component| <=
// 32767) it fits 32 bits, but a table holding -32768 must not be UB.
inline int16_t round_q15(int64_t x) { return static_cast<int16_t>((x + (1 << 14)) >> 15); }

// C_FIXDIV: a division by the radix, as a rounded multiply by
// floor(32767 / radix).
inline Cpx fixdiv(Cpx a, int32_t divisor) {
  const int32_t k = 32767 / divisor;
  return {round_q15(int64_t{a.re} * k), round_q15(int64_t{a.im} * k)};
}

// C_MUL: each component's two products summed, then rounded once.
inline Cpx mul(Cpx a, Cpx b) {
  return {round_q15(int64_t{a.re} * b.re - int64_t{a.im} * b.im),
          round_q15(int64_t{a.re} * b.im + int64_t{a.im} * b.re)};
}

// C_ADD and C_SUB: int arithmetic stored back into int16.
inline Cpx add(Cpx a, Cpx b) {
  return {static_cast<int16_t>(a.re + b.re), static_cast<int16_t>(a.im + b.im)};
}
inline Cpx sub(Cpx a, Cpx b) {
  return {static_cast<int16_t>(a.re - b.re), static_cast<int16_t>(a.im - b.im)};
}

// HALF_OF: the int sum of two int16 halved, which always fits an int16.
inline int16_t half(int32_t x) { return static_cast<int16_t>(x >> 1); }

inline Cpx load(const int16_t* v, int32_t i) { return {v[2 * i], v[2 * i + 1]}; }
inline void store(int16_t* v, int32_t i, Cpx c) {
  v[2 * i] = c.re;
  v[2 * i + 1] = c.im;
}

// kf_bfly2 on the m pairs (j, j + m) of one block.
void butterfly2(int16_t* f, const int16_t* twiddles, int32_t stride, int32_t m) {
  for (int32_t j = 0; j < m; ++j) {
    const Cpx a = fixdiv(load(f, j), 2);
    const Cpx t = mul(fixdiv(load(f, j + m), 2), load(twiddles, j * stride));
    store(f, j + m, sub(a, t));
    store(f, j, add(a, t));
  }
}

// kf_bfly4 (forward) on the m quadruples (j, j + m, j + 2m, j + 3m).
void butterfly4(int16_t* f, const int16_t* twiddles, int32_t stride, int32_t m) {
  for (int32_t j = 0; j < m; ++j) {
    const Cpx a0 = fixdiv(load(f, j), 4);
    const Cpx s0 = mul(fixdiv(load(f, j + m), 4), load(twiddles, j * stride));
    const Cpx s1 = mul(fixdiv(load(f, j + 2 * m), 4), load(twiddles, 2 * j * stride));
    const Cpx s2 = mul(fixdiv(load(f, j + 3 * m), 4), load(twiddles, 3 * j * stride));
    const Cpx s5 = sub(a0, s1);
    const Cpx a1 = add(a0, s1);
    const Cpx s3 = add(s0, s2);
    const Cpx s4 = sub(s0, s2);
    store(f, j + 2 * m, sub(a1, s3));
    store(f, j, add(a1, s3));
    store(f, j + m, {static_cast<int16_t>(s5.re + s4.im), static_cast<int16_t>(s5.im - s4.re)});
    store(f, j + 3 * m, {static_cast<int16_t>(s5.re - s4.im), static_cast<int16_t>(s5.im + s4.re)});
  }
}

// KISS's kf_factor on a power of two: radix 4 while the remaining length is
// a multiple of 4, then a single radix 2 (the innermost stage).
inline int32_t radix_of(int32_t length) { return length % 4 == 0 ? 4 : 2; }

// The complex FFT of the n pairs z (n a power of two, at least 2) into f.
void complex_fft(const int16_t* z, int16_t* f, const int16_t* twiddles, int32_t n) {
  // Position o of kf_work's output holds the input whose mixed-radix digits
  // are o's in reverse order: at each stage (p, m) the digit o / m % p picks
  // the sub-sequence, which starts `stride` (the product of the outer
  // radixes) further on in the input.
  for (int32_t o = 0; o < n; ++o) {
    int32_t source = 0, rest = o, stride = 1;
    for (int32_t m = n; m > 1;) {
      const int32_t p = radix_of(m);
      m /= p;
      source += rest / m * stride;
      rest %= m;
      stride *= p;
    }
    store(f, o, load(z, source));
  }
  // The stages, innermost first. The innermost has m = 1: a radix 2 when
  // log2(n) is odd (what is left of n after the radix 4s), else a radix 4.
  // Each stage outwards has blocks p times wider; a stage of blocks of
  // p * m elements reads every (n / (p * m))-th twiddle.
  int32_t m = n;
  while (m % 4 == 0) m /= 4;
  if (m == 2) {
    for (int32_t b = 0; b < n; b += 2) butterfly2(f + 2 * b, twiddles, n / 2, 1);
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
  // Scratch: the zero-padded row, then its transform.
  int16_t* padded = static_cast<int16_t*>(outputs[1]);
  int16_t* z = padded + p.fft_length;
  const int32_t n = p.fft_length / 2;

  for (int32_t r = 0; r < p.rows; ++r) {
    memcpy(padded, input + r * p.input_length, static_cast<size_t>(p.input_length) * 2);
    memset(padded + p.input_length, 0, static_cast<size_t>(p.fft_length - p.input_length) * 2);
    // kiss_fftr reads the real row as n complex values (x[2k], x[2k + 1]).
    complex_fft(padded, z, twiddles, n);
    int16_t* row = out + r * (n + 1) * 2;

    // The split step: the spectrum of the real sequence from Z[k] and
    // conj(Z[n - k]), with the super twiddles exp(-i pi ((k + 1) / n + 1/2)).
    const Cpx dc = fixdiv(load(z, 0), 2);
    store(row, 0, {static_cast<int16_t>(dc.re + dc.im), 0});  // |dc| <= 16384: no wrap
    store(row, n, {static_cast<int16_t>(dc.re - dc.im), 0});
    for (int32_t k = 1; k <= n / 2; ++k) {
      const Cpx a = fixdiv(load(z, k), 2);
      const Cpx zn = load(z, n - k);  // conjugated in int16: -(-32768) wraps, as in KISS
      const Cpx b = fixdiv({zn.re, static_cast<int16_t>(-zn.im)}, 2);
      const Cpx f1 = add(a, b);
      const Cpx tw = mul(sub(a, b), load(super_twiddles, k - 1));
      // At k = n / 2 both stores hit the same bin and the second stands, as
      // in KISS.
      store(row, k, {half(f1.re + tw.re), half(f1.im + tw.im)});
      store(row, n - k, {half(f1.re - tw.re), half(tw.im - f1.im)});
    }
  }
}

}  // namespace ref
}  // namespace kiln
