/* Encodings from the Armv7-M and Armv8.1-M Architecture Reference Manuals
 * (Thumb instruction set encoding tables); checked against GNU objdump over
 * kiln's firmware in tests/unit/instruction_classes_test.cc. */
#include "instruction_classes.h"

static uint8_t popcount16(uint32_t x) {
  uint8_t n = 0;
  for (; x; x &= x - 1) ++n;
  return n;
}

int kiln_insn_is_32bit(uint16_t hw1) {
  const unsigned top = hw1 >> 11;
  return top == 0x1d || top == 0x1e || top == 0x1f;
}

static struct kiln_insn make(enum kiln_insn_class cls, uint8_t bytes, uint8_t registers) {
  struct kiln_insn insn = {cls, bytes, registers};
  return insn;
}

static struct kiln_insn classify_16(uint16_t hw1) {
  if ((hw1 & 0xF800) == 0x4800) return make(KILN_INSN_LOAD, 2, 1); /* LDR literal */
  if ((hw1 & 0xF000) == 0x5000) /* register offset: op 3..7 load */
    return make(((hw1 >> 9) & 7) >= 3 ? KILN_INSN_LOAD : KILN_INSN_STORE, 2, 1);
  if (hw1 >= 0x6000 && hw1 < 0xA000) /* immediate and SP-relative */
    return make((hw1 & 0x0800) ? KILN_INSN_LOAD : KILN_INSN_STORE, 2, 1);
  if ((hw1 & 0xFE00) == 0xB400) return make(KILN_INSN_STORE_MULTIPLE, 2, popcount16(hw1 & 0x1FF));
  if ((hw1 & 0xFE00) == 0xBC00) /* POP, with PC a return */
    return make((hw1 & 0x100) ? KILN_INSN_LOAD_PC : KILN_INSN_LOAD_MULTIPLE, 2,
                popcount16(hw1 & 0x1FF));
  if ((hw1 & 0xF500) == 0xB100) return make(KILN_INSN_BRANCH, 2, 0); /* CBZ, CBNZ */
  if ((hw1 & 0xF800) == 0xC000) return make(KILN_INSN_STORE_MULTIPLE, 2, popcount16(hw1 & 0xFF));
  if ((hw1 & 0xF800) == 0xC800) return make(KILN_INSN_LOAD_MULTIPLE, 2, popcount16(hw1 & 0xFF));
  if ((hw1 & 0xF000) == 0xD000 && (hw1 & 0x0E00) != 0x0E00) /* B<c>; not UDF, SVC */
    return make(KILN_INSN_BRANCH, 2, 0);
  if ((hw1 & 0xF800) == 0xE000) return make(KILN_INSN_BRANCH, 2, 0); /* B */
  if ((hw1 & 0xFF00) == 0x4700) return make(KILN_INSN_BRANCH, 2, 0); /* BX, BLX */
  if ((hw1 & 0xFF87) == 0x4687 || (hw1 & 0xFF87) == 0x4487)          /* MOV pc, ADD pc */
    return make(KILN_INSN_BRANCH, 2, 0);
  if ((hw1 & 0xFFC0) == 0x4340) return make(KILN_INSN_MUL, 2, 0); /* MULS */
  return make(KILN_INSN_ALU, 2, 0);
}

/* Coprocessor space: the FPU (coprocessors 10, 11) and MVE (14, 15). */
static struct kiln_insn classify_coprocessor(uint16_t hw1, uint16_t hw2) {
  const unsigned cp = (hw2 >> 8) & 0xF;
  const int load = (hw1 & 0x0010) != 0;
  if ((hw1 & 0xEE00) == 0xEC00) { /* loads and stores */
    if (cp == 0xE || cp == 0xF) return make(load ? KILN_INSN_MVE_LOAD : KILN_INSN_MVE_STORE, 4, 1);
    if (cp == 0xA || cp == 0xB) {
      if ((hw1 & 0xFFE0) == 0xEC40) return make(KILN_INSN_FP, 4, 0); /* VMOV two core regs */
      const int single = (hw1 & 0xFF30) == 0xED10 || (hw1 & 0xFF30) == 0xED00;
      /* VLDM/VSTM: imm8 counts words for both S and D registers. */
      return make(load ? KILN_INSN_FP_LOAD : KILN_INSN_FP_STORE, 4,
                  single ? 1 : (uint8_t)(hw2 & 0xFF));
    }
    return make(KILN_INSN_ALU, 4, 0);
  }
  if ((hw1 & 0xEF00) == 0xEF00) { /* vector data processing, Advanced-SIMD-like encodings */
    if ((hw1 & 0x0080) == 0) {
      const unsigned opc = (hw2 >> 8) & 0xF;
      const int b4 = (hw2 & 0x10) != 0, u = (hw1 & 0x1000) != 0;
      if ((opc == 0x9 && b4) || opc == 0xB || (opc == 0xC && b4) || (opc == 0xD && u && b4))
        return make(KILN_INSN_MVE_MUL, 4, 0); /* VMUL, VQ(R)DMULH, VFMA, VMUL.F */
    }
    return make(KILN_INSN_MVE_INT, 4, 0);
  }
  /* EExx/FExx */
  if (cp == 0xE || cp == 0xF) {
    /* MVE's own encodings: the multiply-accumulate reductions (VMLADAV,
     * VMLALDAV, VRMLALDAVH), VMULL, VMLA(S), VQDMLADH, the by-scalar forms,
     * and also the predication, compare and narrowing instructions, which
     * are costed as the multiply pipe too (the known approximation). */
    return make(KILN_INSN_MVE_MUL, 4, 0);
  }
  if (cp == 0xA || cp == 0xB) {
    if ((hw1 & 0xFFB0) == 0xEE80 && (hw2 & 0x0050) == 0)
      return make(KILN_INSN_FP_DIV, 4, 0); /* VDIV.F32, .F64 */
    if ((hw1 & 0xFFBF) == 0xEEB1 && (hw2 & 0x0ED0) == 0x0AC0)
      return make(KILN_INSN_FP_DIV, 4, 0); /* VSQRT.F32, .F64 */
    return make(KILN_INSN_FP, 4, 0);
  }
  return make(KILN_INSN_ALU, 4, 0);
}

