// Reference ADD, SUB and MUL with broadcasting: TFLite's integer Add and Sub
// (inputs left-shifted by 20 and rescaled to twice the larger input scale)
// and Mul.
#include "kiln/ops/elementwise.h"

#include <stdint.h>

#include "kernels/common/broadcast.h"
#include "kiln/fixed_point.h"

namespace kiln {
namespace ref {
namespace {

// Calls op(in1_index, in2_index, out_index) for every output element.
template <typename Op>
void broadcast(const BinaryParams& p, Op op) {
  const int32_t* const dims[2] = {p.in1_dims, p.in2_dims};
  for_each_broadcast<2>(p.out_dims, dims,
                        [&](const int32_t* in, int32_t o) { op(in[0], in[1], o); });
}

inline float clamp_f(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

// ADD (sign +1) and SUB (sign -1) share TFLite's integer arithmetic.
void add_or_sub_s8(const BinaryParams& p, const int8_t* in1, const int8_t* in2, int8_t* out,
                   bool subtract) {
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    const int32_t shifted1 = (p.input1_offset + in1[a]) * (1 << p.left_shift);
    const int32_t shifted2 = (p.input2_offset + in2[b]) * (1 << p.left_shift);
    const int32_t scaled1 =
        fp::multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
    const int32_t scaled2 =
        fp::multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
    const int32_t sum =
        subtract ? fp::wrapping_sub(scaled1, scaled2) : fp::wrapping_add(scaled1, scaled2);
    out[o] = static_cast<int8_t>(fp::requantize(sum, p.output_multiplier, p.output_shift,
                                                p.output_offset, p.act_min, p.act_max));
  });
}

}  // namespace

void add_s8(const void* params, const void* const* inputs, void* const* outputs) {
  add_or_sub_s8(*static_cast<const BinaryParams*>(params), static_cast<const int8_t*>(inputs[0]),
                static_cast<const int8_t*>(inputs[1]), static_cast<int8_t*>(outputs[0]), false);
}

void sub_s8(const void* params, const void* const* inputs, void* const* outputs) {
  add_or_sub_s8(*static_cast<const BinaryParams*>(params), static_cast<const int8_t*>(inputs[0]),
                static_cast<const int8_t*>(inputs[1]), static_cast<int8_t*>(outputs[0]), true);
}

void add_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const float* in1 = static_cast<const float*>(inputs[0]);
  const float* in2 = static_cast<const float*>(inputs[1]);
  float* out = static_cast<float*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    out[o] = clamp_f(in1[a] + in2[b], p.act_min_f, p.act_max_f);
  });
}

void sub_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const float* in1 = static_cast<const float*>(inputs[0]);
  const float* in2 = static_cast<const float*>(inputs[1]);
  float* out = static_cast<float*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    out[o] = clamp_f(in1[a] - in2[b], p.act_min_f, p.act_max_f);
  });
}

void mul_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const int8_t* in1 = static_cast<const int8_t*>(inputs[0]);
  const int8_t* in2 = static_cast<const int8_t*>(inputs[1]);
  int8_t* out = static_cast<int8_t*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    const int32_t product = (p.input1_offset + in1[a]) * (p.input2_offset + in2[b]);
    out[o] = static_cast<int8_t>(fp::requantize(product, p.output_multiplier, p.output_shift,
                                                p.output_offset, p.act_min, p.act_max));
  });
}

void mul_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const BinaryParams& p = *static_cast<const BinaryParams*>(params);
  const float* in1 = static_cast<const float*>(inputs[0]);
  const float* in2 = static_cast<const float*>(inputs[1]);
  float* out = static_cast<float*>(outputs[0]);
  broadcast(p, [&](int32_t a, int32_t b, int32_t o) {
    out[o] = clamp_f(in1[a] * in2[b], p.act_min_f, p.act_max_f);
  });
}

}  // namespace ref
}  // namespace kiln
