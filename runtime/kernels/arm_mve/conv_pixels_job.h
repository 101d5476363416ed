// The job of the Helium convolution routine (conv_pixels.S): a run of output
// pixels. The routine copies the job's 14 words into its frame and reads them
// at these offsets; the struct below is checked against them (job_layout.h).
#ifndef KILN_RUNTIME_KERNELS_ARM_MVE_CONV_PIXELS_JOB_H
#define KILN_RUNTIME_KERNELS_ARM_MVE_CONV_PIXELS_JOB_H

#define KILN_MVE_CONV_JOB_INPUT 0
#define KILN_MVE_CONV_JOB_RECORDS 4
#define KILN_MVE_CONV_JOB_OUT 8
#define KILN_MVE_CONV_JOB_BLOCKS 12
#define KILN_MVE_CONV_JOB_STEPS 16
#define KILN_MVE_CONV_JOB_OFFSET 20
#define KILN_MVE_CONV_JOB_ACT_MIN 24
#define KILN_MVE_CONV_JOB_ACT_MAX 28
#define KILN_MVE_CONV_JOB_PIXELS 32
#define KILN_MVE_CONV_JOB_PIXEL_STEP 36
#define KILN_MVE_CONV_JOB_ROWS 40
#define KILN_MVE_CONV_JOB_ROW_BYTES 44
#define KILN_MVE_CONV_JOB_ROW_STEP 48
#define KILN_MVE_CONV_JOB_COLUMN 52
#define KILN_MVE_CONV_JOB_BYTES 56

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "kernels/common/job_layout.h"

namespace kiln {
namespace arm_mve {

struct ConvPixelsJob {
  const int8_t* input;     // the first pixel's column, or its window's first row
  const uint8_t* records;  // the first block's record (packed_conv2d.h)
  int8_t* out;             // the first pixel's output; the next pixel's follows
  int32_t blocks;          // >= 1
  int32_t steps;           // 16-tap steps per block (k_padded / 16), >= 1
  int32_t offset, act_min, act_max;
  int32_t pixels;      // >= 1
  int32_t pixel_step;  // input bytes between pixels
  // With `column` null, a pixel's column is the input at its pixel; else its
  // `rows` rows of row_bytes input bytes, row_step apart, are copied one after
  // the other into `column`, whose bytes past them (to 16 * steps) hold zeros.
  int32_t rows, row_bytes, row_step;
  int8_t* column;
};

KILN_JOB_FIELD_AT(ConvPixelsJob, input, KILN_MVE_CONV_JOB_INPUT);
KILN_JOB_FIELD_AT(ConvPixelsJob, records, KILN_MVE_CONV_JOB_RECORDS);
KILN_JOB_FIELD_AT(ConvPixelsJob, out, KILN_MVE_CONV_JOB_OUT);
KILN_JOB_FIELD_AT(ConvPixelsJob, blocks, KILN_MVE_CONV_JOB_BLOCKS);
KILN_JOB_FIELD_AT(ConvPixelsJob, steps, KILN_MVE_CONV_JOB_STEPS);
KILN_JOB_FIELD_AT(ConvPixelsJob, offset, KILN_MVE_CONV_JOB_OFFSET);
KILN_JOB_FIELD_AT(ConvPixelsJob, act_min, KILN_MVE_CONV_JOB_ACT_MIN);
KILN_JOB_FIELD_AT(ConvPixelsJob, act_max, KILN_MVE_CONV_JOB_ACT_MAX);
KILN_JOB_FIELD_AT(ConvPixelsJob, pixels, KILN_MVE_CONV_JOB_PIXELS);
KILN_JOB_FIELD_AT(ConvPixelsJob, pixel_step, KILN_MVE_CONV_JOB_PIXEL_STEP);
KILN_JOB_FIELD_AT(ConvPixelsJob, rows, KILN_MVE_CONV_JOB_ROWS);
KILN_JOB_FIELD_AT(ConvPixelsJob, row_bytes, KILN_MVE_CONV_JOB_ROW_BYTES);
KILN_JOB_FIELD_AT(ConvPixelsJob, row_step, KILN_MVE_CONV_JOB_ROW_STEP);
KILN_JOB_FIELD_AT(ConvPixelsJob, column, KILN_MVE_CONV_JOB_COLUMN);
KILN_JOB_SIZE(ConvPixelsJob, KILN_MVE_CONV_JOB_BYTES);

}  // namespace arm_mve
}  // namespace kiln
#endif  // __ASSEMBLER__

#endif  // KILN_RUNTIME_KERNELS_ARM_MVE_CONV_PIXELS_JOB_H
