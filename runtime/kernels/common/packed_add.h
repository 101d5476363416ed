// The loop of the packed (ISA-specific) ADD, written once. An instruction
// set supplies its block of lanes:
//
//   struct Add {
//     static constexpr int32_t kLanes;
//     // out[i] = add_one(p, a[i], b[i]) for kLanes elements.
//     static void block(const PackedAddParams& p, const int8_t* a, const int8_t* b, int8_t* out);
//   };
//
// and the elements past the last whole block take add_one. Arithmetic is the
// reference ADD's, so every variant is bit-exact with ref::add_s8.
#ifndef KILN_RUNTIME_KERNELS_COMMON_PACKED_ADD_H
#define KILN_RUNTIME_KERNELS_COMMON_PACKED_ADD_H

#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/ops/packed_elementwise.h"

namespace kiln {
namespace kernels {

// One element of TFLite's integer ADD.
inline int8_t add_one(const PackedAddParams& p, int8_t a, int8_t b) {
  const int32_t shifted1 =
      static_cast<int32_t>(static_cast<uint32_t>(p.input1_offset + a) << p.left_shift);
  const int32_t shifted2 =
      static_cast<int32_t>(static_cast<uint32_t>(p.input2_offset + b) << p.left_shift);
  const int32_t sum = fp::wrapping_add(fp::multiply_prepared(shifted1, p.input1),
                                       fp::multiply_prepared(shifted2, p.input2));
  return static_cast<int8_t>(
      fp::requantize_prepared(sum, p.output, p.output_offset, p.act_min, p.act_max));
}

template <typename Add>
void packed_add_s8(const void* params, const void* const* inputs, void* const* outputs) {
  // A local copy: int8 stores may alias the params, which would make the
  // compiler reload every field after every output byte.
  const PackedAddParams p = *static_cast<const PackedAddParams*>(params);
  const int8_t* a = static_cast<const int8_t*>(inputs[0]);
  const int8_t* b = static_cast<const int8_t*>(inputs[1]);
  int8_t* out = static_cast<int8_t*>(outputs[0]);
  int32_t i = 0;
  for (; i + Add::kLanes <= p.size; i += Add::kLanes) Add::block(p, a + i, b + i, out + i);
  for (; i < p.size; ++i) out[i] = add_one(p, a[i], b[i]);
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_PACKED_ADD_H
