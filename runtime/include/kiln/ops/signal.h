// The audio front-end ops of TensorFlow Lite Micro's `signal` library
// (custom codes Signal*), bit-exact with TFLM's reference kernels: a frame's
// window, FFT scaling and real FFT, the energy spectrum, the mel filter
// bank, its square root, spectral subtraction of a running noise estimate,
// per-channel amplitude normalization (PCAN) and the fixed-point log.
// Unsigned 32- and 64-bit values travel in uint32/uint64 operands.
#ifndef KILN_OPS_SIGNAL_H
#define KILN_OPS_SIGNAL_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

// Bounds of the front-end's small dimensions (channels, bins, table sizes).
constexpr int32_t kMaxSignalChannels = 1 << 12;
constexpr int32_t kMaxFftLength = 1 << 14;

// SIGNAL_WINDOW. Operands: samples int16 [rows, length], weights int16
// [length]; output int16 [rows, length] = saturate((x * w) >> shift).
struct SignalWindowParams {
  int32_t rows, length, shift;
};

inline bool signal_window_operand_sizes(const SignalWindowParams& p, OperandSizes* s) {
  if (p.shift < 0 || p.shift > 31 || !dim_ok(p.length)) return false;
  const int32_t dims[2] = {p.rows, p.length};
  s->inputs[0] = s->outputs[0] = block_bytes(2, dims, 2);
  s->inputs[1] = operand_bytes(2, &p.length, 1);
  s->num_inputs = 2;
  s->num_outputs = 1;
  return s->inputs[0] != 0 && s->inputs[1] != 0;
}

// SIGNAL_FFT_AUTO_SCALE. Operands: input int16 [length]; outputs int16
// [length] (the input shifted left by the scale, truncated), scale int32 [1]
// (15 less the bit length of the largest magnitude, at least 0; as in TFLM,
// the running maximum is int16, in which -32768's magnitude wraps).
struct SignalFftAutoScaleParams {
  int32_t length;
};

inline bool signal_fft_auto_scale_operand_sizes(const SignalFftAutoScaleParams& p,
                                                OperandSizes* s) {
  s->inputs[0] = s->outputs[0] = flat_bytes(2, p.length);
  s->outputs[1] = 4;
  s->num_inputs = 1;
  s->num_outputs = 2;
  return s->inputs[0] != 0;
}

// SIGNAL_RFFT (int16): KISS FFT's fixed-point real FFT (release v130), each
// row zero-padded to fft_length. Operands: input int16 [rows, input_length],
// twiddles int16 [fft_length / 2, 2] and super twiddles int16
// [fft_length / 4, 2] (signal_tables.h, on the host); output int16
// [rows, fft_length / 2 + 1, 2] (re, im), scratch.
struct SignalRfftParams {
  int32_t rows, input_length, fft_length;
};

inline bool signal_rfft_length_ok(int32_t fft_length) {
  return fft_length >= 4 && fft_length <= kMaxFftLength && (fft_length & (fft_length - 1)) == 0;
}

// Scratch: the padded row (fft_length int16) and the complex transform of
// its fft_length / 2 pairs.
inline int32_t signal_rfft_scratch_bytes(const SignalRfftParams& p) {
  return p.fft_length * 2 + (p.fft_length / 2) * 4;
}

inline bool signal_rfft_operand_sizes(const SignalRfftParams& p, OperandSizes* s) {
  if (!signal_rfft_length_ok(p.fft_length) || p.input_length > p.fft_length) return false;
  const int32_t in[2] = {p.rows, p.input_length}, out[2] = {p.rows, p.fft_length + 2};
  s->inputs[0] = block_bytes(2, in, 2);
  s->inputs[1] = flat_bytes(4, p.fft_length / 2);
  s->inputs[2] = flat_bytes(4, p.fft_length / 4);
  s->outputs[0] = block_bytes(2, out, 2);
  s->outputs[1] = flat_bytes(1, signal_rfft_scratch_bytes(p));
  s->num_inputs = 3;
  s->num_outputs = 2;
  return s->inputs[0] != 0 && s->outputs[0] != 0;
}

// SIGNAL_RFFT_F32: the float real FFT (TFLM's SignalRfft with T = FLOAT32),
// each row zero-padded to fft_length. Operands: input float [rows,
// input_length], twiddles float [fft_length / 4, 2] (exp(-2 pi i k / n),
// n = fft_length / 2) and super twiddles float [fft_length / 4, 2]
// (signal_tables.h); output float [rows, fft_length / 2 + 1, 2] (re, im),
// scratch: the padded row and its complex transform.
inline int32_t signal_rfft_f32_scratch_bytes(const SignalRfftParams& p) {
  return p.fft_length * 4 * 2;
}

