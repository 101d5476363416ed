// Host-side tables of the front-end ops (signal.h), computed as TFLite Micro
// computes them, so the constants a blob carries are bit-exact with TFLM's.
#ifndef KILN_OPS_SIGNAL_TABLES_H
#define KILN_OPS_SIGNAL_TABLES_H

#include <cmath>
#include <cstdint>
#include <vector>

namespace kiln {

namespace signal_tables_detail {

// KISS FFT's fixed-point kf_cexp: floor(0.5 + 32767 * cos, sin) in double.
inline void append_cexp(std::vector<int16_t>* table, double phase) {
  table->push_back(static_cast<int16_t>(std::floor(0.5 + 32767 * std::cos(phase))));
  table->push_back(static_cast<int16_t>(std::floor(0.5 + 32767 * std::sin(phase))));
}

constexpr double kPi = 3.14159265358979323846264338327950288;

}  // namespace signal_tables_detail

// SIGNAL_RFFT's twiddles: those of KISS FFT v130's forward complex FFT of
// n = fft_length / 2 points, exp(-2 pi i k / n) for k < n as (re, im) pairs.
// The phase is formed in KISS's order of operations, -2 * pi * k / n.
inline std::vector<int16_t> signal_rfft_twiddles(int32_t fft_length) {
  const int32_t n = fft_length / 2;
  std::vector<int16_t> table;
  table.reserve(2 * static_cast<size_t>(n > 0 ? n : 0));
  for (int32_t k = 0; k < n; ++k) {
    signal_tables_detail::append_cexp(&table, -2 * signal_tables_detail::kPi * k / n);
  }
  return table;
}

// SIGNAL_RFFT's super twiddles (kiss_fftr's split step): the phases
// -pi ((i + 1) / n + 1/2) for i < n / 2, n = fft_length / 2 the complex length.
inline std::vector<int16_t> signal_rfft_super_twiddles(int32_t fft_length) {
  const int32_t n = fft_length / 2;
  std::vector<int16_t> table;
  table.reserve(static_cast<size_t>(n > 0 ? n : 0));
  for (int32_t i = 0; i < n / 2; ++i) {
    signal_tables_detail::append_cexp(
        &table, -signal_tables_detail::kPi * (static_cast<double>(i + 1) / n + 0.5));
  }
  return table;
}

// SIGNAL_RFFT_F32's tables, (re, im) pairs formed in double: the twiddles
// exp(-2 pi i k / n) for k < n / 2 and the super twiddles
// exp(-i pi ((k + 1) / n + 1/2)) for k < n / 2, n = fft_length / 2.
inline std::vector<float> signal_rfft_f32_twiddles(int32_t fft_length, bool super) {
  const int32_t n = fft_length / 2;
  std::vector<float> table;
  for (int32_t k = 0; k < n / 2; ++k) {
    const double phase = super ? -signal_tables_detail::kPi * (static_cast<double>(k + 1) / n + 0.5)
                               : -2 * signal_tables_detail::kPi * k / n;
    table.push_back(static_cast<float>(std::cos(phase)));
    table.push_back(static_cast<float>(std::sin(phase)));
  }
  return table;
}

}  // namespace kiln

#endif  // KILN_OPS_SIGNAL_TABLES_H
