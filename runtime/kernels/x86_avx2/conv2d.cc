// x86-64 AVX2 CONV_2D (and FULLY_CONNECTED) and DEPTHWISE_CONV_2D.
//
// Convolution: the column is widened to int16 once per output pixel; the
// filter is pre-widened, so per 16 taps the inner loop is one column load and,
// per channel of the block, one filter load and one VPMADDWD.
#include "kernels/common/packed_conv.h"
#include "kernels/x86_avx2/primitives.h"
#include "kiln/kernels.h"

namespace kiln {
namespace x86_avx2 {
namespace {

struct Conv : kernels::PortableOutputStage {
  static constexpr PackedLayout kLayout = kX86Avx2ConvLayout;

  KILN_AVX2 static const void* prepare_column(const int8_t* column, int32_t k_padded,
                                              void* widened) {
    int16_t* dst = static_cast<int16_t*>(widened);
    for (int32_t k = 0; k < k_padded; k += 16) store_256(dst + k, load_s8x16_widened(column + k));
    return widened;
  }

  static void pixel(const Stage& stage, const void* column, const uint8_t* records,
                    int32_t k_padded, int32_t out_c, int8_t* out) {
    kernels::pixel_by_blocks<Conv>(stage, column, records, k_padded, out_c, out);
  }

  KILN_AVX2 static const uint8_t* dot_block(const void* column, const uint8_t* weights,
                                            int32_t k_padded, int32_t* acc) {
    const int16_t* x = static_cast<const int16_t*>(column);
    const int16_t* w = reinterpret_cast<const int16_t*>(weights);
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (int32_t k = 0; k < k_padded; k += 16, x += 16, w += 64) {
      const __m256i xv = load_256(x);
      a0 = dot_pairs_accumulate(a0, xv, load_256(w));
      a1 = dot_pairs_accumulate(a1, xv, load_256(w + 16));
      a2 = dot_pairs_accumulate(a2, xv, load_256(w + 32));
      a3 = dot_pairs_accumulate(a3, xv, load_256(w + 48));
    }
    acc[0] = static_cast<int32_t>(static_cast<uint32_t>(acc[0]) + horizontal_sum_s32(a0));
    acc[1] = static_cast<int32_t>(static_cast<uint32_t>(acc[1]) + horizontal_sum_s32(a1));
    acc[2] = static_cast<int32_t>(static_cast<uint32_t>(acc[2]) + horizontal_sum_s32(a2));
    acc[3] = static_cast<int32_t>(static_cast<uint32_t>(acc[3]) + horizontal_sum_s32(a3));
    return reinterpret_cast<const uint8_t*>(w);
  }
};

// Depthwise: eight channels per vector, widened to int32 lanes on load. The
// accumulator lives in memory between calls: the loop nest around it is
// baseline x86-64 code, which must not pass AVX registers.
struct Depthwise : kernels::PortableOutputStage {
  static constexpr PackedLayout kLayout = kX86Avx2DepthwiseLayout;
  struct Acc {
    int32_t lane[8];
  };

  static Acc load(const int32_t* bias) {
    Acc a;
    for (int i = 0; i < 8; ++i) a.lane[i] = bias[i];
    return a;
  }

  KILN_AVX2 static void mac_row(Acc& acc, const int8_t* input, int32_t in_step, const void* filter,
                                int32_t taps, int32_t input_offset) {
    const int8_t* w = static_cast<const int8_t*>(filter);
    __m256i sum = load_256(acc.lane);
    for (int32_t t = 0; t < taps; ++t, input += in_step, w += 8) {
      const __m256i x = add_scalar_s32(load_s8x8_widened(input), input_offset);
      sum = multiply_accumulate_s32(sum, x, load_s8x8_widened(w));
    }
    store_256(acc.lane, sum);
  }

  static void pixel(const kernels::DepthwisePixel<Requant>& px, const Stage& stage) {
    kernels::depthwise_pixel_by_groups<Depthwise>(px, stage);
  }

  static void store(const Acc& acc, int32_t* lanes) {
    for (int i = 0; i < 8; ++i) lanes[i] = acc.lane[i];
  }
};

}  // namespace

void conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_conv2d_s8<Conv>(params, inputs, outputs);
}

void depthwise_conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::packed_depthwise_conv2d_s8<Depthwise>(params, inputs, outputs);
}

}  // namespace x86_avx2
}  // namespace kiln
