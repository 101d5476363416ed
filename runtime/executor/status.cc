#include "kiln/status.h"

extern "C" const char* kiln_status_string(kiln_status status) {
  switch (status) {
    case KILN_OK: return "ok";
    case KILN_ERR_BAD_ARGUMENT:
      return "bad argument (null, out-of-range index or misaligned buffer)";
    case KILN_ERR_TRUNCATED: return "blob is truncated";
    case KILN_ERR_BAD_MAGIC: return "not a kiln blob (bad magic)";
    case KILN_ERR_VERSION: return "unsupported blob format version";
    case KILN_ERR_CHECKSUM: return "blob checksum mismatch (corrupted)";
    case KILN_ERR_CORRUPT: return "blob is corrupted (a table entry is out of bounds)";
    case KILN_ERR_UNSUPPORTED_OP:
      return "blob uses an op this runtime does not have (compiled for another target?)";
    case KILN_ERR_BAD_PARAMS: return "op parameters do not match their tensors";
    case KILN_ERR_ARENA_TOO_SMALL: return "arena is smaller than the model needs";
    case KILN_ERR_SIZE_MISMATCH: return "buffer size does not match the tensor";
    case KILN_ERR_LOOP_LIMIT:
      return "a loop ran more iterations than the limit set (a WHILE whose condition never fails?)";
  }
  return "unknown status";
}
