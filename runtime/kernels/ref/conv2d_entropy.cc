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
  const int8_t* values;
  const uint8_t* runs;
  const int32_t* bias;  // null if none
  const int32_t* multipliers;
  const int32_t* shifts;
};

int8_t requantized(const EntropyLayer& l, int32_t oc, uint32_t acc) {
  const Conv2DParams& p = *l.conv;
  return static_cast<int8_t>(fp::requantize(static_cast<int32_t>(acc), l.multipliers[oc],
                                            l.shifts[oc], p.output_offset, p.act_min, p.act_max));
}

void one_pixel(const EntropyLayer& l, EntropyDecoder& decoder, const int8_t* x, int8_t* output) {
  const Conv2DParams& p = *l.conv;
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    uint32_t acc = l.bias ? static_cast<uint32_t>(l.bias[oc]) : 0u;  // wraps like TFLite's
    for (int32_t i = 0; i < p.in_c;) {
      const int32_t s = decoder.decode();
      const int32_t w = l.values[s];
      const int32_t end = i + l.runs[s];
      if (w == 0) {
        i = end;
        continue;
      }
      for (; i < end; ++i) acc += static_cast<uint32_t>(w * (x[i] + p.input_offset));
    }
    output[oc] = requantized(l, oc, acc);
  }
}

void by_rows(const EntropyLayer& l, EntropyDecoder& decoder, const int8_t* input, int8_t* output,
             int8_t* row) {
  const Conv2DParams& p = *l.conv;
  const int32_t row_weights = entropy_row(p);
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    for (int32_t i = 0; i < row_weights;) {
      const int32_t s = decoder.decode();
      for (const int32_t end = i + l.runs[s]; i < end; ++i) row[i] = l.values[s];
    }
    kernels::for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
      uint32_t acc = l.bias ? static_cast<uint32_t>(l.bias[oc]) : 0u;
      kernels::for_each_tap(
          p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
            const int8_t* in_px = input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c;
            const int8_t* f_px = row + (fy * p.k_w + fx) * p.in_c;
            for (int32_t ic = 0; ic < p.in_c; ++ic)
              acc += static_cast<uint32_t>(f_px[ic] * (in_px[ic] + p.input_offset));
          });
      output[kernels::output_index(p, b, out_y, out_x, oc)] = requantized(l, oc, acc);
    });
  }
}

}  // namespace

// The loader has checked that every run ends inside its row (constants_ok).
void conv2d_s8_entropy(const void* params, const void* const* inputs, void* const* outputs) {
  const Conv2DEntropyParams& pe = *static_cast<const Conv2DEntropyParams*>(params);
  const Conv2DParams& p = pe.conv;
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[6]);
  const EntropyLayer layer = {&p,
                              static_cast<const int8_t*>(inputs[2]),
                              static_cast<const uint8_t*>(inputs[3]),
                              static_cast<const int32_t*>(inputs[5]),
                              multipliers,
                              multipliers + p.out_c};
  EntropyDecoder decoder(static_cast<const uint16_t*>(inputs[1]), pe.symbols,
                         static_cast<const uint8_t*>(inputs[4]),
                         static_cast<uint32_t>(pe.stream_bytes));
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  const bool one_input_pixel = p.batches == 1 && p.in_h == 1 && p.in_w == 1 && p.out_h == 1 &&
                               p.out_w == 1 && p.k_h == 1 && p.k_w == 1 && p.pad_h == 0 &&
                               p.pad_w == 0;
  if (one_input_pixel) {
    one_pixel(layer, decoder, input, output);
  } else {
    by_rows(layer, decoder, input, output, static_cast<int8_t*>(outputs[1]));
  }
}

}  // namespace ref
}  // namespace kiln
