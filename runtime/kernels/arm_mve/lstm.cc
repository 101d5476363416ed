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
  return kernels::weight_sum(w, n);
#endif
}

struct GateProducts : kernels::Int16GateProducts<dot_s16_s8, dot2_s16_s8, weight_sum> {
  using Int16GateProducts::dot;
  using Int16GateProducts::dot2;

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
};

}  // namespace

void lstm_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::lstm_s8<GateProducts>(params, inputs, outputs);
}

void lstm_s16(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::lstm_s16<GateProducts>(params, inputs, outputs);
}

}  // namespace arm_mve
}  // namespace kiln
