// Reference kernels of TFLM's `signal` audio front-end ops, bit-exact with
// TFLM's portable kernels built with GCC. Every wrap-around of TFLM's C code
// is done here in unsigned arithmetic so that no input value is UB; the
// params are the ones signal_*_operand_sizes accepted (shifts in range).
#include "kiln/ops/signal.h"

#include <stdint.h>

#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// 1-based index of the highest set bit; x must not be 0.
inline int msb32(uint32_t x) { return 32 - __builtin_clz(x); }
inline int msb64(uint64_t x) { return 64 - __builtin_clzll(x); }

// TFLM's bitwise rounded square roots (Sqrt32, Sqrt64): digit by digit from
// the highest even bit position at or below msb(x) - 1, then +1 if the
// remainder exceeds the root and the root is below `max_root`.
template <typename U>
U isqrt_digits(U num, U max_root) {
  constexpr int kBits = static_cast<int>(sizeof(U) * 8);
  if (num == 0) return 0;
  U res = 0;
  const int top = (kBits - msb64(num)) | 1;
  U bit = U{1} << (kBits - 1 - top);
  for (int i = (kBits - 1 - top) / 2 + 1; i > 0; --i) {
    if (num >= res + bit) {
      num -= res + bit;
      res = (res >> 1) + bit;
    } else {
      res >>= 1;
    }
    bit >>= 2;
  }
  if (num > res && res != max_root) ++res;
  return res;
}

uint32_t isqrt32(uint32_t num) { return isqrt_digits<uint32_t>(num, 0xFFFFu); }

// Sqrt64 takes the 32-bit routine below 2^32 (TFLM's shortcut, kept for
// bit-exactness).
uint32_t isqrt64(uint64_t num) {
  if ((num >> 32) == 0) return isqrt32(static_cast<uint32_t>(num));
  return static_cast<uint32_t>(isqrt_digits<uint64_t>(num, 0xFFFFFFFFu));
}

// PCAN's gain: the WDF interpolation of the noise estimate in the LUT
// (TFLM's WideDynamicFunction). The int32 steps cannot overflow: at most
// (32768 * 1023 / 32 + 32768 * 32) * 1023 + 2^14 < 2^31.
int16_t pcan_gain(uint32_t x, const int16_t* lut) {
  if (x <= 2) return lut[x];
  const int n = msb32(x);  // 2..32, so lut[4n - 4] is at most lut[124]
  const int16_t* seg = lut + (4 * n - 6);
  const int32_t frac = static_cast<int32_t>((n < 11 ? x << (11 - n) : x >> (n - 11)) & 0x3FF);
  int32_t r = (seg[2] * frac) >> 5;
  r += seg[1] * 32;
  r *= frac;
  r = (r + (1 << 14)) >> 15;
  r += seg[0];
  return static_cast<int16_t>(r);  // truncated as TFLM does
}

// PCAN's output compression (TFLM's PcanShrink, snr bits 12, output bits 6).
uint32_t pcan_shrink(uint32_t x) {
  if (x < (2u << 12)) return (x * x) >> 20;  // x * x < 2^26
  return (x >> 6) - (1u << 6);               // x >> 6 >= 128
}

// log2 fraction corrections: 128 segments, the end point and one pad
// (tables/filter_bank_log_lut.json).
constexpr int kLogSegmentsLog2 = 7;
constexpr int kLogScaleLog2 = 16;
constexpr uint64_t kLogCoeff = 45426;  // ln(2) * 2^16
constexpr uint32_t kLogRound = uint32_t{1} << (kLogScaleLog2 - 1);
static const uint16_t kLogLut[130] = {
    0,    224,  442,  654,  861,  1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646,
    2797, 2944, 3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460,
    4549, 4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408,
    5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633,
    5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249,
    5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341,
    4264, 4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981,
    2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224,
    1094, 963,  830,  695,  559,  421,  282,  142,  0,    0};

