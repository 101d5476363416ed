#include "compiler/frontends/filters.h"

#include <cmath>

namespace kiln {
namespace frontends {
namespace {
constexpr double kPi = 3.14159265358979323846264338327950288;
}  // namespace

std::vector<double> hann_window(int32_t length) {
  std::vector<double> w(static_cast<size_t>(length));
  for (int32_t i = 0; i < length; ++i)
    w[static_cast<size_t>(i)] = 0.5 - 0.5 * std::cos(2 * kPi * i / length);
  return w;
}

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

MelBands mel_bands(int32_t mels, int32_t fft_length, int32_t sample_rate, double min_hz,
                   double max_hz) {
  const int32_t bins = fft_length / 2 + 1;
  std::vector<double> points(static_cast<size_t>(mels) + 2);
  const double lo = hz_to_mel(min_hz), hi = hz_to_mel(max_hz);
  for (size_t i = 0; i < points.size(); ++i) {
    points[i] = mel_to_hz(lo + (hi - lo) * static_cast<double>(i) / (mels + 1));
  }
  // torchaudio spaces the bins over [0, sample_rate // 2] (integer division).
  const int32_t whole_nyquist = sample_rate / 2;
  const double nyquist = whole_nyquist;
  MelBands bands;
  for (size_t b = 0; b + 1 < points.size(); ++b) {
    bands.freq_starts.push_back(0);
    bands.weight_starts.push_back(static_cast<int16_t>(bands.weights.size()));
    int16_t width = 0;
    for (int32_t k = 0; k < bins; ++k) {
      const double hz = bins > 1 ? nyquist * k / (bins - 1) : 0.0;
      if (hz < points[b] || hz >= points[b + 1]) continue;
      if (width == 0) bands.freq_starts.back() = static_cast<int16_t>(k);
      const double rising = (hz - points[b]) / (points[b + 1] - points[b]);
      bands.weights.push_back(1.0 - rising);
      bands.unweights.push_back(rising);
      ++width;
    }
    bands.widths.push_back(width);
  }
  if (bands.weights.empty()) {  // no bin in any band: one unused weight
    bands.weights.push_back(0.0);
    bands.unweights.push_back(0.0);
  }
  return bands;
}

std::vector<std::vector<double>> dct2_ortho(int32_t coefficients, int32_t inputs) {
  std::vector<std::vector<double>> dct(static_cast<size_t>(coefficients),
                                       std::vector<double>(static_cast<size_t>(inputs)));
  for (int32_t k = 0; k < coefficients; ++k) {
    const double norm = std::sqrt(2.0 / inputs) * (k == 0 ? 1.0 / std::sqrt(2.0) : 1.0);
    for (int32_t i = 0; i < inputs; ++i) {
      dct[static_cast<size_t>(k)][static_cast<size_t>(i)] =
          norm * std::cos(kPi * k * (i + 0.5) / inputs);
    }
  }
  return dct;
}

}  // namespace frontends
}  // namespace kiln
