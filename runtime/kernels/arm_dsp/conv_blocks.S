// The Arm DSP convolution's per-pixel loop over blocks of four output
// channels, for layers whose every channel requantizes by multiply_smlal
// (DspOutputStage::Stage::smlal; _folded: with every output offset in the
// roundings, so none is added after): the whole loop
// in registers, which compiled C cannot manage (its dot product alone takes
// 13 of them), so nothing is spilled between blocks.
//
//   void kiln_arm_dsp_conv_blocks(const kiln::arm_dsp::ConvBlocksJob* job);
//   void kiln_arm_dsp_conv_blocks_folded(const kiln::arm_dsp::ConvBlocksJob* job);
//
// ConvBlocksJob (primitives.h): column, records, out, blocks, groups, lo4,
// hi4, one word each. Per block: the record's four biases, its weights
// (groups of four taps, per group each channel's two pairs: dot4_pairs'
// order), its four ArmDspRequant entries; the four int8 results are stored
// as one word.
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

    .syntax unified
    .thumb

// Registers: r0-r3 accumulators, r4 column, r5/r6 the column's pairs,
// r7 count, r8-r11 weights, r12 record, lr output. The frame holds
// [sp] column, [sp, #4] blocks left, [sp, #8] groups, [sp, #12] lo4,
// [sp, #16] hi4.

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

// acc = ssat8(multiply_smlal(acc, next entry) [+ its offset]): the entry's
// multiplier, rounding, shift and offset in r8-r11.
.macro REQUANTIZE acc, add_offset
    ldm     r12!, {r8, r9, r10, r11}
    and     r5, \acc, #0x80000000
    add     r9, r9, \acc, asr #31
    eor     r5, r5, #0x40000000
    smlal   r5, r9, \acc, r8
    asr     \acc, r9, r10
.if \add_offset
    add     \acc, \acc, r11
.endif
    ssat    \acc, #8, \acc
.endm

// The routine, with (add_offset 1) or without the entries' offsets.
.macro CONV_BLOCKS name, add_offset
    .section .text.\name, "ax", %progbits
    .p2align 2
    .global \name
    .type   \name, %function
    .thumb_func
\name:
    push    {r4-r11, lr}
    ldm     r0, {r1, r2, r3, r4, r5, r6, r7}
    mov     r12, r2
    mov     lr, r3
    stmdb   sp!, {r1, r4, r5, r6, r7}

1:  // a block
    ldm     r12!, {r0, r1, r2, r3}
    ldr     r4, [sp]
    ldr     r7, [sp, #8]
    lsrs    r7, r7, #1              // pairs of groups; carry: an odd one
    bcc     2f
    DOT_GROUP
2:
    beq     4f
3:  // two groups
    DOT_GROUP
    DOT_GROUP
    subs    r7, r7, #1
    bne     3b

4:  // requantize
    REQUANTIZE r0, \add_offset
    REQUANTIZE r1, \add_offset
    REQUANTIZE r2, \add_offset
    REQUANTIZE r3, \add_offset
    bfi     r0, r1, #8, #8
    bfi     r0, r2, #16, #8
    bfi     r0, r3, #24, #8
    ldrd    r5, r6, [sp, #12]
    ssub8   r7, r0, r5              // the activation clamp, byte by byte
    sel     r0, r0, r5
    ssub8   r7, r6, r0
    sel     r0, r0, r6
    str     r0, [lr], #4
    ldr     r7, [sp, #4]
    subs    r7, r7, #1
    str     r7, [sp, #4]
    bne     1b

    add     sp, sp, #20
    pop     {r4-r11, pc}
    .size   \name, . - \name
.endm

    CONV_BLOCKS kiln_arm_dsp_conv_blocks_folded, 0
    CONV_BLOCKS kiln_arm_dsp_conv_blocks, 1

#endif