// TFLM's Log32: output_scale * ln(v) in 16-bit fixed point, v > 1.
uint32_t log32(uint32_t v, uint32_t output_scale) {
  const int n = msb32(v) - 1;  // 1..31
  // The part below the top bit, as a 16-bit fraction f < 2^16.
  const uint32_t below = v - (uint32_t{1} << n);
  const int32_t f = static_cast<int32_t>(n < kLogScaleLog2 ? below << (kLogScaleLog2 - n)
                                                           : below >> (n - kLogScaleLog2));
  const int32_t index = f >> (kLogScaleLog2 - kLogSegmentsLog2);  // < 128
  const int32_t c0 = kLogLut[index], c1 = kLogLut[index + 1];
  const int32_t correction =
      c0 + (((c1 - c0) * (f - (index << (kLogScaleLog2 - kLogSegmentsLog2)))) >> kLogScaleLog2);
  const uint32_t log2 = (static_cast<uint32_t>(n) << kLogScaleLog2) + static_cast<uint32_t>(f) +
                        static_cast<uint32_t>(correction);
  const uint32_t ln = static_cast<uint32_t>((kLogCoeff * log2 + kLogRound) >> kLogScaleLog2);
  return (output_scale * ln + kLogRound) >> kLogScaleLog2;  // wraps as TFLM's uint32
}

// SIGNAL_FILTER_BANK's bands (kiln/ops/signal.h) over energies of type
// Energy with weights of type Weight, summed in Sum: each band's weighted sum
// is its output (band 0's is dropped), its unweighted one starts the next.
template <typename Energy, typename Weight, typename Sum>
void accumulate_bands(const SignalFilterBankParams& p, const void* const* inputs, Sum* out) {
  const Energy* energy = static_cast<const Energy*>(inputs[0]);
  const Weight* weights = static_cast<const Weight*>(inputs[1]);
  const Weight* unweights = static_cast<const Weight*>(inputs[2]);
  const int16_t* freq_starts = static_cast<const int16_t*>(inputs[3]);
  const int16_t* weight_starts = static_cast<const int16_t*>(inputs[4]);
  const int16_t* widths = static_cast<const int16_t*>(inputs[5]);
  // The tables may be computed at run time: check every band before reading.
  for (int32_t c = 0; c <= p.num_channels; ++c) {
    if (!signal_filter_bank_band_ok(p, freq_starts[c], weight_starts[c], widths[c])) {
      for (int32_t i = 0; i < p.num_channels; ++i) out[i] = 0;
      return;
    }
  }
  Sum weighted = 0, unweighted = 0;
  for (int32_t c = 0; c <= p.num_channels; ++c) {
    for (int32_t j = 0; j < widths[c]; ++j) {
      const Sum e = energy[freq_starts[c] + j];
      const int32_t k = weight_starts[c] + j;
      weighted += static_cast<Sum>(weights[k]) * e;
      unweighted += static_cast<Sum>(unweights[k]) * e;
    }
    if (c > 0) out[c - 1] = weighted;  // band 0 only feeds band 1
    weighted = unweighted;
    unweighted = 0;
  }
}

}  // namespace

void signal_window_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalWindowParams& p = *static_cast<const SignalWindowParams*>(params);
  const int16_t* x = static_cast<const int16_t*>(inputs[0]);
  const int16_t* w = static_cast<const int16_t*>(inputs[1]);
  int16_t* out = static_cast<int16_t*>(outputs[0]);
  for (int32_t r = 0; r < p.rows; ++r) {
    for (int32_t i = 0; i < p.length; ++i) {
      // |x * w| <= 2^30: the product fits int32.
      const int32_t v = (x[r * p.length + i] * w[i]) >> p.shift;
      out[r * p.length + i] = static_cast<int16_t>(v < INT16_MIN   ? INT16_MIN
                                                   : v > INT16_MAX ? INT16_MAX
                                                                   : v);
    }
  }
}

