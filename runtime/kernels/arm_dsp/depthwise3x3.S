// The Arm DSP depthwise convolution over a run of output pixels whose 3x3
// windows lie wholly inside the input, for layers whose every channel
// requantizes by multiply_smlal (_folded: with every output offset in the
// roundings): every channel group of every pixel of the run in one call, its
// state in registers or a fixed frame, so no pixel pays for window set-up.
//
//   void kiln_arm_dsp_depthwise3x3(const kiln::arm_dsp::Depthwise3x3Job* job);
//   void kiln_arm_dsp_depthwise3x3_folded(const kiln::arm_dsp::Depthwise3x3Job* job);
//
// and, for one border pixel whose window is only part of the filter,
//
//   void kiln_arm_dsp_depthwise3x3_window(const kiln::arm_dsp::Depthwise3x3Job* job);
//   void kiln_arm_dsp_depthwise3x3_window_folded(const kiln::arm_dsp::Depthwise3x3Job* job);
//
// Depthwise3x3Job (depthwise3x3_job.h), one word each: input (the first pixel's
// top-left tap), records, out, groups, pixels, in_step, row_step,
// pixel_step, lo4, hi4, offset2, rows, taps, first_tap. Per group of four channels, its record:
// four biases, nine taps of (w02, w13) 16-bit pairs, four ArmDspRequant
// entries; the four int8 results are stored as one word, and the pixels'
// outputs follow one another.
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

    .syntax unified
    .thumb

#include "kernels/arm_dsp/asm_macros.inc"
#include "kernels/arm_dsp/depthwise3x3_job.h"

// The frame: the job's words at their offsets up to offset2, then the groups left.
    .equ INPUT, KILN_DSP_DW_JOB_INPUT
    .equ RECORDS, KILN_DSP_DW_JOB_RECORDS
    .equ OUT, KILN_DSP_DW_JOB_OUT
    .equ GROUPS, KILN_DSP_DW_JOB_GROUPS
    .equ PIXELS, KILN_DSP_DW_JOB_PIXELS
    .equ IN_STEP, KILN_DSP_DW_JOB_IN_STEP
    .equ ROW_STEP, KILN_DSP_DW_JOB_ROW_STEP
    .equ PIXEL_STEP, KILN_DSP_DW_JOB_PIXEL_STEP
    .equ LO4, KILN_DSP_DW_JOB_LO4
    .equ OFFSET2, KILN_DSP_DW_JOB_OFFSET2
    .equ GROUPS_LEFT, OFFSET2 + 4
    .equ FRAME, GROUPS_LEFT + 4
// The window routine's frame: all the job's words (rows, taps and first_tap
// after the others), then its loop state.
    .equ ROWS, KILN_DSP_DW_JOB_ROWS
    .equ TAPS, KILN_DSP_DW_JOB_TAPS
    .equ FIRST_TAP, KILN_DSP_DW_JOB_FIRST_TAP
    .equ W_GROUPS_LEFT, KILN_DSP_DW_JOB_BYTES
    .equ W_RECORD, W_GROUPS_LEFT + 4
    .equ W_ROWS_LEFT, W_RECORD + 4
    .equ W_FRAME, W_ROWS_LEFT + 4   // 8-byte aligned with the 36 pushed
// The prologues copy the job in runs of six, five and three words.
    .if ROW_STEP != 6 * 4 || OFFSET2 != 10 * 4 || ROWS != 11 * 4 || KILN_DSP_DW_JOB_BYTES != 14 * 4 || (W_FRAME + 36) % 8 != 0
    .error "depthwise3x3.S: the job's layout no longer matches its prologues"
    .endif

// Registers: r0-r3 accumulators, r4 the group's top-left tap, r11 the
// current row, r7 in_step, r10 offset2, r12 the record, lr the output;
// r5, r6, r8, r9 temporaries.

// One tap: four inputs at `address` widened with the input offset added,
// against the tap's four weights.
.macro TAP address:vararg
    ldr     r5, \address
    KILN_DSP_DEPTHWISE_TAP(r5, r6, r8, r9, r12, r10, r0, r1, r2, r3)
.endm

