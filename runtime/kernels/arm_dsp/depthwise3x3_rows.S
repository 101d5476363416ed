// One output row of one group of four channels of a 3x3 depthwise layer
// over widened input rows (depthwise3x3_rows.h has the scheme and the job):
//
//   void kiln_arm_dsp_depthwise3x3_rows(const kiln::arm_dsp::Depthwise3x3RowsJob* job);
//   void kiln_arm_dsp_depthwise3x3_rows_folded(const kiln::arm_dsp::Depthwise3x3RowsJob* job);
//
// and a row's entries for a layer of stride 1 without dilation whose
// padding is at most a column each side (flags bit 0: column -1, bit 1:
// column in_w is padding), `in` at the row's first column:
//
//   void kiln_arm_dsp_widen_row(uint32_t* entries, const int8_t* in, int32_t count,
//                               int32_t in_c, uint32_t offset2, uint32_t flags);
//
// Per output pixel: the record's biases, then for each of the window's three
// rows its entry (four tap pairs, two third-tap words) against the record
// row's six weight words, four SMLADs and four SMLAxy; then the group's
// requantization entries, and the four int8 results stored as one word.
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

    .syntax unified
    .thumb

#include "kernels/arm_dsp/asm_macros.inc"
#include "kernels/arm_dsp/depthwise3x3_rows.h"

// The frame: the job's words up to hi4.
    .equ OUT, KILN_DSP_DWR_JOB_OUT
    .equ LO4, KILN_DSP_DWR_JOB_LO4
    .equ FRAME, KILN_DSP_DWR_JOB_HI4 + 4
    .if OUT != 0 || KILN_DSP_DWR_JOB_OUT_STEP != 4 || KILN_DSP_DWR_JOB_OUT_END != 8 || FRAME != 20 || KILN_DSP_DWR_JOB_ROW1 != KILN_DSP_DWR_JOB_ROW0 + 4 || KILN_DSP_DWR_JOB_RECORD != KILN_DSP_DWR_JOB_ROW0 + 8 || KILN_DSP_DWR_JOB_ROW2 != KILN_DSP_DWR_JOB_ROW0 + 12
    .error "depthwise3x3_rows.S: the job's layout no longer matches the prologue"
    .endif

// Registers: r0-r3 accumulators, r4-r7 an entry's words, r8-r9 weights,
// r10, r11 and lr the window's rows, r12 the record.

// One window row: the entry at `row` (advanced to the next pixel's) against
// the record row at r12 (advanced to the next row's).
.macro ROW row
    ldm     \row!, {r4, r5, r6, r7}
    ldrd    r8, r9, [r12], #8
    smlad   r0, r4, r8, r0
    smlad   r1, r5, r9, r1
    ldrd    r8, r9, [r12], #8
    smlad   r2, r6, r8, r2
    smlad   r3, r7, r9, r3
    ldm     \row!, {r4, r5}
    ldrd    r8, r9, [r12], #8
    smlabb  r0, r4, r8, r0
    smlatt  r2, r4, r8, r2
    smlabb  r1, r5, r9, r1
    smlatt  r3, r5, r9, r3
.endm

.macro DEPTHWISE3X3_ROWS name, add_offset
    BEGIN_FUNCTION \name
    push    {r4-r11, lr}
    sub     sp, sp, #FRAME
    ldm     r0, {r1, r2, r3, r4, r5}
    stm     sp, {r1, r2, r3, r4, r5}
    add     r0, r0, #KILN_DSP_DWR_JOB_ROW0
    ldm     r0, {r10, r11, r12, lr}

1:  // a pixel
    ldm     r12!, {r0, r1, r2, r3}
    ROW     r10
    ROW     r11
    ROW     lr
    REQUANTIZE4 \add_offset, r12, LO4, r4, r5, r6, r7, r8
    ldm     sp, {r4, r5, r6}        // out, out_step, out_end
    str     r0, [r4]
    add     r4, r4, r5
    str     r4, [sp, #OUT]
    sub     r12, r12, #KILN_DSP_DWR_RECORD_BYTES
    cmp     r4, r6
    bne     1b

    add     sp, sp, #FRAME
    pop     {r4-r11, pc}
    END_FUNCTION \name
.endm

// An entry's four tap pairs, from columns a and b (widened), stored at r0.
.macro TAP_PAIRS a02, a13, b02, b13
    pkhbt   r12, \a02, \b02, lsl #16
    pkhbt   lr, \a13, \b13, lsl #16
    strd    r12, lr, [r0], #8
    pkhtb   r12, \b02, \a02, asr #16
    pkhtb   lr, \b13, \a13, asr #16
    strd    r12, lr, [r0], #8
.endm

// One entry: input column c (at r1, which moves on a column) widened into
// c02, c13, after the pairs of columns a and b (widened already).
.macro ENTRY a02, a13, b02, b13, c02, c13
    ldr     r9, [r1]
    add     r1, r1, r3
    sxtab16 \c02, r4, r9
    sxtab16 \c13, r4, r9, ror #8
    TAP_PAIRS \a02, \a13, \b02, \b13
    strd    \c02, \c13, [r0], #8
.endm

// The last entry, its column c padding: the pairs of a and b, then zeros.
.macro LAST_ENTRY a02, a13, b02, b13
    ldr     r9, [sp, #40]
    tst     r9, #2
    beq     9f
    TAP_PAIRS \a02, \a13, \b02, \b13
    movs    r9, #0
    strd    r9, r9, [r0], #8
    b       9f
.endm

// r0 entries, r1 the input column, r2 entries left before the last padded
// one, r3 in_c, r4 offset2; the three columns of an entry rotate through
// (r5, r6), (r7, r8), (r10, r11).
    BEGIN_FUNCTION kiln_arm_dsp_widen_row
    push    {r4-r11, lr}
    ldrd    r4, r9, [sp, #36]
    movs    r5, #0
    movs    r6, #0
    tst     r9, #1
    bne     1f              // column -1 is padding: a = 0
    ldr     r12, [r1]
    add     r1, r1, r3
    sxtab16 r5, r4, r12
    sxtab16 r6, r4, r12, ror #8
1:
    ldr     r12, [r1]
    add     r1, r1, r3
    sxtab16 r7, r4, r12
    sxtab16 r8, r4, r12, ror #8
    and     r9, r9, #2
    subs    r2, r2, r9, lsr #1
    beq     3f
2:
    ENTRY   r5, r6, r7, r8, r10, r11
    subs    r2, r2, #1
    beq     4f
    ENTRY   r7, r8, r10, r11, r5, r6
    subs    r2, r2, #1
    beq     5f
    ENTRY   r10, r11, r5, r6, r7, r8
    subs    r2, r2, #1
    bne     2b
3:
    LAST_ENTRY r5, r6, r7, r8
4:
    LAST_ENTRY r7, r8, r10, r11
5:
    LAST_ENTRY r10, r11, r5, r6
9:
    pop     {r4-r11, pc}
    END_FUNCTION kiln_arm_dsp_widen_row

    DEPTHWISE3X3_ROWS kiln_arm_dsp_depthwise3x3_rows_folded, 0
    DEPTHWISE3X3_ROWS kiln_arm_dsp_depthwise3x3_rows, 1

#endif