void signal_fft_auto_scale_s16(const void* params, const void* const* inputs,
                               void* const* outputs) {
  const SignalFftAutoScaleParams& p = *static_cast<const SignalFftAutoScaleParams*>(params);
  const int16_t* x = static_cast<const int16_t*>(inputs[0]);
  int16_t* out = static_cast<int16_t*>(outputs[0]);
  // TFLM keeps the running maximum magnitude in int16, where -32768's
  // magnitude wraps to -32768 (so a later, smaller magnitude replaces it):
  // reproduced, for bit-exactness on full-scale negative samples.
  int16_t max = 0;
  for (int32_t i = 0; i < p.length; ++i) {
    if (x[i] > max) {
      max = x[i];
    } else if (-x[i] > max) {
      max = static_cast<int16_t>(-x[i]);
    }
  }
  // TFLM built with GCC takes msb(0) as 32: an all-zero frame gets scale 0;
  // a wrapped maximum (negative) has its sign-extended bit 32 set: scale 0.
  const int32_t bits = max == 0 ? 32 : msb32(static_cast<uint32_t>(static_cast<int32_t>(max)));
  const int32_t scale = bits < 15 ? 15 - bits : 0;
  // Shifted in uint32 (a negative left shift is UB) and truncated to int16
  // as TFLM's int multiply is; only samples around a wrapped maximum overflow.
  for (int32_t i = 0; i < p.length; ++i) {
    out[i] = static_cast<int16_t>(static_cast<uint32_t>(x[i]) << scale);
  }
  *static_cast<int32_t*>(outputs[1]) = scale;
}

void signal_energy_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalEnergyParams& p = *static_cast<const SignalEnergyParams*>(params);
  const int16_t* spectrum = static_cast<const int16_t*>(inputs[0]);
  uint32_t* out = static_cast<uint32_t*>(outputs[0]);
  for (int32_t r = 0; r < p.rows; ++r) {
    for (int32_t i = 0; i < p.bins; ++i) {
      const int32_t k = r * p.bins + i;
      if (i < p.start_index || i >= p.end_index) {
        out[k] = 0;  // TFLM leaves these unwritten; kiln defines them
        continue;
      }
      // Summed in uint32: (-32768)^2 * 2 = 2^31 overflows int32 in TFLM and
      // is stored as its bit pattern.
      const int32_t re = spectrum[2 * k], im = spectrum[2 * k + 1];
      out[k] = static_cast<uint32_t>(re * re) + static_cast<uint32_t>(im * im);
    }
  }
}

void signal_filter_bank(const void* params, const void* const* inputs, void* const* outputs) {
  // uint64 as TFLM: a negative weight sign-extends and the sums wrap.
  accumulate_bands<uint32_t, int16_t, uint64_t>(*static_cast<const SignalFilterBankParams*>(params),
                                                inputs, static_cast<uint64_t*>(outputs[0]));
}

void signal_energy_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalEnergyParams& p = *static_cast<const SignalEnergyParams*>(params);
  const float* spectrum = static_cast<const float*>(inputs[0]);
  float* out = static_cast<float*>(outputs[0]);
  for (int32_t r = 0; r < p.rows; ++r) {
    for (int32_t i = 0; i < p.bins; ++i) {
      const int32_t k = r * p.bins + i;
      const float re = spectrum[2 * k], im = spectrum[2 * k + 1];
      out[k] = i < p.start_index || i >= p.end_index ? 0.0f : re * re + im * im;
    }
  }
}

void signal_filter_bank_f32(const void* params, const void* const* inputs, void* const* outputs) {
  accumulate_bands<float, float, float>(*static_cast<const SignalFilterBankParams*>(params), inputs,
                                        static_cast<float*>(outputs[0]));
}

