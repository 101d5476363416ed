// The 513-entry int16 tables of TFLite's int16 kernels (SOFTMAX's exp and
// 1/(1+x)), built in float exactly as TFLite's LUTPopulate builds them so
// that the kernels' interpolated lookups (kiln/fixed_point.h) match it.
#ifndef KILN_COMPILER_NUMERICS_INT16_TABLE_H
#define KILN_COMPILER_NUMERICS_INT16_TABLE_H

#include <cstdint>
#include <vector>

namespace kiln {

inline constexpr int kInt16TableEntries = 513;

// f sampled at 512 steps over the int16 input range of (input_scale,
// input_zero_point), each entry biased by half the interpolation error at
// the step's midpoint, quantized with (output_scale, output_zero_point);
// the last entry is f at the top of the range.
std::vector<int16_t> int16_table(float input_scale, int32_t input_zero_point, float output_scale,
                                 int32_t output_zero_point, float (*f)(float));

// The 256-entry table of TFLite's int16 LOGISTIC and TANH (kiln/ops/
// activation.h): sigmoid(i / 24) in unsigned 0.16 fixed point for i = 0..255,
// each entry raised by half the error linear interpolation makes at the
// midpoint of its step to the next, rounded to nearest; the last entry is
// sigmoid's limit, 1, saturated to 65535.
inline constexpr int kSigmoidTableEntries = 256;
std::vector<uint16_t> sigmoid_table_uint16();

}  // namespace kiln

#endif  // KILN_COMPILER_NUMERICS_INT16_TABLE_H
