#include "kiln/blob_format.h"

namespace kiln {
namespace blob {
namespace {

struct Crc32Table {
  uint32_t entries[256];
};

constexpr Crc32Table make_table() {
  Crc32Table t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t.entries[i] = c;
  }
  return t;
}

// Computed at compile time so that it sits in flash with no static constructor.
constexpr Crc32Table kTable = make_table();

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = kTable.entries[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace blob
}  // namespace kiln