void signal_filter_bank_square_root(const void* params, const void* const* inputs,
                                    void* const* outputs) {
  const SignalFilterBankSquareRootParams& p =
      *static_cast<const SignalFilterBankSquareRootParams*>(params);
  const uint64_t* x = static_cast<const uint64_t*>(inputs[0]);
  // The scale bits are data (FftAutoScale's output, 0..15 there) but may be
  // anything: TFLM's `root >> bits` is UB outside 0..31, so a negative count
  // is taken as 0 and 32 or more gives 0.
  const int32_t bits = *static_cast<const int32_t*>(inputs[1]);
  uint32_t* out = static_cast<uint32_t*>(outputs[0]);
  for (int32_t i = 0; i < p.channels; ++i) {
    out[i] = bits >= 32 ? 0 : isqrt64(x[i]) >> (bits < 0 ? 0 : bits);
  }
}

void signal_spectral_subtraction(const void* params, const void* const* inputs,
                                 void* const* outputs) {
  const SignalSpectralSubtractionParams& p =
      *static_cast<const SignalSpectralSubtractionParams*>(params);
  const uint32_t* x = static_cast<const uint32_t*>(inputs[0]);
  uint32_t* out = static_cast<uint32_t*>(outputs[0]);
  uint32_t* estimate_out = static_cast<uint32_t*>(outputs[1]);
  uint32_t* noise = static_cast<uint32_t*>(outputs[2]);  // the state, updated in place
  for (int32_t i = 0; i < p.channels; ++i) {
    const bool even = (i & 1) == 0;
    const uint64_t smoothing = static_cast<uint32_t>(even ? p.smoothing : p.alternate_smoothing);
    const uint64_t one_minus =
        static_cast<uint32_t>(even ? p.one_minus_smoothing : p.alternate_one_minus_smoothing);
    const uint32_t input = x[i];
    const uint32_t s = input << p.smoothing_bits;  // wraps as TFLM's uint32
    uint32_t n = static_cast<uint32_t>((s * smoothing + noise[i] * one_minus) >>
                                       p.spectral_subtraction_bits);
    uint32_t estimate = n;
    if (estimate > s) {
      estimate = s;  // the signal never goes negative
      if (p.clamping) n = s;
    }
    noise[i] = estimate_out[i] = n;
    const uint32_t floor =
        static_cast<uint32_t>((uint64_t{input} * static_cast<uint32_t>(p.min_signal_remaining)) >>
                              p.spectral_subtraction_bits);
    const uint32_t subtracted = (s - estimate) >> p.smoothing_bits;
    out[i] = subtracted > floor ? subtracted : floor;
  }
}

void signal_pcan(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalPcanParams& p = *static_cast<const SignalPcanParams*>(params);
  const uint32_t* x = static_cast<const uint32_t*>(inputs[0]);
  const uint32_t* noise = static_cast<const uint32_t*>(inputs[1]);
  const int16_t* lut = static_cast<const int16_t*>(inputs[2]);
  uint32_t* out = static_cast<uint32_t*>(outputs[0]);
  for (int32_t i = 0; i < p.channels; ++i) {
    // The int16 gain sign-extends to uint32, as in TFLM.
    const uint32_t gain = static_cast<uint32_t>(static_cast<int32_t>(pcan_gain(noise[i], lut)));
    const uint32_t snr = static_cast<uint32_t>((uint64_t{x[i]} * gain) >> p.snr_shift);
    out[i] = pcan_shrink(snr);
  }
}

void signal_filter_bank_log(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalFilterBankLogParams& p = *static_cast<const SignalFilterBankLogParams*>(params);
  const uint32_t* x = static_cast<const uint32_t*>(inputs[0]);
  int16_t* out = static_cast<int16_t*>(outputs[0]);
  for (int32_t i = 0; i < p.channels; ++i) {
    const uint32_t v = x[i] << p.input_correction_bits;  // wraps as TFLM's uint32
    if (v <= 1) {
      out[i] = 0;
      continue;
    }
    const uint32_t log = log32(v, static_cast<uint32_t>(p.output_scale));
    out[i] = static_cast<int16_t>(log < INT16_MAX ? log : INT16_MAX);
  }
}

}  // namespace ref
}  // namespace kiln
