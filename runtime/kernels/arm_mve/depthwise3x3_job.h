// The job of the Helium 3x3 depthwise routines (depthwise3x3.S): a run of
// output pixels, or one border pixel's partial window. The routines load the
// job's words into registers in field order (LDM from input, then from
// input_offset), which the .S checks against these offsets; the struct below
// is checked against them too (job_layout.h).
#ifndef KILN_RUNTIME_KERNELS_ARM_MVE_DEPTHWISE3X3_JOB_H
#define KILN_RUNTIME_KERNELS_ARM_MVE_DEPTHWISE3X3_JOB_H

#define KILN_MVE_DW_JOB_INPUT 0
#define KILN_MVE_DW_JOB_RECORDS 4
#define KILN_MVE_DW_JOB_OUT 8
#define KILN_MVE_DW_JOB_GROUPS 12
#define KILN_MVE_DW_JOB_PIXELS 16
#define KILN_MVE_DW_JOB_IN_STEP 20
#define KILN_MVE_DW_JOB_ROW_STEP 24
#define KILN_MVE_DW_JOB_PIXEL_STEP 28
#define KILN_MVE_DW_JOB_INPUT_OFFSET 32
#define KILN_MVE_DW_JOB_OUTPUT_OFFSET 36
#define KILN_MVE_DW_JOB_ACT_MIN 40
#define KILN_MVE_DW_JOB_ACT_MAX 44
#define KILN_MVE_DW_JOB_ROWS 48
#define KILN_MVE_DW_JOB_TAPS 52
#define KILN_MVE_DW_JOB_FIRST_TAP 56
#define KILN_MVE_DW_JOB_BYTES 60

// A record of the paired layout (kArmMveDepthwisePairedLayout, sixteen
// channels): folded biases, nine taps of sixteen int8 weights, plain biases,
// requantization entries, at these offsets.
#define KILN_MVE_DW_PAIRED_TAPS 64
#define KILN_MVE_DW_PAIRED_PLAIN_BIASES 208
#define KILN_MVE_DW_PAIRED_REQUANT 272
#define KILN_MVE_DW_PAIRED_RECORD_BYTES 528

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "kernels/common/job_layout.h"

namespace kiln {
namespace arm_mve {

struct Depthwise3x3Job {
  const int8_t* input;  // the first pixel's first (in-bounds) tap
  // Group 0's record (packed_conv2d.h): 8 biases, 9 taps of 8 lanes, 8
  // entries; in the paired layout, the record above.
  const uint8_t* records;
  int8_t* out;                            // the first pixel's output; the next pixel's follows
  int32_t groups;                         // groups of eight (paired: sixteen) channels, >= 1
  int32_t pixels;                         // >= 1 (a window: 1)
  int32_t in_step, row_step, pixel_step;  // input bytes between taps, rows and pixels
  int32_t input_offset, output_offset, act_min, act_max;
  // The window: rows (1-3; paired: 0-3) of taps (1-3), its first tap
  // first_tap bytes into a record's taps (3, 3, 0 for a whole window).
  int32_t rows, taps, first_tap;
};

static_assert(KILN_MVE_DW_PAIRED_TAPS == 16 * 4 &&
                  KILN_MVE_DW_PAIRED_PLAIN_BIASES == KILN_MVE_DW_PAIRED_TAPS + 9 * 16 &&
                  KILN_MVE_DW_PAIRED_REQUANT == KILN_MVE_DW_PAIRED_PLAIN_BIASES + 16 * 4 &&
                  KILN_MVE_DW_PAIRED_RECORD_BYTES == KILN_MVE_DW_PAIRED_REQUANT + 16 * 16,
              "the paired record's parts follow one another");

KILN_JOB_FIELD_AT(Depthwise3x3Job, input, KILN_MVE_DW_JOB_INPUT);
KILN_JOB_FIELD_AT(Depthwise3x3Job, records, KILN_MVE_DW_JOB_RECORDS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, out, KILN_MVE_DW_JOB_OUT);
KILN_JOB_FIELD_AT(Depthwise3x3Job, groups, KILN_MVE_DW_JOB_GROUPS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, pixels, KILN_MVE_DW_JOB_PIXELS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, in_step, KILN_MVE_DW_JOB_IN_STEP);
KILN_JOB_FIELD_AT(Depthwise3x3Job, row_step, KILN_MVE_DW_JOB_ROW_STEP);
KILN_JOB_FIELD_AT(Depthwise3x3Job, pixel_step, KILN_MVE_DW_JOB_PIXEL_STEP);
KILN_JOB_FIELD_AT(Depthwise3x3Job, input_offset, KILN_MVE_DW_JOB_INPUT_OFFSET);
KILN_JOB_FIELD_AT(Depthwise3x3Job, output_offset, KILN_MVE_DW_JOB_OUTPUT_OFFSET);
KILN_JOB_FIELD_AT(Depthwise3x3Job, act_min, KILN_MVE_DW_JOB_ACT_MIN);
KILN_JOB_FIELD_AT(Depthwise3x3Job, act_max, KILN_MVE_DW_JOB_ACT_MAX);
KILN_JOB_FIELD_AT(Depthwise3x3Job, rows, KILN_MVE_DW_JOB_ROWS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, taps, KILN_MVE_DW_JOB_TAPS);
KILN_JOB_FIELD_AT(Depthwise3x3Job, first_tap, KILN_MVE_DW_JOB_FIRST_TAP);
KILN_JOB_SIZE(Depthwise3x3Job, KILN_MVE_DW_JOB_BYTES);

}  // namespace arm_mve
}  // namespace kiln
#endif  // __ASSEMBLER__

#endif  // KILN_RUNTIME_KERNELS_ARM_MVE_DEPTHWISE3X3_JOB_H
