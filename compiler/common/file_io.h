#ifndef KILN_COMPILER_COMMON_FILE_IO_H
#define KILN_COMPILER_COMMON_FILE_IO_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

// Whole file as bytes; throws Error(kFileNotFound) naming the path.
std::vector<uint8_t> read_file(const std::string& path);
// Throws Error(kFileNotFound) if the file cannot be written.
void write_file(const std::string& path, const void* data, size_t size);

}  // namespace kiln

#endif
