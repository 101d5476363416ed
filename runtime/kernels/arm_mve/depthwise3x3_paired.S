// The Helium 3x3 depthwise convolution in the paired layout
// (kArmMveDepthwisePairedLayout): sixteen channels a group, int8 inputs times
// int8 weights in sixteen lanes (VMULLB/VMULLT.S8), two taps' products summed
// in int16 before they widen into the int32 sums. Without a weight of -128 a
// product lies in [-16256, 16256] and two of them fit int16 exactly; the
// compiler keeps filters with a -128 off this layout.
//
//   void kiln_arm_mve_depthwise3x3_paired(const kiln::arm_mve::Depthwise3x3Job* job);
//
// runs pixels whose windows lie wholly inside the input, on raw inputs from
// the record's folded biases (which carry input_offset * the weights' sum);
//
//   void kiln_arm_mve_depthwise3x3_paired_window(const kiln::arm_mve::Depthwise3x3Job* job);
//
// one border pixel whose window is `rows` (0-3) rows of `taps` taps, from the
// plain biases on inputs plus the input offset, widened to int16 as
// depthwise3x3.S does.
//
// The job is depthwise3x3.S's (depthwise3x3_job.h); a record: 16 folded
// biases, nine taps of 16 int8 weights, 16 plain biases, 16 ArmMveRequant
// entries (KILN_MVE_DW_PAIRED_*). The sums go through the frame in channel
// order and are requantized four channels at a time.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)

    .syntax unified
    .thumb

#include "kernels/arm_mve/asm_macros.inc"
#include "kernels/arm_mve/depthwise3x3_job.h"

    .if KILN_MVE_DW_JOB_PIXEL_STEP != KILN_MVE_DW_JOB_INPUT + 7 * 4 || KILN_MVE_DW_JOB_INPUT_OFFSET != 8 * 4 || KILN_MVE_DW_JOB_ACT_MAX != KILN_MVE_DW_JOB_INPUT_OFFSET + 3 * 4 || KILN_MVE_DW_JOB_FIRST_TAP != KILN_MVE_DW_JOB_INPUT_OFFSET + 6 * 4
    .error "depthwise3x3_paired.S: the job's layout no longer matches the routines' loads"
    .endif

// The frame: sixteen int32 sums in channel order (a second pixel's after
// them), then the run's state.
    .equ SUMS, 0
    .equ SUMS_B, 64
    .equ INPUT, 128
    .equ RECORDS, 132
    .equ GROUPS, 136
    .equ PIXELS, 140
    .equ PIXEL_STEP, 144
    .equ FRAME, 148                 // 8-byte aligned with the 100 pushed

// Registers in a group: q0-q3 the sums of channels {0, 4, 8, 12},
// {1, 5, 9, 13}, {2, 6, 10, 14}, {3, 7, 11, 15} (VLD4/VST4 order; the
// widenings below produce exactly these), q4-q7 temporaries; r0 the group's
// top-left tap, r1 and r10 tap pointers, r2 in_step, r7 row_step, r3 the
// record, r5 the output, r6 groups left, r8 the output offset, r9/r11 the
// activation range. Pixels go two at a time, sharing each group's
// requantization entries.

// q6 (even channels) and q7 (odd channels), int16 sums of products, widened
// into the four int32 sums.
.macro WIDEN_ADD
    vmovlb.s16 q4, q6
    vadd.i32 q0, q0, q4
    vmovlt.s16 q4, q6
    vadd.i32 q2, q2, q4
    vmovlb.s16 q4, q7
    vadd.i32 q1, q1, q4
    vmovlt.s16 q4, q7
    vadd.i32 q3, q3, q4
.endm

// The first tap of a pair (or a lone tap): its products into q6/q7.
.macro FIRST_TAP address
    vldrb.8 q4, [\address]
    vldrb.8 q5, [r3], #16
    vmullb.s8 q6, q4, q5
    vmullt.s8 q7, q4, q5
.endm

// The second tap of a pair, its products added to the first's in int16, then
// widened. With no register free, each 8-bit multiply writes over one of its
// operands (its lanes come from the same beat, so this is well defined) and
// the weights load twice.
.macro SECOND_TAP address
    vldrb.8 q4, [\address]
    vldrb.8 q5, [r3]
    vmullb.s8 q5, q4, q5
    vadd.i16 q6, q6, q5
    vldrb.8 q5, [r3], #16
    vmullt.s8 q4, q4, q5
    vadd.i16 q7, q7, q4
    WIDEN_ADD
.endm

// The sums (q0-q3) to the frame in channel order, at `base`.
.macro STORE_SUMS base
    vst40.32 {q0, q1, q2, q3}, [\base]
    vst41.32 {q0, q1, q2, q3}, [\base]
    vst42.32 {q0, q1, q2, q3}, [\base]
    vst43.32 {q0, q1, q2, q3}, [\base]
