// The job of the Arm DSP convolution routine (conv_pixels.S): a run of output
// pixels. The routine copies the job's 14 words into its frame and reads them
// at these offsets; the struct below is checked against them (job_layout.h).
// The compact routine (int8 weights, compact requantization entries) also
// copies the fifteenth word.
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_CONV_PIXELS_JOB_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_CONV_PIXELS_JOB_H

#define KILN_DSP_CONV_JOB_INPUT 0
#define KILN_DSP_CONV_JOB_RECORDS 4
#define KILN_DSP_CONV_JOB_OUT 8
#define KILN_DSP_CONV_JOB_BLOCKS 12
#define KILN_DSP_CONV_JOB_GROUPS 16
#define KILN_DSP_CONV_JOB_LO4 20
#define KILN_DSP_CONV_JOB_HI4 24
#define KILN_DSP_CONV_JOB_WIDENED 28
#define KILN_DSP_CONV_JOB_PIXELS 32
#define KILN_DSP_CONV_JOB_PIXEL_STEP 36
#define KILN_DSP_CONV_JOB_ROWS 40
#define KILN_DSP_CONV_JOB_ROW_BYTES 44
#define KILN_DSP_CONV_JOB_ROW_STEP 48
#define KILN_DSP_CONV_JOB_COLUMN 52
#define KILN_DSP_CONV_JOB_ROUNDING_BASE 56
#define KILN_DSP_CONV_JOB_BYTES 60

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "kernels/common/job_layout.h"

namespace kiln {
namespace arm_dsp {

struct ConvPixelsJob {
  const int8_t* input;     // the first row of the first pixel's column
  const uint8_t* records;  // the first block's record (packed_conv2d.h)
  int8_t* out;             // the first pixel's output; the next pixel's follows
  int32_t blocks;          // >= 1
  int32_t groups;          // groups of four taps (k_padded / 4), >= 1
  uint32_t lo4, hi4;       // the activation range in every byte
  uint32_t* widened;       // scratch for one widened column (2 * k_padded bytes)
  int32_t pixels;          // >= 1
  int32_t pixel_step;      // input bytes between pixels' columns
  // A column is `rows` runs of row_bytes input bytes, row_step apart: with
  // row_bytes a multiple of 4, rows * row_bytes = 4 * groups and they are
  // widened straight from the input; else they are gathered into `column`
  // first, whose bytes past them (up to 4 * groups) hold zeros.
  int32_t rows, row_bytes, row_step;
  int8_t* column;
  uint32_t rounding_base;  // compact records: 2z + 1 for the output offset z
};

KILN_JOB_FIELD_AT(ConvPixelsJob, input, KILN_DSP_CONV_JOB_INPUT);
KILN_JOB_FIELD_AT(ConvPixelsJob, records, KILN_DSP_CONV_JOB_RECORDS);
KILN_JOB_FIELD_AT(ConvPixelsJob, out, KILN_DSP_CONV_JOB_OUT);
KILN_JOB_FIELD_AT(ConvPixelsJob, blocks, KILN_DSP_CONV_JOB_BLOCKS);
KILN_JOB_FIELD_AT(ConvPixelsJob, groups, KILN_DSP_CONV_JOB_GROUPS);
KILN_JOB_FIELD_AT(ConvPixelsJob, lo4, KILN_DSP_CONV_JOB_LO4);
KILN_JOB_FIELD_AT(ConvPixelsJob, hi4, KILN_DSP_CONV_JOB_HI4);
KILN_JOB_FIELD_AT(ConvPixelsJob, widened, KILN_DSP_CONV_JOB_WIDENED);
KILN_JOB_FIELD_AT(ConvPixelsJob, pixels, KILN_DSP_CONV_JOB_PIXELS);
KILN_JOB_FIELD_AT(ConvPixelsJob, pixel_step, KILN_DSP_CONV_JOB_PIXEL_STEP);
KILN_JOB_FIELD_AT(ConvPixelsJob, rows, KILN_DSP_CONV_JOB_ROWS);
KILN_JOB_FIELD_AT(ConvPixelsJob, row_bytes, KILN_DSP_CONV_JOB_ROW_BYTES);
KILN_JOB_FIELD_AT(ConvPixelsJob, row_step, KILN_DSP_CONV_JOB_ROW_STEP);
KILN_JOB_FIELD_AT(ConvPixelsJob, column, KILN_DSP_CONV_JOB_COLUMN);
KILN_JOB_FIELD_AT(ConvPixelsJob, rounding_base, KILN_DSP_CONV_JOB_ROUNDING_BASE);
KILN_JOB_SIZE(ConvPixelsJob, KILN_DSP_CONV_JOB_BYTES);

}  // namespace arm_dsp
}  // namespace kiln
#endif  // __ASSEMBLER__

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_CONV_PIXELS_JOB_H
