// CONV_2D_S8_B1 for Helium (kiln/ops/conv2d_b1.h): a channel's 16 bits of
// a row are a lane predicate, so one predicated VADDVA adds the window's
// inputs where the channel's weights take their 1 value. The window is
// gathered int8 with the zero point in the padding (input plus offset 0
// there), so the sum over the 1 bits of (x + offset) is the predicated sum
// of x plus offset times the channel's count of 1 bits, counted by a second
// predicated VADDVA in the same step. Off the core, the same sums lane by
// lane.
#include <string.h>

#include "kernels/arm_mve/primitives.h"
#include "kernels/common/conv_b1.h"
#include "kiln/kernels.h"

namespace kiln {
namespace arm_mve {
namespace {

// One 16-lane step: sum += the window's lanes where `bits` are set, count
// += how many are.
inline void step(uint32_t& sum, uint32_t& count, const int8_t* window, uint32_t bits) {
#if KILN_ARM_MVE_NATIVE
  const auto predicate = static_cast<mve_pred16_t>(bits);
  sum = static_cast<uint32_t>(vaddvaq_p_s8(static_cast<int32_t>(sum), vld1q_s8(window), predicate));
  count = vaddvaq_p_u8(count, vdupq_n_u8(1), predicate);
#else
  for (int32_t lane = 0; lane < 16; ++lane) {
    if ((bits >> lane) & 1) {
      sum += static_cast<uint32_t>(window[lane]);
      ++count;
    }
  }
#endif
}

// The sum (wrapping) of the window's lanes where a channel's row of bits is
// 1, and how many bits are: two bytes of the row a step, then its last odd
// byte.
inline uint32_t ones_sum(const int8_t* window, const uint8_t* row, int32_t row_bytes,
                         int32_t offset) {
  uint32_t sum = 0, count = 0;
  const int32_t pairs = row_bytes / 2;
  for (int32_t k = 0; k < pairs; ++k) {
    uint16_t bits;
    memcpy(&bits, row + 2 * k, sizeof(bits));
    step(sum, count, window + 16 * k, bits);
  }
  if (row_bytes % 2) step(sum, count, window + 16 * pairs, row[row_bytes - 1]);
  return sum + static_cast<uint32_t>(offset) * count;
}

// The sum (wrapping) of the window's `lanes` (a multiple of 16).
inline uint32_t window_sum(const int8_t* window, int32_t lanes) {
  uint32_t sum = 0;
  for (int32_t i = 0; i < lanes; i += 16) {
#if KILN_ARM_MVE_NATIVE
    sum = static_cast<uint32_t>(vaddvaq_s8(static_cast<int32_t>(sum), vld1q_s8(window + i)));
#else
    for (int32_t lane = 0; lane < 16; ++lane) sum += static_cast<uint32_t>(window[i + lane]);
#endif
  }
  return sum;
}

}  // namespace

void conv2d_s8_b1(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::B1Layer l(params, inputs, outputs);
  const Conv2DParams& p = l.p;
  int8_t* window = static_cast<int8_t*>(outputs[1]);
  const int32_t row_bytes = b1_row_bytes(p), lanes = b1_window_lanes(p);
  const auto zero_point = static_cast<int8_t>(-p.input_offset);

  kernels::for_each_output_pixel(p, [&](int32_t b, int32_t out_y, int32_t out_x) {
    memset(window, zero_point, static_cast<size_t>(lanes));
    kernels::for_each_tap(p, out_y, out_x, [&](int32_t in_y, int32_t in_x, int32_t fy, int32_t fx) {
      memcpy(window + (fy * p.k_w + fx) * p.in_c,
             l.input + ((b * p.in_h + in_y) * p.in_w + in_x) * p.in_c, static_cast<size_t>(p.in_c));
    });
    // Every lane's input plus offset, the padding's 0 included.
    const uint32_t all = window_sum(window, lanes) +
                         static_cast<uint32_t>(p.input_offset) * static_cast<uint32_t>(lanes);
    const uint8_t* row = l.bits;
    for (int32_t oc = 0; oc < p.out_c; ++oc, row += row_bytes)
      l.store(b, out_y, out_x, oc, all, ones_sum(window, row, row_bytes, p.input_offset));
  });
}

}  // namespace arm_mve
}  // namespace kiln