.endm

// The frame's sixteen sums requantized by the entries at r3 (advancing past
// them) and stored at r5.
.macro REQUANTIZE16_STORE
    vdup.32 q6, r9
    vdup.32 q7, r11
    vldrw.u32 q0, [sp, #SUMS]
    REQUANTIZE4_STORE r3, q0, q1, q2, q3, q4, q5, r8, q6, q7, r5
    vldrw.u32 q0, [sp, #SUMS + 16]
    REQUANTIZE4_STORE r3, q0, q1, q2, q3, q4, q5, r8, q6, q7, r5
    vldrw.u32 q0, [sp, #SUMS + 32]
    REQUANTIZE4_STORE r3, q0, q1, q2, q3, q4, q5, r8, q6, q7, r5
    vldrw.u32 q0, [sp, #SUMS + 48]
    REQUANTIZE4_STORE r3, q0, q1, q2, q3, q4, q5, r8, q6, q7, r5
.endm

// A group's nine taps for the pixel whose top-left tap is at `base`, from
// the record's taps at r3 (which advance past them) into q0-q3: in pairs
// (0 1) (2 3) (4 5) (6 7), and tap 8 alone.
.macro TAPS9 base
    FIRST_TAP \base
    add     r1, \base, r2
    SECOND_TAP r1
    add     r1, r1, r2
    FIRST_TAP r1
    add     r10, \base, r7          // row 1
    SECOND_TAP r10
    add     r1, r10, r2
    FIRST_TAP r1
    add     r1, r1, r2
    SECOND_TAP r1
    add     r10, r10, r7            // row 2
    FIRST_TAP r10
    add     r1, r10, r2
    SECOND_TAP r1
    add     r1, r1, r2
    FIRST_TAP r1
    WIDEN_ADD
.endm

// The record's folded biases (r3, advancing past them) de-interleaved as the
// sums are.
.macro LOAD_BIASES
    vld40.32 {q0, q1, q2, q3}, [r3]
    vld41.32 {q0, q1, q2, q3}, [r3]
    vld42.32 {q0, q1, q2, q3}, [r3]
    vld43.32 {q0, q1, q2, q3}, [r3]!
.endm

    BEGIN_FUNCTION kiln_arm_mve_depthwise3x3_paired
    DEPTHWISE_RUN_PROLOGUE
    ldm     r0, {r3, r8, r9, r11}   // input_offset (folded), output_offset, act_min, act_max

1:  // pixels two at a time, A and B, while two are left: r12 B's top-left
    // tap, r4 B's output (low: the narrowing stores take no other), lr the
    // pixel step
    ldr     r0, [sp, #PIXELS]
    cmp     r0, #2
    blt     4f
    ldr     r0, [sp, #INPUT]
    ldr     r3, [sp, #RECORDS]
    ldr     r6, [sp, #GROUPS]
    ldr     lr, [sp, #PIXEL_STEP]
    add     r4, r5, r6, lsl #4
2:  // a group of both: each pixel's sums to the frame, then the entries
    // loaded once for both
    LOAD_BIASES
    TAPS9   r0
    STORE_SUMS sp
    sub     r3, r3, #KILN_MVE_DW_PAIRED_PLAIN_BIASES
    LOAD_BIASES
    add     r12, r0, lr
    TAPS9   r12
    add     r1, sp, #SUMS_B
    STORE_SUMS r1
    add     r3, r3, #(KILN_MVE_DW_PAIRED_REQUANT - KILN_MVE_DW_PAIRED_PLAIN_BIASES)
    vdup.32 q6, r9
    vdup.32 q7, r11
    .irp sums, 0, 16, 32, 48
    REQUANT_ENTRIES r3, q1, q2, q3, q4
    vldrw.u32 q0, [sp, #(SUMS + \sums)]
    REQUANT_STORE q0, q1, q2, q3, q4, q5, r8, q6, q7, r5
    vldrw.u32 q0, [sp, #(SUMS_B + \sums)]
    REQUANT_STORE q0, q1, q2, q3, q4, q5, r8, q6, q7, r4
    .endr
    adds    r0, r0, #16
    subs    r6, r6, #1
    bne     2b
    mov     r5, r4                  // the output after B's
    ldr     r0, [sp, #INPUT]
    add     r0, r0, lr, lsl #1
    str     r0, [sp, #INPUT]
    ldr     r0, [sp, #PIXELS]
    subs    r0, r0, #2
    str     r0, [sp, #PIXELS]
    b       1b

4:  // one pixel left, or none
    cmp     r0, #0
    beq     9f
    ldr     r0, [sp, #INPUT]
    ldr     r3, [sp, #RECORDS]
    ldr     r6, [sp, #GROUPS]
5:  // a group
    LOAD_BIASES
    TAPS9   r0
    add     r3, r3, #(KILN_MVE_DW_PAIRED_REQUANT - KILN_MVE_DW_PAIRED_PLAIN_BIASES)
    STORE_SUMS sp
    REQUANTIZE16_STORE
    adds    r0, r0, #16
    subs    r6, r6, #1
    bne     5b

9:  add     sp, sp, #FRAME
    vpop    {d8-d15}
    pop     {r4-r11, pc}
    END_FUNCTION kiln_arm_mve_depthwise3x3_paired

// One tap of the sixteen channels, each eight widened to int16 with the
// input offset (r4) added: channels 0-7 into q0 (even) and q1 (odd), 8-15
// into q2 and q3; r1 the input and r3 the weights advance to the next tap.
.macro WIDE_TAP
    vldrb.s16 q4, [r1]
    vadd.i16 q4, q4, r4
    vldrb.s16 q5, [r3]
    vmullb.s16 q6, q4, q5
    vmullt.s16 q7, q4, q5
    vadd.i32 q0, q0, q6
    vadd.i32 q1, q1, q7
    vldrb.s16 q4, [r1, #8]
    vadd.i16 q4, q4, r4
    vldrb.s16 q5, [r3, #8]
    vmullb.s16 q6, q4, q5
    vmullt.s16 q7, q4, q5
    vadd.i32 q2, q2, q6
    vadd.i32 q3, q3, q7
    add     r1, r1, r2
    adds    r3, r3, #16
.endm

// The window routine's frame: the sums, then the record, the groups left and
// the window's shape.
    .equ W_RECORD, 64
    .equ W_GROUPS_LEFT, 68
    .equ W_ROWS, 72
    .equ W_TAPS, 76
    .equ W_FIRST_TAP, 80
    .equ W_FRAME, 84                // 8-byte aligned with the 100 pushed

// Registers as in the run routine, and r4 the input offset, r10 the row's
// first tap, r1 the tap, r12 the next row's weights, r6 rows left.
    BEGIN_FUNCTION kiln_arm_mve_depthwise3x3_paired_window
    DEPTHWISE_WINDOW_PROLOGUE
    mov     r12, r1                 // the first tap, into r0 below
    ldm     r0, {r4, r6, r8, r9, r10, r11, lr}  // input_offset .. first_tap
    str     r10, [sp, #W_ROWS]
    str     r11, [sp, #W_TAPS]
    str     lr, [sp, #W_FIRST_TAP]
    mov     r0, r12
    mov     r11, r9                 // act_max
    mov     r9, r8                  // act_min
    mov     r8, r6                  // output_offset

1:  // a group: the plain biases de-interleaved as the taps accumulate
    ldr     r3, [sp, #W_RECORD]
    add     r12, r3, #KILN_MVE_DW_PAIRED_PLAIN_BIASES
    vld20.32 {q0, q1}, [r12]
    vld21.32 {q0, q1}, [r12]!
    vld20.32 {q2, q3}, [r12]
    vld21.32 {q2, q3}, [r12]
    ldr     r12, [sp, #W_FIRST_TAP]
    add     r3, r3, r12
    adds    r3, r3, #KILN_MVE_DW_PAIRED_TAPS
    mov     r10, r0
    ldr     r6, [sp, #W_ROWS]
    cmp     r6, #0
    beq     5f
2:  // a row of 3, 2 or 1 taps; the weights then move on to the next row's
    mov     r1, r10
    add     r12, r3, #48
    ldr     lr, [sp, #W_TAPS]
    cmp     lr, #2
    blt     4f
    beq     3f
    WIDE_TAP
3:  WIDE_TAP
4:  WIDE_TAP
    mov     r3, r12
    add     r10, r10, r7
    subs    r6, r6, #1
    bne     2b

5:  add     r12, sp, #SUMS          // the sums to the frame in channel order
    vst20.32 {q0, q1}, [r12]
    vst21.32 {q0, q1}, [r12]!
    vst20.32 {q2, q3}, [r12]
    vst21.32 {q2, q3}, [r12]
    ldr     r3, [sp, #W_RECORD]
    add     r3, r3, #KILN_MVE_DW_PAIRED_REQUANT
    REQUANTIZE16_STORE
    str     r3, [sp, #W_RECORD]     // the next group's record follows the entries
    adds    r0, r0, #16
    COUNT_DOWN W_GROUPS_LEFT, r1
    bne     1b

    add     sp, sp, #W_FRAME
    vpop    {d8-d15}
    pop     {r4-r11, pc}
    END_FUNCTION kiln_arm_mve_depthwise3x3_paired_window

#endif
