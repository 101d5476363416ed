// AVX2 AVERAGE_POOL_2D and MAX_POOL_2D: thirty-two channels per vector.
// Averages accumulate in int16 lanes; maxima are VPMAXSB on int8 lanes. The
// accumulators live in memory between calls: the loop nest around them is
// baseline x86-64 code, which must not pass AVX registers.
#include "kernels/common/packed_pool.h"
#include "kernels/x86_avx2/primitives.h"
#include "kiln/kernels.h"

namespace kiln {
namespace x86_avx2 {
namespace {

struct Average {
  static constexpr int32_t kLanes = kX86Avx2PoolLanes;
  struct Sum {
    int16_t lane[kLanes];
  };

  static Sum zero() { return {}; }
  KILN_AVX2 static void add(Sum& sum, const int8_t* in) {
    store_256(sum.lane, _mm256_add_epi16(load_256(sum.lane), load_s8x16_widened(in)));
    store_256(sum.lane + 16,
              _mm256_add_epi16(load_256(sum.lane + 16), load_s8x16_widened(in + 16)));
  }
  static void sums(const Sum& sum, int32_t* lanes) {
    for (int32_t l = 0; l < kLanes; ++l) lanes[l] = sum.lane[l];
  }
};

struct Max {
  static constexpr int32_t kLanes = kX86Avx2PoolLanes;
  struct Acc {
    int8_t lane[kLanes];
  };

  static Acc lowest() {
    Acc a;
    for (int8_t& v : a.lane) v = INT8_MIN;
    return a;
  }
  KILN_AVX2 static void max(Acc& acc, const int8_t* in) {
    store_256(acc.lane, _mm256_max_epi8(load_256(acc.lane), load_256(in)));
  }
  static void store(const Acc& acc, int32_t lo, int32_t hi, int8_t* out) {
    for (int32_t l = 0; l < kLanes; ++l)
      out[l] = static_cast<int8_t>(fp::clamp(acc.lane[l], lo, hi));
  }
};

}  // namespace

void average_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_average_pool2d_s8<Average>(params, inputs, outputs);
}

void max_pool2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_max_pool2d_s8<Max>(params, inputs, outputs);
}

}  // namespace x86_avx2
}  // namespace kiln
