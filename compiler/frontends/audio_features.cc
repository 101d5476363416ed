#include "compiler/frontends/audio_features.h"

#include <algorithm>
#include <cmath>

#include "compiler/frontends/feature_graph.h"
#include "compiler/frontends/filters.h"
#include "compiler/ir/builder.h"

namespace kiln {
namespace frontends {

ir::Graph float_audio_features(const AudioFeatureParams& p) {
  const int32_t bins = p.fft / 2 + 1;
  FeatureGraph g;
  int x = g.cast_to_float(g.samples(p.frame), {1, p.frame});
  // int16 samples as torchaudio loads them (x / 32768), then the window.
  std::vector<double> window = hann_window(p.frame);
  for (double& w : window) w /= 32768.0;
  x = g.multiply(x, {1, p.frame}, window, {p.frame});
  x = g.energy(g.rfft(x, 1, p.fft), 1, bins);
  x = g.filter_bank(x, mel_bands(p.mels, p.fft, p.rate, p.min_hz, p.max_hz), p.mels);
  x = g.unary(ir::OpKind::kLog, g.add(x, {1, p.mels}, {p.floor}, {1}), {1, p.mels});
  if (p.coefficients > 0) x = g.matrix_multiply(x, dct2_ortho(p.coefficients, p.mels));
  g.output(x);
  return g.build();
}

namespace {

constexpr int32_t kWindowBits = 14;      // the Hann window in Q14
constexpr int32_t kFilterBankBits = 12;  // SignalFilterBank's weights in Q12
constexpr int32_t kLogScale = 1024;      // SignalFilterBankLog: 1024 ln(x)
constexpr double kLn2 = 0.69314718055994530942;

template <typename T>
int table(ir::GraphBuilder& b, const std::string& name, kiln_dtype dtype, const std::vector<T>& v) {
  return b.constant(name, dtype, {static_cast<int32_t>(v.size())}, v);
}

}  // namespace

ir::Graph int16_audio_features(const AudioFeatureParams& p) {
  const int32_t bins = p.fft / 2 + 1;
  ir::GraphBuilder b;
  const int samples = b.input("samples", KILN_DTYPE_INT16, {1, p.frame});

  std::vector<int16_t> window;
  for (double w : hann_window(p.frame)) {
    window.push_back(static_cast<int16_t>(std::lround(w * (1 << kWindowBits))));
  }
  // Scaled up to the int16 range before the window (TFLM windows first),
  // so that a quiet frame keeps its bits through the window's rounding.
  const int scaled = b.tensor("scaled", KILN_DTYPE_INT16, {1, p.frame});
  const int scale_bits = b.tensor("scale_bits", KILN_DTYPE_INT32, {1});
  b.op(ir::OpKind::kSignalFftAutoScale, {samples}, {scaled, scale_bits});
  const int windowed = b.tensor("windowed", KILN_DTYPE_INT16, {1, p.frame});
  b.op(ir::OpKind::kSignalWindow, {scaled, table(b, "window", KILN_DTYPE_INT16, window)},
       {windowed})
      .attrs.custom_options = {kWindowBits};
  constexpr int64_t kTfliteInt16 = 7;
  const int spectrum = b.tensor("spectrum", KILN_DTYPE_INT16, {1, bins * 2});  // (re, im) pairs
  b.op(ir::OpKind::kSignalRfft, {windowed}, {spectrum}).attrs.custom_options = {kTfliteInt16,
                                                                                p.fft};
  const int energy = b.tensor("energy", KILN_DTYPE_UINT32, {1, bins});
  b.op(ir::OpKind::kSignalEnergy, {spectrum}, {energy}).attrs.custom_options = {0, bins};

  const MelBands bands = mel_bands(p.mels, p.fft, p.rate, p.min_hz, p.max_hz);
  std::vector<int16_t> q12_weights, q12_unweights;
  for (size_t i = 0; i < bands.weights.size(); ++i) {
    q12_weights.push_back(
        static_cast<int16_t>(std::lround(bands.weights[i] * (1 << kFilterBankBits))));
    q12_unweights.push_back(
        static_cast<int16_t>(std::lround(bands.unweights[i] * (1 << kFilterBankBits))));
  }
  const int banks = b.tensor("filter_bank", KILN_DTYPE_UINT64, {p.mels});
  b.op(ir::OpKind::kSignalFilterBank,
       {energy, table(b, "weights", KILN_DTYPE_INT16, q12_weights),
        table(b, "unweights", KILN_DTYPE_INT16, q12_unweights),
        table(b, "freq_starts", KILN_DTYPE_INT16, bands.freq_starts),
        table(b, "weight_starts", KILN_DTYPE_INT16, bands.weight_starts),
        table(b, "widths", KILN_DTYPE_INT16, bands.widths)},
       {banks})
      .attrs.custom_options = {p.mels};
  // The square root unshifted: shifting the auto-scaling back out here
  // would truncate a quiet frame's amplitudes to a few integers; the log
  // takes it out instead, exactly.
  const int amplitude = b.tensor("amplitude", KILN_DTYPE_UINT32, {p.mels});
  b.op(ir::OpKind::kSignalFilterBankSquareRoot,
       {banks, b.constant("no_shift", KILN_DTYPE_INT32, {1}, std::vector<int32_t>{0})},
       {amplitude});

  // The amplitude is 2^6 sqrt(sum w |X|^2), X KISS's transform of the scaled,
  // windowed samples: the true one times 2^scale_bits / fft. In terms of the
  // float front-end's power P (samples / 32768) that is
  // 2^(21 + scale_bits - log2 fft) sqrt(P). The log gives kLogScale ln of it,
  // read as ln P in steps of 2 / kLogScale; the scale bits, read in steps of
  // 2 ln 2, are subtracted, and the ADD takes away the constant.
  const float step = 2.0f / kLogScale;
  const int log = b.tensor("log_amplitude", KILN_DTYPE_INT16, {1, p.mels}, step);
  b.op(ir::OpKind::kSignalFilterBankLog, {amplitude}, {log}).attrs.custom_options = {0, kLogScale};
  const int shift = b.tensor("scale_bits_log", KILN_DTYPE_INT16, {1}, static_cast<float>(2 * kLn2));
  b.op(ir::OpKind::kCast, {scale_bits}, {shift});
  const int unscaled = b.tensor("log_unscaled", KILN_DTYPE_INT16, {1, p.mels}, step);
  b.op(ir::OpKind::kSub, {log, shift}, {unscaled});
  const double offset = 2 * (21 - std::log2(p.fft)) * kLn2;
  const int16_t offset_steps = static_cast<int16_t>(std::lround(-offset / step));
  const int log_mel = b.tensor("log_mel", KILN_DTYPE_INT16, {1, p.mels}, step);
  b.op(ir::OpKind::kAdd,
       {unscaled,
        b.constant("offset", KILN_DTYPE_INT16, {1}, std::vector<int16_t>{offset_steps}, {step})},
       {log_mel});
  // Powers below the floor read as the floor (at least the fixed point's own,
  // 2^(2 log2(fft) - 42), where the log gives 0).
  const int floored = b.tensor("floored", KILN_DTYPE_INT16, {1, p.mels}, step);
  const int16_t floor_steps =
      static_cast<int16_t>(std::max<long>(std::lround(std::log(p.floor) / step), INT16_MIN));
  b.op(ir::OpKind::kMaximum,
       {log_mel,
        b.constant("floor", KILN_DTYPE_INT16, {1}, std::vector<int16_t>{floor_steps}, {step})},
       {floored});
  if (p.coefficients == 0) {
    b.output(floored);
    return b.build();
  }
  // The DCT in int8, a scale per coefficient. |ln P| < 64 in this range:
  // the coefficients stay within sqrt(2 mels) 64.
  const std::vector<std::vector<double>> dct = dct2_ortho(p.coefficients, p.mels);
  std::vector<int8_t> weights;
  std::vector<float> scales;
  for (const std::vector<double>& row : dct) {
    double largest = 0;
    for (double v : row) largest = std::max(largest, std::fabs(v));
    scales.push_back(static_cast<float>(largest / 127));
    for (double v : row) weights.push_back(static_cast<int8_t>(std::lround(v / largest * 127)));
  }
  const float out_step = static_cast<float>(std::sqrt(2.0 * p.mels) * 64 / 32767);
  const int mfcc = b.tensor("mfcc", KILN_DTYPE_INT16, {1, p.coefficients}, out_step);
  b.op(ir::OpKind::kFullyConnected,
       {floored, b.constant("dct", KILN_DTYPE_INT8, {p.coefficients, p.mels}, weights, scales, 0)},
       {mfcc});
  b.output(mfcc);
  return b.build();
}

}  // namespace frontends
}  // namespace kiln
