// The Arm DSP 3x3 depthwise convolution of vertical stride 1 over widened
// input rows (kArmDspDepthwiseTapPairsLayout). For one group of four
// channels, each input row the layer reads is widened once, the input offset
// added and zero outside the input, into an entry per output column: the
// column's taps 0 and 1 as a 16-bit pair per channel, for SMLAD, and its tap
// 2 in SXTB16's (0, 2), (1, 3) lanes. Three output rows read each widened
// row; an output pixel takes each of its window's rows in four SMLADs and
// four SMLAxy.
//
//   void kiln_arm_dsp_depthwise3x3_rows(const kiln::arm_dsp::Depthwise3x3RowsJob* job);
//   void kiln_arm_dsp_depthwise3x3_rows_folded(const kiln::arm_dsp::Depthwise3x3RowsJob* job);
//
// compute one output row of one group (depthwise3x3_rows.S), for layers whose
// every channel requantizes by multiply_smlal (_folded: with every output
// offset in the roundings).
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_ROWS_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_ROWS_H

#define KILN_DSP_DWR_JOB_OUT 0
#define KILN_DSP_DWR_JOB_OUT_STEP 4
#define KILN_DSP_DWR_JOB_OUT_END 8
#define KILN_DSP_DWR_JOB_LO4 12
#define KILN_DSP_DWR_JOB_HI4 16
#define KILN_DSP_DWR_JOB_ROW0 20
#define KILN_DSP_DWR_JOB_ROW1 24
#define KILN_DSP_DWR_JOB_RECORD 28
#define KILN_DSP_DWR_JOB_ROW2 32
#define KILN_DSP_DWR_JOB_BYTES 36
// An entry of a widened row, and a group's record (biases, 3 rows of 6 tap
// words, 4 ArmDspRequant entries).
#define KILN_DSP_DWR_ENTRY_BYTES 24
#define KILN_DSP_DWR_RECORD_BYTES (16 + 3 * 24 + 4 * 16)

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/job_layout.h"
#include "kiln/ops/conv2d.h"

namespace kiln {
namespace arm_dsp {

struct Depthwise3x3RowsJob {
  int8_t* out;           // the row's first output pixel of the group
  int32_t out_step;      // bytes between output pixels
  int8_t* out_end;       // out + pixels * out_step
  uint32_t lo4, hi4;     // the activation range in every byte
  const uint32_t* row0;  // the window's widened rows, at the row's first entry
  const uint32_t* row1;
  const uint8_t* record;  // the group's record
  const uint32_t* row2;
};

KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, out, KILN_DSP_DWR_JOB_OUT);
KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, out_step, KILN_DSP_DWR_JOB_OUT_STEP);
KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, out_end, KILN_DSP_DWR_JOB_OUT_END);
KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, lo4, KILN_DSP_DWR_JOB_LO4);
KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, hi4, KILN_DSP_DWR_JOB_HI4);
KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, row0, KILN_DSP_DWR_JOB_ROW0);
KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, row1, KILN_DSP_DWR_JOB_ROW1);
KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, record, KILN_DSP_DWR_JOB_RECORD);
KILN_JOB_FIELD_AT(Depthwise3x3RowsJob, row2, KILN_DSP_DWR_JOB_ROW2);
KILN_JOB_SIZE(Depthwise3x3RowsJob, KILN_DSP_DWR_JOB_BYTES);

constexpr int32_t kRowEntryWords = KILN_DSP_DWR_ENTRY_BYTES / 4;

// Four channels' int8 inputs widened, the input offset added: (0, 2), (1, 3).
struct Widened4 {
  uint32_t x02, x13;
};

inline Widened4 widen4(const int8_t* in, uint32_t offset2) {
  const uint32_t x = load_u32(in);
  return {sxtab16(offset2, x), sxtab16_ror8(offset2, x)};
}

inline void put_row_entry(uint32_t* entry, Widened4 a, Widened4 b, Widened4 c) {
  entry[0] = pack_low_halves(a.x02, b.x02);
  entry[1] = pack_low_halves(a.x13, b.x13);
  entry[2] = pack_high_halves(a.x02, b.x02);
  entry[3] = pack_high_halves(a.x13, b.x13);
  entry[4] = c.x02;
  entry[5] = c.x13;
}

#if KILN_ARM_DSP_NATIVE
extern "C" void kiln_arm_dsp_widen_row(uint32_t* entries, const int8_t* in, int32_t count,
                                       int32_t in_c, uint32_t offset2, uint32_t flags);
#endif

