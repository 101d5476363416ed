// Integer UNIDIRECTIONAL_SEQUENCE_LSTM for the Arm DSP extension: the
// reference's loops (kernels/common/lstm.h) with SMLAD gate products. int8
// activations are widened with their offset added in one step (SXTAB16: x
// plus offset stays within 16 bits for every offset a blob may hold) against
// weights widened by SXTB16, two units sharing each activation word; int16
// activations use the 16x8 convolution's SMLALD products.
#include "kernels/common/lstm.h"

#include "kernels/arm_dsp/primitives.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_dsp {
namespace {

struct GateProducts : kernels::Int16GateProducts<dot_s16_s8, dot2_s16_s8, kernels::weight_sum> {
  using Int16GateProducts::dot;
  using Int16GateProducts::dot2;

  static uint64_t dot(const int8_t* x, const int8_t* w, int32_t n, int32_t offset) {
    return dot2(x, w, w, n, offset).first;
  }
  static kernels::GateSums2 dot2(const int8_t* x, const int8_t* w0, const int8_t* w1, int32_t n,
                                 int32_t offset) {
    const uint32_t offsets = dup16(offset);
    int32_t acc0 = 0, acc1 = 0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
      const uint32_t xs = load_u32(x + i);
      const uint32_t x02 = sxtab16(offsets, xs), x13 = sxtab16_ror8(offsets, xs);
      const uint32_t a = load_u32(w0 + i), b = load_u32(w1 + i);
      acc0 = smlad(x02, sxtb16(a), acc0);
      acc0 = smlad(x13, sxtb16_ror8(a), acc0);
      acc1 = smlad(x02, sxtb16(b), acc1);
      acc1 = smlad(x13, sxtb16_ror8(b), acc1);
    }
    uint64_t sum0 = static_cast<uint32_t>(acc0), sum1 = static_cast<uint32_t>(acc1);
    for (; i < n; ++i) {
      sum0 += static_cast<uint64_t>(static_cast<int64_t>(w0[i] * (x[i] + offset)));
      sum1 += static_cast<uint64_t>(static_cast<int64_t>(w1[i] * (x[i] + offset)));
    }
    return {sum0, sum1};
  }
};

}  // namespace

void lstm_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::lstm_s8<GateProducts>(params, inputs, outputs);
}

void lstm_s16(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::lstm_s16<GateProducts>(params, inputs, outputs);
}

}  // namespace arm_dsp
}  // namespace kiln
