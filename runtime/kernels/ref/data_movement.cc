// Reference RESHAPE (copy), PAD, CONCATENATION and TRANSPOSE: byte moves for
// any element type.
#include "kiln/ops/data_movement.h"

#include <stdint.h>
#include <string.h>

#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void copy(const void* params, const void* const* inputs, void* const* outputs) {
  const CopyParams& p = *static_cast<const CopyParams*>(params);
  if (inputs[0] != outputs[0]) memmove(outputs[0], inputs[0], static_cast<size_t>(p.bytes));
}

void pad(const void* params, const void* const* inputs, void* const* outputs) {
  const PadParams& p = *static_cast<const PadParams*>(params);
  const uint8_t* in = static_cast<const uint8_t*>(inputs[0]);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  const int32_t es = p.element_size;
  uint8_t fill[4];
  for (int i = 0; i < 4; ++i) fill[i] = static_cast<uint8_t>(p.pad_value_bits >> (8 * i));

  int32_t out_dims[kMaxPadRank];
  for (int i = 0; i < kMaxPadRank; ++i) out_dims[i] = p.in_dims[i] + p.before[i] + p.after[i];
  for (int32_t a = 0; a < out_dims[0]; ++a) {
    for (int32_t b = 0; b < out_dims[1]; ++b) {
      for (int32_t c = 0; c < out_dims[2]; ++c) {
        for (int32_t d = 0; d < out_dims[3]; ++d) {
          const int32_t ia = a - p.before[0], ib = b - p.before[1];
          const int32_t ic = c - p.before[2], id = d - p.before[3];
          const bool inside = ia >= 0 && ia < p.in_dims[0] && ib >= 0 && ib < p.in_dims[1] &&
                              ic >= 0 && ic < p.in_dims[2] && id >= 0 && id < p.in_dims[3];
          const uint8_t* src =
              inside
                  ? in + ((((ia * p.in_dims[1] + ib) * p.in_dims[2] + ic) * p.in_dims[3] + id) * es)
                  : fill;
          memcpy(out, src, static_cast<size_t>(es));
          out += es;
        }
      }
    }
  }
}

void concatenation(const void* params, const void* const* inputs, void* const* outputs) {
  const ConcatParams& p = *static_cast<const ConcatParams*>(params);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  for (int32_t row = 0; row < p.outer; ++row) {
    for (int32_t i = 0; i < p.num_inputs; ++i) {
      const uint8_t* in = static_cast<const uint8_t*>(inputs[i]) + row * p.inner_bytes[i];
      memcpy(out, in, static_cast<size_t>(p.inner_bytes[i]));
      out += p.inner_bytes[i];
    }
  }
}

void transpose(const void* params, const void* const* inputs, void* const* outputs) {
  const TransposeParams& p = *static_cast<const TransposeParams*>(params);
  const uint8_t* in = static_cast<const uint8_t*>(inputs[0]);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  const int32_t es = p.element_size;
  // Input strides in elements, then the stride of each output dim in the input.
  int32_t in_strides[kMaxTransposeRank];
  int32_t stride = 1;
  for (int d = kMaxTransposeRank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= p.in_dims[d];
  }
  int32_t out_dims[kMaxTransposeRank], steps[kMaxTransposeRank];
  for (int d = 0; d < kMaxTransposeRank; ++d) {
    out_dims[d] = p.in_dims[p.perm[d]];
    steps[d] = in_strides[p.perm[d]];
  }
  int32_t idx[kMaxTransposeRank] = {0, 0, 0, 0, 0, 0};
  int32_t src = 0;
  for (int32_t o = 0; o < stride; ++o) {
    memcpy(out + o * es, in + src * es, static_cast<size_t>(es));
    for (int d = kMaxTransposeRank - 1; d >= 0; --d) {
      src += steps[d];
      if (++idx[d] < out_dims[d]) break;
      src -= steps[d] * idx[d];
      idx[d] = 0;
    }
  }
}

void strided_copy(const void* params, const void* const* inputs, void* const* outputs) {
  const StridedCopyParams& p = *static_cast<const StridedCopyParams*>(params);
  const uint8_t* in = static_cast<const uint8_t*>(inputs[0]);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  const size_t es = static_cast<size_t>(p.element_size);
  constexpr int kInner = kMaxCopyRank - 1;
  // A contiguous innermost dim is copied as one run.
  const bool contiguous = p.strides[kInner] == 1;
  const size_t run = contiguous ? static_cast<size_t>(p.dims[kInner]) : 1;
  const int outer_dims = contiguous ? kInner : kMaxCopyRank;
  int64_t runs = 1;
  for (int d = 0; d < outer_dims; ++d) runs *= p.dims[d];
  int32_t idx[kMaxCopyRank] = {0, 0, 0, 0, 0, 0};
  int64_t src = p.offset;  // 64-bit: a stride times a dim may exceed int32 on the way
  for (int64_t r = 0; r < runs; ++r) {
    memcpy(out, in + static_cast<size_t>(src) * es, run * es);
    out += run * es;
    for (int d = outer_dims - 1; d >= 0; --d) {  // the next run's index, odometer-wise
      src += p.strides[d];
      if (++idx[d] < p.dims[d]) break;
      src -= int64_t{p.strides[d]} * p.dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace ref
}  // namespace kiln
