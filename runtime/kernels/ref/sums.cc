// Reference ADD_N and CUMSUM: float sums in input order; int8 sums of
// (value - zero point) * 2^19 in int32, rescaled once.
#include "kiln/ops/sums.h"

#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

constexpr int kSumFractionBits = 19;  // TFLite: a left shift of 20, then times 1/2

inline int32_t scaled(const SumQuantization& q, int32_t value) {
  return static_cast<int32_t>(static_cast<uint32_t>(value + q.input_offset) << kSumFractionBits);
}

inline int8_t rescaled(const SumQuantization& q, int32_t sum) {
  return static_cast<int8_t>(fp::requantize(sum, q.output_multiplier, q.output_shift,
                                            q.output_offset, INT8_MIN, INT8_MAX));
}

// Calls line(first, step) for every line along the summed axis.
template <typename Line>
void for_each_line(const CumsumParams& p, Line line) {
  for (int32_t o = 0; o < p.outer; ++o) {
    for (int32_t i = 0; i < p.inner; ++i) {
      const int32_t first = o * p.length * p.inner + i;
      if (p.reverse) {
        line(first + (p.length - 1) * p.inner, -p.inner);
      } else {
        line(first, p.inner);
      }
    }
  }
}

}  // namespace

void add_n_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const AddNParams& p = *static_cast<const AddNParams*>(params);
  int8_t* out = static_cast<int8_t*>(outputs[0]);
  for (int32_t e = 0; e < p.size; ++e) {
    int32_t sum = scaled(p.q, 0);
    for (int32_t i = 0; i < p.num_inputs; ++i)
      sum = fp::wrapping_add(sum, scaled(p.q, static_cast<const int8_t*>(inputs[i])[e]));
    out[e] = rescaled(p.q, sum);
  }
}

void add_n_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const AddNParams& p = *static_cast<const AddNParams*>(params);
  float* out = static_cast<float*>(outputs[0]);
  for (int32_t e = 0; e < p.size; ++e) {
    float sum = 0.0f;
    for (int32_t i = 0; i < p.num_inputs; ++i) sum += static_cast<const float*>(inputs[i])[e];
    out[e] = sum;
  }
}

void cumsum_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const CumsumParams& p = *static_cast<const CumsumParams*>(params);
  const int8_t* in = static_cast<const int8_t*>(inputs[0]);
  int8_t* out = static_cast<int8_t*>(outputs[0]);
  for_each_line(p, [&](int32_t index, int32_t step) {
    int32_t sum = scaled(p.q, 0);
    for (int32_t k = 0; k < p.length; ++k, index += step) {
      const int32_t before = sum;
      sum = fp::wrapping_add(sum, scaled(p.q, in[index]));
      out[index] = rescaled(p.q, p.exclusive ? before : sum);
    }
  });
}

void cumsum_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const CumsumParams& p = *static_cast<const CumsumParams*>(params);
  const float* in = static_cast<const float*>(inputs[0]);
  float* out = static_cast<float*>(outputs[0]);
  for_each_line(p, [&](int32_t index, int32_t step) {
    float sum = 0.0f;
    for (int32_t k = 0; k < p.length; ++k, index += step) {
      const float before = sum;
      sum += in[index];
      out[index] = p.exclusive ? before : sum;
    }
  });
}

}  // namespace ref
}  // namespace kiln