inline bool signal_rfft_f32_operand_sizes(const SignalRfftParams& p, OperandSizes* s) {
  if (!signal_rfft_length_ok(p.fft_length) || p.input_length > p.fft_length) return false;
  const int32_t in[2] = {p.rows, p.input_length}, out[2] = {p.rows, p.fft_length + 2};
  s->inputs[0] = block_bytes(4, in, 2);
  s->inputs[1] = flat_bytes(8, p.fft_length / 4);
  s->inputs[2] = flat_bytes(8, p.fft_length / 4);
  s->outputs[0] = block_bytes(4, out, 2);
  s->outputs[1] = flat_bytes(1, signal_rfft_f32_scratch_bytes(p));
  s->num_inputs = 3;
  s->num_outputs = 2;
  return s->inputs[0] != 0 && s->outputs[0] != 0;
}

// SIGNAL_ENERGY. Operands: spectrum int16 [rows, bins, 2]; output uint32
// [rows, bins], re^2 + im^2 for bins [start_index, end_index) and 0 elsewhere
// (TFLM leaves those unwritten; kiln defines them).
struct SignalEnergyParams {
  int32_t rows, bins, start_index, end_index;
};

inline bool signal_energy_operand_sizes(const SignalEnergyParams& p, OperandSizes* s) {
  if (p.start_index < 0 || p.start_index > p.end_index || p.end_index > p.bins) return false;
  const int32_t in[3] = {p.rows, p.bins, 2}, out[2] = {p.rows, p.bins};
  s->inputs[0] = block_bytes(2, in, 3);
  s->outputs[0] = block_bytes(4, out, 2);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0 && s->outputs[0] != 0;
}

// SIGNAL_ENERGY_F32: the same on a float spectrum, float output; the
// float front-ends' power spectrum.
inline bool signal_energy_f32_operand_sizes(const SignalEnergyParams& p, OperandSizes* s) {
  if (p.start_index < 0 || p.start_index > p.end_index || p.end_index > p.bins) return false;
  const int32_t in[3] = {p.rows, p.bins, 2}, out[2] = {p.rows, p.bins};
  s->inputs[0] = block_bytes(4, in, 3);
  s->outputs[0] = block_bytes(4, out, 2);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0 && s->outputs[0] != 0;
}

// SIGNAL_FILTER_BANK. Operands: energy uint32 [spectrum_size], weights and
// unweights int16 [num_weights], channel frequency starts, weight starts and
// widths int16 [num_channels + 1]; output uint64 [num_channels]. Band c takes
// width[c] bins from its frequency start, against weights from its weight
// start; each bin's unweighted part goes to the next band; band 0 is
// discarded.
struct SignalFilterBankParams {
  int32_t spectrum_size, num_channels, num_weights;
};

inline bool signal_filter_bank_operand_sizes(const SignalFilterBankParams& p, OperandSizes* s) {
  if (p.num_channels < 1 || p.num_channels > kMaxSignalChannels) return false;
  s->inputs[0] = flat_bytes(4, p.spectrum_size);
  s->inputs[1] = s->inputs[2] = flat_bytes(2, p.num_weights);
  s->inputs[3] = s->inputs[4] = s->inputs[5] = flat_bytes(2, p.num_channels + 1);
  s->outputs[0] = flat_bytes(8, p.num_channels);
  s->num_inputs = 6;
  s->num_outputs = 1;
  return s->inputs[0] != 0 && s->inputs[1] != 0;
}

// SIGNAL_FILTER_BANK_F32: the same bands on a float energy spectrum, with
// float weights and unweights and a float output (the float front-ends' mel
// filter bank: each bin weighs into two bands, not every band).
inline bool signal_filter_bank_f32_operand_sizes(const SignalFilterBankParams& p, OperandSizes* s) {
  if (p.num_channels < 1 || p.num_channels > kMaxSignalChannels) return false;
  s->inputs[0] = flat_bytes(4, p.spectrum_size);
  s->inputs[1] = s->inputs[2] = flat_bytes(4, p.num_weights);
  s->inputs[3] = s->inputs[4] = s->inputs[5] = flat_bytes(2, p.num_channels + 1);
  s->outputs[0] = flat_bytes(4, p.num_channels);
  s->num_inputs = 6;
  s->num_outputs = 1;
  return s->inputs[0] != 0 && s->inputs[1] != 0;
}

// The tables must keep every band inside the spectrum and the weights: a
// check of the constants when a blob loads, and of every band as it runs
// when they are not constants.
template <>
inline constexpr bool kChecksConstants<SignalFilterBankParams> = true;

