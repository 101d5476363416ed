// Reference CONV_2D with entropy-coded weights: each output channel's filter
// decoded into the scratch row, then the int8 reference's sum over its taps
// in TFLite's rounding.
#include "kiln/ops/conv2d_entropy.h"

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void conv2d_s8_entropy(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DEntropyParams& pe = *static_cast<const Conv2DEntropyParams*>(params);
  const Conv2DParams& p = pe.conv;
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int32_t* bias = static_cast<const int32_t*>(inputs[4]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[5]);
  const int32_t* shifts = multipliers + p.out_c;
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  int8_t* row = static_cast<int8_t*>(outputs[1]);
  EntropyDecoder decoder(
      static_cast<const uint16_t*>(inputs[1]), static_cast<const int8_t*>(inputs[2]), pe.symbols,
      static_cast<const uint8_t*>(inputs[3]), static_cast<uint32_t>(pe.stream_bytes));
  const int32_t row_weights = entropy_row(p);

  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    for (int32_t i = 0; i < row_weights; ++i) row[i] = decoder.decode();
    kernels::for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
      uint32_t acc = bias ? static_cast<uint32_t>(bias[oc]) : 0u;  // wraps like TFLite's
      kernels::for_each_tap(
          p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
            const int8_t* in_px = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c;
            const int8_t* f_px = row + (fy * p.k_w + fx) * p.in_c;
            for (int32_t ic = 0; ic < p.in_c; ++ic)
              acc += static_cast<uint32_t>(f_px[ic] * (in_px[ic] + p.input_offset));
          });
      output[kernels::output_index(p, b, out_y, out_x, oc)] =
          static_cast<int8_t>(fp::requantize(static_cast<int32_t>(acc), multipliers[oc], shifts[oc],
                                             p.output_offset, p.act_min, p.act_max));
    });
  }
}

}  // namespace ref
}  // namespace kiln
