// Reference CONV_2D with sparse weights: the int8 reference's sum over the
// nonzero units only (a zero weight adds nothing), in TFLite's rounding.
#include "kiln/ops/conv2d_sparse.h"

#include "kernels/common/conv_sparse.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void conv2d_s8_sparse(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DSparseParams& ps = *static_cast<const Conv2DSparseParams*>(params);
  kernels::conv2d_s8_sparse(
      ps, inputs, outputs, [](const kernels::SparseLayer& l, const int8_t* x, int8_t* out) {
        const Conv2DParams& p = *l.conv;
        const int32_t* multipliers = static_cast<const int32_t*>(l.requant);
        const int32_t* shifts = multipliers + p.out_c;
        const uint16_t* count = l.counts;
        const uint8_t* offset = l.offsets;
        const int8_t* weight = l.weights;
        for (int32_t oc = 0; oc < p.out_c; ++oc) {
          uint32_t acc = l.bias ? static_cast<uint32_t>(l.bias[oc]) : 0u;  // wraps like TFLite's
          const int8_t* window = x;
          for (int32_t w = 0; w < l.windows; ++w, ++count, window += kSparseWindow * l.block) {
            for (int32_t i = 0; i < *count; ++i, ++offset) {
              const int8_t* in = window + *offset * l.block;
              for (int32_t k = 0; k < l.block; ++k, ++weight)
                acc += static_cast<uint32_t>(*weight * (in[k] + p.input_offset));
            }
          }
          out[oc] = static_cast<int8_t>(fp::requantize(static_cast<int32_t>(acc), multipliers[oc],
                                                       shifts[oc], p.output_offset, p.act_min,
                                                       p.act_max));
        }
      });
}

}  // namespace ref
}  // namespace kiln
