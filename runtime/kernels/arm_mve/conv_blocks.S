// The Helium convolution's per-pixel loop over blocks of four output
// channels, register-allocated by hand: the output stage's constants stay in
// vector registers across blocks and the four sums in the even registers
// VMLADAVA accumulates in, where compiled C spills both.
//
//   void kiln_arm_mve_conv_blocks(const kiln::arm_mve::ConvBlocksJob* job);
//
// ConvBlocksJob (primitives.h), one word each: column, records, out, blocks,
// steps (16-tap steps per block), offset, act_min, act_max. Per block: the
// record's four biases, its weights (per 16 taps, each channel's 16 in
// turn), its four ArmMveRequant entries; four int8 results are stored.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)

    .syntax unified
    .thumb

#include "kernels/arm_mve/asm_macros.inc"

// Registers: r0, r2, r4, r6 the sums; r1 the column; r3 the record; r5 the
// output; r7 blocks left; r8 steps; r9 the output offset; r10 the column
// pointer; lr the step count; q6/q7 the activation range.
    BEGIN_FUNCTION kiln_arm_mve_conv_blocks
    push    {r4-r10, lr}
    vpush   {d8-d15}
    ldm     r0, {r1, r3, r5, r7, r8, r9, r10, r12}
    vdup.32 q6, r10
    vdup.32 q7, r12

1:  // a block
    ldrd    r0, r2, [r3]
    ldrd    r4, r6, [r3, #8]
    adds    r3, r3, #16
    mov     r10, r1
    dls     lr, r8
2:  // 16 taps of the four channels
    vldrb.8 q0, [r10], #16
    vldrb.8 q1, [r3], #16
    vldrb.8 q2, [r3], #16
    vldrb.8 q3, [r3], #16
    vldrb.8 q4, [r3], #16
    vmladava.s8 r0, q0, q1
    vmladava.s8 r2, q0, q2
    vmladava.s8 r4, q0, q3
    vmladava.s8 r6, q0, q4
    le      lr, 2b

    vmov.32 q4[0], r0               // single lanes: plain where the two-lane
    vmov.32 q4[1], r2               // form's operand order is easy to misread
    vmov.32 q4[2], r4
    vmov.32 q4[3], r6
    REQUANTIZE4_STORE r3, q4, q0, q1, q2, q3, q5, r9, q6, q7, r5
    subs    r7, r7, #1
    bne     1b

    vpop    {d8-d15}
    pop     {r4-r10, pc}
    END_FUNCTION kiln_arm_mve_conv_blocks

#endif
