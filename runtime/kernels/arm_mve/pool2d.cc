// Helium AVERAGE_POOL_2D and MAX_POOL_2D: sixteen channels per vector.
// Averages accumulate in int16 lanes (VLDRB widens on load); maxima are
// VMAX on int8 lanes.
#include "kernels/arm_mve/primitives.h"
#include "kernels/common/packed_pool.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_mve {
namespace {

struct Average {
  static constexpr int32_t kLanes = kArmMvePoolLanes;
  using Sum = s16x8x2;

  static Sum zero() { return zero_s16x8x2(); }
  static void add(Sum& sum, const int8_t* in) { sum = add_widened_s8x16(sum, in); }
  static void sums(const Sum& sum, int32_t* lanes) {
    int16_t halves[kLanes];
    store_s16x8x2(halves, sum);
    for (int32_t l = 0; l < kLanes; ++l) lanes[l] = halves[l];
  }
};

struct Max {
  static constexpr int32_t kLanes = kArmMvePoolLanes;
  using Acc = s8x16;

  static Acc lowest() { return splat_s8x16(INT8_MIN); }
  static void max(Acc& acc, const int8_t* in) { acc = max_s8x16(acc, load_s8x16(in)); }
  static void store(const Acc& acc, int32_t lo, int32_t hi, int8_t* out) {
    // lo <= hi within int8 for every model; the casts only keep a corrupted blob defined.
    store_s8x16(
        out, min_s8x16(max_s8x16(acc, splat_s8x16(static_cast<int8_t>(fp::clamp(lo, -128, 127)))),
                       splat_s8x16(static_cast<int8_t>(fp::clamp(hi, -128, 127)))));
  }
};

}  // namespace

void average_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_average_pool2d_s8<Average>(params, inputs, outputs);
}

void max_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_max_pool2d_s8<Max>(params, inputs, outputs);
}

}  // namespace arm_mve
}  // namespace kiln
