// Reference GATHER and GATHER_ND: slice copies at run-time indices, each
// index checked against the input (out of range: a zero slice).
#include "kiln/ops/gather.h"

#include <stdint.h>
#include <string.h>

#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

int64_t index_at(const uint8_t* indices, int32_t i, int32_t index_size) {
  if (index_size == 8) {
    int64_t v;
    memcpy(&v, indices + static_cast<size_t>(i) * 8, 8);
    return v;
  }
  int32_t v;
  memcpy(&v, indices + static_cast<size_t>(i) * 4, 4);
  return v;
}

}  // namespace

void gather(const void* params, const void* const* inputs, void* const* outputs) {
  const GatherParams& p = *static_cast<const GatherParams*>(params);
  const uint8_t* in = static_cast<const uint8_t*>(inputs[0]);
  const uint8_t* indices = static_cast<const uint8_t*>(inputs[1]);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  const size_t slice = static_cast<size_t>(p.inner_bytes);
  for (int32_t o = 0; o < p.outer; ++o) {
    const uint8_t* block = in + static_cast<size_t>(o) * static_cast<size_t>(p.axis_size) * slice;
    for (int32_t i = 0; i < p.count; ++i) {
      const int64_t k = index_at(indices, i, p.index_size);
      if (k >= 0 && k < p.axis_size) {
        memcpy(out, block + static_cast<size_t>(k) * slice, slice);
      } else {
        memset(out, 0, slice);
      }
      out += slice;
    }
  }
}

void gather_nd(const void* params, const void* const* inputs, void* const* outputs) {
  const GatherNdParams& p = *static_cast<const GatherNdParams*>(params);
  const uint8_t* in = static_cast<const uint8_t*>(inputs[0]);
  const uint8_t* indices = static_cast<const uint8_t*>(inputs[1]);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  const size_t slice = static_cast<size_t>(p.slice_bytes);
  for (int32_t i = 0; i < p.count; ++i) {
    uint64_t offset = 0;
    bool inside = true;
    for (int32_t d = 0; d < p.depth; ++d) {
      const int64_t k = index_at(indices, i * p.depth + d, p.index_size);
      inside = inside && k >= 0 && k < p.dims[d];
      offset = offset * static_cast<uint64_t>(p.dims[d]) + (inside ? static_cast<uint64_t>(k) : 0);
    }
    if (inside) {
      memcpy(out, in + offset * slice, slice);
    } else {
      memset(out, 0, slice);
    }
    out += slice;
  }
}

}  // namespace ref
}  // namespace kiln
