// The constant tables of the built-in front-ends, computed in double the way
// torchaudio and scipy compute theirs, so that features a model is trained on
// with those libraries and kiln's agree: windows, mel filter banks, the
// DCT-II, the periodogram's scaling.
#ifndef KILN_COMPILER_FRONTENDS_FILTERS_H
#define KILN_COMPILER_FRONTENDS_FILTERS_H

#include <cstdint>
#include <vector>

namespace kiln {
namespace frontends {

// The periodic Hann window of `length` (torch.hann_window's default, scipy's
// get_window('hann')): 0.5 - 0.5 cos(2 pi i / length).
std::vector<double> hann_window(int32_t length);

// HTK's mel scale, 2595 log10(1 + hz / 700), and its inverse.
double hz_to_mel(double hz);
double mel_to_hz(double mel);

// A triangular mel filter bank over the bins of a real FFT of `fft_length`
// at `sample_rate`, in SignalFilterBank's form: mels + 2 points spread
// evenly on the mel scale from min_hz to max_hz, band b the bins in
// [point b, point b + 1), each bin weighted into mel b - 1 by the falling
// edge (`weights`) and into mel b by the rising one (`unweights`; they sum to
// one); band 0's weights and band `mels`'s unweights go nowhere. The
// triangles are linear in Hz, the bins at k * (sample_rate / 2) /
// (fft_length / 2): torchaudio's melscale_fbanks(norm=None, mel_scale="htk").
struct MelBands {
  std::vector<double> weights, unweights;                   // per bin of each band, band after band
  std::vector<int16_t> freq_starts, weight_starts, widths;  // per band, mels + 1
};
MelBands mel_bands(int32_t mels, int32_t fft_length, int32_t sample_rate, double min_hz,
                   double max_hz);

// The orthonormal DCT-II, [coefficients][inputs]: row k is
// sqrt(2 / n) cos(pi k (i + 1/2) / n), row 0 scaled by 1 / sqrt(2)
// (torchaudio's create_dct(norm="ortho"), scipy.fft.dct(norm="ortho")).
std::vector<std::vector<double>> dct2_ortho(int32_t coefficients, int32_t inputs);

}  // namespace frontends
}  // namespace kiln

#endif  // KILN_COMPILER_FRONTENDS_FILTERS_H
