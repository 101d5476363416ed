#include "compiler/secure/file_flash.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"

namespace kiln {
namespace secure {
namespace {

std::string layout_path(const std::string& image) { return image + ".layout.json"; }

bool power_of_two(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

kiln_update_layout FlashGeometry::layout() const {
  return kiln_update_layout{{0, slot_size}, slot_size, 2 * slot_size};
}

void FileFlash::create(const std::string& path, const FlashGeometry& g) {
  if (!power_of_two(g.sector_size) || g.sector_size < 64 || !power_of_two(g.write_size) ||
      g.write_size > 32 || g.slot_size == 0 || g.slot_size % g.sector_size != 0) {
    throw Error(
        ErrorKind::kUsage,
        fmt::format(
            "a flash of {}-byte sectors written {} bytes at a time cannot hold {}-byte slots: the "
            "sector size is a power of two of at least 64, the write size one of at most 32, the "
            "slot size a multiple of the sector size",
            g.sector_size, g.write_size, g.slot_size));
  }
  const std::vector<uint8_t> erased(g.total(), 0xFF);
  write_file(path, erased.data(), erased.size());
  const std::string layout =
      nlohmann::json{
          {"sector_size", g.sector_size}, {"write_size", g.write_size}, {"slot_size", g.slot_size}}
          .dump(2) +
      "\n";
  write_file(layout_path(path), layout.data(), layout.size());
}

FileFlash::FileFlash(const std::string& path) {
  const std::vector<uint8_t> layout = read_file(layout_path(path));
  try {
    const nlohmann::json j = nlohmann::json::parse(layout.begin(), layout.end());
    geometry_.sector_size = j.at("sector_size");
    geometry_.write_size = j.at("write_size");
    geometry_.slot_size = j.at("slot_size");
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}: not a flash layout: {}", layout_path(path), e.what()));
  }
  file_ = std::fopen(path.c_str(), "r+b");
  if (file_ == nullptr) throw Error(ErrorKind::kFileNotFound, fmt::format("cannot open {}", path));
  std::fseek(file_, 0, SEEK_END);
  const long size = std::ftell(file_);
  if (size != static_cast<long>(geometry_.total())) {
    std::fclose(file_);
    throw Error(ErrorKind::kBadInput,
                fmt::format("{} is {} bytes, its layout says {}", path, size, geometry_.total()));
  }
  flash_.sector_size = geometry_.sector_size;
  flash_.write_size = geometry_.write_size;
  flash_.read = &FileFlash::read;
  flash_.program = &FileFlash::program;
  flash_.erase = &FileFlash::erase;
  flash_.context = this;
}

FileFlash::~FileFlash() {
  if (file_ != nullptr) std::fclose(file_);
}

int FileFlash::read(void* context, uint32_t address, void* data, uint32_t size) {
  auto* self = static_cast<FileFlash*>(context);
  if (uint64_t{address} + size > self->geometry_.total()) return -1;
  if (std::fseek(self->file_, address, SEEK_SET) != 0) return -1;
  return std::fread(data, 1, size, self->file_) == size ? 0 : -1;
}

int FileFlash::program(void* context, uint32_t address, const void* data, uint32_t size) {
  auto* self = static_cast<FileFlash*>(context);
  if (address % self->flash_.write_size != 0 || size % self->flash_.write_size != 0) return -1;
  std::vector<uint8_t> cells(size);
  if (read(context, address, cells.data(), size) != 0) return -1;
  const auto* in = static_cast<const uint8_t*>(data);
  for (uint32_t i = 0; i < size; ++i) cells[i] &= in[i];  // NOR: programming clears bits only
  if (std::fseek(self->file_, address, SEEK_SET) != 0) return -1;
  if (std::fwrite(cells.data(), 1, size, self->file_) != size) return -1;
  return std::fflush(self->file_) == 0 ? 0 : -1;
}

int FileFlash::erase(void* context, uint32_t address) {
  auto* self = static_cast<FileFlash*>(context);
  const uint32_t sector = self->flash_.sector_size;
  if (address % sector != 0 || uint64_t{address} + sector > self->geometry_.total()) return -1;
  const std::vector<uint8_t> erased(sector, 0xFF);
  if (std::fseek(self->file_, address, SEEK_SET) != 0) return -1;
  if (std::fwrite(erased.data(), 1, sector, self->file_) != sector) return -1;
  return std::fflush(self->file_) == 0 ? 0 : -1;
}

}  // namespace secure
}  // namespace kiln
