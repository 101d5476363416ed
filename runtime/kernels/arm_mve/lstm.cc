// Integer UNIDIRECTIONAL_SEQUENCE_LSTM for Helium: the reference's loops
// (kernels/common/lstm.h) with vector gate products. An int8 row is sixteen
// products a step (VMLADAVA) plus the offset times the weights' sum (VADDVA),
// the tail predicated, two units sharing each activation load; int16
// activations use the 16x8 convolution's VMLALDAVA products.
#include "kernels/common/lstm.h"

#include "kernels/arm_mve/primitives.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_mve {
namespace {

// Σ w over n weights (the offset's share of an int16 row's products).
int64_t weight_sum(const int8_t* w, int32_t n) {
#if KILN_ARM_MVE_NATIVE
  int32_t sum = 0;
  for (int32_t i = 0; i < n; i += 16) {
    sum = vaddvaq_s8(sum, vldrbq_z_s8(w + i, vctp8q(static_cast<uint32_t>(n - i))));
  }
  return sum;
#else
  int64_t sum = 0;
  for (int32_t i = 0; i < n; ++i) sum += w[i];
  return sum;
#endif
}

struct GateProducts {
  static uint64_t dot(const int8_t* x, const int8_t* w, int32_t n, int32_t offset) {
#if KILN_ARM_MVE_NATIVE
    int32_t acc = 0;
    for (int32_t i = 0; i < n; i += 16) {
      const mve_pred16_t lanes = vctp8q(static_cast<uint32_t>(n - i));
      acc = vmladavaq_s8(acc, vldrbq_z_s8(x + i, lanes), vldrbq_z_s8(w + i, lanes));
    }
    return static_cast<uint32_t>(acc) + static_cast<uint32_t>(offset * weight_sum(w, n));
#else
    return kernels::PortableGateProducts::dot(x, w, n, offset);
#endif
  }
  static kernels::GateSums2 dot2(const int8_t* x, const int8_t* w0, const int8_t* w1, int32_t n,
                                 int32_t offset) {
#if KILN_ARM_MVE_NATIVE
    int32_t acc0 = 0, acc1 = 0, sum0 = 0, sum1 = 0;
    for (int32_t i = 0; i < n; i += 16) {
      const mve_pred16_t lanes = vctp8q(static_cast<uint32_t>(n - i));
      const int8x16_t xv = vldrbq_z_s8(x + i, lanes);
      const int8x16_t a = vldrbq_z_s8(w0 + i, lanes), b = vldrbq_z_s8(w1 + i, lanes);
      acc0 = vmladavaq_s8(acc0, xv, a);
      sum0 = vaddvaq_s8(sum0, a);
      acc1 = vmladavaq_s8(acc1, xv, b);
      sum1 = vaddvaq_s8(sum1, b);
    }
    return {static_cast<uint32_t>(acc0) + static_cast<uint32_t>(offset * sum0),
            static_cast<uint32_t>(acc1) + static_cast<uint32_t>(offset * sum1)};
#else
    return kernels::PortableGateProducts::dot2(x, w0, w1, n, offset);
#endif
  }

  static uint64_t dot(const int16_t* x, const int8_t* w, int32_t n, int32_t offset) {
    uint64_t sum = dot_s16_s8(x, w, n);
    if (offset != 0) sum += static_cast<uint64_t>(offset * weight_sum(w, n));
    return sum;
  }
  static kernels::GateSums2 dot2(const int16_t* x, const int8_t* w0, const int8_t* w1, int32_t n,
                                 int32_t offset) {
    const kernels::Sums2 sums = dot2_s16_s8(x, w0, w1, n);
    kernels::GateSums2 result{sums.first, sums.second};
    if (offset != 0) {
      result.first += static_cast<uint64_t>(offset * weight_sum(w0, n));
      result.second += static_cast<uint64_t>(offset * weight_sum(w1, n));
    }
    return result;
  }
};

}  // namespace

void lstm_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::IntegerLstm<int8_t, int32_t, GateProducts> math{
      *static_cast<const LstmParams*>(params), static_cast<const uint16_t*>(inputs[3])};
  kernels::lstm<decltype(math), int8_t>(math, inputs, outputs);
}

void lstm_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::IntegerLstm<int16_t, int64_t, GateProducts> math{
      *static_cast<const LstmParams*>(params), static_cast<const uint16_t*>(inputs[3])};
  kernels::lstm<decltype(math), int8_t>(math, inputs, outputs);
}

}  // namespace arm_mve
}  // namespace kiln
