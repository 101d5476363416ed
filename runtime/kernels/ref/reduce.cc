// Reference reductions. Integer MEAN and SUM follow TFLite Micro's: the raw
// values' int32 sum, less the input zero point times the count, rescaled once
// by a multiplier (for MEAN carrying 1/count; compiler/ops/reduce.cc derives
// it as TFLM does), plus the output zero point, saturated. Float MEAN and SUM
// add in the input's row-major order (MEAN then divides); MAX and MIN keep
// the first extreme as TFLM's ReduceGeneric does; ARG_MAX and ARG_MIN give
// the index of the first extreme, as TFLM's ArgMinMax.
#include "kiln/ops/reduce.h"

#include <stdint.h>
#include <string.h>

#include <limits>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// Calls add(output index, input index) for every input element in row-major
// order.
template <typename Add>
void for_each_element(const ReduceParams& p, Add add) {
  int32_t index[kMaxReduceRank] = {0};
  int32_t out_stride[kMaxReduceRank];
  int32_t stride = 1;
  for (int a = p.rank - 1; a >= 0; --a) {
    out_stride[a] = ((p.reduced >> a) & 1u) ? 0 : stride;
    if (!((p.reduced >> a) & 1u)) stride *= p.dims[a];
  }
  uint32_t outputs = 0, count = 0;
  reduce_counts(p, &outputs, &count);
  const uint32_t total = outputs * count;
  int32_t out = 0;
  for (uint32_t i = 0; i < total; ++i) {
    add(out, i);
    for (int a = p.rank - 1; a >= 0; --a) {  // the next index, odometer-wise
      out += out_stride[a];
      if (++index[a] < p.dims[a]) break;
      out -= out_stride[a] * p.dims[a];
      index[a] = 0;
    }
  }
}

template <typename T>
void integer_mean(const void* params, const void* const* inputs, void* const* outputs, int32_t lo,
                  int32_t hi) {
  const ReduceParams& p = *static_cast<const ReduceParams*>(params);
  const T* input = static_cast<const T*>(inputs[0]);
  T* output = static_cast<T*>(outputs[0]);
  uint32_t* sums = static_cast<uint32_t*>(outputs[1]);  // wrapping, as TFLM's int32 sums would
  uint32_t n = 0, count = 0;
  reduce_counts(p, &n, &count);
  for (uint32_t o = 0; o < n; ++o) sums[o] = 0;
  for_each_element(p, [&](int32_t o, uint32_t i) { sums[o] += static_cast<uint32_t>(input[i]); });
  const uint32_t zero_point_sum = static_cast<uint32_t>(p.input_zero_point) * count;
  for (uint32_t o = 0; o < n; ++o) {
    const int32_t shifted = static_cast<int32_t>(sums[o] - zero_point_sum);
    const int32_t v = fp::saturating_add(
        fp::multiply_by_quantized_multiplier(shifted, p.multiplier, p.shift), p.output_zero_point);
    output[o] = static_cast<T>(v < lo ? lo : (v > hi ? hi : v));
  }
}

template <typename T, bool kMax>
void extremum(const void* params, const void* const* inputs, void* const* outputs) {
  const ReduceParams& p = *static_cast<const ReduceParams*>(params);
  const T* input = static_cast<const T*>(inputs[0]);
  T* output = static_cast<T*>(outputs[0]);
  uint32_t n = 0, count = 0;
  reduce_counts(p, &n, &count);
  const T init = kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  for (uint32_t o = 0; o < n; ++o) output[o] = init;
  for_each_element(p, [&](int32_t o, uint32_t i) {
    const T in = input[i];
    if (kMax ? in > output[o] : in < output[o]) output[o] = in;
  });
}

