// CONV_2D_A1_B1 for the Arm DSP extension (kiln/ops/conv2d_a1.h): per
// output pixel, the window's bits gathered as the reference kernel gathers
// them, then the counts of every pair of output channels in one assembly
// routine (binary_counts.S), then each channel's output stage.
#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/conv_a1.h"
#include "kiln/kernels.h"

#if KILN_ARM_DSP_NATIVE
extern "C" void kiln_arm_dsp_binary_counts(const uint32_t* window, const uint32_t* rows,
                                           int32_t words, uint32_t* counts, int32_t pairs);
#endif

namespace kiln {
namespace arm_dsp {
namespace {

// binary_counts.S, or the same counts in C where the extension is emulated
// (the conformance tests run every variant on the host).
void binary_counts(const uint32_t* window, const uint32_t* rows, int32_t words, uint32_t* counts,
                   int32_t pairs) {
#if KILN_ARM_DSP_NATIVE
  kiln_arm_dsp_binary_counts(window, rows, words, counts, pairs);
#else
  for (int32_t pair = 0; pair < pairs; ++pair, rows += 2 * words, counts += 2)
    kernels::a1_count_pair(window, rows, rows + words, words, &counts[0], &counts[1]);
#endif
}

}  // namespace

void conv2d_a1_b1(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::A1Layer l(params, inputs, outputs);
  const Conv2DParams& p = l.p;
  const int32_t words = a1_row_words(p);
  uint32_t* window = static_cast<uint32_t*>(outputs[1]);
  uint32_t* counts = window + words;

  kernels::for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    kernels::a1_gather_window(p, l.input, b, out_y, out_x, window);
    uint32_t ones, unused;
    kernels::a1_count_pair(window, window, window, words, &ones, &unused);
    const int32_t pairs = p.out_c / 2;
    if (pairs > 0) binary_counts(window, l.bits, words, counts, pairs);
    if (p.out_c % 2) {
      const uint32_t* row = l.bits + (p.out_c - 1) * words;
      kernels::a1_count_pair(window, row, row, words, &counts[p.out_c - 1], &unused);
    }
    l.store(l.output + kernels::output_index(p, b, out_y, out_x, 0), 0, p.out_c, ones, counts);
  });
}

}  // namespace arm_dsp
}  // namespace kiln
