// Reference QUANTIZE, DEQUANTIZE, requantization between integer types
// (TFLite's Requantize: uint8 tensors enter and leave int8 graphs through it)
// and CAST.
#include "kiln/ops/quantize.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

namespace {

template <typename Out, int32_t kMin, int32_t kMax>
void quantize_from_f32(const QuantizeParams& p, const float* input, Out* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    // Clamp in float first: the int conversion of an out-of-range float is undefined.
    float q = roundf(input[i] / p.scale);
    q = q > 1e9f ? 1e9f : (q < -1e9f ? -1e9f : (q == q ? q : 0.0f));
    const int32_t v = static_cast<int32_t>(q) + p.output_zero_point;
    output[i] = static_cast<Out>(fp::clamp(v, kMin, kMax));
  }
}

template <typename In>
void dequantize_to_f32(const QuantizeParams& p, const In* input, float* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = static_cast<float>(static_cast<double>(p.scale) * (input[i] - p.input_zero_point));
  }
}

}  // namespace

void quantize_f32_s8(const void* params, const void* const* inputs, void* const* outputs) {
  quantize_from_f32<int8_t, INT8_MIN, INT8_MAX>(*static_cast<const QuantizeParams*>(params),
                                                static_cast<const float*>(inputs[0]),
                                                static_cast<int8_t*>(outputs[0]));
}

void quantize_f32_s16(const void* params, const void* const* inputs, void* const* outputs) {
  quantize_from_f32<int16_t, INT16_MIN, INT16_MAX>(*static_cast<const QuantizeParams*>(params),
                                                   static_cast<const float*>(inputs[0]),
                                                   static_cast<int16_t*>(outputs[0]));
}

namespace {

template <typename In, typename Out, int32_t kMin, int32_t kMax>
void requantize(const QuantizeParams& p, const In* input, Out* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    // Wrapping: an int32 input less its zero point may leave int32.
    const int32_t centered = fp::wrapping_sub(static_cast<int32_t>(input[i]), p.input_zero_point);
    output[i] = static_cast<Out>(
        fp::requantize(centered, p.multiplier, p.shift, p.output_zero_point, kMin, kMax));
  }
}

}  // namespace

void requantize_s8(const void* params, const void* const* inputs, void* const* outputs) {
  requantize<int8_t, int8_t, INT8_MIN, INT8_MAX>(*static_cast<const QuantizeParams*>(params),
                                                 static_cast<const int8_t*>(inputs[0]),
                                                 static_cast<int8_t*>(outputs[0]));
}

void requantize_u8_s8(const void* params, const void* const* inputs, void* const* outputs) {
  requantize<uint8_t, int8_t, INT8_MIN, INT8_MAX>(*static_cast<const QuantizeParams*>(params),
                                                  static_cast<const uint8_t*>(inputs[0]),
                                                  static_cast<int8_t*>(outputs[0]));
}

void requantize_s8_u8(const void* params, const void* const* inputs, void* const* outputs) {
  requantize<int8_t, uint8_t, 0, UINT8_MAX>(*static_cast<const QuantizeParams*>(params),
                                            static_cast<const int8_t*>(inputs[0]),
                                            static_cast<uint8_t*>(outputs[0]));
}

// Integer rescales: one line each, In -> Out clamped to Out's range.
#define KILN_REQUANTIZE(name, In, Out, lo, hi)                                                     \
  void name(const void* params, const void* const* inputs, void* const* outputs) {                 \
    requantize<In, Out, lo, hi>(*static_cast<const QuantizeParams*>(params),                       \
                                static_cast<const In*>(inputs[0]), static_cast<Out*>(outputs[0])); \
  }
KILN_REQUANTIZE(requantize_s16, int16_t, int16_t, INT16_MIN, INT16_MAX)
KILN_REQUANTIZE(requantize_s16_s8, int16_t, int8_t, INT8_MIN, INT8_MAX)
KILN_REQUANTIZE(requantize_s8_s16, int8_t, int16_t, INT16_MIN, INT16_MAX)
KILN_REQUANTIZE(requantize_s16_s32, int16_t, int32_t, INT32_MIN, INT32_MAX)
KILN_REQUANTIZE(requantize_s8_s32, int8_t, int32_t, INT32_MIN, INT32_MAX)
KILN_REQUANTIZE(requantize_s32_s16, int32_t, int16_t, INT16_MIN, INT16_MAX)
KILN_REQUANTIZE(requantize_s32_s8, int32_t, int8_t, INT8_MIN, INT8_MAX)
#undef KILN_REQUANTIZE

void abs_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const QuantizeParams& p = *static_cast<const QuantizeParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  int16_t* output = static_cast<int16_t*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t v = input[i] - p.input_zero_point;
    output[i] = static_cast<int16_t>(fp::requantize(v < 0 ? -v : v, p.multiplier, p.shift,
                                                    p.output_zero_point, INT16_MIN, INT16_MAX));
  }
}

void rsqrt_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const QuantizeParams& p = *static_cast<const QuantizeParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  int16_t* output = static_cast<int16_t*>(outputs[0]);
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = static_cast<int16_t>(fp::quantized_rsqrt(input[i] - p.input_zero_point,
                                                         p.multiplier, p.shift, p.output_zero_point,
                                                         INT16_MIN, INT16_MAX));
  }
}

