// The Helium convolution over a run of output pixels: per pixel, its column
// (the input itself, or its window's rows gathered into a scratch column by
// tail-predicated copies), then every block of four output channels,
// register-allocated by hand: the output stage's constants stay in vector
// registers and the four sums in the even registers VMLADAVA accumulates in,
// where compiled C spills both.
//
//   void kiln_arm_mve_conv_pixels(const kiln::arm_mve::ConvPixelsJob* job);
//
// ConvPixelsJob (conv_pixels_job.h), one word each: input, records, out, blocks,
// steps (16-tap steps per block), offset, act_min, act_max, pixels,
// pixel_step, rows, row_bytes, row_step, column. With column null a pixel's
// column is the input at its pixel; else its `rows` rows of row_bytes input
// bytes, row_step apart, are copied one after the other into `column`, whose
// bytes past them (up to 16 * steps) hold zeros. Per block: the record's four
// biases, its weights (per 16 taps, each channel's 16 in turn), its four
// ArmMveRequant entries; four int8 results are stored, and the pixels'
// outputs follow one another.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)

    .syntax unified
    .thumb

#include "kernels/arm_mve/asm_macros.inc"
#include "kernels/arm_mve/conv_pixels_job.h"

// The frame: the job's words at their offsets.
    .equ INPUT, KILN_MVE_CONV_JOB_INPUT
    .equ RECORDS, KILN_MVE_CONV_JOB_RECORDS
    .equ OUT, KILN_MVE_CONV_JOB_OUT
    .equ BLOCKS, KILN_MVE_CONV_JOB_BLOCKS
    .equ STEPS, KILN_MVE_CONV_JOB_STEPS
    .equ OFFSET, KILN_MVE_CONV_JOB_OFFSET
    .equ ACT_MIN, KILN_MVE_CONV_JOB_ACT_MIN
    .equ PIXELS, KILN_MVE_CONV_JOB_PIXELS
    .equ PIXEL_STEP, KILN_MVE_CONV_JOB_PIXEL_STEP
    .equ ROWS, KILN_MVE_CONV_JOB_ROWS
    .equ ROW_BYTES, KILN_MVE_CONV_JOB_ROW_BYTES
    .equ ROW_STEP, KILN_MVE_CONV_JOB_ROW_STEP
    .equ COLUMN, KILN_MVE_CONV_JOB_COLUMN
// Then the state of two pixels run together: their columns, the blocks left,
// four sums on their way to a vector; with windows of several rows, the
// outputs, the 16-tap steps per row and the bytes from a row's end to the
// next row.
    .equ COLUMN_A, KILN_MVE_CONV_JOB_BYTES
    .equ COLUMN_B, KILN_MVE_CONV_JOB_BYTES + 4
    .equ BLOCKS_LEFT, KILN_MVE_CONV_JOB_BYTES + 8
    .equ SUMS, KILN_MVE_CONV_JOB_BYTES + 12
    .equ OUT_A, KILN_MVE_CONV_JOB_BYTES + 28
    .equ OUT_B, KILN_MVE_CONV_JOB_BYTES + 32
    .equ ROW_STEPS, KILN_MVE_CONV_JOB_BYTES + 36
    .equ ROW_SKIP, KILN_MVE_CONV_JOB_BYTES + 40
    .equ FRAME, KILN_MVE_CONV_JOB_BYTES + 44  // 8-byte aligned with the 100 pushed
// The prologue copies the job as two runs of seven words, and reads act_min
// and act_max as one pair.
    .if KILN_MVE_CONV_JOB_BYTES != 14 * 4 || KILN_MVE_CONV_JOB_ACT_MAX != ACT_MIN + 4 || (FRAME + 100) % 8 != 0
    .error "conv_pixels.S: the job's layout no longer matches its prologue"
    .endif

// Registers in a block: r0, r2, r4, r6 the sums; r1 the column; r3 the
// record; r5 the output; r7 blocks left; r8 steps; r9 the output offset;
// r10 the column pointer; lr the step count; q6/q7 the activation range.
// Columns read straight from the input (label 9), and windows whose rows are
// whole 16-tap steps read from the input row by row (label 28), go two
// pixels at a time, sharing each weight vector between eight sums.
// One step of two pixels: 16 taps of each column (r9, r11; into qa, qb)
// against the block's four channels (r5), into the sums r0, r2, r4, r6 (A)
// and r8, r10, r12, lr (B).
.macro PAIR_STEP qa, qb
    vldrb.8 q2, [r5], #16
    vmladava.s8 r0, \qa, q2
    vmladava.s8 r8, \qb, q2
    vldrb.8 q3, [r5], #16
    vmladava.s8 r2, \qa, q3
    vmladava.s8 r10, \qb, q3
    vldrb.8 q2, [r5], #16
    vmladava.s8 r4, \qa, q2
    vmladava.s8 r12, \qb, q2
    vldrb.8 q3, [r5], #16
    vmladava.s8 r6, \qa, q3
    vmladava.s8 lr, \qb, q3
