// The Arm DSP convolution over a run of output pixels, for layers whose
// every channel requantizes by multiply_smlal (DspOutputStage::Stage::smlal;
// _folded: with every output offset in the roundings, so none is added
// after): per pixel, its receptive field widened to SXTB16 pairs, then every
// block of four output channels. The whole loop lives in registers or a fixed
// frame, which compiled C cannot manage (its dot product alone takes 13
// registers), so nothing is spilled between blocks or pixels.
//
//   void kiln_arm_dsp_conv_pixels(const kiln::arm_dsp::ConvPixelsJob* job);
//   void kiln_arm_dsp_conv_pixels_folded(const kiln::arm_dsp::ConvPixelsJob* job);
//   void kiln_arm_dsp_conv_pixels_compact(const kiln::arm_dsp::ConvPixelsJob* job);
//
// ConvPixelsJob (conv_pixels_job.h), one word each: input (the first row of the
// first pixel's receptive field), records, out, blocks, groups, lo4, hi4,
// widened, pixels, pixel_step, rows, row_bytes, row_step, column: a pixel's
// column is `rows` runs of row_bytes input bytes, row_step apart, widened
// straight from the input when row_bytes is a multiple of 4, else gathered
// into `column` first (whose bytes past the rows, up to 4 * groups, hold
// zeros). Per block: the record's four biases, its weights (groups of four
// taps, per group each channel's two pairs: dot4_pairs' order), its four
// ArmDspRequant entries; the four int8 results are stored as one word, and
// the pixels' outputs follow one another. _compact reads compact records
// (kArmDspConvCompactLayout): per group each channel's four int8 taps as one
// word, widened in registers, and ArmDspCompactRequant entries, whose
// roundings it derives from the job's rounding_base.
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

    .syntax unified
    .thumb

#include "kernels/arm_dsp/asm_macros.inc"
#include "kernels/arm_dsp/conv_pixels_job.h"

// The frame: the job's words at their offsets, then the blocks left.
    .equ INPUT, KILN_DSP_CONV_JOB_INPUT
    .equ RECORDS, KILN_DSP_CONV_JOB_RECORDS
    .equ OUT, KILN_DSP_CONV_JOB_OUT
    .equ BLOCKS, KILN_DSP_CONV_JOB_BLOCKS
    .equ GROUPS, KILN_DSP_CONV_JOB_GROUPS
    .equ LO4, KILN_DSP_CONV_JOB_LO4
    .equ WIDENED, KILN_DSP_CONV_JOB_WIDENED
    .equ PIXELS, KILN_DSP_CONV_JOB_PIXELS
    .equ PIXEL_STEP, KILN_DSP_CONV_JOB_PIXEL_STEP
    .equ ROWS, KILN_DSP_CONV_JOB_ROWS
    .equ ROW_BYTES, KILN_DSP_CONV_JOB_ROW_BYTES
    .equ ROW_STEP, KILN_DSP_CONV_JOB_ROW_STEP
    .equ COLUMN, KILN_DSP_CONV_JOB_COLUMN
    .equ ROUNDING_BASE, KILN_DSP_CONV_JOB_ROUNDING_BASE
    .equ BLOCKS_LEFT, KILN_DSP_CONV_JOB_BYTES
    .equ FRAME, BLOCKS_LEFT + 8     // 8-byte aligned with the 36 pushed
// The prologue copies the job as two LDM/STM runs of seven words each (and
// the compact routine its last word).
    .if KILN_DSP_CONV_JOB_BYTES != 15 * 4 || WIDENED != 7 * 4 || ROUNDING_BASE != 14 * 4 || (FRAME + 36) % 8 != 0
    .error "conv_pixels.S: the job's layout no longer matches its prologue"
    .endif

// Registers in a block: r0-r3 accumulators, r4 the widened column, r5/r6
// the column's pairs, r7 count, r8-r11 weights, r12 the record, lr the
// output.

// One group of four taps: 16 multiply-accumulates (instruction_groups.h).
.macro DOT_GROUP compact
.if \compact
    KILN_DSP_DOT4_GROUP_S8W(r5, r6, r4, r12, r0, r1, r2, r3)
.else
    KILN_DSP_DOT4_GROUP(r5, r6, r4, r12, r0, r1, r2, r3)
.endif
.endm

