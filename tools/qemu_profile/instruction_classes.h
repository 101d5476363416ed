/* Classes of Armv7-M / Armv8-M Thumb-2 instructions (with the DSP, FP and
 * MVE extensions) that the cores' documented timings tell apart, decided
 * from the instruction's bytes alone: QEMU 7.2's disassembler (capstone 4)
 * does not know MVE, and the plugin API reports a wrong length for the last
 * instruction before a page boundary. */
#ifndef KILN_TOOLS_QEMU_PROFILE_INSTRUCTION_CLASSES_H
#define KILN_TOOLS_QEMU_PROFILE_INSTRUCTION_CLASSES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(enumerator, name the plugin prints) */
#define KILN_INSN_CLASSES(X)                                                               \
  X(KILN_INSN_ALU, "alu")                       /* data processing, moves, IT, DSP SIMD */ \
  X(KILN_INSN_MUL, "mul")                       /* 32-bit multiply and MAC, SMLAD */       \
  X(KILN_INSN_MUL_LONG, "mul_long")             /* 64-bit result: SMULL, SMLAL(D) */       \
  X(KILN_INSN_DIV, "div")                       /* SDIV, UDIV */                           \
  X(KILN_INSN_LOAD, "load")                     /* one register (LDR, LDREX) */            \
  X(KILN_INSN_STORE, "store")                   /* one register */                         \
  X(KILN_INSN_LOAD_MULTIPLE, "load_multiple")   /* LDM, POP, LDRD */                       \
  X(KILN_INSN_STORE_MULTIPLE, "store_multiple") /* STM, PUSH, STRD */                      \
  X(KILN_INSN_BRANCH, "branch")                 /* B, BL, BX, CBZ, MOV pc */               \
  X(KILN_INSN_LOAD_PC, "load_pc")               /* POP {pc}, LDR pc: a return */           \
  X(KILN_INSN_TABLE_BRANCH, "table_branch")     /* TBB, TBH */                             \
  X(KILN_INSN_LOOP, "loop")                     /* Armv8.1-M low-overhead loops, VCTP */   \
  X(KILN_INSN_FP, "fp")                         /* FPU data processing, VMOV */            \
  X(KILN_INSN_FP_DIV, "fp_div")                 /* VDIV, VSQRT */                          \
  X(KILN_INSN_FP_LOAD, "fp_load")               /* VLDR, VLDM, VPOP */                     \
  X(KILN_INSN_FP_STORE, "fp_store")             /* VSTR, VSTM, VPUSH */                    \
  X(KILN_INSN_MVE_LOAD, "mve_load")             /* Helium VLDR*, VLD2x/4x, gathers */      \
  X(KILN_INSN_MVE_STORE, "mve_store")           /* Helium VSTR*, VST2x/4x, scatters */     \
  X(KILN_INSN_MVE_INT, "mve_int")               /* Helium integer/add pipe */              \
  X(KILN_INSN_MVE_MUL, "mve_mul")               /* Helium multiply pipe: VMLADAV, VMUL.. */

#define KILN_INSN_ENUMERATOR(e, name) e,
enum kiln_insn_class { KILN_INSN_CLASSES(KILN_INSN_ENUMERATOR) KILN_INSN_CLASS_COUNT };
#undef KILN_INSN_ENUMERATOR

struct kiln_insn {
  enum kiln_insn_class cls;
  uint8_t bytes;     /* 2 or 4 */
  uint8_t registers; /* registers a multiple load/store (or LDRD, VLDM) transfers */
};

/* 1 when the halfword starts a 32-bit instruction. */
int kiln_insn_is_32bit(uint16_t first_halfword);

/* The class of the instruction whose first halfword is `hw1` (and second,
 * for a 32-bit one, `hw2`; ignored otherwise). */
struct kiln_insn kiln_classify_insn(uint16_t hw1, uint16_t hw2);

/* The name the plugin prints for a class. */
const char* kiln_insn_class_name(enum kiln_insn_class cls);

/* Helium's vector pipes (Cortex-M55: one instruction's second beat overlaps
 * the next one's first when they use different pipes); -1 if not MVE. */
int kiln_insn_mve_pipe(enum kiln_insn_class cls);

#ifdef __cplusplus
}
#endif

#endif
