// Reference CONV_2D with entropy-coded weights: each output channel's filter
// decoded into the scratch row, then the int8 reference's sum over its taps
// in TFLite's rounding. A layer of one output pixel reading one input pixel
// (fully connected) sums as it decodes, skipping the runs of zeros.
#include "kiln/ops/conv2d_entropy.h"

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

struct EntropyLayer {
  const Conv2DParams* conv;
  EntropyCode code;
  const EntropyLookup* lookups;  // the runs', the values'
  const int32_t* bias;           // null if none
  const int32_t* multipliers;
  const int32_t* shifts;

  uint32_t bias_of(int32_t oc) const {
    return bias ? static_cast<uint32_t>(bias[oc]) : 0u;  // wraps like TFLite's
  }
  int8_t requantized(int32_t oc, uint32_t acc) const {
    return static_cast<int8_t>(fp::requantize(static_cast<int32_t>(acc), multipliers[oc],
                                              shifts[oc], conv->output_offset, conv->act_min,
                                              conv->act_max));
  }
};

void one_pixel(const EntropyLayer& l, EntropyDecoder& d, const int8_t* x, int8_t* output) {
  const Conv2DParams& p = *l.conv;
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    uint32_t acc = l.bias_of(oc);
    entropy_decode_row(
        d, l.code, l.lookups, p.in_c, [](int32_t, int32_t) {},
        [&](int32_t i, int8_t w) { acc += static_cast<uint32_t>(w * (x[i] + p.input_offset)); });
    output[oc] = l.requantized(oc, acc);
  }
}

void by_rows(const EntropyLayer& l, EntropyDecoder& d, const int8_t* input, int8_t* output,
             int8_t* row) {
  const Conv2DParams& p = *l.conv;
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    entropy_decode_row(
        d, l.code, l.lookups, entropy_row(p),
        [&](int32_t first, int32_t count) {
          for (int32_t i = first; i < first + count; ++i) row[i] = 0;
        },
        [&](int32_t i, int8_t w) { row[i] = w; });
    kernels::for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
      uint32_t acc = l.bias_of(oc);
      kernels::for_each_tap(
          p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
            const int8_t* in_px = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c;
            const int8_t* f_px = row + (fy * p.k_w + fx) * p.in_c;
            for (int32_t ic = 0; ic < p.in_c; ++ic)
              acc += static_cast<uint32_t>(f_px[ic] * (in_px[ic] + p.input_offset));
          });
      output[kernels::output_index(p, b, out_y, out_x, oc)] = l.requantized(oc, acc);
    });
  }
}

}  // namespace

void conv2d_s8_entropy(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DEntropyParams& pe = *static_cast<const Conv2DEntropyParams*>(params);
  const Conv2DParams& p = pe.conv;
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[6]);
  // The scratch buffer: the lookups (the arena aligns it), then the row.
  EntropyLookup* lookups = static_cast<EntropyLookup*>(outputs[1]);
  const EntropyCode code = entropy_code_of(pe, inputs);
  lookups[0].build(code.runs);
  if (code.values.symbols > 0) lookups[1].build(code.values);
  const EntropyLayer layer = {&p,          code,
                              lookups,     static_cast<const int32_t*>(inputs[5]),
                              multipliers, multipliers + p.out_c};
  EntropyDecoder d(static_cast<const uint8_t*>(inputs[4]), static_cast<uint32_t>(pe.stream_bytes));
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  const bool one_input_pixel = p.batches == 1 && p.in_h == 1 && p.in_w == 1 && p.out_h == 1 &&
                               p.out_w == 1 && p.k_h == 1 && p.k_w == 1 && p.pad_h == 0 &&
                               p.pad_w == 0;
  if (one_input_pixel) {
    one_pixel(layer, d, input, output);
  } else {
    by_rows(layer, d, input, output, reinterpret_cast<int8_t*>(lookups + 2));
  }
}

}  // namespace ref
}  // namespace kiln