template <typename T, bool kMax>
void arg_extremum(const void* params, const void* const* inputs, void* const* outputs) {
  const ArgParams& p = *static_cast<const ArgParams*>(params);
  const T* input = static_cast<const T*>(inputs[0]);
  uint8_t* output = static_cast<uint8_t*>(outputs[0]);
  for (int32_t o = 0; o < p.outer; ++o) {
    for (int32_t i = 0; i < p.inner; ++i) {
      const T* at = input + static_cast<size_t>(o) * p.axis_size * p.inner + i;
      T best = at[0];
      int32_t index = 0;
      for (int32_t k = 1; k < p.axis_size; ++k) {
        const T v = at[static_cast<size_t>(k) * p.inner];
        if (kMax ? v > best : v < best) {
          best = v;
          index = k;
        }
      }
      const size_t slot = static_cast<size_t>(o) * p.inner + i;
      if (p.output_size == 8) {
        const int64_t wide = index;
        memcpy(output + slot * 8, &wide, 8);
      } else {
        memcpy(output + slot * 4, &index, 4);
      }
    }
  }
}

}  // namespace

#define KILN_ARG_KERNEL(name, T, is_max)                                           \
  void name(const void* params, const void* const* inputs, void* const* outputs) { \
    arg_extremum<T, is_max>(params, inputs, outputs);                              \
  }
KILN_ARG_KERNEL(arg_max_f32, float, true)
KILN_ARG_KERNEL(arg_max_s8, int8_t, true)
KILN_ARG_KERNEL(arg_max_s16, int16_t, true)
KILN_ARG_KERNEL(arg_max_s32, int32_t, true)
KILN_ARG_KERNEL(arg_min_f32, float, false)
KILN_ARG_KERNEL(arg_min_s8, int8_t, false)
KILN_ARG_KERNEL(arg_min_s16, int16_t, false)
KILN_ARG_KERNEL(arg_min_s32, int32_t, false)
#undef KILN_ARG_KERNEL

void reduce_max_f32(const void* params, const void* const* inputs, void* const* outputs) {
  extremum<float, true>(params, inputs, outputs);
}
void reduce_max_s8(const void* params, const void* const* inputs, void* const* outputs) {
  extremum<int8_t, true>(params, inputs, outputs);
}
void reduce_max_s16(const void* params, const void* const* inputs, void* const* outputs) {
  extremum<int16_t, true>(params, inputs, outputs);
}
void reduce_min_f32(const void* params, const void* const* inputs, void* const* outputs) {
  extremum<float, false>(params, inputs, outputs);
}
void reduce_min_s8(const void* params, const void* const* inputs, void* const* outputs) {
  extremum<int8_t, false>(params, inputs, outputs);
}
void reduce_min_s16(const void* params, const void* const* inputs, void* const* outputs) {
  extremum<int16_t, false>(params, inputs, outputs);
}

void sum_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const ReduceParams& p = *static_cast<const ReduceParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  uint32_t n = 0, count = 0;
  reduce_counts(p, &n, &count);
  for (uint32_t o = 0; o < n; ++o) output[o] = 0.0f;
  for_each_element(p, [&](int32_t o, uint32_t i) { output[o] += input[i]; });
}

void mean_s8(const void* params, const void* const* inputs, void* const* outputs) {
  integer_mean<int8_t>(params, inputs, outputs, INT8_MIN, INT8_MAX);
}

void mean_s16(const void* params, const void* const* inputs, void* const* outputs) {
  integer_mean<int16_t>(params, inputs, outputs, INT16_MIN, INT16_MAX);
}

void mean_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const ReduceParams& p = *static_cast<const ReduceParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  float* output = static_cast<float*>(outputs[0]);
  uint32_t n = 0, count = 0;
  reduce_counts(p, &n, &count);
  for (uint32_t o = 0; o < n; ++o) output[o] = 0.0f;
  for_each_element(p, [&](int32_t o, uint32_t i) { output[o] += input[i]; });
  for (uint32_t o = 0; o < n; ++o) output[o] = output[o] / static_cast<float>(count);
}

}  // namespace ref
}  // namespace kiln