.endm

// r7 steps of two pixels: an odd one first, then two a loop iteration (the
// second's columns in q4/q5, free until the requantization).
.macro PAIR_STEPS
    lsrs    r7, r7, #1
    bcc     .Lpairs\@
    vldrb.8 q0, [r9], #16
    vldrb.8 q1, [r11], #16
    PAIR_STEP q0, q1
    beq     .Ldone\@               // (Z from the LSRS: no pair left)
.Lpairs\@:
    vldrb.8 q0, [r9], #16
    vldrb.8 q1, [r11], #16
    vldrb.8 q4, [r9], #16
    vldrb.8 q5, [r11], #16
    PAIR_STEP q0, q1
    PAIR_STEP q4, q5
    subs    r7, r7, #1
    bne     .Lpairs\@
.Ldone\@:
.endm

// The start of a pair (r1 A's column, r5 the output): both columns and the
// blocks left to the frame, r0 the blocks.
.macro PAIR_BEGIN
    ldr     r0, [sp, #PIXEL_STEP]
    add     r0, r1, r0
    str     r1, [sp, #COLUMN_A]
    str     r0, [sp, #COLUMN_B]
    ldr     r0, [sp, #BLOCKS]
    str     r0, [sp, #BLOCKS_LEFT]
.endm

// The start of a block: its biases into both pixels' sums, the columns into
// r9 and r11.
.macro PAIR_BLOCK_BEGIN
    ldm     r5, {r8, r10, r12, lr}
    ldm     r5!, {r0, r2, r4, r6}
    ldr     r9, [sp, #COLUMN_A]
    ldr     r11, [sp, #COLUMN_B]
.endm

// Both pixels' sums requantized by the block's entries (r5, loaded once)
// and stored at r1 (A) and r3 (B), which advance; the sums reach a vector
// through the frame.
.macro PAIR_REQUANTIZE_STORE
    strd    r0, r2, [sp, #SUMS]
    strd    r4, r6, [sp, #SUMS + 8]
    vldrw.u32 q4, [sp, #SUMS]
    ldr     r0, [sp, #OFFSET]
    REQUANT_ENTRIES r5, q0, q1, q2, q3
    REQUANT_STORE q4, q0, q1, q2, q3, q5, r0, q6, q7, r1
    strd    r8, r10, [sp, #SUMS]
    strd    r12, lr, [sp, #SUMS + 8]
    vldrw.u32 q4, [sp, #SUMS]
    REQUANT_STORE q4, q0, q1, q2, q3, q5, r0, q6, q7, r3
.endm

// After a pair (r3 the output after B's): the input moves two pixels on and
// the pixels left drop by two; then the done label if none are left, the
// pair label while two are, else the one-pixel path.
.macro PAIR_NEXT pair, done
    mov     r5, r3
    ldr     r0, [sp, #INPUT]
    ldr     r1, [sp, #PIXEL_STEP]
    add     r0, r0, r1, lsl #1
    str     r0, [sp, #INPUT]
    ldr     r1, [sp, #PIXELS]
    subs    r1, r1, #2
    str     r1, [sp, #PIXELS]
    beq     \done
    cmp     r1, #2
    bge     \pair
    ldr     r8, [sp, #STEPS]        // one pixel left: the one-pixel path's
    ldr     r9, [sp, #OFFSET]       // registers back
    b       1b
.endm

    BEGIN_FUNCTION kiln_arm_mve_conv_pixels
    push    {r4-r11, lr}
    vpush   {d8-d15}
    sub     sp, sp, #FRAME
    ldm     r0!, {r1, r2, r3, r4, r5, r6, r7}
    stm     sp, {r1, r2, r3, r4, r5, r6, r7}
    ldm     r0, {r1, r2, r3, r4, r5, r6, r7}
    add     r0, sp, #(7 * 4)
    stm     r0, {r1, r2, r3, r4, r5, r6, r7}
    ldr     r5, [sp, #OUT]
    ldr     r8, [sp, #STEPS]
    ldr     r9, [sp, #OFFSET]
    ldrd    r10, r12, [sp, #ACT_MIN]  // act_min, act_max
    vdup.32 q6, r10
    vdup.32 q7, r12
    cmp     r2, #2                  // pixels (r2) and column (r7) from the
    blt     1f                      // copy: two pixels at once where their
    cmp     r7, #0                  // columns are the input itself, or rows
    beq     9f                      // of it in whole steps
    ldr     r0, [sp, #ROW_BYTES]
    tst     r0, #15
    beq     28f

1:  // a pixel: its column in r1
    ldr     r1, [sp, #INPUT]
    ldr     r11, [sp, #COLUMN]
    cmp     r11, #0
    beq     5f
    ldr     r7, [sp, #ROWS]         // gather the rows into the column
    ldr     r0, [sp, #ROW_BYTES]
    ldr     r2, [sp, #ROW_STEP]
    mov     r6, r11
2:  mov     r4, r1
    mov     r10, r6
    wlstp.8 lr, r0, 4f
3:  vldrb.8 q0, [r4], #16
    vstrb.8 q0, [r10], #16
    letp    lr, 3b
4:  add     r1, r1, r2
    add     r6, r6, r0
    subs    r7, r7, #1
    bne     2b
    mov     r1, r11
5:
    ldr     r3, [sp, #RECORDS]
    ldr     r7, [sp, #BLOCKS]

6:  // a block
    ldrd    r0, r2, [r3]
    ldrd    r4, r6, [r3, #8]
    adds    r3, r3, #16
    mov     r10, r1
    dls     lr, r8
7:  // 16 taps of the four channels
    vldrb.8 q0, [r10], #16
    vldrb.8 q1, [r3], #16
    vldrb.8 q2, [r3], #16
    vldrb.8 q3, [r3], #16
    vldrb.8 q4, [r3], #16
    vmladava.s8 r0, q0, q1
    vmladava.s8 r2, q0, q2
    vmladava.s8 r4, q0, q3
    vmladava.s8 r6, q0, q4
    le      lr, 7b

    vmov.32 q4[0], r0               // single lanes: plain where the two-lane
    vmov.32 q4[1], r2               // form's operand order is easy to misread
    vmov.32 q4[2], r4
    vmov.32 q4[3], r6
    REQUANTIZE4_STORE r3, q4, q0, q1, q2, q3, q5, r9, q6, q7, r5
    subs    r7, r7, #1
    bne     6b

    ADVANCE INPUT, PIXEL_STEP, r0, r1  // the next pixel
    COUNT_DOWN PIXELS, r1
    bne     1b
    b       20f

9:  ldr     r1, [sp, #INPUT]
10: // two pixels, A (column r1) and B, each weight vector loaded once for
    // both: their sums r0, r2, r4, r6 and r8, r10, r12, lr; r9 and r11 the
    // columns, r5 the record, r7 the step count, r1 and r3 the outputs (the
    // narrowing stores take low registers only)
    PAIR_BEGIN
    mov     r1, r5
    add     r3, r5, r0, lsl #2      // B's output follows A's blocks
    ldr     r5, [sp, #RECORDS]
11: // a block of both pixels
    PAIR_BLOCK_BEGIN
    ldr     r7, [sp, #STEPS]
    PAIR_STEPS
    PAIR_REQUANTIZE_STORE
    COUNT_DOWN BLOCKS_LEFT, r7
    bne     11b
    PAIR_NEXT 9b, 20f

28: // two pixels whose windows are `rows` rows of the input, each a whole
    // number of steps: the pair above, row by row, the outputs in the frame
    ldr     r0, [sp, #ROW_BYTES]
    lsrs    r1, r0, #4
    str     r1, [sp, #ROW_STEPS]
    ldr     r1, [sp, #ROW_STEP]
    subs    r1, r1, r0
    str     r1, [sp, #ROW_SKIP]
29: ldr     r1, [sp, #INPUT]
    PAIR_BEGIN
    str     r5, [sp, #OUT_A]
    add     r0, r5, r0, lsl #2
    str     r0, [sp, #OUT_B]
    ldr     r5, [sp, #RECORDS]
31: // a block of both pixels
    PAIR_BLOCK_BEGIN
    ldr     r1, [sp, #ROWS]
32: ldr     r7, [sp, #ROW_STEPS]    // a row
    PAIR_STEPS
    subs    r1, r1, #1
    beq     34f
    ldr     r3, [sp, #ROW_SKIP]
    add     r9, r9, r3
    add     r11, r11, r3
    b       32b
34: ldr     r1, [sp, #OUT_A]
    ldr     r3, [sp, #OUT_B]
    PAIR_REQUANTIZE_STORE
    str     r1, [sp, #OUT_A]
    str     r3, [sp, #OUT_B]
    COUNT_DOWN BLOCKS_LEFT, r7
    bne     31b
    PAIR_NEXT 29b, 20f

20: add     sp, sp, #FRAME
    vpop    {d8-d15}
    pop     {r4-r11, pc}
    END_FUNCTION kiln_arm_mve_conv_pixels

#endif
