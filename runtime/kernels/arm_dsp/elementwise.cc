// Arm DSP-extension ADD: TFLite's integer arithmetic with its rescales as
// SMMULR rounding multiplies (exact: see fp::PreparedRequant) and QADD.
#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/packed_add.h"

namespace kiln {
namespace arm_dsp {
namespace {

// fp::multiply_prepared / fp::requantize_prepared with SMMULR and QADD.
struct SmmulrRescale {
  static int32_t multiply(int32_t x, const fp::PreparedRequant& q) { return multiply_prepared_smmulr(x, q); }
  static int32_t requantize(int32_t x, const fp::PreparedRequant& q, int32_t offset, int32_t lo, int32_t hi) {
    return requantize_prepared_smmulr(x, q, offset, lo, hi);
  }
};

struct Add {
  static constexpr int32_t kLanes = 2;

  static void block(const PackedAddParams& p, const int8_t* a, const int8_t* b, int8_t* out) {
    out[0] = kernels::add_one<SmmulrRescale>(p, a[0], b[0]);
    out[1] = kernels::add_one<SmmulrRescale>(p, a[1], b[1]);
  }
};

}  // namespace

void add_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_add_s8<Add>(params, inputs, outputs);
}

}  // namespace arm_dsp
}  // namespace kiln
