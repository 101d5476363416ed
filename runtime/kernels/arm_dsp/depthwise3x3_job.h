// The job of the Arm DSP 3x3 depthwise routines (depthwise3x3.S): a run of
// output pixels, or one border pixel's partial window. The routines copy the
// job's words into their frames and read them at these offsets; the struct
// below is checked against them (job_layout.h).
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_JOB_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_JOB_H

#define KILN_DSP_DW_JOB_INPUT 0
#define KILN_DSP_DW_JOB_RECORDS 4
#define KILN_DSP_DW_JOB_OUT 8
#define KILN_DSP_DW_JOB_GROUPS 12
#define KILN_DSP_DW_JOB_PIXELS 16
#define KILN_DSP_DW_JOB_IN_STEP 20
#define KILN_DSP_DW_JOB_ROW_STEP 24
#define KILN_DSP_DW_JOB_PIXEL_STEP 28
#define KILN_DSP_DW_JOB_LO4 32
#define KILN_DSP_DW_JOB_HI4 36
#define KILN_DSP_DW_JOB_OFFSET2 40
#define KILN_DSP_DW_JOB_ROWS 44
#define KILN_DSP_DW_JOB_TAPS 48
#define KILN_DSP_DW_JOB_FIRST_TAP 52
#define KILN_DSP_DW_JOB_BYTES 56

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "kernels/common/job_layout.h"

namespace kiln {
namespace arm_dsp {

struct Depthwise3x3Job {
  const int8_t* input;  // the first pixel's first (in-bounds) tap
  const uint8_t*
      records;     // group 0's record (packed_conv2d.h): 4 biases, 9 taps of 4 lanes, 4 entries
  int8_t* out;     // the first pixel's output; the next pixel's follows
  int32_t groups;  // groups of four channels, >= 1
  int32_t pixels;  // >= 1 (a window: 1)
  int32_t in_step, row_step, pixel_step;  // input bytes between taps, rows and pixels
  uint32_t lo4, hi4;                      // the activation range in every byte
  uint32_t offset2;                       // the input offset in both halves
  // The window: rows (1-3) of taps (1-3), its first tap first_tap bytes into
  // a record's taps (3, 3, 0 for a whole window).
  int32_t rows, taps, first_tap;
};

KILN_JOB_FIELD_AT(Depthwise3x3Job, input, KILN_DSP_DW_JOB_INPUT);
KILN_JOB_FIELD_AT(Depthwise3x3Job, records, KILN_DSP_DW_JOB_RECORDS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, out, KILN_DSP_DW_JOB_OUT);
KILN_JOB_FIELD_AT(Depthwise3x3Job, groups, KILN_DSP_DW_JOB_GROUPS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, pixels, KILN_DSP_DW_JOB_PIXELS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, in_step, KILN_DSP_DW_JOB_IN_STEP);
KILN_JOB_FIELD_AT(Depthwise3x3Job, row_step, KILN_DSP_DW_JOB_ROW_STEP);
KILN_JOB_FIELD_AT(Depthwise3x3Job, pixel_step, KILN_DSP_DW_JOB_PIXEL_STEP);
KILN_JOB_FIELD_AT(Depthwise3x3Job, lo4, KILN_DSP_DW_JOB_LO4);
KILN_JOB_FIELD_AT(Depthwise3x3Job, hi4, KILN_DSP_DW_JOB_HI4);
KILN_JOB_FIELD_AT(Depthwise3x3Job, offset2, KILN_DSP_DW_JOB_OFFSET2);
KILN_JOB_FIELD_AT(Depthwise3x3Job, rows, KILN_DSP_DW_JOB_ROWS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, taps, KILN_DSP_DW_JOB_TAPS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, first_tap, KILN_DSP_DW_JOB_FIRST_TAP);
KILN_JOB_SIZE(Depthwise3x3Job, KILN_DSP_DW_JOB_BYTES);

}  // namespace arm_dsp
}  // namespace kiln
#endif  // __ASSEMBLER__

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_JOB_H
