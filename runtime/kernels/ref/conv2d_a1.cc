// CONV_2D with binary weights and binary activations (kiln/ops/conv2d_a1.h),
// for every target: per output pixel, its window's bits gathered into the
// scratch and counted, then per pair of output channels the bits set in both
// the window and the channel's row, 32 weights per AND, combined with the
// channel's two values in the 32-bit wrapping accumulator; requantized in
// TFLite's rounding, or compared with the channel's threshold.
#include "kiln/ops/conv2d_a1.h"

#include <stdint.h>

#include "kernels/common/conv_a1.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void conv2d_a1_b1(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::A1Layer l(params, inputs, outputs);
  const Conv2DParams& p = l.p;
  uint32_t* window = static_cast<uint32_t*>(outputs[1]);
  const int32_t words = a1_row_words(p);

  kernels::for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    kernels::a1_gather_window(p, l.input, b, out_y, out_x, window);
    uint32_t ones, unused;
    kernels::a1_count_pair(window, window, window, words, &ones, &unused);
    int8_t* out = l.output + kernels::output_index(p, b, out_y, out_x, 0);
    const uint32_t* row = l.bits;
    for (int32_t oc = 0; oc < p.out_c; oc += 2, row += 2 * words) {
      uint32_t both[2];
      const int32_t end = oc + 2 <= p.out_c ? oc + 2 : oc + 1;
      kernels::a1_count_pair(window, row, end - oc == 2 ? row + words : row, words, &both[0],
                             &both[1]);
      l.store(out, oc, end, ones, both);
    }
  });
}

}  // namespace ref
}  // namespace kiln
