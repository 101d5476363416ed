// The Arm DSP 3x3 depthwise convolution of vertical stride 1 by widened
// input rows (depthwise3x3_rows.h), group by group, for the pre-widened
// records (conv2d.cc) and the compact ones (conv2d_compact.cc).
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_BY_ROWS_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_BY_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels/arm_dsp/depthwise3x3_rows.h"
#include "kernels/arm_dsp/dsp_output_stage.h"
#include "kernels/arm_dsp/primitives.h"

namespace kiln {
namespace arm_dsp {

// Input row `in_y` of a group (`group_input`: image b's first pixel, the
// group's first channel) widened into `entries`; zeros for a padding row.
inline void widen_group_row(const Conv2DParams& p, const int8_t* group_input, int32_t in_y,
                            uint32_t* entries) {
  if (in_y < 0 || in_y >= p.in_h) {
    memset(entries, 0, static_cast<size_t>(p.out_w) * KILN_DSP_DWR_ENTRY_BYTES);
  } else {
    widen_row(p, group_input + in_y * p.in_w * p.in_c, dup16(p.input_offset), entries);
  }
}

// The three widened input rows of an output row's windows, in three slots
// of the scratch. Without dilation each output row widens one new input row
// into the slot the previous window's first row leaves; with it, a row
// takes the slot its index picks (row % 3, distinct for a window's three
// rows unless the dilation is a multiple of 3; then the window row's own)
// and is widened when a window first needs it there.
class WidenedRows {
 public:
  WidenedRows(const Conv2DParams& p, uint32_t* scratch, const int8_t* group_input)
      : p_(p), group_input_(group_input) {
    for (int32_t i = 0; i < 3; ++i) slots_[i] = scratch + i * p.out_w * kRowEntryWords;
  }

  // job.row0..row2 for output row y (rows taken in order y = 0, 1, ...).
  void window(int32_t y, Depthwise3x3RowsJob* job) {
    const int32_t top = y - p_.pad_h;
    if (p_.dilation_h == 1) {
      if (y == 0) {
        widen_group_row(p_, group_input_, top, slots_[0]);
        widen_group_row(p_, group_input_, top + 1, slots_[1]);
      } else {
        uint32_t* const first = slots_[0];
        slots_[0] = slots_[1];
        slots_[1] = slots_[2];
        slots_[2] = first;
      }
      widen_group_row(p_, group_input_, top + 2, slots_[2]);
      job->row0 = slots_[0];
      job->row1 = slots_[1];
      job->row2 = slots_[2];
      return;
    }
    job->row0 = dilated_row(top, 0);
    job->row1 = dilated_row(top + p_.dilation_h, 1);
    job->row2 = dilated_row(top + 2 * p_.dilation_h, 2);
  }

 private:
  const uint32_t* dilated_row(int32_t in_y, int32_t window_row) {
    const int32_t slot = p_.dilation_h % 3 != 0 ? ((in_y % 3) + 3) % 3 : window_row;
    if (tags_[slot] != in_y) {
      tags_[slot] = in_y;
      widen_group_row(p_, group_input_, in_y, slots_[slot]);
    }
    return slots_[slot];
  }

  const Conv2DParams& p_;
  const int8_t* group_input_;
  uint32_t* slots_[3];
  int32_t tags_[3] = {INT32_MIN, INT32_MIN, INT32_MIN};
};

// A 3x3 layer of vertical stride 1 (kArmDspDepthwiseTapPairsLayout, or the
// compact layout's widened rows): group by group, each output row from the
// three widened input rows of its windows. record_of(g, buffer) gives group
// g's record in the tap-pairs layout: the layer's own, or one it expands into
// `buffer` (KILN_DSP_DWR_RECORD_BYTES). Out of line: inlined, its loops
// would share the registers of the caller's.
template <typename Layer, typename RecordOf>
__attribute__((noinline)) void depthwise3x3_by_rows(const Layer& layer, void* scratch,
                                                    RecordOf record_of) {
  const Conv2DParams& p = layer.params();
  const DspOutputStage::Stage& stage = layer.stage();
  Depthwise3x3RowsJob job{};
  job.out_step = p.out_c;
  job.lo4 = stage.lo4;
  job.hi4 = stage.hi4;
  alignas(4) uint8_t buffer[KILN_DSP_DWR_RECORD_BYTES];
  const int32_t out_row_bytes = p.out_w * p.out_c;
  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* image = layer.input() + static_cast<ptrdiff_t>(b) * p.in_h * p.in_w * p.in_c;
    for (int32_t g = 0; g < p.in_c / 4; ++g) {
      WidenedRows rows(p, static_cast<uint32_t*>(scratch), image + 4 * g);
      job.record = record_of(g, buffer);
      job.out = layer.output(b, 0, 0) + 4 * g;
      for (int32_t y = 0; y < p.out_h; ++y, job.out += out_row_bytes) {
        rows.window(y, &job);
        job.out_end = job.out + out_row_bytes;
        if (stage.smlal) {
          depthwise3x3_rows(&job, stage.folded);
          continue;
        }
        const ArmDspRequant* entries = depthwise3x3_rows_entries(job.record);
        for (int32_t x = 0; x < p.out_w; ++x) {
          int32_t acc[4];
          depthwise3x3_rows_sums(job, x, acc);
          DspOutputStage::requantize(stage, acc, entries, 4, job.out + x * p.out_c);
        }
      }
    }
  }
}

}  // namespace arm_dsp
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_BY_ROWS_H
