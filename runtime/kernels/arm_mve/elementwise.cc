// Helium ADD: 16 elements per block, four lanes of int32 at a time, the
// rescales on the vector unit (VQRDMULH, VRSHL).
#include "kernels/arm_mve/primitives.h"
#include "kernels/common/packed_add.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_mve {
namespace {

struct Add {
  static constexpr int32_t kLanes = 16;

  static void block(const PackedAddParams& p, const int8_t* a, const int8_t* b, int8_t* out) {
    for (int32_t i = 0; i < kLanes; i += 4) {
      const s32x4 x1 =
          shift_left(add_scalar(load_s8x4_widened(a + i), p.input1_offset), p.left_shift);
      const s32x4 x2 =
          shift_left(add_scalar(load_s8x4_widened(b + i), p.input2_offset), p.left_shift);
      const s32x4 sum = add_lanes(multiply_prepared(x1, p.input1), multiply_prepared(x2, p.input2));
      requantize_store(sum, p.output, p.output_offset, p.act_min, p.act_max, out + i);
    }
  }
};

}  // namespace

void add_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_add_s8<Add>(params, inputs, outputs);
}

}  // namespace arm_mve
}  // namespace kiln
