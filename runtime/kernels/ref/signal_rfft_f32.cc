// Reference SIGNAL_RFFT_F32: the real FFT of each zero-padded row, computed
// as kiss_fftr computes it (a complex FFT of the n = fft_length / 2 pairs
// (x[2k], x[2k + 1]), then the split step), here with an iterative radix-2
// complex FFT. The float front-ends (MFCC, log-mel, spectral features) run
// on it; TFLM's float SignalRfft imports to it.
#include <stdint.h>
#include <string.h>

#include "kiln/kernels.h"
#include "kiln/ops/signal.h"

namespace kiln {
namespace ref {
namespace {

// In-place complex FFT of n (re, im) pairs, n a power of two; twiddles
// exp(-2 pi i k / n) for k < n / 2.
void complex_fft(float* z, const float* twiddles, int32_t n) {
  for (int32_t i = 1, j = 0; i < n; ++i) {  // bit-reversed order
    int32_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j |= bit;
    if (i < j) {
      const float re = z[2 * i], im = z[2 * i + 1];
      z[2 * i] = z[2 * j];
      z[2 * i + 1] = z[2 * j + 1];
      z[2 * j] = re;
      z[2 * j + 1] = im;
    }
  }
  for (int32_t half = 1; half < n; half *= 2) {
    const int32_t stride = n / (2 * half);  // every stride-th twiddle
    for (int32_t block = 0; block < n; block += 2 * half) {
      for (int32_t k = 0; k < half; ++k) {
        float* a = z + 2 * (block + k);
        float* b = a + 2 * half;
        const float wr = twiddles[2 * k * stride], wi = twiddles[2 * k * stride + 1];
        const float tr = b[0] * wr - b[1] * wi, ti = b[0] * wi + b[1] * wr;
        b[0] = a[0] - tr;
        b[1] = a[1] - ti;
        a[0] += tr;
        a[1] += ti;
      }
    }
  }
}

}  // namespace

void signal_rfft_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalRfftParams& p = *static_cast<const SignalRfftParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* twiddles = static_cast<const float*>(inputs[1]);
  const float* super_twiddles = static_cast<const float*>(inputs[2]);
  float* out = static_cast<float*>(outputs[0]);
  float* z = static_cast<float*>(outputs[1]);  // the padded row, transformed in place
  const int32_t n = p.fft_length / 2;

  for (int32_t r = 0; r < p.rows; ++r) {
    memcpy(z, input + r * p.input_length, static_cast<size_t>(p.input_length) * 4);
    memset(z + p.input_length, 0, static_cast<size_t>(p.fft_length - p.input_length) * 4);
    complex_fft(z, twiddles, n);
    float* row = out + r * (n + 1) * 2;
    row[0] = z[0] + z[1];
    row[1] = 0.0f;
    row[2 * n] = z[0] - z[1];
    row[2 * n + 1] = 0.0f;
    // X[k] = (F1 + F2 w) / 2 and X[n - k] = conj(F1 - F2 w) / 2 with
    // F1 = Z[k] + conj(Z[n - k]), F2 = Z[k] - conj(Z[n - k]) and
    // w = exp(-i pi ((k + 1) / n + 1/2)) shifted by one (the super twiddles).
    for (int32_t k = 1; k <= n / 2; ++k) {
      const float ar = z[2 * k], ai = z[2 * k + 1];
      const float br = z[2 * (n - k)], bi = -z[2 * (n - k) + 1];
      const float f1r = ar + br, f1i = ai + bi, f2r = ar - br, f2i = ai - bi;
      const float wr = super_twiddles[2 * (k - 1)], wi = super_twiddles[2 * (k - 1) + 1];
      const float tr = f2r * wr - f2i * wi, ti = f2r * wi + f2i * wr;
      // At k = n / 2 both stores hit the same bin, as in KISS.
      row[2 * k] = 0.5f * (f1r + tr);
      row[2 * k + 1] = 0.5f * (f1i + ti);
      row[2 * (n - k)] = 0.5f * (f1r - tr);
      row[2 * (n - k) + 1] = 0.5f * (ti - f1i);
    }
  }
}

}  // namespace ref
}  // namespace kiln
