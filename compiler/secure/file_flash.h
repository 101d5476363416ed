// A flash device backed by a file, for running kiln's updater on the host
// (kiln device): NOR semantics (program clears bits, erase sets a sector to
// 0xFF), with the layout kept beside the image in IMAGE.layout.json.
#ifndef KILN_COMPILER_SECURE_FILE_FLASH_H
#define KILN_COMPILER_SECURE_FILE_FLASH_H

#include <cstdint>
#include <cstdio>
#include <string>

#include "kiln/model_update.h"

namespace kiln {
namespace secure {

struct FlashGeometry {
  uint32_t sector_size = 4096;
  uint32_t write_size = 8;
  uint32_t slot_size = 0;  // a multiple of the sector size
  // Two slots, then the journal's two sectors.
  kiln_update_layout layout() const;
  uint32_t total() const { return 2 * slot_size + 2 * sector_size; }
};

class FileFlash {
 public:
  // Creates an erased image (and its layout file); throws Error(kUsage) for
  // a geometry the updater would refuse.
  static void create(const std::string& path, const FlashGeometry& geometry);
  // Opens an image made by create(); throws Error(kFileNotFound) or
  // Error(kBadInput) naming the file.
  explicit FileFlash(const std::string& path);
  ~FileFlash();
  FileFlash(const FileFlash&) = delete;
  FileFlash& operator=(const FileFlash&) = delete;

  const kiln_flash* flash() const { return &flash_; }
  const FlashGeometry& geometry() const { return geometry_; }
  kiln_update_layout layout() const { return geometry_.layout(); }

 private:
  static int read(void* context, uint32_t address, void* data, uint32_t size);
  static int program(void* context, uint32_t address, const void* data, uint32_t size);
  static int erase(void* context, uint32_t address);

  std::FILE* file_ = nullptr;
  FlashGeometry geometry_;
  kiln_flash flash_{};
};

}  // namespace secure
}  // namespace kiln

#endif  // KILN_COMPILER_SECURE_FILE_FLASH_H