// The routine, with (add_offset 1) or without the entries' offsets, or on
// compact records (compact 1).
.macro CONV_PIXELS name, add_offset, compact=0
    BEGIN_FUNCTION \name
    push    {r4-r11, lr}
    sub     sp, sp, #FRAME
    ldm     r0!, {r1, r2, r3, r4, r5, r6, r7}
    stm     sp, {r1, r2, r3, r4, r5, r6, r7}
    ldm     r0, {r1, r2, r3, r4, r5, r6, r7}
.if \compact
    ldr     r8, [r0, #(ROUNDING_BASE - WIDENED)]
    str     r8, [sp, #ROUNDING_BASE]
.endif
    add     r0, sp, #WIDENED
    stm     r0, {r1, r2, r3, r4, r5, r6, r7}
    ldr     lr, [sp, #OUT]

1:  // a pixel: its column, in r0-r2 (free until the block loop) the row
    // bytes, the row step and the gather pointer
    ldr     r12, [sp, #INPUT]
    ldr     r6, [sp, #ROWS]
    ldr     r0, [sp, #ROW_BYTES]
    ldr     r1, [sp, #ROW_STEP]
    ldr     r5, [sp, #WIDENED]
    tst     r0, #3
    beq     2f
    ldr     r2, [sp, #COLUMN]       // rows of part words: gathered first
10: mov     r4, r12
    mov     r7, r0
11: subs    r7, r7, #4
    blt     12f
    ldr     r8, [r4], #4
    str     r8, [r2], #4
    b       11b
12: adds    r7, r7, #4
    beq     14f
13: ldrb    r8, [r4], #1
    strb    r8, [r2], #1
    subs    r7, r7, #1
    bne     13b
14: add     r12, r12, r1
    subs    r6, r6, #1
    bne     10b
    ldr     r12, [sp, #COLUMN]      // then widened as one row
    movs    r6, #1
    ldr     r0, [sp, #GROUPS]
    lsls    r0, r0, #2

2:  // a row of r0 bytes at r12, widened eight taps a step (SXTB16 order)
    mov     r4, r12
    lsrs    r7, r0, #3
    beq     4f
3:  // (two LDRs: input rows may be unaligned, which LDRD faults on)
    ldr     r10, [r4], #4
    ldr     r11, [r4], #4
    sxtb16  r8, r10
    sxtb16  r9, r10, ror #8
    sxtb16  r10, r11
    sxtb16  r11, r11, ror #8
    stm     r5!, {r8, r9, r10, r11}
    subs    r7, r7, #1
    bne     3b
4:  // and a last four
    tst     r0, #4
    beq     5f
    ldr     r10, [r4]
    sxtb16  r8, r10
    sxtb16  r9, r10, ror #8
    stm     r5!, {r8, r9}
5:
    add     r12, r12, r1
    subs    r6, r6, #1
    bne     2b

    ldr     r12, [sp, #RECORDS]
    ldr     r7, [sp, #BLOCKS]
    str     r7, [sp, #BLOCKS_LEFT]

6:  // a block
    ldm     r12!, {r0, r1, r2, r3}
    ldr     r4, [sp, #WIDENED]
    ldr     r7, [sp, #GROUPS]
    lsrs    r7, r7, #1              // pairs of groups; carry: an odd one
    bcc     7f
    DOT_GROUP \compact
7:
    beq     9f
8:  // two groups
    DOT_GROUP \compact
    DOT_GROUP \compact
    subs    r7, r7, #1
    bne     8b

9:  // requantize
.if \compact
    ldr     r4, [sp, #ROUNDING_BASE]
    REQUANTIZE4_COMPACT_STORE r12, LO4, r4, r8, r9, r10, r7
.else
    REQUANTIZE4_STORE \add_offset, r12, LO4, r8, r9, r10, r11, r7
.endif
    COUNT_DOWN BLOCKS_LEFT, r7
    bne     6b

    ADVANCE INPUT, PIXEL_STEP, r4, r5  // the next pixel
    COUNT_DOWN PIXELS, r7
    bne     1b

    add     sp, sp, #FRAME
    pop     {r4-r11, pc}
    END_FUNCTION \name
.endm

    CONV_PIXELS kiln_arm_dsp_conv_pixels_folded, 0
    CONV_PIXELS kiln_arm_dsp_conv_pixels, 1
    CONV_PIXELS kiln_arm_dsp_conv_pixels_compact, 0, 1

#endif
