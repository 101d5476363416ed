// What the CONV_2D_S8_SPARSE kernels (kiln/ops/conv2d_sparse.h) share: the
// layer's operands and the walk over output pixels, each of which reads one
// input pixel. A kernel supplies the loop over one pixel's output channels:
//
//   void channels(const SparseLayer& layer, const int8_t* x, int8_t* out);
//
// which, for each output channel, sums its windows' units (the window w of
// a channel has counts[w] of them, its inputs from x + w * kSparseWindow *
// block) and requantizes the sum with the channel's bias.
#ifndef KILN_RUNTIME_KERNELS_COMMON_CONV_SPARSE_H
#define KILN_RUNTIME_KERNELS_COMMON_CONV_SPARSE_H

#include <stdint.h>

#include "kernels/common/conv_window.h"
#include "kiln/ops/conv2d_sparse.h"

namespace kiln {
namespace kernels {

struct SparseLayer {
  const Conv2DParams* conv;
  int32_t block, windows;
  const uint16_t* counts;
  const uint8_t* offsets;
  const int8_t* weights;
  const int32_t* bias;  // null if none
  const void* requant;  // the kernel's form of it
};

template <typename Channels>
void conv2d_s8_sparse(const Conv2DSparseParams& ps, const void* const* inputs, void* const* outputs,
                      Channels channels) {
  const Conv2DParams& p = ps.conv;
  const SparseLayer layer = {&p,
                             ps.block,
                             sparse_windows(sparse_units(ps)),
                             static_cast<const uint16_t*>(inputs[1]),
                             static_cast<const uint8_t*>(inputs[2]),
                             static_cast<const int8_t*>(inputs[3]),
                             static_cast<const int32_t*>(inputs[4]),
                             inputs[5]};
  const int8_t* input = static_cast<const int8_t*>(inputs[0]);
  int8_t* output = static_cast<int8_t*>(outputs[0]);
  for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    channels(layer,
             input + ((b * p.in_h + out_y * p.stride_h) * p.in_w + out_x * p.stride_w) * p.in_c,
             output + output_index(p, b, out_y, out_x, 0));
  });
}

// acc + input_offset times the sum of the weights [first, last): the input
// offset's share, for a blob that has not folded it into the bias.
inline uint32_t add_offset_share(uint32_t acc, int32_t input_offset, const int8_t* first,
                                 const int8_t* last) {
  for (; first != last; ++first) acc += static_cast<uint32_t>(input_offset * *first);
  return acc;
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_CONV_SPARSE_H