void dequantize_s8_f32(const void* params, const void* const* inputs, void* const* outputs) {
  dequantize_to_f32(*static_cast<const QuantizeParams*>(params),
                    static_cast<const int8_t*>(inputs[0]), static_cast<float*>(outputs[0]));
}

void dequantize_s16_f32(const void* params, const void* const* inputs, void* const* outputs) {
  dequantize_to_f32(*static_cast<const QuantizeParams*>(params),
                    static_cast<const int16_t*>(inputs[0]), static_cast<float*>(outputs[0]));
}

void dequantize_u8_f32(const void* params, const void* const* inputs, void* const* outputs) {
  dequantize_to_f32(*static_cast<const QuantizeParams*>(params),
                    static_cast<const uint8_t*>(inputs[0]), static_cast<float*>(outputs[0]));
}

namespace {

// One value of any type, as the widest of its kind.
struct Value {
  bool is_float;
  double f;
  int64_t i;
};

Value load(int32_t dtype, const uint8_t* at) {
  switch (dtype) {
    case KILN_DTYPE_FLOAT32: {
      float v;
      memcpy(&v, at, 4);
      return {true, v, 0};
    }
    case KILN_DTYPE_INT8: return {false, 0, static_cast<int8_t>(*at)};
    case KILN_DTYPE_INT16: {
      int16_t v;
      memcpy(&v, at, 2);
      return {false, 0, v};
    }
    case KILN_DTYPE_INT32: {
      int32_t v;
      memcpy(&v, at, 4);
      return {false, 0, v};
    }
    case KILN_DTYPE_INT64: {
      int64_t v;
      memcpy(&v, at, 8);
      return {false, 0, v};
    }
    case KILN_DTYPE_BOOL: return {false, 0, *at != 0};
    case KILN_DTYPE_UINT32: {
      uint32_t v;
      memcpy(&v, at, 4);
      return {false, 0, v};
    }
    case KILN_DTYPE_UINT64: {
      // Values past INT64_MAX wrap negative; a cast to any integer type
      // keeps the low bits either way.
      uint64_t v;
      memcpy(&v, at, 8);
      return {false, 0, static_cast<int64_t>(v)};
    }
    default: return {false, 0, *at};  // uint8
  }
}

// v as an integer: floats truncate towards zero, saturating to the int32
// range (int64 for an int64 result) as a float-to-int conversion instruction
// does, NaN is 0; integer results wrap to their width as a C++ cast does.
int64_t to_integer(const Value& v, bool wide) {
  if (!v.is_float) return v.i;
  if (!(v.f == v.f)) return 0;
  const double lo = wide ? -9223372036854775808.0 : -2147483648.0;
  const double hi = wide ? 9223372036854775807.0 : 2147483647.0;
  if (v.f <= lo) return wide ? INT64_MIN : INT32_MIN;
  if (v.f >= hi) return wide ? INT64_MAX : INT32_MAX;
  return static_cast<int64_t>(v.f);
}

void store(int32_t dtype, const Value& v, uint8_t* at) {
  switch (dtype) {
    case KILN_DTYPE_FLOAT32: {
      const float f = v.is_float ? static_cast<float>(v.f) : static_cast<float>(v.i);
      memcpy(at, &f, 4);
      return;
    }
    case KILN_DTYPE_INT8: *at = static_cast<uint8_t>(to_integer(v, false)); return;
    case KILN_DTYPE_INT16: {
      const int16_t x = static_cast<int16_t>(to_integer(v, false));
      memcpy(at, &x, 2);
      return;
    }
    case KILN_DTYPE_INT32: {
      const int32_t x = static_cast<int32_t>(to_integer(v, false));
      memcpy(at, &x, 4);
      return;
    }
    case KILN_DTYPE_INT64: {
      const int64_t x = to_integer(v, true);
      memcpy(at, &x, 8);
      return;
    }
    case KILN_DTYPE_BOOL: *at = (v.is_float ? v.f != 0 : v.i != 0) ? 1 : 0; return;
    case KILN_DTYPE_UINT32: {
      const auto x = static_cast<uint32_t>(to_integer(v, true));
      memcpy(at, &x, 4);
      return;
    }
    case KILN_DTYPE_UINT64: {
      const auto x = static_cast<uint64_t>(to_integer(v, true));
      memcpy(at, &x, 8);
      return;
    }
    default: *at = static_cast<uint8_t>(to_integer(v, false)); return;  // uint8
  }
}

}  // namespace

void cast(const void* params, const void* const* inputs, void* const* outputs) {
  const CastParams& p = *static_cast<const CastParams*>(params);
  const uint8_t* in = static_cast<const uint8_t*>(inputs[0]);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  const size_t from = kiln_dtype_size(static_cast<uint32_t>(p.from));
  const size_t to = kiln_dtype_size(static_cast<uint32_t>(p.to));
  for (int32_t i = 0; i < p.size; ++i) {
    store(p.to, load(p.from, in + static_cast<size_t>(i) * from),
          out + static_cast<size_t>(i) * to);
  }
}

}  // namespace ref
}  // namespace kiln
