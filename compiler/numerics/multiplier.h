// Host-side derivation of the fixed-point parameters the int8 kernels use:
// every real-valued rescale factor becomes a Q31 multiplier and a shift here,
// once, exactly as TFLite derives them, so kernels never see a float scale.
#ifndef KILN_COMPILER_NUMERICS_MULTIPLIER_H
#define KILN_COMPILER_NUMERICS_MULTIPLIER_H

#include <cstdint>

#include "compiler/ir/graph.h"

namespace kiln {

struct QuantizedMultiplier {
  int32_t multiplier = 0;  // Q31 in [2^30, 2^31), or 0
  int32_t shift = 0;       // power-of-two exponent: value = multiplier * 2^(shift - 31)
};

// real = multiplier * 2^shift / 2^31, rounded as TFLite's QuantizeMultiplier.
QuantizedMultiplier quantize_multiplier(double real);

// Integer clamp bounds of a fused activation on an int8 (or, given `dtype`,
// int16) tensor of this quantization.
struct IntRange {
  int32_t min, max;
};
// The values a tensor of `dtype` (int8, uint8, int16) holds.
IntRange value_range(kiln_dtype dtype);
IntRange activation_range(ir::Activation activation, float scale, int32_t zero_point,
                          kiln_dtype dtype = KILN_DTYPE_INT8);
// The same for clamping to [lo, hi] (either may be infinite); the range is
// empty (min > max) when it holds no value of the type.
IntRange clamp_range(float lo, float hi, float scale, int32_t zero_point,
                     kiln_dtype dtype = KILN_DTYPE_INT8);

struct FloatRange {
  float min, max;
};
FloatRange activation_range_f32(ir::Activation activation);

// floor of the largest input difference representable after scaling by
// 2^input_left_shift in Q<integer_bits> (TFLite's CalculateInputRadius).
int32_t input_radius(int integer_bits, int input_left_shift);

// log2(x) rounded to an integer, in float as TFLite's CheckedLog2; true if x
// is that power of two to within 1e-3 of an octave.
bool checked_log2(float x, int* exponent);

// How TFLite's int8 SOFTMAX and LOG_SOFTMAX scale the differences to a row's
// maximum (PreprocessSoftmaxScaling): beta * input scale * 2^26 as a Q31
// multiplier with a shift (negative: the scale is too small for them), the
// differences then in Q5; diff_min is the smallest difference that counts.
struct SoftmaxScaling {
  QuantizedMultiplier input;
  int32_t diff_min;
};
SoftmaxScaling softmax_scaling(double beta, double input_scale);

}  // namespace kiln

#endif
