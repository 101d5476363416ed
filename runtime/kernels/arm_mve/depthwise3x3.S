// The Helium depthwise convolution over a run of output pixels whose 3x3
// windows lie wholly inside the input: every group of eight channels of every
// pixel of the run in one call, the output stage's constants in vector
// registers throughout.
//
//   void kiln_arm_mve_depthwise3x3(const kiln::arm_mve::Depthwise3x3Job* job);
//
// and, for one border pixel whose window is only part of the filter,
//
//   void kiln_arm_mve_depthwise3x3_window(const kiln::arm_mve::Depthwise3x3Job* job);
//
// Depthwise3x3Job (depthwise3x3_job.h), one word each: input (the first pixel's
// first tap), records, out, groups, pixels, in_step, row_step, pixel_step,
// input_offset, output_offset, act_min, act_max, rows, taps, first_tap. Per group of
// eight channels, its record: eight biases, nine taps of eight int8 weights,
// eight ArmMveRequant entries; the pixels' outputs follow one another.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)

    .syntax unified
    .thumb

#include "kernels/arm_mve/asm_macros.inc"
#include "kernels/arm_mve/depthwise3x3_job.h"

// Both routines load the job into registers: input to pixel_step with one
// LDM, input_offset to act_max (the window: to first_tap) with another.
    .if KILN_MVE_DW_JOB_PIXEL_STEP != KILN_MVE_DW_JOB_INPUT + 7 * 4 || KILN_MVE_DW_JOB_INPUT_OFFSET != 8 * 4 || KILN_MVE_DW_JOB_ACT_MAX != KILN_MVE_DW_JOB_INPUT_OFFSET + 3 * 4 || KILN_MVE_DW_JOB_FIRST_TAP != KILN_MVE_DW_JOB_INPUT_OFFSET + 6 * 4
    .error "depthwise3x3.S: the job's layout no longer matches the routines' loads"
    .endif

// The frame: eight int32 sums in channel order, then the run's state.
    .equ SUMS, 0
    .equ INPUT, 32
    .equ RECORDS, 36
    .equ GROUPS, 40
    .equ PIXELS, 44
    .equ PIXEL_STEP, 48
    .equ FRAME, 52                  // 8-byte aligned with the 100 pushed

// Registers: q0/q1 the even/odd channels' sums (VMULLB/VMULLT order), q6/q7
// the activation range; r0 the group's top-left tap, r1 the tap, r10 the
// row, r2 in_step, r7 row_step, r3 the record, r4 the input offset, r8 the
// output offset, r5 the output, r6 groups left.

// One tap: eight inputs widened to int16 plus the input offset, times the
// tap's eight weights, into the even and odd sums.
.macro TAP
    vldrb.s16 q2, [r1]
    add     r1, r1, r2
    vadd.i16 q2, q2, r4
    vldrb.s16 q3, [r3], #8
    vmullb.s16 q4, q2, q3
    vmullt.s16 q5, q2, q3
    vadd.i32 q0, q0, q4
    vadd.i32 q1, q1, q5
.endm

.macro ROW base
    mov     r1, \base
    TAP
    TAP
    TAP
.endm

// The group's sums (q0 even, q1 odd channels) back to channel order through
// the frame, requantized by the eight entries at r3 and stored.
.macro REQUANTIZE8_STORE
    vst20.32 {q0, q1}, [sp]
    vst21.32 {q0, q1}, [sp]
    vldrw.u32 q0, [sp, #SUMS]
    REQUANTIZE4_STORE r3, q0, q2, q3, q4, q5, q1, r8, q6, q7, r5
    vldrw.u32 q0, [sp, #SUMS + 16]
    REQUANTIZE4_STORE r3, q0, q2, q3, q4, q5, q1, r8, q6, q7, r5
.endm

    BEGIN_FUNCTION kiln_arm_mve_depthwise3x3
    DEPTHWISE_RUN_PROLOGUE
    ldm     r0, {r4, r8, r9, r10}   // input_offset, output_offset, act_min, act_max
    vdup.32 q6, r9
    vdup.32 q7, r10

1:  // a pixel
    ldr     r0, [sp, #INPUT]
    ldr     r3, [sp, #RECORDS]
    ldr     r6, [sp, #GROUPS]

2:  // a group: the biases de-interleaved into the even and odd sums
    vld20.32 {q0, q1}, [r3]
    vld21.32 {q0, q1}, [r3]!
    ROW     r0
    add     r10, r0, r7
    ROW     r10
    add     r10, r10, r7
    ROW     r10
    REQUANTIZE8_STORE
    adds    r0, r0, #8
    subs    r6, r6, #1
    bne     2b

    ADVANCE INPUT, PIXEL_STEP, r0, r1  // the next pixel
    COUNT_DOWN PIXELS, r1
    bne     1b

    add     sp, sp, #FRAME
    vpop    {d8-d15}
    pop     {r4-r11, pc}
    END_FUNCTION kiln_arm_mve_depthwise3x3

// The window routine's frame: the sums, then the group's record and the
// groups left.
    .equ W_RECORD, 32
    .equ W_GROUPS_LEFT, 36
    .equ W_FRAME, 44                // 8-byte aligned with the 100 pushed

// Registers as above, and r11 the window's rows, r9 its taps, r12 its first
// tap's offset in a record's taps, r6 rows left.
    BEGIN_FUNCTION kiln_arm_mve_depthwise3x3_window
    DEPTHWISE_WINDOW_PROLOGUE
    mov     r6, r1                  // the first tap, into r0 below
    ldm     r0, {r4, r8, r9, r10, r11, r12, lr}  // input_offset .. first_tap
    mov     r0, r6
    vdup.32 q6, r9
    vdup.32 q7, r10
    mov     r9, r12
    mov     r12, lr

1:  // a group
    ldr     r3, [sp, #W_RECORD]
    vld20.32 {q0, q1}, [r3]
    vld21.32 {q0, q1}, [r3]!
    add     r3, r3, r12
    mov     r10, r0
    mov     r6, r11
2:  // a row of 3, 2 or 1 taps; the weights then move on to the next row's
    mov     r1, r10
    cmp     r9, #2
    blt     4f
    beq     3f
    TAP
    TAP
    TAP
    b       5f
3:
    TAP
    TAP
    adds    r3, r3, #8
    b       5f
4:
    TAP
    adds    r3, r3, #16
5:
    add     r10, r10, r7
    subs    r6, r6, #1
    bne     2b

    ldr     r3, [sp, #W_RECORD]     // the group's requantization entries
    add     r3, r3, #(32 + 72)
    REQUANTIZE8_STORE
    str     r3, [sp, #W_RECORD]     // the next group's record
    adds    r0, r0, #8
    COUNT_DOWN W_GROUPS_LEFT, r1
    bne     1b

    add     sp, sp, #W_FRAME
    vpop    {d8-d15}
    pop     {r4-r11, pc}
    END_FUNCTION kiln_arm_mve_depthwise3x3_window

#endif