// One input row of a group (`row` at the group's first channel of input
// column 0) widened into out_w entries.
inline void widen_row(const Conv2DParams& p, const int8_t* row, uint32_t offset2,
                      uint32_t* entries) {
#if KILN_ARM_DSP_NATIVE
  // Stride 1, no dilation, at most a padding column each side: one routine.
  const int32_t last_tap = p.out_w + 1 - p.pad_w;  // the last entry's tap 2's column
  if (p.stride_w == 1 && p.dilation_w == 1 && p.pad_w <= 1 && last_tap <= p.in_w) {
    const uint32_t flags = (p.pad_w == 1 ? 1u : 0u) | (last_tap == p.in_w ? 2u : 0u);
    kiln_arm_dsp_widen_row(entries, row, p.out_w, p.in_c, offset2, flags);
    return;
  }
#endif
  const int32_t step = p.dilation_w * p.in_c;
  const auto at = [&](int32_t col) {
    return col >= 0 && col < p.in_w ? widen4(row + col * p.in_c, offset2) : Widened4{0, 0};
  };
  const auto border_entry = [&](int32_t x, uint32_t* entry) {
    const int32_t col = x * p.stride_w - p.pad_w;
    put_row_entry(entry, at(col), at(col + p.dilation_w), at(col + 2 * p.dilation_w));
  };
  int32_t x = 0;
  for (; x < p.out_w && x * p.stride_w - p.pad_w < 0; ++x, entries += kRowEntryWords) {
    border_entry(x, entries);
  }
  // Columns whose three taps are inside the input.
  for (; x < p.out_w && x * p.stride_w - p.pad_w + 2 * p.dilation_w < p.in_w;
       ++x, entries += kRowEntryWords) {
    const int8_t* in = row + (x * p.stride_w - p.pad_w) * p.in_c;
    put_row_entry(entries, widen4(in, offset2), widen4(in + step, offset2),
                  widen4(in + 2 * step, offset2));
  }
  for (; x < p.out_w; ++x, entries += kRowEntryWords) border_entry(x, entries);
}

// acc += one window row: the entry's tap pairs and third tap against the
// record row's weights (6 words each).
inline void depthwise3x3_row_taps(int32_t* acc, const uint32_t* entry, const uint32_t* w) {
  acc[0] = smlad(entry[0], w[0], acc[0]);
  acc[1] = smlad(entry[1], w[1], acc[1]);
  acc[2] = smlad(entry[2], w[2], acc[2]);
  acc[3] = smlad(entry[3], w[3], acc[3]);
  acc[0] = smlabb(entry[4], w[4], acc[0]);
  acc[2] = smlatt(entry[4], w[4], acc[2]);
  acc[1] = smlabb(entry[5], w[5], acc[1]);
  acc[3] = smlatt(entry[5], w[5], acc[3]);
}

// The sums of output pixel x of a job's row: the record's biases and the
// three widened rows' taps.
inline void depthwise3x3_rows_sums(const Depthwise3x3RowsJob& job, int32_t x, int32_t* acc) {
  memcpy(acc, job.record, 4 * sizeof(int32_t));
  const auto* w = reinterpret_cast<const uint32_t*>(job.record + 4 * sizeof(int32_t));
  depthwise3x3_row_taps(acc, job.row0 + x * kRowEntryWords, w);
  depthwise3x3_row_taps(acc, job.row1 + x * kRowEntryWords, w + kRowEntryWords);
  depthwise3x3_row_taps(acc, job.row2 + x * kRowEntryWords, w + 2 * kRowEntryWords);
}

inline const ArmDspRequant* depthwise3x3_rows_entries(const uint8_t* record) {
  return reinterpret_cast<const ArmDspRequant*>(record + 4 * sizeof(int32_t) +
                                                3 * KILN_DSP_DWR_ENTRY_BYTES);
}

#if KILN_ARM_DSP_NATIVE
extern "C" void kiln_arm_dsp_depthwise3x3_rows(const Depthwise3x3RowsJob* job);
extern "C" void kiln_arm_dsp_depthwise3x3_rows_folded(const Depthwise3x3RowsJob* job);
#endif

// The job's row of output pixels, every channel on multiply_smlal (entry
// offsets all zero if `folded`).
inline void depthwise3x3_rows(const Depthwise3x3RowsJob* job, bool folded) {
#if KILN_ARM_DSP_NATIVE
  if (folded) {
    kiln_arm_dsp_depthwise3x3_rows_folded(job);
  } else {
    kiln_arm_dsp_depthwise3x3_rows(job);
  }
#else
  (void)folded;
  const ArmDspRequant* entries = depthwise3x3_rows_entries(job->record);
  int32_t x = 0;
  for (int8_t* out = job->out; out != job->out_end; out += job->out_step, ++x) {
    int32_t acc[4];
    depthwise3x3_rows_sums(*job, x, acc);
    store_u32(out, requantize4_smlal(acc, entries, job->lo4, job->hi4));
  }
#endif
}

}  // namespace arm_dsp
}  // namespace kiln
#endif  // __ASSEMBLER__

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_DEPTHWISE3X3_ROWS_H
