// The loop nest of every broadcasting element-wise kernel: dims are
// right-aligned to kMaxBroadcastRank, and an input repeats (stride 0) along
// each dim where it has size 1.
#ifndef KILN_KERNELS_COMMON_BROADCAST_H
#define KILN_KERNELS_COMMON_BROADCAST_H

#include <stdint.h>

#include "kiln/ops/elementwise.h"

namespace kiln {

// Calls op(index, out_index) for every output element, where index[k] is the
// element of input k (dims in_dims[k]) that output element broadcasts from.
template <int N, typename Op>
void for_each_broadcast(const int32_t* out_dims, const int32_t* const (&in_dims)[N], Op op) {
  int32_t strides[N][kMaxBroadcastRank];
  for (int k = 0; k < N; ++k) {
    int32_t s = 1;
    for (int d = kMaxBroadcastRank - 1; d >= 0; --d) {
      strides[k][d] = in_dims[k][d] == 1 ? 0 : s;
      s *= in_dims[k][d];
    }
  }
  int32_t count = 1;
  for (int d = 0; d < kMaxBroadcastRank; ++d) count *= out_dims[d];
  int32_t idx[kMaxBroadcastRank] = {0, 0, 0, 0, 0, 0};
  int32_t index[N] = {};
  for (int32_t o = 0; o < count; ++o) {
    op(static_cast<const int32_t*>(index), o);
    // Odometer increment over the output index, keeping the inputs' in step.
    for (int d = kMaxBroadcastRank - 1; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < N; ++k) index[k] += strides[k][d];
      if (idx[d] < out_dims[d]) break;
      for (int k = 0; k < N; ++k) index[k] -= strides[k][d] * idx[d];
      idx[d] = 0;
    }
  }
}

}  // namespace kiln

#endif  // KILN_KERNELS_COMMON_BROADCAST_H
