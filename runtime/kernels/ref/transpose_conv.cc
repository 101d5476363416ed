// Reference TRANSPOSE_CONV: TFLite's scatter loop (each input pixel adds its
// products into the output window it reaches), then bias and requantization
// per output channel. Groups and dilation generalize it as ONNX's
// ConvTranspose defines them.
#include "kiln/ops/transpose_conv.h"

#include <stdint.h>
#include <string.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// Calls mac(out_index, in_index, filter_index) for every product of one image
// (batch b) that lands inside the output; indices are in elements, out_index
// within the image.
template <typename Mac>
void scatter(const TransposeConvParams& p, int32_t b, Mac mac) {
  const int32_t in_per_group = p.in_c / p.groups, out_per_group = p.out_c / p.groups;
  for (int32_t in_y = 0; in_y < p.in_h; ++in_y) {
    for (int32_t in_x = 0; in_x < p.in_w; ++in_x) {
      const int32_t in_px = ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c;
      for (int32_t fy = 0; fy < p.k_h; ++fy) {
        const int32_t out_y = in_y * p.stride_h - p.pad_h + fy * p.dilation_h;
        if (out_y < 0 || out_y >= p.out_h) continue;
        for (int32_t fx = 0; fx < p.k_w; ++fx) {
          const int32_t out_x = in_x * p.stride_w - p.pad_w + fx * p.dilation_w;
          if (out_x < 0 || out_x >= p.out_w) continue;
          const int32_t out_px = (out_y * p.out_w + out_x) * p.out_c;
          for (int32_t oc = 0; oc < p.out_c; ++oc) {
            const int32_t group = oc / out_per_group;
            const int32_t filter_px = ((oc * p.k_h + fy) * p.k_w + fx) * in_per_group;
            for (int32_t ic = 0; ic < in_per_group; ++ic) {
              mac(out_px + oc, in_px + group * in_per_group + ic, filter_px + ic);
            }
          }
        }
      }
    }
  }
}

}  // namespace

void transpose_conv_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const TransposeConvParams& p = *static_cast<const TransposeConvParams*>(params);
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int32_t* bias = static_cast<const int32_t*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  // Wrapping int32 accumulators, as TFLite's int32 scratch sums wrap.
  uint32_t* acc = static_cast<uint32_t*>(outputs[1]);
  const int32_t image = p.out_h * p.out_w * p.out_c;
  for (int32_t b = 0; b < p.batches; ++b) {
    memset(acc, 0, static_cast<size_t>(image) * sizeof(uint32_t));
    scatter(p, b, [&](int32_t o, int32_t i, int32_t f) {
      acc[o] += static_cast<uint32_t>((input[i] + p.input_offset) * filter[f]);
    });
    int8_t* out = output + b * image;
    for (int32_t o = 0; o < image; ++o) {
      const int32_t oc = o % p.out_c;
      const uint32_t sum = acc[o] + (bias ? static_cast<uint32_t>(bias[oc]) : 0u);
      out[o] =
          static_cast<int8_t>(fp::requantize(static_cast<int32_t>(sum), multipliers[oc], shifts[oc],
                                             p.output_offset, p.act_min, p.act_max));
    }
  }
}

// 16x8: int16 input, int8 filter, int64 bias; 64-bit accumulators and
// TFLite's Q15 requantization of them.
void transpose_conv_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const TransposeConvParams& p = *static_cast<const TransposeConvParams*>(params);
  const int16_t* input = static_cast<const int16_t*>(inputs[0]);
  const int8_t* filter = static_cast<const int8_t*>(inputs[1]);
  const int64_t* bias = static_cast<const int64_t*>(inputs[2]);
  const int32_t* multipliers = static_cast<const int32_t*>(inputs[3]);
  const int32_t* shifts = multipliers + p.out_c;
  int16_t* output = static_cast<int16_t*>(outputs[0]);
  uint64_t* acc = static_cast<uint64_t*>(outputs[1]);  // wrapping, without UB
  const int32_t image = p.out_h * p.out_w * p.out_c;
  for (int32_t b = 0; b < p.batches; ++b) {
    memset(acc, 0, static_cast<size_t>(image) * sizeof(uint64_t));
    scatter(p, b, [&](int32_t o, int32_t i, int32_t f) {
      acc[o] += static_cast<uint64_t>(static_cast<int64_t>(input[i] * filter[f]));
    });
    int16_t* out = output + b * image;
    for (int32_t o = 0; o < image; ++o) {
      const int32_t oc = o % p.out_c;
      const uint64_t sum = acc[o] + (bias ? static_cast<uint64_t>(bias[oc]) : 0u);
      const int32_t v = fp::multiply_by_quantized_multiplier_64(static_cast<int64_t>(sum),
                                                                multipliers[oc], shifts[oc]);
      out[o] = static_cast<int16_t>(
          fp::clamp(fp::saturating_add(v, p.output_offset), p.act_min, p.act_max));
    }
  }
}

void transpose_conv_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const TransposeConvParams& p = *static_cast<const TransposeConvParams*>(params);
  const float* input = static_cast<const float*>(inputs[0]);
  const float* filter = static_cast<const float*>(inputs[1]);
  const float* bias = static_cast<const float*>(inputs[2]);
  float* output = static_cast<float*>(outputs[0]);
  const int32_t image = p.out_h * p.out_w * p.out_c;
  for (int32_t b = 0; b < p.batches; ++b) {
    float* out = output + b * image;
    for (int32_t o = 0; o < image; ++o) out[o] = 0.0f;
    scatter(p, b, [&](int32_t o, int32_t i, int32_t f) { out[o] += input[i] * filter[f]; });
    for (int32_t o = 0; o < image; ++o) {
      out[o] =
          kernels::clamp_f(out[o] + (bias ? bias[o % p.out_c] : 0.0f), p.act_min_f, p.act_max_f);
    }
  }
}

}  // namespace ref
}  // namespace kiln
