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
//
// ConvPixelsJob (primitives.h), one word each: input (the first row of the
// first pixel's receptive field), records, out, blocks, groups, lo4, hi4,
// widened, pixels, pixel_step, rows, row_bytes, row_step: a pixel's column
// is `rows` runs of row_bytes (a multiple of 4) input bytes, row_step apart. Per block: the record's four biases, its weights (groups of
// four taps, per group each channel's two pairs: dot4_pairs' order), its four
// ArmDspRequant entries; the four int8 results are stored as one word, and
// the pixels' outputs follow one another.
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

    .syntax unified
    .thumb

#include "kernels/arm_dsp/asm_macros.inc"

// The frame: the job's words at their offsets, then the blocks left.
    .equ INPUT, 0
    .equ RECORDS, 4
    .equ OUT, 8
    .equ BLOCKS, 12
    .equ GROUPS, 16
    .equ LO4, 20
    .equ WIDENED, 28
    .equ PIXELS, 32
    .equ PIXEL_STEP, 36
    .equ ROWS, 40
    .equ ROW_BYTES, 44
    .equ ROW_STEP, 48
    .equ BLOCKS_LEFT, 52
    .equ FRAME, 60                  // 8-byte aligned with the 36 pushed

// Registers in a block: r0-r3 accumulators, r4 the widened column, r5/r6
// the column's pairs, r7 count, r8-r11 weights, r12 the record, lr the
// output.

// One group of four taps: 16 multiply-accumulates.
.macro DOT_GROUP
    ldrd    r5, r6, [r4], #8
    ldm     r12!, {r8, r9, r10, r11}
    smlad   r0, r5, r8, r0
    smlad   r0, r6, r9, r0
    smlad   r1, r5, r10, r1
    smlad   r1, r6, r11, r1
    ldm     r12!, {r8, r9, r10, r11}
    smlad   r2, r5, r8, r2
    smlad   r2, r6, r9, r2
    smlad   r3, r5, r10, r3
    smlad   r3, r6, r11, r3
.endm

// The routine, with (add_offset 1) or without the entries' offsets.
.macro CONV_PIXELS name, add_offset
    BEGIN_FUNCTION \name
    push    {r4-r11, lr}
    sub     sp, sp, #FRAME
    ldm     r0!, {r1, r2, r3, r4, r5, r6, r7}
    stm     sp, {r1, r2, r3, r4, r5, r6, r7}
    ldm     r0, {r1, r2, r3, r4, r5, r6}
    add     r7, sp, #WIDENED
    stm     r7, {r1, r2, r3, r4, r5, r6}
    ldr     lr, [sp, #OUT]

1:  // a pixel: widen its column's rows, eight taps a step (SXTB16 order)
    ldr     r12, [sp, #INPUT]
    ldr     r5, [sp, #WIDENED]
    ldr     r6, [sp, #ROWS]
2:  // a row
    mov     r4, r12
    ldr     r7, [sp, #ROW_BYTES]
    lsrs    r7, r7, #3
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
    ldr     r7, [sp, #ROW_BYTES]
    tst     r7, #4
    beq     5f
    ldr     r10, [r4]
    sxtb16  r8, r10
    sxtb16  r9, r10, ror #8
    stm     r5!, {r8, r9}
5:
    ldr     r7, [sp, #ROW_STEP]
    add     r12, r12, r7
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
    DOT_GROUP
7:
    beq     9f
8:  // two groups
    DOT_GROUP
    DOT_GROUP
    subs    r7, r7, #1
    bne     8b

9:  // requantize
    REQUANTIZE4_STORE \add_offset, r12, LO4, r8, r9, r10, r11, r7
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

#endif
