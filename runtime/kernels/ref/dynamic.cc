// Reference DYNAMIC_UPDATE_SLICE and BROADCAST_ARGS.
#include "kiln/ops/dynamic.h"

#include <stdint.h>
#include <string.h>

#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

int64_t value_at(const void* data, int32_t i, int32_t size) {
  if (size == 8) {
    int64_t v;
    memcpy(&v, static_cast<const uint8_t*>(data) + i * 8, 8);
    return v;
  }
  int32_t v;
  memcpy(&v, static_cast<const uint8_t*>(data) + i * 4, 4);
  return v;
}

}  // namespace

void dynamic_update_slice(const void* params, const void* const* inputs, void* const* outputs) {
  const DynamicUpdateSliceParams& p = *static_cast<const DynamicUpdateSliceParams*>(params);
  const uint8_t* input = static_cast<const uint8_t*>(inputs[0]);
  const uint8_t* update = static_cast<const uint8_t*>(inputs[1]);
  uint8_t* out = static_cast<uint8_t*>(outputs[0]);
  int64_t total = 1;
  int32_t start[kMaxDynamicRank];
  for (int d = 0; d < kMaxDynamicRank; ++d) {
    total *= p.dims[d];
    const int32_t lead = kMaxDynamicRank - p.rank;
    const int64_t wanted = d < lead ? 0 : value_at(inputs[2], d - lead, p.index_size);
    const int64_t last = p.dims[d] - p.update_dims[d];
    start[d] = static_cast<int32_t>(wanted < 0 ? 0 : (wanted > last ? last : wanted));
  }
  if (out != input) memmove(out, input, static_cast<size_t>(total) * p.element_size);
  // Each innermost row of the update is one copy into its place.
  const int32_t* u = p.update_dims;
  const size_t row = static_cast<size_t>(u[5]) * p.element_size;
  int32_t i[5];
  for (i[0] = 0; i[0] < u[0]; ++i[0])
    for (i[1] = 0; i[1] < u[1]; ++i[1])
      for (i[2] = 0; i[2] < u[2]; ++i[2])
        for (i[3] = 0; i[3] < u[3]; ++i[3])
          for (i[4] = 0; i[4] < u[4]; ++i[4]) {
            int64_t at = 0, from = 0;
            for (int d = 0; d < 5; ++d) {
              at = at * p.dims[d] + start[d] + i[d];
              from = from * u[d] + i[d];
            }
            at = at * p.dims[5] + start[5];
            from *= u[5];
            memcpy(out + at * p.element_size, update + from * p.element_size, row);
          }
}

void broadcast_args(const void* params, const void* const* inputs, void* const* outputs) {
  const BroadcastArgsParams& p = *static_cast<const BroadcastArgsParams*>(params);
  for (int32_t i = 0; i < p.output_length; ++i) {
    // Right-aligned: position i of the output is position i - lead of each.
    const int32_t i1 = i - (p.output_length - p.length1);
    const int32_t i2 = i - (p.output_length - p.length2);
    const int64_t a = i1 >= 0 ? value_at(inputs[0], i1, p.element_size) : 1;
    const int64_t b = i2 >= 0 ? value_at(inputs[1], i2, p.element_size) : 1;
    const int64_t v = a == 1 ? b : (b == 1 ? a : (a > b ? a : b));
    uint8_t* out = static_cast<uint8_t*>(outputs[0]) + i * p.element_size;
    if (p.element_size == 8) {
      memcpy(out, &v, 8);
    } else {
      const int32_t v32 = static_cast<int32_t>(v);
      memcpy(out, &v32, 4);
    }
  }
}

}  // namespace ref
}  // namespace kiln