static struct kiln_insn classify_32(uint16_t hw1, uint16_t hw2) {
  const int load = (hw1 & 0x0010) != 0;
  if ((hw1 & 0xFE40) == 0xE800) { /* LDM, STM, PUSH.W, POP.W */
    const uint8_t n = popcount16(hw2 & 0xDFFF);
    if (!load) return make(KILN_INSN_STORE_MULTIPLE, 4, n);
    return make((hw2 & 0x8000) ? KILN_INSN_LOAD_PC : KILN_INSN_LOAD_MULTIPLE, 4, n);
  }
  if ((hw1 & 0xFE40) == 0xE840) { /* LDRD/STRD, exclusives, TBB/TBH */
    if ((hw1 & 0xFFF0) == 0xE8D0 && (hw2 & 0xFFE0) == 0xF000)
      return make(KILN_INSN_TABLE_BRANCH, 4, 0);
    if (hw1 & 0x0120) return make(load ? KILN_INSN_LOAD_MULTIPLE : KILN_INSN_STORE_MULTIPLE, 4, 2);
    return make(load ? KILN_INSN_LOAD : KILN_INSN_STORE, 4, 1);
  }
  if ((hw1 & 0xEC00) == 0xEC00) return classify_coprocessor(hw1, hw2);
  if ((hw1 & 0xF800) == 0xF000 && (hw2 & 0x8000)) { /* branches and miscellaneous control */
    const unsigned op = hw2 & 0xD000;
    if (op == 0x9000 || op == 0xD000) return make(KILN_INSN_BRANCH, 4, 0);             /* B.W, BL */
    if (op == 0x8000 && (hw1 & 0x0380) != 0x0380) return make(KILN_INSN_BRANCH, 4, 0); /* B<c>.W */
    if (op == 0xC000) return make(KILN_INSN_LOOP, 4, 0); /* LE, WLS, DLS, LCTP, VCTP */
    return make(KILN_INSN_ALU, 4, 0);                    /* MSR, MRS, hints, barriers */
  }
  if ((hw1 & 0xFE00) == 0xF800) { /* single loads and stores (F8xx, F9xx) */
    if (!load) return make(KILN_INSN_STORE, 4, 1);
    if ((hw2 >> 12) == 0xF) { /* Rt = PC: LDR pc for a word, PLD/PLI otherwise */
      const int word = ((hw1 >> 5) & 3) == 2;
      return word ? make(KILN_INSN_LOAD_PC, 4, 1) : make(KILN_INSN_ALU, 4, 0);
    }
    return make(KILN_INSN_LOAD, 4, 1);
  }
  if ((hw1 & 0xFF80) == 0xFB00) return make(KILN_INSN_MUL, 4, 0); /* MUL, MLA, SMLAD, SMLAxy */
  if ((hw1 & 0xFF80) == 0xFB80) {
    const int divide =
        ((hw1 & 0xFFF0) == 0xFB90 || (hw1 & 0xFFF0) == 0xFBB0) && (hw2 & 0xF0) == 0xF0;
    return make(divide ? KILN_INSN_DIV : KILN_INSN_MUL_LONG, 4, 0);
  }
  return make(KILN_INSN_ALU, 4, 0);
}

struct kiln_insn kiln_classify_insn(uint16_t hw1, uint16_t hw2) {
  return kiln_insn_is_32bit(hw1) ? classify_32(hw1, hw2) : classify_16(hw1);
}

const char* kiln_insn_class_name(enum kiln_insn_class cls) {
#define KILN_INSN_NAME(e, name) name,
  static const char* const names[] = {KILN_INSN_CLASSES(KILN_INSN_NAME)};
#undef KILN_INSN_NAME
  return (unsigned)cls < KILN_INSN_CLASS_COUNT ? names[cls] : "?";
}

int kiln_insn_mve_pipe(enum kiln_insn_class cls) {
  switch (cls) {
    case KILN_INSN_MVE_LOAD:
    case KILN_INSN_MVE_STORE: return 0;
    case KILN_INSN_MVE_INT: return 1;
    case KILN_INSN_MVE_MUL: return 2;
    default: return -1;
  }
}
