// The Arm DSP population counts of the fully binary layer
// (kiln/ops/conv2d_a1.h): for each pair of consecutive rows of bits, how
// many bits are 1 in both the window and the row.
//
//   void kiln_arm_dsp_binary_counts(const uint32_t* window, const uint32_t* rows,
//                                   int32_t words, uint32_t* counts, int32_t pairs);
//
// Rows of `words` words (1 to 30) follow one another; counts receives two
// per pair. A word's count per nibble takes five instructions with the
// masks in registers (the AND shifts its operand for free); three words'
// nibble counts add up (at most 12 each) before they fold into byte counts,
// and the byte counts (at most 240 for 30 words) are summed once per row.
// Both rows of a pair share each window word's load.
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

    .syntax unified
    .thumb

#include "kernels/common/asm_macros.inc"

// The frame: the window, the words, the next counts, the pairs left.
    .equ WINDOW, 0
    .equ WORDS, 4
    .equ COUNTS, 8
    .equ PAIRS_LEFT, 12
    .equ FRAME, 16
    .equ PAIRS_ARG, FRAME + 36  // the fifth argument, past the nine pushed

// Registers: r0 the window word's address, r1 row 0's (row 1 is r12 bytes
// on), r2 and r3 nibble counts, r4 0x55555555, r5 0x33333333, r6 a window
// word, r7 and r8 the words ANDed with it, r9 a temporary, r10 and r11 byte
// counts, lr the words left.

// n (=, or += with add) the per-nibble counts of x's bits; x and r9 clobbered.
.macro NIBBLES x, n, add
    and     r9, r4, \x, lsr #1
    sub     \x, \x, r9
    and     r9, r5, \x, lsr #2
    and     \x, \x, r5
.if \add
    add     \n, \n, r9
    add     \n, \n, \x
.else
    add     \n, \x, r9
.endif
.endm

// One window word against both rows' next words.
.macro WORD add
    ldr     r6, [r0], #4
    ldr     r8, [r1, r12]
    ldr     r7, [r1], #4
    and     r7, r7, r6
    and     r8, r8, r6
    NIBBLES r7, r2, \add
    NIBBLES r8, r3, \add
.endm

// bytes += the nibble counts n folded into bytes; n clobbered.
.macro FOLD n, bytes
    and     r9, \n, #0x0F0F0F0F
    add     \bytes, \bytes, r9
    lsr     \n, \n, #4
    and     \n, \n, #0x0F0F0F0F
    add     \bytes, \bytes, \n
.endm

// bytes = the sum of its four bytes.
.macro SUM_BYTES bytes
    and     r9, \bytes, #0x00FF00FF
    lsr     \bytes, \bytes, #8
    and     \bytes, \bytes, #0x00FF00FF
    add     \bytes, \bytes, r9
    add     \bytes, \bytes, \bytes, lsl #16
    lsr     \bytes, \bytes, #16
.endm

BEGIN_FUNCTION kiln_arm_dsp_binary_counts
    push    {r4-r11, lr}
    sub     sp, sp, #FRAME
    ldr     r9, [sp, #PAIRS_ARG]
    str     r0, [sp, #WINDOW]
    str     r2, [sp, #WORDS]
    str     r3, [sp, #COUNTS]
    str     r9, [sp, #PAIRS_LEFT]
    lsl     r12, r2, #2
    ldr     r4, =0x55555555
    ldr     r5, =0x33333333
.Lpair:
    ldr     r0, [sp, #WINDOW]
    ldr     lr, [sp, #WORDS]
    movs    r10, #0
    movs    r11, #0
    subs    lr, lr, #3
    blt     .Ltail
.Lgroup:
    WORD    0
    WORD    1
    WORD    1
    FOLD    r2, r10
    FOLD    r3, r11
    subs    lr, lr, #3
    bge     .Lgroup
.Ltail:
    adds    lr, lr, #2  // the words left (0, 1 or 2) less one
    blt     .Lsum
    WORD    0
    beq     .Lfold  // (WORD leaves the flags as they were)
    WORD    1
.Lfold:
    FOLD    r2, r10
    FOLD    r3, r11
.Lsum:
    SUM_BYTES r10
    SUM_BYTES r11
    ldr     r9, [sp, #COUNTS]
    stmia   r9!, {r10, r11}
    str     r9, [sp, #COUNTS]
    add     r1, r1, r12
    COUNT_DOWN PAIRS_LEFT, r9
    bne     .Lpair
    add     sp, sp, #FRAME
    pop     {r4-r11, pc}
    .ltorg
END_FUNCTION kiln_arm_dsp_binary_counts

#endif
