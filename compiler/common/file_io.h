#ifndef KILN_COMPILER_COMMON_FILE_IO_H
#define KILN_COMPILER_COMMON_FILE_IO_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

// Whole file as bytes; throws Error(kFileNotFound) naming the path.
std::vector<uint8_t> read_file(const std::string& path);
// Creates the file's missing parent directories first; throws
// Error(kFileNotFound) naming the path if it cannot be written.
void write_file(const std::string& path, const void* data, size_t size);
// Creates `dir` and any missing parents (nothing if it exists); throws
// Error(kFileNotFound) naming it otherwise.
void make_directories(const std::string& dir);
// Whether `path` ends in `suffix` (a file name's extension, ".tflite").
bool ends_with(const std::string& path, const std::string& suffix);

}  // namespace kiln

#endif
