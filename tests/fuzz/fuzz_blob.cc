// libFuzzer target: arbitrary bytes as a .kiln blob. The checksum is
// recomputed first (when the header's sizes allow it) so that mutations reach
// the table and parameter checks behind it; an accepted blob runs once.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kiln/blob_format.h"
#include "kiln/executor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint64_t> storage(size / 8 + 1);
  uint8_t* blob = reinterpret_cast<uint8_t*>(storage.data());
  if (size) std::memcpy(blob, data, size);
  if (size >= sizeof(kiln::blob::BlobHeader)) {
    kiln::blob::BlobHeader h;
    std::memcpy(&h, blob, sizeof(h));
    if (h.header_bytes <= h.total_bytes && h.total_bytes <= size) {
      h.checksum = kiln::blob::crc32(blob + h.header_bytes, h.total_bytes - h.header_bytes);
      std::memcpy(blob, &h, sizeof(h));
    }
  }
  uint32_t arena_bytes = 0;
  if (kiln::Executor::required_arena_bytes(blob, size, &arena_bytes) != KILN_OK ||
      arena_bytes > (64u << 20)) {
    return 0;
  }
  std::vector<uint64_t> arena(arena_bytes / 8 + 1);
  kiln::Executor ex;
  ex.set_loop_limit(1000);  // a branch backwards that is always taken is valid, not a finding
  if (ex.init(blob, size, arena.data(), arena_bytes) == KILN_OK) ex.invoke();
  return 0;
}
