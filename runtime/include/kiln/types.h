/* Element types of tensors as the runtime and the blob format see them. C-compatible. */
#ifndef KILN_TYPES_H
#define KILN_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kiln_dtype {
  KILN_DTYPE_FLOAT32 = 0,
  KILN_DTYPE_INT8 = 1,
  KILN_DTYPE_INT16 = 2,
  KILN_DTYPE_INT32 = 3,
  KILN_DTYPE_INT64 = 4,
  KILN_DTYPE_UINT8 = 5,
  KILN_DTYPE_BOOL = 6, /* one byte, 0 or 1 */
  KILN_DTYPE_UINT32 = 7,
  KILN_DTYPE_UINT64 = 8,
  KILN_DTYPE_COUNT = 9
} kiln_dtype;

/* Bytes of one element; 0 for an unknown type. */
static inline uint32_t kiln_dtype_size(uint32_t dtype) {
  switch (dtype) {
    case KILN_DTYPE_FLOAT32: return 4;
    case KILN_DTYPE_INT8: return 1;
    case KILN_DTYPE_INT16: return 2;
    case KILN_DTYPE_INT32: return 4;
    case KILN_DTYPE_INT64: return 8;
    case KILN_DTYPE_UINT8: return 1;
    case KILN_DTYPE_BOOL: return 1;
    case KILN_DTYPE_UINT32: return 4;
    case KILN_DTYPE_UINT64: return 8;
    default: return 0;
  }
}

#ifdef __cplusplus
}
#endif

#endif /* KILN_TYPES_H */