.macro ROW base
    TAP     [\base]
    TAP     [\base, r7]
    TAP     [\base, r7, lsl #1]
.endm

.macro DEPTHWISE3X3 name, add_offset
    BEGIN_FUNCTION \name
    push    {r4-r11, lr}
    sub     sp, sp, #FRAME
    ldm     r0!, {r1, r2, r3, r4, r5, r6}
    stm     sp, {r1, r2, r3, r4, r5, r6}
    ldm     r0, {r1, r2, r3, r4, r5}
    add     r6, sp, #ROW_STEP
    stm     r6, {r1, r2, r3, r4, r5}
    ldr     lr, [sp, #OUT]
    ldr     r7, [sp, #IN_STEP]
    ldr     r10, [sp, #OFFSET2]

1:  // a pixel
    ldr     r4, [sp, #INPUT]
    ldr     r12, [sp, #RECORDS]
    ldr     r5, [sp, #GROUPS]
    str     r5, [sp, #GROUPS_LEFT]

2:  // a group
    ldm     r12!, {r0, r1, r2, r3}
    ROW     r4
    ldr     r11, [sp, #ROW_STEP]
    add     r11, r11, r4
    ROW     r11
    ldr     r5, [sp, #ROW_STEP]
    add     r11, r11, r5
    ROW     r11
    REQUANTIZE4_STORE \add_offset, r12, LO4, r5, r6, r8, r9, r11
    adds    r4, r4, #4
    COUNT_DOWN GROUPS_LEFT, r5
    bne     2b

    ADVANCE INPUT, PIXEL_STEP, r5, r6  // the next pixel
    COUNT_DOWN PIXELS, r5
    bne     1b

    add     sp, sp, #FRAME
    pop     {r4-r11, pc}
    END_FUNCTION \name
.endm

// One pixel whose window is `rows` rows of `taps` taps of the 3x3 filter
// (a border pixel), its first tap first_tap bytes into each record's taps.
.macro DEPTHWISE3X3_WINDOW name, add_offset
    BEGIN_FUNCTION \name
    push    {r4-r11, lr}
    sub     sp, sp, #W_FRAME
    ldm     r0!, {r1, r2, r3, r4, r5, r6}
    stm     sp, {r1, r2, r3, r4, r5, r6}
    ldm     r0!, {r1, r2, r3, r4, r5}
    add     r6, sp, #ROW_STEP
    stm     r6, {r1, r2, r3, r4, r5}
    ldm     r0, {r1, r2, r3}
    add     r6, sp, #ROWS
    stm     r6, {r1, r2, r3}
    ldr     lr, [sp, #OUT]
    ldr     r7, [sp, #IN_STEP]
    ldr     r10, [sp, #OFFSET2]
    ldr     r4, [sp, #INPUT]
    ldr     r12, [sp, #RECORDS]
    str     r12, [sp, #W_RECORD]
    ldr     r5, [sp, #GROUPS]
    str     r5, [sp, #W_GROUPS_LEFT]

1:  // a group
    ldr     r12, [sp, #W_RECORD]
    ldm     r12!, {r0, r1, r2, r3}
    ldr     r5, [sp, #FIRST_TAP]
    add     r12, r12, r5
    mov     r11, r4
    ldr     r5, [sp, #ROWS]
    str     r5, [sp, #W_ROWS_LEFT]
2:  // a row of 3, 2 or 1 taps; the weights then move on to the next row's
    ldr     r5, [sp, #TAPS]
    cmp     r5, #2
    blt     4f
    beq     3f
    ROW     r11
    b       5f
3:
    TAP     [r11]
    TAP     [r11, r7]
    adds    r12, r12, #8
    b       5f
4:
    TAP     [r11]
    adds    r12, r12, #16
5:
    ldr     r5, [sp, #ROW_STEP]
    add     r11, r11, r5
    COUNT_DOWN W_ROWS_LEFT, r5
    bne     2b

    ldr     r12, [sp, #W_RECORD]    // the group's requantization entries
    add     r12, r12, #(16 + 72)
    REQUANTIZE4_STORE \add_offset, r12, LO4, r5, r6, r8, r9, r11
    str     r12, [sp, #W_RECORD]    // the next group's record
    adds    r4, r4, #4
    COUNT_DOWN W_GROUPS_LEFT, r5
    bne     1b

    add     sp, sp, #W_FRAME
    pop     {r4-r11, pc}
    END_FUNCTION \name
.endm

    DEPTHWISE3X3 kiln_arm_dsp_depthwise3x3_folded, 0
    DEPTHWISE3X3 kiln_arm_dsp_depthwise3x3, 1
    DEPTHWISE3X3_WINDOW kiln_arm_dsp_depthwise3x3_window_folded, 0
    DEPTHWISE3X3_WINDOW kiln_arm_dsp_depthwise3x3_window, 1

#endif
