// Arm DSP-extension AVERAGE_POOL_2D and MAX_POOL_2D: four channels per word.
// Averages accumulate in 16-bit halves (SXTAB16 widens and adds two bytes at
// once); maxima are four byte lanes at once (SSUB8 sets a flag per byte, SEL
// picks by them).
#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/packed_pool.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_dsp {
namespace {

struct Average {
  static constexpr int32_t kLanes = kArmDspPoolLanes;
  struct Sum {
    uint32_t s02, s13;  // lanes 0 and 2, 1 and 3, as int16 halves
  };

  static Sum zero() { return {0, 0}; }
  static void add(Sum& sum, const int8_t* in) {
    const uint32_t x = load_u32(in);
    sum.s02 = sxtab16(sum.s02, x);
    sum.s13 = sxtab16_ror8(sum.s13, x);
  }
  static void sums(const Sum& sum, int32_t* lanes) {
    lanes[0] = static_cast<int16_t>(sum.s02 & 0xFFFFu);
    lanes[1] = static_cast<int16_t>(sum.s13 & 0xFFFFu);
    lanes[2] = static_cast<int16_t>(sum.s02 >> 16);
    lanes[3] = static_cast<int16_t>(sum.s13 >> 16);
  }
};

struct Max {
  static constexpr int32_t kLanes = kArmDspPoolLanes;
  using Acc = uint32_t;

  static Acc lowest() { return 0x80808080u; }
  static void max(Acc& acc, const int8_t* in) { acc = max_s8x4(acc, load_u32(in)); }
  static void store(const Acc& acc, int32_t lo, int32_t hi, int8_t* out) {
    store_u32(out, clamp_s8x4(acc, splat_s8x4(lo), splat_s8x4(hi)));
  }
};

}  // namespace

void average_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_average_pool2d_s8<Average>(params, inputs, outputs);
}

void max_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_max_pool2d_s8<Max>(params, inputs, outputs);
}

}  // namespace arm_dsp
}  // namespace kiln
