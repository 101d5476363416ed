#include "compiler/common/file_io.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "compiler/common/error.h"

namespace kiln {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

std::vector<uint8_t> read_file(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f)
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f.get())) > 0)
    bytes.insert(bytes.end(), chunk, chunk + n);
  if (std::ferror(f.get())) {
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  }
  return bytes;
}

void make_directories(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("cannot create '{}': {}", dir, error.message()));
}

void write_file(const std::string& path, const void* data, size_t size) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) make_directories(parent.string());
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
  if (!f || std::fwrite(data, 1, size, f.get()) != size) {
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  }
}

bool ends_with(const std::string& path, const std::string& suffix) {
  return path.size() >= suffix.size() &&
         path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace kiln
