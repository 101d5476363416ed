// What the CONV_2D_S8_B1 kernels (kiln/ops/conv2d_b1.h) share: the layer's
// operands and the last step of every output channel, which combines the
// window's sum with the sum where the channel's bits are 1. The kernels
// differ only in how they gather the window and find that second sum.
#ifndef KILN_RUNTIME_KERNELS_COMMON_CONV_B1_H
#define KILN_RUNTIME_KERNELS_COMMON_CONV_B1_H

#include <stdint.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/conv2d_b1.h"

namespace kiln {
namespace kernels {

struct B1Layer {
  const Conv2DParams& p;
  const int8_t* input;
  const uint8_t* bits;
  const int8_t* values;  // per channel: the weight of a 0 bit, of a 1 bit
  const int32_t* bias;   // null if none
  const int32_t* multipliers;
  const int32_t* shifts;
  int8_t* output;

  B1Layer(const void* params, const void* const* inputs, void* const* outputs)
      : p(*static_cast<const Conv2DParams*>(params)),
        input(static_cast<const int8_t*>(inputs[0])),
        bits(static_cast<const uint8_t*>(inputs[1])),
        values(static_cast<const int8_t*>(inputs[2])),
        bias(static_cast<const int32_t*>(inputs[3])),
        multipliers(static_cast<const int32_t*>(inputs[4])),
        shifts(multipliers + p.out_c),
        output(static_cast<int8_t*>(outputs[0])) {}

  // Stores output channel oc of pixel (b, out_y, out_x): `all` is the sum of
  // the window's inputs plus offset, `ones` that sum where oc's bits are 1
  // (both wrapping), so the dot product is v0 * all + (v1 - v0) * ones.
  void store(int32_t b, int32_t out_y, int32_t out_x, int32_t oc, uint32_t all,
             uint32_t ones) const {
    const int32_t low = values[2 * oc], high = values[2 * oc + 1];
    uint32_t acc = static_cast<uint32_t>(low) * all + static_cast<uint32_t>(high - low) * ones;
    if (bias) acc += static_cast<uint32_t>(bias[oc]);
    output[output_index(p, b, out_y, out_x, oc)] =
        static_cast<int8_t>(fp::requantize(static_cast<int32_t>(acc), multipliers[oc], shifts[oc],
                                           p.output_offset, p.act_min, p.act_max));
  }
};

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_CONV_B1_H
