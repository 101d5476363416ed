#include "compiler/numerics/int16_table.h"

#include <algorithm>
#include <cmath>

namespace kiln {

std::vector<int16_t> int16_table(float input_scale, int32_t input_zero_point, float output_scale,
                                 int32_t output_zero_point, float (*f)(float)) {
  // Every step in float, in TFLite's order: the table is only exact if the
  // roundings are the same.
  const float input_min = input_scale * static_cast<float>(INT16_MIN - input_zero_point);
  const float input_max = input_scale * static_cast<float>(INT16_MAX - input_zero_point);
  const float output_min = output_scale * static_cast<float>(INT16_MIN - output_zero_point);
  const float output_max = output_scale * static_cast<float>(INT16_MAX - output_zero_point);
  constexpr int kSteps = kInt16TableEntries - 1;
  const float step = (input_max - input_min) / kSteps;
  const float half_step = step / 2;
  const float inverse_output_scale = 65536.0f / (output_max - output_min);
  auto to_int16 = [](float v) {
    return static_cast<int16_t>(std::min(std::max(v, -32768.0f), 32767.0f));
  };
  std::vector<int16_t> table(kInt16TableEntries);
  for (int i = 0; i < kSteps; ++i) {
    const float value = f(input_min + static_cast<float>(i) * step);
    const float midpoint = f(input_min + static_cast<float>(i) * step + half_step);
    const float next = f(input_min + static_cast<float>(i + 1) * step);
    const float sample = std::round(value * inverse_output_scale);
    const float interpolated =
        std::round((next * inverse_output_scale + std::round(value * inverse_output_scale)) / 2);
    const float midpoint_sample = std::round(midpoint * inverse_output_scale);
    const float bias = std::round((interpolated - midpoint_sample) / 2);
    table[static_cast<size_t>(i)] = to_int16(sample - bias);
  }
  table[kSteps] = to_int16(std::round(f(input_max) * inverse_output_scale));
  return table;
}

std::vector<uint16_t> sigmoid_table_uint16() {
  // In double: every entry lies at least 0.004 from a rounding boundary, far
  // more than any libm's error.
  auto f = [](double i) { return 65536.0 / (1.0 + std::exp(-i / 24.0)); };
  std::vector<uint16_t> table(kSigmoidTableEntries);
  for (int i = 0; i + 1 < kSigmoidTableEntries; ++i) {
    const double midpoint_error = f(i + 0.5) - (f(i) + f(i + 1)) / 2;
    table[static_cast<size_t>(i)] =
        static_cast<uint16_t>(std::min(65535.0, std::round(f(i) + midpoint_error / 2)));
  }
  table.back() = 65535;
  return table;
}

}  // namespace kiln
