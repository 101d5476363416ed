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
  // One buffer per RAM region the header sizes, each as large as it asks.
  uint32_t num_regions = 0;
  if (kiln::Executor::required_regions(blob, size, &num_regions) != KILN_OK) return 0;
  std::vector<std::vector<uint64_t>> storage_of(num_regions);
  std::vector<kiln::RegionBuffer> regions;
  uint64_t total = 0;
  for (uint32_t r = 0; r < num_regions; ++r) {
    uint32_t bytes = 0;
    kiln::Executor::required_region_bytes(blob, size, r, &bytes);
    total += bytes;
    if (total > (64u << 20)) return 0;
    storage_of[r].resize(bytes / 8 + 1);
    regions.push_back({storage_of[r].data(), bytes});
  }
  kiln::Executor ex;
  ex.set_loop_limit(1000);  // a branch backwards that is always taken is valid, not a finding
  if (ex.init(blob, size, regions.data(), num_regions) == KILN_OK) ex.invoke();
  return 0;
}