inline bool signal_filter_bank_band_ok(const SignalFilterBankParams& p, int32_t freq_start,
                                       int32_t weight_start, int32_t width) {
  return freq_start >= 0 && weight_start >= 0 && width >= 0 &&
         freq_start + width <= p.spectrum_size && weight_start + width <= p.num_weights;
}

inline bool constants_ok(const SignalFilterBankParams& p, const void* const* inputs) {
  const auto* freq_starts = static_cast<const int16_t*>(inputs[3]);
  const auto* weight_starts = static_cast<const int16_t*>(inputs[4]);
  const auto* widths = static_cast<const int16_t*>(inputs[5]);
  if (freq_starts == nullptr || weight_starts == nullptr || widths == nullptr) return true;
  for (int32_t c = 0; c <= p.num_channels; ++c) {
    if (!signal_filter_bank_band_ok(p, freq_starts[c], weight_starts[c], widths[c])) return false;
  }
  return true;
}

// SIGNAL_FILTER_BANK_SQUARE_ROOT. Operands: input uint64 [channels], scale
// bits int32 [1]; output uint32 [channels] = rounded isqrt(x) >> scale bits.
struct SignalFilterBankSquareRootParams {
  int32_t channels;
};

inline bool signal_filter_bank_square_root_operand_sizes(const SignalFilterBankSquareRootParams& p,
                                                         OperandSizes* s) {
  s->inputs[0] = flat_bytes(8, p.channels);
  s->inputs[1] = 4;
  s->outputs[0] = flat_bytes(4, p.channels);
  s->num_inputs = 2;
  s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION. Operands: input uint32
// [channels]; outputs signal uint32 [channels], noise estimate uint32
// [channels] (a copy of the state after this frame), the state uint32
// [channels] (the running noise estimate, zero at reset). Even channels
// smooth with (smoothing, one_minus_smoothing), odd ones with the alternate
// pair, all in spectral_subtraction_bits fixed point.
struct SignalSpectralSubtractionParams {
  int32_t channels;
  int32_t smoothing, one_minus_smoothing;
  int32_t alternate_smoothing, alternate_one_minus_smoothing;
  int32_t smoothing_bits, min_signal_remaining, spectral_subtraction_bits;
  int32_t clamping;  // 0 or 1: the estimate never exceeds the signal
};

inline bool signal_spectral_subtraction_operand_sizes(const SignalSpectralSubtractionParams& p,
                                                      OperandSizes* s) {
  if (p.smoothing_bits < 0 || p.smoothing_bits > 31 || p.spectral_subtraction_bits < 0 ||
      p.spectral_subtraction_bits > 63 || p.smoothing < 0 || p.one_minus_smoothing < 0 ||
      p.alternate_smoothing < 0 || p.alternate_one_minus_smoothing < 0 ||
      p.min_signal_remaining < 0 || (p.clamping != 0 && p.clamping != 1)) {
    return false;
  }
  s->inputs[0] = flat_bytes(4, p.channels);
  s->outputs[0] = s->outputs[1] = s->outputs[2] = s->inputs[0];
  s->num_inputs = 1;
  s->num_outputs = 3;
  return s->inputs[0] != 0;
}

// SIGNAL_PCAN. Operands: signal and noise estimate uint32 [channels], gain
// table int16 [kSignalPcanLutSize]; output uint32 [channels].
constexpr int32_t kSignalPcanLutSize = 125;

struct SignalPcanParams {
  int32_t channels, snr_shift;
};

inline bool signal_pcan_operand_sizes(const SignalPcanParams& p, OperandSizes* s) {
  if (p.snr_shift < 0 || p.snr_shift > 63) return false;
  s->inputs[0] = s->inputs[1] = flat_bytes(4, p.channels);
  s->inputs[2] = flat_bytes(2, kSignalPcanLutSize);
  s->outputs[0] = s->inputs[0];
  s->num_inputs = 3;
  s->num_outputs = 1;
  return s->inputs[0] != 0;
}

// SIGNAL_FILTER_BANK_LOG. Operands: input uint32 [channels]; output int16
// [channels] = min(output_scale * ln(x << input_correction_bits), 32767) in
// TFLM's fixed point, 0 where the shifted input is at most 1.
struct SignalFilterBankLogParams {
  int32_t channels, input_correction_bits, output_scale;
};

inline bool signal_filter_bank_log_operand_sizes(const SignalFilterBankLogParams& p,
                                                 OperandSizes* s) {
  if (p.input_correction_bits < 0 || p.input_correction_bits > 31 || p.output_scale < 0) {
    return false;
  }
  s->inputs[0] = flat_bytes(4, p.channels);
  s->outputs[0] = flat_bytes(2, p.channels);
  s->num_inputs = s->num_outputs = 1;
  return s->inputs[0] != 0;
}

}  // namespace kiln

#endif  // KILN_OPS_SIGNAL_H
