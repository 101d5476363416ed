/* Status codes shared by the runtime, its C API and the compiler. C-compatible. */
#ifndef KILN_STATUS_H
#define KILN_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERR_BAD_ARGUMENT = 1,    /* null pointer, wrong index, misaligned buffer */
  KILN_ERR_TRUNCATED = 2,       /* blob shorter than its header says */
  KILN_ERR_BAD_MAGIC = 3,       /* not a .kiln blob */
  KILN_ERR_VERSION = 4,         /* blob format version this runtime does not read */
  KILN_ERR_CHECKSUM = 5,        /* payload does not match the header checksum */
  KILN_ERR_CORRUPT = 6,         /* a table entry points outside its section */
  KILN_ERR_UNSUPPORTED_OP = 7,  /* opcode unknown, or a variant for another target */
  KILN_ERR_BAD_PARAMS = 8,      /* op parameters inconsistent with its tensors */
  KILN_ERR_ARENA_TOO_SMALL = 9, /* caller's arena smaller than the plan needs */
  KILN_ERR_SIZE_MISMATCH = 10,  /* input/output buffer of the wrong size */
  KILN_ERR_LOOP_LIMIT = 11      /* a loop ran more iterations than the limit set */
} kiln_status;

/* A short English description of a status code; never null. */
const char* kiln_status_string(kiln_status status);

#ifdef __cplusplus
}
#endif

#endif /* KILN_STATUS_H */
