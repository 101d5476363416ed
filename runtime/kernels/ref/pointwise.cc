// Reference element-wise kernels on stored values (pointwise.h), with
// TFLite's definitions: floor division and modulo round towards minus
// infinity, ROUND rounds half to even, int8 and int16 comparisons compare
// rescaled values. Integer arithmetic wraps and divides by zero to 0 rather
// than trap: a blob never crashes the runtime.
#include "kiln/ops/pointwise.h"

#include <math.h>
#include <stdint.h>

#include "kernels/common/broadcast.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

template <typename T, typename Op>
void binary(const PointwiseParams& p, const void* a, const void* b, void* out, Op op) {
  using Out = decltype(op(T{}, T{}));
  const T* x = static_cast<const T*>(a);
  const T* y = static_cast<const T*>(b);
  Out* o = static_cast<Out*>(out);
  const int32_t* const dims[2] = {p.in1_dims, p.in2_dims};
  for_each_broadcast<2>(p.out_dims, dims,
                        [&](const int32_t* in, int32_t i) { o[i] = op(x[in[0]], y[in[1]]); });
}

template <typename T, typename Op>
void unary(const PointwiseParams& p, const void* a, void* out, Op op) {
  const T* x = static_cast<const T*>(a);
  T* o = static_cast<T*>(out);
  int32_t count = 1;
  for (int d = 0; d < kMaxBroadcastRank; ++d) count *= p.out_dims[d];
  for (int32_t i = 0; i < count; ++i) o[i] = op(x[i]);
}

// The comparisons, on values of type T (already rescaled where TFLite does).
template <typename T>
bool compare(int32_t op, T x, T y) {
  switch (static_cast<PointwiseOp>(op)) {
    case PointwiseOp::kEqual: return x == y;
    case PointwiseOp::kNotEqual: return x != y;
    case PointwiseOp::kLess: return x < y;
    case PointwiseOp::kLessEqual: return x <= y;
    case PointwiseOp::kGreater: return x > y;
    default: return x >= y;  // kGreaterEqual
  }
}

template <typename T>
void compare_raw(const PointwiseParams& p, const void* a, const void* b, void* out) {
  const int32_t op = p.operation;
  binary<T>(p, a, b, out, [op](T x, T y) -> uint8_t { return compare(op, x, y) ? 1 : 0; });
}

template <typename T>
T minimum(T x, T y) {
  return x < y ? x : y;
}
template <typename T>
T maximum(T x, T y) {
  return x > y ? x : y;
}

// int8 and int16: minimum and maximum of the stored values; comparisons of
// the values rescaled as TFLite's ComparisonWithScaling.
template <typename T>
void run_small_int(const PointwiseParams& p, const void* const* in, void* out) {
  switch (static_cast<PointwiseOp>(p.operation)) {
    case PointwiseOp::kMinimum: return binary<T>(p, in[0], in[1], out, minimum<T>);
    case PointwiseOp::kMaximum: return binary<T>(p, in[0], in[1], out, maximum<T>);
    default: break;
  }
  const int32_t op = p.operation;
  binary<T>(p, in[0], in[1], out, [&p, op](T x, T y) -> uint8_t {
    const int32_t sx = fp::multiply_by_quantized_multiplier(
        (p.input1_offset + x) * (1 << p.left_shift), p.input1_multiplier, p.input1_shift);
    const int32_t sy = fp::multiply_by_quantized_multiplier(
        (p.input2_offset + y) * (1 << p.left_shift), p.input2_multiplier, p.input2_shift);
    return compare(op, sx, sy) ? 1 : 0;
  });
}

int32_t clamp_i(int64_t v, const PointwiseParams& p) {
  return static_cast<int32_t>(v < p.act_min ? p.act_min : (v > p.act_max ? p.act_max : v));
}

// Wrapping int32 arithmetic (unsigned, so overflow is defined).
int32_t wrap(uint32_t v) { return static_cast<int32_t>(v); }

int32_t floor_div_s32(int32_t x, int32_t y) {
  if (y == 0) return 0;
  return static_cast<int32_t>(floor(static_cast<double>(x) / static_cast<double>(y)));
}

int32_t floor_mod_s32(int32_t x, int32_t y) {
  if (y == 0 || y == -1) return 0;
  const int32_t m = x % y;
  return (m != 0 && ((y < 0) != (m < 0))) ? m + y : m;
}

float floor_mod_f32(float x, float y) {
  const float m = fmodf(x, y);
  return (m != 0 && ((y < 0) != (m < 0))) ? m + y : m;
}

// TFLite's GELU, exact (through erfc, which keeps large negative x from
// cancelling) and in its tanh approximation.
float gelu_f32(float x) { return 0.5f * x * erfcf(x * -0.70710678118654752f); }
float gelu_tanh_f32(float x) {
  return 0.5f * x * (1.0f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
}

float clamp_f(float v, const PointwiseParams& p) {
  return v < p.act_min_f ? p.act_min_f : (v > p.act_max_f ? p.act_max_f : v);
}

}  // namespace

void pointwise_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const PointwiseParams& p = *static_cast<const PointwiseParams*>(params);
  const void* a = inputs[0];
  const void* b = inputs[1];
  void* out = outputs[0];
  switch (static_cast<PointwiseOp>(p.operation)) {
    case PointwiseOp::kAdd:
      return binary<float>(p, a, b, out, [&p](float x, float y) { return clamp_f(x + y, p); });
    case PointwiseOp::kSub:
      return binary<float>(p, a, b, out, [&p](float x, float y) { return clamp_f(x - y, p); });
    case PointwiseOp::kMul:
      return binary<float>(p, a, b, out, [&p](float x, float y) { return clamp_f(x * y, p); });
    case PointwiseOp::kDiv:
      return binary<float>(p, a, b, out, [&p](float x, float y) { return clamp_f(x / y, p); });
    case PointwiseOp::kMinimum: return binary<float>(p, a, b, out, minimum<float>);
    case PointwiseOp::kMaximum: return binary<float>(p, a, b, out, maximum<float>);
    case PointwiseOp::kSquaredDifference:
      return binary<float>(p, a, b, out,
                           [&p](float x, float y) { return clamp_f((x - y) * (x - y), p); });
    case PointwiseOp::kFloorDiv:
      return binary<float>(p, a, b, out, [](float x, float y) { return floorf(x / y); });
    case PointwiseOp::kFloorMod: return binary<float>(p, a, b, out, floor_mod_f32);
    case PointwiseOp::kAbs: return unary<float>(p, a, out, [](float x) { return fabsf(x); });
    case PointwiseOp::kNeg: return unary<float>(p, a, out, [](float x) { return -x; });
    case PointwiseOp::kExp: return unary<float>(p, a, out, [](float x) { return expf(x); });
    case PointwiseOp::kLog: return unary<float>(p, a, out, [](float x) { return logf(x); });
    case PointwiseOp::kSqrt: return unary<float>(p, a, out, [](float x) { return sqrtf(x); });
    case PointwiseOp::kRsqrt:
      return unary<float>(p, a, out, [](float x) { return 1.0f / sqrtf(x); });
    case PointwiseOp::kSquare: return unary<float>(p, a, out, [](float x) { return x * x; });
    case PointwiseOp::kFloor: return unary<float>(p, a, out, [](float x) { return floorf(x); });
    case PointwiseOp::kCeil: return unary<float>(p, a, out, [](float x) { return ceilf(x); });
    case PointwiseOp::kRound: return unary<float>(p, a, out, [](float x) { return nearbyintf(x); });
    case PointwiseOp::kSin: return unary<float>(p, a, out, [](float x) { return sinf(x); });
    case PointwiseOp::kCos: return unary<float>(p, a, out, [](float x) { return cosf(x); });
    case PointwiseOp::kElu:
      return unary<float>(p, a, out, [](float x) { return x < 0.0f ? expm1f(x) : x; });
    case PointwiseOp::kGelu: return unary<float>(p, a, out, gelu_f32);
    case PointwiseOp::kGeluTanh: return unary<float>(p, a, out, gelu_tanh_f32);
    default: return compare_raw<float>(p, a, b, out);
  }
}

void pointwise_s32(const void* params, const void* const* inputs, void* const* outputs) {
  const PointwiseParams& p = *static_cast<const PointwiseParams*>(params);
  const void* a = inputs[0];
  const void* b = inputs[1];
  void* out = outputs[0];
  using U = uint32_t;
  switch (static_cast<PointwiseOp>(p.operation)) {
    case PointwiseOp::kAdd:
      return binary<int32_t>(p, a, b, out,
                             [&p](int32_t x, int32_t y) { return clamp_i(wrap(U(x) + U(y)), p); });
    case PointwiseOp::kSub:
      return binary<int32_t>(p, a, b, out,
                             [&p](int32_t x, int32_t y) { return clamp_i(wrap(U(x) - U(y)), p); });
    case PointwiseOp::kMul:
      return binary<int32_t>(p, a, b, out,
                             [&p](int32_t x, int32_t y) { return clamp_i(wrap(U(x) * U(y)), p); });
    case PointwiseOp::kDiv:
      return binary<int32_t>(p, a, b, out, [&p](int32_t x, int32_t y) {
        return clamp_i(y == 0 ? 0 : (y == -1 ? wrap(0u - U(x)) : x / y), p);
      });
    case PointwiseOp::kMinimum: return binary<int32_t>(p, a, b, out, minimum<int32_t>);
    case PointwiseOp::kMaximum: return binary<int32_t>(p, a, b, out, maximum<int32_t>);
    case PointwiseOp::kSquaredDifference:
      return binary<int32_t>(p, a, b, out, [&p](int32_t x, int32_t y) {
        const U d = U(x) - U(y);
        return clamp_i(wrap(d * d), p);
      });
    case PointwiseOp::kFloorDiv: return binary<int32_t>(p, a, b, out, floor_div_s32);
    case PointwiseOp::kFloorMod: return binary<int32_t>(p, a, b, out, floor_mod_s32);
    default: return compare_raw<int32_t>(p, a, b, out);
  }
}

// int64 arithmetic (the shape computations of ONNX models) wraps, a
// division truncates and the floor forms round down; nothing clamps.
void pointwise_s64(const void* params, const void* const* inputs, void* const* outputs) {
  const PointwiseParams& p = *static_cast<const PointwiseParams*>(params);
  using U = uint64_t;
  const auto wrap64 = [](U v) { return static_cast<int64_t>(v); };
  switch (static_cast<PointwiseOp>(p.operation)) {
    case PointwiseOp::kAdd:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0],
                             [&](int64_t x, int64_t y) { return wrap64(U(x) + U(y)); });
    case PointwiseOp::kSub:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0],
                             [&](int64_t x, int64_t y) { return wrap64(U(x) - U(y)); });
    case PointwiseOp::kMul:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0],
                             [&](int64_t x, int64_t y) { return wrap64(U(x) * U(y)); });
    case PointwiseOp::kDiv:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0], [&](int64_t x, int64_t y) {
        return y == 0 ? int64_t{0} : (y == -1 ? wrap64(U{0} - U(x)) : x / y);
      });
    case PointwiseOp::kSquaredDifference:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0], [&](int64_t x, int64_t y) {
        const U d = U(x) - U(y);
        return wrap64(d * d);
      });
    case PointwiseOp::kFloorDiv:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0], [&](int64_t x, int64_t y) {
        if (y == 0) return int64_t{0};
        if (y == -1) return wrap64(U{0} - U(x));
        const int64_t q = x / y;
        return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
      });
    case PointwiseOp::kFloorMod:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0], [](int64_t x, int64_t y) {
        if (y == 0 || y == -1) return int64_t{0};
        const int64_t m = x % y;
        return (m != 0 && ((y < 0) != (m < 0))) ? m + y : m;
      });
    case PointwiseOp::kMinimum:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0], minimum<int64_t>);
    case PointwiseOp::kMaximum:
      return binary<int64_t>(p, inputs[0], inputs[1], outputs[0], maximum<int64_t>);
    default: return compare_raw<int64_t>(p, inputs[0], inputs[1], outputs[0]);
  }
}

void pointwise_s16(const void* params, const void* const* inputs, void* const* outputs) {
  run_small_int<int16_t>(*static_cast<const PointwiseParams*>(params), inputs, outputs[0]);
}

void pointwise_s8(const void* params, const void* const* inputs, void* const* outputs) {
  run_small_int<int8_t>(*static_cast<const PointwiseParams*>(params), inputs, outputs[0]);
}

// Bool tensors hold 0 or 1 per byte; any nonzero byte reads as true.
void pointwise_bool(const void* params, const void* const* inputs, void* const* outputs) {
  const PointwiseParams& p = *static_cast<const PointwiseParams*>(params);
  const void* a = inputs[0];
  const void* b = inputs[1];
  void* out = outputs[0];
  switch (static_cast<PointwiseOp>(p.operation)) {
    case PointwiseOp::kLogicalAnd:
      return binary<uint8_t>(p, a, b, out, [](uint8_t x, uint8_t y) -> uint8_t { return x && y; });
    case PointwiseOp::kLogicalOr:
      return binary<uint8_t>(p, a, b, out, [](uint8_t x, uint8_t y) -> uint8_t { return x || y; });
    case PointwiseOp::kLogicalNot:
      return unary<uint8_t>(p, a, out, [](uint8_t x) -> uint8_t { return !x; });
    case PointwiseOp::kEqual:
      return binary<uint8_t>(p, a, b, out,
                             [](uint8_t x, uint8_t y) -> uint8_t { return !x == !y; });
    default:
      return binary<uint8_t>(p, a, b, out,
                             [](uint8_t x, uint8_t y) -> uint8_t { return !x != !y; });
  }
}

void select(const void* params, const void* const* inputs, void* const* outputs) {
  const SelectParams& p = *static_cast<const SelectParams*>(params);
  const uint8_t* condition = static_cast<const uint8_t*>(inputs[0]);
  const uint8_t* x = static_cast<const uint8_t*>(inputs[1]);
  const uint8_t* y = static_cast<const uint8_t*>(inputs[2]);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  const size_t es = static_cast<size_t>(p.element_size);
  const int32_t* const dims[3] = {p.condition_dims, p.x_dims, p.y_dims};
  for_each_broadcast<3>(p.out_dims, dims, [&](const int32_t* in, int32_t o) {
    const uint8_t* from = condition[in[0]] ? x + static_cast<size_t>(in[1]) * es
                                           : y + static_cast<size_t>(in[2]) * es;
    for (size_t k = 0; k < es; ++k) out[static_cast<size_t>(o) * es + k] = from[k];
  });
}

}  // namespace ref
}  // namespace kiln
